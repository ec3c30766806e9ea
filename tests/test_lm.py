"""The language-model checker: its data file, its examples, the model offline, and
graceful degradation when the model is not installed. Not timed (see
benchmarks/bench_lm.py for costs)."""

from __future__ import annotations

import logging
import math
import os
import re

import pytest

from retrans.api import Options, build_tooling
from retrans.cli import _options, build_parser
from retrans.config import Config
from retrans.engine import Pipeline
from retrans.lm import checker as lm_checker
from retrans.lm.candidates import Confusions, confusion_candidates, load_confusions
from retrans.lm.checker import LMChecker
from retrans.lm.model import LMUnavailable, Window, model_installed

MARK = re.compile(r"\[\[(.+?)\]\]")
needs_model = pytest.mark.skipif(not model_installed(), reason="the `lm` extra is not installed")


def _unmark(example: str) -> tuple[str, int, int]:
    m = MARK.search(example)
    assert m, f"bad example without [[span]]: {example}"
    text = example[: m.start()] + m.group(1) + example[m.end() :]
    return text, m.start(), m.start() + len(m.group(1))


@pytest.fixture(scope="module")
def data() -> Confusions:
    return load_confusions()


@pytest.fixture(scope="module")
def lm() -> LMChecker:
    return LMChecker()


def test_data_file_is_well_formed(data: Confusions) -> None:
    ids = [e.id for e in data.entries]
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    assert len(data.entries) >= 200
    for e in data.entries:
        assert e.bad and e.good, f"{e.id}: needs a bad and a good example"
        assert e.french, f"{e.id}: needs its French source"
        for form, alts in e.forms.items():
            assert alts, f"{e.id}: {form} has no alternative"
            assert form.lower() not in {a.lower() for a in alts}, f"{e.id}: {form} corrects to itself"


def test_bad_examples_give_a_candidate_at_the_marker(data: Confusions) -> None:
    """The cheap filters let every bad example through at its marked span."""
    for e in data.entries:
        if not e.enabled:
            continue  # kept visible with its examples, LanguageTool-style, but off
        only = Confusions(data.sources, (e,))
        for ex in e.bad:
            text, start, end = _unmark(ex)
            spans = {(c.start, c.end) for c in confusion_candidates(text, only)}
            assert (start, end) in spans, f"{e.id}: no candidate at the marker in {ex!r}"


def test_the_model_loads_and_scores_offline() -> None:
    if not model_installed():
        pytest.skip("the `lm` extra is not installed")
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # conftest sets it: no download can happen
    from retrans.lm.model import shared_model

    model = shared_model()
    a, b = model.score([Window("The party's", " chief resigned."), Window("The party's", " leader resigned.")])
    assert math.isfinite(a) and math.isfinite(b) and a < 0 and b < 0
    assert b > a


@needs_model
def test_a_known_bad_sentence_gets_its_candidate(lm: LMChecker) -> None:
    text = "The two countries want to avoid a commercial war over softwood lumber."
    found = lm.check(text)
    assert [(text[f.start : f.end], f.rule, f.name) for f in found] == [("commercial war", "RT950", "lm.confusions")]
    assert found[0].suggestions[0] == "trade war"
    assert "margin" in found[0].message


@needs_model
def test_a_clean_sentence_gets_none(lm: LMChecker) -> None:
    text = "The chief of police said the formation of a new unit would take months, even if funding came quickly."
    assert lm.check(text) == []


@needs_model
def test_every_entry_example_with_the_model(data: Confusions, lm: LMChecker) -> None:
    """Each bad example fires at its marker with its correction among the
    suggestions; each good example draws nothing (LanguageTool's discipline)."""
    bad, good = [], []
    for e in data.entries:
        if e.enabled:
            bad.extend((e.id, ex, *_unmark(ex)) for ex in e.bad)
            good.extend((e.id, ex) for ex in e.good)
    # One document per call, as in real use: margins shift by a few tenths of a nat
    # with the batch's shape (bf16 kernels), so examples are not batched together.
    results = [lm.check(text) for text in [b[2] for b in bad] + [g[1] for g in good]]
    problems = []
    for (eid, ex, _, start, end), found in zip(bad, results[: len(bad)], strict=True):
        if (start, end) not in {(f.start, f.end) for f in found}:
            problems.append(f"{eid}: bad example not flagged: {ex}")
    for (eid, ex), found in zip(good, results[len(bad) :], strict=True):
        if found:
            problems.append(f"{eid}: good example flagged {[ex[f.start : f.end] for f in found]}: {ex}")
    assert problems == []


def test_a_missing_model_degrades_with_one_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable() -> None:
        raise LMUnavailable("the `lm` extra is not installed")

    monkeypatch.setattr(lm_checker, "shared_model", unavailable)
    checker = LMChecker()
    text = "The two countries want to avoid a commercial war. The Prime Minister of Quebec spoke."
    with caplog.at_level(logging.WARNING, logger="retrans.lm"):
        assert checker.check(text) == []
        assert checker.check(text) == []
    assert len([r for r in caplog.records if r.name == "retrans.lm"]) == 1
    tooling = build_tooling(Options(grammar="none", embeddings=False, lm=False))
    assert isinstance(tooling.checker, Pipeline)
    rest = Pipeline([*tooling.checker.checkers, checker]).check(text)
    assert rest, "the other checkers still run"


def test_no_lm_flag_turns_the_checker_off() -> None:
    args = build_parser().parse_args(["check", "--no-lm", "x.txt"])
    assert _options(args, Config()).lm is False
    args = build_parser().parse_args(["check", "x.txt"])
    assert _options(args, Config()).lm is None
    tooling = build_tooling(Options(grammar="none", embeddings=False, lm=False))
    assert isinstance(tooling.checker, Pipeline)
    assert not any(isinstance(c, LMChecker) for c in tooling.checker.checkers)
