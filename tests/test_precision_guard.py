"""False alarms on clean text: a well-edited Canadian news text full of near misses
(a real prime minister, gas prices, a commercial lease, her for a woman, the
correct agreement names) must draw no finding from the rules."""

from __future__ import annotations

from pathlib import Path

from retrans.api import Options, check_text

CLEAN = Path(__file__).parent / "data" / "clean_news.txt"


def test_rules_stay_silent_on_clean_news_text() -> None:
    text = CLEAN.read_text(encoding="utf-8")
    findings = check_text(text, Options(grammar="none", embeddings=False))
    assert [(f.rule, text[f.start : f.end]) for f in findings] == []


def test_grammar_adds_no_noise_on_clean_news_text() -> None:
    text = CLEAN.read_text(encoding="utf-8")
    findings = [f for f in check_text(text, Options(grammar="harper")) if f.rule.startswith("HARPER/")]
    assert [(f.rule, text[f.start : f.end]) for f in findings] == []
