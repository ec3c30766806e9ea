"""The language model as the verifier of the rules' own repairs: a rule's
suggestion shown only (`fix: suggest`) becomes one `fix` applies when the model
prefers the repaired sentence by the data file's margin. A fake model makes the
selection and the threshold exact; one test runs the real model end to end."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from retrans.app.api import Options, build_tooling, fix_text
from retrans.app.process import process
from retrans.core.checker import CodeInfo
from retrans.core.finding import ContextGate, Finding, FixPolicy, Severity
from retrans.detect.build import Tooling
from retrans.detect.lm.candidates import Confusions, Source
from retrans.detect.lm.checker import MAX_FIX_SPAN, LMChecker, fix_candidates
from retrans.detect.lm.model import Window, model_installed
from retrans.detect.pipeline import Pipeline
from retrans.repair.overlaps import dedupe

TEXT = "The minister spoke in the night of Sunday to the press."
SPAN = (TEXT.index("in the night of Sunday"), TEXT.index(" to the press"))


def finding(
    start: int = SPAN[0],
    end: int = SPAN[1],
    rep: str = "on Sunday night",
    *,
    rule: str = "RT1285",
    fix: FixPolicy = FixPolicy.SUGGEST,
    gate: ContextGate | None = None,
) -> Finding:
    return Finding(rule, "test.rule", start, end, "m", Severity.WARNING, "calque", (rep,), 0.8, fix, gate=gate)


class Judge:
    """Scores a window by whether its text opens with a preferred phrase."""

    def __init__(self, preferred: str, gain: float) -> None:
        self.preferred, self.gain, self.windows = preferred, gain, 0

    def score(self, windows: Sequence[Window]) -> list[float]:
        self.windows += len(windows)
        return [self.gain if w.text.lstrip().startswith(self.preferred) else 0.0 for w in windows]


def checker(judge: Judge, margin: float = 1.0) -> LMChecker:
    data = Confusions({"confusions": Source("confusions", 1.0), "fixes": Source("fixes", margin)}, ())
    return LMChecker(data=data, model=judge)  # type: ignore[arg-type]


def test_only_rule_suggestions_that_replace_a_short_span_are_put_to_the_model() -> None:
    gate = ContextGate("sense", "a", ("b",))
    long_end = SPAN[0] + MAX_FIX_SPAN + 1
    prior = [
        finding(),
        finding(fix=FixPolicy.SAFE),  # applied anyway
        finding(rule="HARPER/Grammar"),  # the grammar checker's own policy
        finding(rule="RT950"),  # the model's own finding
        finding(gate=gate),  # a proposal the embedding checker has not confirmed
        finding(rep=""),  # a deletion
        finding(rep="in the night of Sunday"),  # no change
        finding(0, 0, "So "),  # an insertion
        finding(SPAN[0], long_end),
    ]
    text = TEXT + " " * MAX_FIX_SPAN
    chosen = fix_candidates(text, prior, 1.0)
    assert [c.finding for c in chosen] == [prior[0]]
    assert chosen[0].original == "in the night of Sunday" and chosen[0].alternatives == ("on Sunday night",)


def test_a_confirmed_repair_becomes_fixable_and_wins_over_the_shown_one() -> None:
    judge = Judge("on Sunday night", 2.5)
    prior = [finding()]
    out = checker(judge).confirm_repairs(TEXT, prior)
    assert len(out) == 1 and judge.windows == 2
    confirmed = out[0]
    assert confirmed.fix is FixPolicy.SAFE and confirmed.is_fixable(0.7)
    assert (confirmed.rule, confirmed.start, confirmed.end, confirmed.suggestions) == (
        "RT1285",
        *SPAN,
        ("on Sunday night",),
    )
    assert dict(confirmed.details)["lm_fix_margin"] == "2.50"
    assert dedupe([prior[0], confirmed]) == [confirmed]
    assert dedupe([confirmed, prior[0]]) == [confirmed]


@pytest.mark.parametrize("gain", [0.99, 0.0, -3.0])
def test_a_repair_the_model_does_not_prefer_by_the_margin_stays_shown_only(gain: float) -> None:
    prior = [finding()]
    assert checker(Judge("on Sunday night", gain)).confirm_repairs(TEXT, prior) == prior


def test_the_margin_comes_from_the_data_file_and_a_missing_source_turns_it_off() -> None:
    judge = Judge("on Sunday night", 2.5)
    prior = [finding()]
    assert checker(judge, margin=3.0).confirm_repairs(TEXT, prior) == prior
    off = LMChecker(data=Confusions({"confusions": Source("confusions", 1.0)}, ()), model=judge)  # type: ignore[arg-type]
    assert off.confirm_repairs(TEXT, prior) == prior


def test_check_does_not_score_the_repairs_only_the_repairing_paths_do() -> None:
    """`check` reports a suggestion without the model's opinion of it: scoring every
    repair there cost a model call per file. `fix` (process with fix=True) asks."""
    judge = Judge("on Sunday night", 2.5)
    lm = checker(judge)
    assert lm.check(TEXT, [finding()]) == [] and judge.windows == 0
    rules = Fixed([finding()])
    tooling = Tooling(Pipeline([rules, lm]))
    assert [f.fix for f in process(TEXT, tooling).findings] == [FixPolicy.SUGGEST]
    assert judge.windows == 0
    fixed = process(TEXT, tooling, fix=True)
    assert judge.windows == 2
    assert fixed.findings[0].fix is FixPolicy.SAFE
    assert fixed.fix is not None and fixed.fix.text == TEXT.replace("in the night of Sunday", "on Sunday night")


class Fixed:
    """A rule checker that reports the same findings for the original text only."""

    name, stage = "rules", 0

    def __init__(self, found: list[Finding]) -> None:
        self.found = found

    def codes(self) -> list[CodeInfo]:
        return [CodeInfo("RT1285", "test.rule", "rules", "m", category="calque")]

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        return list(self.found) if text == TEXT else []


@pytest.mark.skipif(not model_installed(), reason="the `lm` extra is not installed")
def test_fix_applies_a_confirmed_rule_repair_only_with_the_model() -> None:
    text = "In the night of Sunday, a fire destroyed a duplex on Main Street.\n"
    with_lm = build_tooling(Options(grammar="none", embeddings=False))
    without = build_tooling(Options(grammar="none", embeddings=False, lm=False))
    assert any(f.rule == "RT1285" and f.fix is FixPolicy.SUGGEST for f in without.pipeline.check(text))
    assert fix_text(text, tooling=without).text == text
    fixed = fix_text(text, tooling=with_lm).text
    assert fixed == "On Sunday night, a fire destroyed a duplex on Main Street.\n"
    assert fix_text(fixed, tooling=with_lm).text == fixed
