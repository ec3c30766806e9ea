"""Every rule's own examples, one pytest id each (LanguageTool and sqlfluff do this).

- a bad example gives exactly one finding, at the marked span;
- its `fixed` text is what the rule's first suggestion produces (to a fixed point);
- a good example gives no finding.

A context-gated rule (a sense lexicon) is checked with the embedding checker,
which is what decides whether it fires.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from retrans.detect.build import build_embedding_checker
from retrans.detect.embeddings.checker import EmbeddingChecker
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.engine import run_rules
from retrans.detect.rules.loader import load_rules
from retrans.detect.rules.types import Rule
from retrans.detect.rules.types.base import BadExample
from retrans.detect.rules.types.sense import SenseRule
from retrans.repair.fixing import fix_text_loop

from .conftest import RULES

_RULESET = load_rules([RULES])


def _bad() -> Iterator[object]:
    for r in _RULESET.rules:
        for label, examples in r.all_examples():
            for i, ex in enumerate(examples.bad):
                yield pytest.param(r, ex, id=f"{r.spec.code}-{r.spec.name}-{label}-bad{i}".replace("--", "-"))


def _good() -> Iterator[object]:
    for r in _RULESET.rules:
        for label, examples in r.all_examples():
            for i, ex in enumerate(examples.good):
                yield pytest.param(r, ex, id=f"{r.spec.code}-{r.spec.name}-{label}-good{i}".replace("--", "-"))


def _gated(rule: Rule) -> bool:
    return isinstance(rule, SenseRule)


@functools.cache
def _stage() -> EmbeddingChecker:
    stage = build_embedding_checker(True, _RULESET)
    assert stage is not None
    return stage


def _check(rule: Rule, text: str) -> list:  # type: ignore[type-arg]
    """The rule's findings; a context-gated rule's pass through the embedding
    checker, so that its examples test the gate too (a gated rule's good example
    is one the gate must reject)."""
    found = run_rules([rule], TextContext(text, _RULESET.lexicon))
    if not _gated(rule):
        return found
    return [f for f in _stage().check(text, found) if f.rule == rule.spec.code]


@pytest.mark.parametrize(("rule", "example"), list(_bad()))
def test_bad_example_is_flagged_at_the_marker(rule: Rule, example: BadExample) -> None:
    findings = _check(rule, example.text)
    spans = [(f.start, f.end) for f in findings]
    assert spans == [example.span], f"{rule.spec.path}:{example.line}: got {spans}, want {[example.span]}"
    assert findings[0].rule == rule.spec.code


@pytest.mark.parametrize(("rule", "example"), [p for p in _bad() if p.values[1].fixed is not None])  # type: ignore[attr-defined]
def test_bad_example_is_fixed(rule: Rule, example: BadExample) -> None:
    result = fix_text_loop(
        example.text,
        lambda t: [f.__class__(**{**f.__dict__, "fix": f.fix.SAFE}) for f in _check(rule, t)],
        min_confidence=0.0,
    )
    assert result.text == example.fixed, f"{rule.spec.path}:{example.line}: got {result.text!r}"


@pytest.mark.parametrize(("rule", "text"), list(_good()))
def test_good_example_is_not_flagged(rule: Rule, text: str) -> None:
    findings = _check(rule, text)
    assert findings == [], f"{rule.spec.path}:{rule.spec.line}: fired on {[text[f.start : f.end] for f in findings]}"


def test_every_rule_has_examples_and_unique_codes() -> None:
    codes = [r.spec.code for r in _RULESET.rules]
    assert len(codes) == len(set(codes))
    for r in _RULESET.rules:
        assert r.spec.examples.bad and r.spec.examples.good, r.spec.code


def test_every_rule_type_is_used_and_exemplified() -> None:
    from retrans.detect.rules.types import REGISTRY

    used = {r.spec.type for r in _RULESET.rules}
    assert used == set(REGISTRY), f"types without rule instances: {set(REGISTRY) - used}"
