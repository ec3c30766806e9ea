"""The literal prefilter skips work, never a finding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrans.core.errors import ConfigError
from retrans.core.yamlio import LineDict
from retrans.detect.rules import prefilter
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.engine import run_rules
from retrans.detect.rules.loader import RuleSet
from retrans.detect.rules.prefilter import Gate, Vocabulary, extract
from retrans.detect.rules.types import base
from retrans.detect.rules.types.repetition import _ADJACENT, _LIST, _matches

from .conftest import SEEDS


@pytest.mark.parametrize(
    ("source", "whole", "parts"),
    [
        (r"\bthe\s+same\b", {"same"}, set()),  # the longer of two bounded words
        (r"(?<![\w-])(?:deposit\s+a\s+bill|table)(?![\w-])", {"deposit", "table"}, set()),  # each branch
        (r"foreign\w+", set(), {"foreign"}),  # may sit inside a longer word
        (r"(?i)hours? of opening", set(), {"opening"}),  # unbounded at the pattern's end
        (r"(?=.*\bquebec\b)\w+ bloc", {"quebec"}, set()),  # what a look-ahead needs is in the text
        (r"\p{Lu}\w+ of the", set(), {"the"}),  # a property is read as a class
    ],
)
def test_gate_holds_the_words_a_match_needs(source: str, whole: set[str], parts: set[str]) -> None:
    gate = extract(source)
    assert gate is not None and gate.primary == Gate(frozenset(whole), frozenset(parts))


def test_gate_needs_every_word_of_a_sequence() -> None:
    # "party" and "chief" are both needed: a text with one of them only skips the regex.
    gate = extract(r"\bparty\s+chief\b")
    assert gate is not None
    assert gate.primary == Gate(frozenset({"chief"})) and gate.also == (Gate(frozenset({"party"})),)
    assert not gate.open(Vocabulary("The chief of police spoke."))
    assert not gate.open(Vocabulary("The party met."))
    assert gate.open(Vocabulary("The party chief spoke."))
    # Alternatives keep any-of: either branch may match.
    branch = extract(r"\b(?:party\s+chief|leader)\b")
    assert branch is not None and branch.open(Vocabulary("The leader spoke."))


@pytest.mark.parametrize(
    "source",
    [
        r"(?:foo)?\d+",  # nothing required
        r"(?:foo){e<=1}",  # fuzzy: the standard parser would read {e<=1} as text
        r"\mword\M",  # regex-only escapes
        r"[abc]+",  # a class is not a literal
        r"(?!foo)bar|\d+z?",  # one branch needs no word
    ],
)
def test_no_gate_means_always_run(source: str) -> None:
    assert extract(source) is None


def test_whole_words_and_parts_are_checked_against_the_text() -> None:
    vocab = Vocabulary("The FOREIGNERS came; well-known.")
    assert Gate(frozenset({"foreigners"})).open(vocab)
    assert not Gate(frozenset({"foreign"})).open(vocab)  # not a whole word
    assert Gate(parts=frozenset({"foreign"})).open(vocab)  # but part of one
    assert Gate(frozenset({"known"})).open(vocab)
    assert not Gate(frozenset({"gone"}), frozenset({"xyz"})).open(vocab)


def _texts(ruleset: RuleSet) -> Iterator[str]:
    for path in sorted(SEEDS.glob("*.txt")):
        yield path.read_text(encoding="utf-8")
    for rule in ruleset.rules:
        for _, examples in rule.all_examples():
            yield from (b.text for b in examples.bad)
            yield from examples.good


def _findings(ruleset: RuleSet, texts: list[str]) -> list[list[tuple[str, int, int, tuple[str, ...]]]]:
    # Rules that parse have no literal gate: leaving them out keeps the test quick.
    rules = [r for r in ruleset.rules if not r.uses_nlp]
    return [
        sorted((f.rule, f.start, f.end, f.suggestions) for f in run_rules(rules, TextContext(t, ruleset.lexicon)))
        for t in texts
    ]


def test_every_rule_finds_the_same_with_and_without_the_prefilter(
    ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = list(_texts(ruleset))
    gated = _findings(ruleset, texts)
    # The prefilter really skips something here (else this test proves nothing).
    assert sum(1 for r in ruleset.rules if r.gate is not None) > len(ruleset.rules) // 2
    monkeypatch.setattr(base.CompiledRegex, "may_match", lambda self, ctx: True)
    for rule in ruleset.rules:
        monkeypatch.setitem(rule.__dict__, "gate", None)
    assert _findings(ruleset, texts) == gated
    assert sum(map(len, gated)) > 100


def test_a_rule_type_that_declares_no_literals_always_runs(ruleset: RuleSet) -> None:
    class Anything(base.Rule):
        def check(self, ctx: TextContext) -> Iterator[object]:  # type: ignore[override]
            yield base.Rule.finding(self, 0, 1)

    spec = ruleset.rules[0].spec
    rule = Anything(spec, {}, LineDict(), ruleset.lexicon)
    assert rule.gate is None
    assert len(run_rules([rule], TextContext("xyz", ruleset.lexicon))) == 1


@pytest.mark.parametrize(
    "text",
    [
        "the the cat, Cat sat. sat. down",
        "trade, trade, security and energy, energy and power",
        "in the the, in the the and so on so on so on",
        "l'avion avion x-y y well-known known Known",
        "one two three one two three. one two three",
    ],
)
def test_repetition_tries_only_where_a_copy_follows(text: str, ruleset: RuleSet) -> None:
    ctx = TextContext(text, ruleset.lexicon)
    for rx in (_ADJACENT, _LIST):
        assert [m.span() for m in _matches(rx, ctx)] == [m.span() for m in rx.finditer(text)]


def test_gates_are_remembered_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRANS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prefilter, "_MEMO", None)
    gate = Gate(frozenset({"unusual"}), also=(Gate(frozenset({"words"})),))
    assert prefilter.gate_for(r"\bunusual\s+words\b") == gate
    prefilter.save_cache()
    path = prefilter.cache_path()
    assert path is not None and path.exists()
    monkeypatch.setattr(prefilter, "_MEMO", None)
    monkeypatch.setattr(prefilter, "extract", lambda source: pytest.fail("read from the cache"))
    assert prefilter.gate_for(r"\bunusual\s+words\b") == gate


def test_vocabulary_is_case_folded() -> None:
    assert Vocabulary("The CAT, the Straße").words == {"the", "cat", "strasse"}


def test_a_pattern_known_to_compile_is_compiled_only_when_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRANS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prefilter, "_MEMO", None)
    monkeypatch.setattr(prefilter, "_VALID", {})
    where = (tmp_path / "r.yaml", 1)
    first = base.compile_regex(r"\b(?P<w>lazy)\s+(dog)\b", 0, where)
    assert first._pattern is not None  # compiled (and checked) the first time
    prefilter.save_cache()
    monkeypatch.setattr(prefilter, "_MEMO", None)
    monkeypatch.setattr(prefilter, "_VALID", {})
    again = base.compile_regex(r"\b(?P<w>lazy)\s+(dog)\b", 0, where)
    assert again._pattern is None
    assert (again.groups, again.groupindex) == (2, {"w": 1})
    assert [m.group() for m in again.finditer("a lazy dog")] == ["lazy dog"]
    with pytest.raises(ConfigError):  # an invalid pattern is never remembered as valid
        base.compile_regex(r"(unclosed", 0, where)


def test_a_large_text_scanned_by_regions_finds_the_same(ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every seed and rule example in one text (lines of every length, blank lines,
    paragraphs that share no word), checked as a whole and by regions."""
    from retrans.detect.rules import context

    texts = list(_texts(ruleset))
    big = "\n".join(t if i % 3 else t + "\n" for i, t in enumerate(texts))
    monkeypatch.setattr(context, "REGIONAL_MIN", 0)
    whole = _findings(ruleset, [big])
    monkeypatch.setattr(context, "REGIONAL_MIN", 1)
    ctx = TextContext(big, ruleset.lexicon)
    assert ctx.regional and len(ctx._block_index[0]) > 100
    assert ctx.vocabulary.words == Vocabulary(big).words
    assert _findings(ruleset, [big]) == whole
    assert len(whole[0]) > 100


