"""False alarms on clean text: well-edited Canadian news texts full of near misses
(a real prime minister, gas prices, a commercial lease, her for a woman, the
correct agreement names; in the second, health, courts, sports, weather and city
news with hockey scores, English region names and "actual", "eventually",
"written statement" used correctly) must draw no finding from the rules or Harper."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrans.app.api import Options, check_text

CLEAN_TEXTS = sorted((Path(__file__).parent / "data").glob("clean_news*.txt"))


@pytest.fixture(params=CLEAN_TEXTS, ids=[p.name for p in CLEAN_TEXTS])
def clean_text(request: pytest.FixtureRequest) -> str:
    return Path(request.param).read_text(encoding="utf-8")


def test_there_are_several_clean_texts() -> None:
    assert len(CLEAN_TEXTS) >= 2


def test_rules_stay_silent_on_clean_news_text(clean_text: str) -> None:
    text = clean_text
    findings = check_text(text, Options(grammar="none", embeddings=False))
    assert [(f.rule, text[f.start : f.end]) for f in findings] == []


def test_grammar_adds_no_noise_on_clean_news_text(clean_text: str) -> None:
    text = clean_text
    findings = [f for f in check_text(text, Options(grammar="harper")) if f.rule.startswith("HARPER/")]
    assert [(f.rule, text[f.start : f.end]) for f in findings] == []