def test_regions_cover_each_block_holding_a_word_and_its_margin(ruleset: RuleSet) -> None:
    from retrans.detect.rules import context

    filler = ("Nothing to see here at all.\n" * 40)[: context.BLOCK + 50]
    text = filler + "A rare word: zebra.\n" + filler * 3 + "Another Zebra-crossing.\n" + filler
    ctx = TextContext(text, ruleset.lexicon)
    regions = ctx.regions(Gate(frozenset({"zebra"})))
    assert len(regions) == 2
    for word_at in (text.index("zebra"), text.index("Zebra")):
        assert any(s + context.MARGIN <= word_at < e - context.MARGIN for s, e in regions)
    assert ctx.regions(Gate(parts=frozenset({"ebra"}))) == regions
    assert ctx.regions(Gate(frozenset({"unicorn"}))) == []


def test_repetition_starts_found_in_slices_are_the_same(ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrans.detect.rules.types import repetition

    text = "\n".join(["the the cat sat.", "sat on the", "the mat, mat", "one two one two", "x"] * 50)
    whole = repetition.repeat_starts(TextContext(text, ruleset.lexicon))
    monkeypatch.setattr(repetition, "_SLICE", 7)
    assert repetition.repeat_starts(TextContext(text, ruleset.lexicon)) == whole
    assert len(whole) > 100


def test_phrase_index_keeps_every_entry_a_text_may_hold(ruleset: RuleSet) -> None:
    """The word index of a phrase lexicon only skips entries with a form missing
    from the text: every entry `possible` for a text is among its candidates."""
    from retrans.detect.rules.types.pattern import PhraseRule

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [
        "The minister will deposit a bill, and the police has arrested two suspects.",
        "Ottawa and Québec City sign an accord on the question of the ballot box.",
    ]
    rules = [r for r in ruleset.rules if isinstance(r, PhraseRule)]
    assert len(rules) > 10
    for text in texts:
        vocab = Vocabulary(text).words
        for rule in rules:
            want = {i for i, e in enumerate(rule.entries) if e.possible(vocab)}
            got = rule._candidates(vocab)
            assert want <= set(got), rule.spec.code
            assert got == sorted(got)  # lexicon order: findings come out as before
