"""The core model: overlap resolution, fix application, case handling, documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrans.core.document import BOM, LineIndex, decode, read_document, write_atomic
from retrans.core.errors import InputError
from retrans.core.finding import Finding, FixPolicy, Severity
from retrans.detect.rules.types.base import match_case
from retrans.repair.fixing import apply_edits, fix_text_loop
from retrans.repair.overlaps import dedupe, resolve_overlaps


def f(
    start: int,
    end: int,
    rep: str = "x",
    *,
    rule: str = "RT999",
    priority: int = 0,
    conf: float = 0.9,
    fix: FixPolicy = FixPolicy.SAFE,
) -> Finding:
    return Finding(rule, "test.rule", start, end, "m", Severity.WARNING, "c", (rep,), conf, fix, priority)


def test_overlaps_prefer_priority_then_length_and_ignore_input_order() -> None:
    a, b, c = f(0, 5, rule="RT1"), f(3, 10, rule="RT2"), f(4, 6, rule="RT3", priority=5)
    for order in ([a, b, c], [c, b, a], [b, a, c]):
        kept, dropped = resolve_overlaps(order)
        assert kept == [c]
        assert sorted(dropped, key=lambda x: x.rule) == [a, b]
    kept, _ = resolve_overlaps([a, b])
    assert kept == [b]  # longer span wins at equal priority


def test_two_entries_differing_only_in_message_resolve_the_same_way_every_time() -> None:
    from dataclasses import replace

    a = f(0, 5)
    b = replace(a, message="another wording")
    for order in ([a, b], [b, a]):
        kept, dropped = resolve_overlaps(order)
        assert kept == [b] and dropped == [a]  # "another wording" < "m"


def test_non_overlapping_findings_are_all_kept_sorted() -> None:
    kept, dropped = resolve_overlaps([f(10, 12), f(0, 2), f(5, 6)])
    assert [(k.start, k.end) for k in kept] == [(0, 2), (5, 6), (10, 12)]
    assert dropped == []


def test_apply_edits_right_to_left_keeps_offsets_valid() -> None:
    text = "aa bb cc"
    assert apply_edits(text, [f(0, 2, "A"), f(6, 8, "CCCC"), f(3, 5, "")]) == "A  CCCC"


def test_apply_edits_rejects_overlap() -> None:
    with pytest.raises(ValueError):
        apply_edits("abcdef", [f(0, 3), f(2, 4)])


def test_fix_loop_reaches_fixed_point_and_is_idempotent() -> None:
    def check(text: str) -> list[Finding]:
        i = text.find("aa")
        return [f(i, i + 2, "a")] if i >= 0 else []

    first = fix_text_loop("aaaa aa", check, 0.5)
    assert first.text == "a a" and first.converged
    again = fix_text_loop(first.text, check, 0.5)
    assert again.text == first.text and not again.changed


def test_fix_loop_is_bounded_and_detects_oscillation() -> None:
    def flip(text: str) -> list[Finding]:
        return [f(0, 1, "b" if text[0] == "a" else "a")]

    result = fix_text_loop("a", flip, 0.5, max_passes=10)
    assert not result.converged and result.passes <= 3


def test_fix_loop_skips_suggest_policy_and_low_confidence() -> None:
    def check(text: str) -> list[Finding]:
        return [f(0, 1, "X", fix=FixPolicy.SUGGEST), f(2, 3, "Y", conf=0.3)]

    assert fix_text_loop("a b c", check, 0.5).text == "a b c"


@pytest.mark.parametrize(
    ("orig", "rep", "want"),
    [
        ("prices", "tariffs", "tariffs"),
        ("Prices", "tariffs", "Tariffs"),
        ("PRICES", "tariffs", "TARIFFS"),
        ("the first Ontario", "the Ontario premier", "the Ontario premier"),
        ("“x", "“y", "“y"),
    ],
)
def test_match_case(orig: str, rep: str, want: str) -> None:
    assert match_case(orig, rep) == want


def test_decode_bom_and_crlf_roundtrip() -> None:
    raw = (BOM + "one\r\ntwo\r\n").encode()
    doc = decode("x.txt", raw)
    assert doc.bom and doc.text == "one\r\ntwo\r\n"
    assert doc.encode() == raw
    assert doc.encode(doc.text.replace("two", "2")) == (BOM + "one\r\n2\r\n").encode()


def test_decode_rejects_invalid_utf8_naming_the_file() -> None:
    with pytest.raises(InputError, match=r"bad\.txt: not valid UTF-8"):
        decode("bad.txt", b"caf\xe9")


def test_line_index() -> None:
    idx = LineIndex("ab\ncd\r\nef")
    assert idx.line_col(0) == (1, 1)
    assert idx.line_col(4) == (2, 2)
    assert idx.line_col(7) == (3, 1)


def test_write_atomic_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("old")
    os.chmod(p, 0o640)
    write_atomic(p, b"new")
    assert p.read_bytes() == b"new"
    assert oct(p.stat().st_mode & 0o777) == oct(0o640)
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]


def test_interrupted_write_leaves_original_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a.txt"
    p.write_text("original")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(p, b"replacement")
    assert p.read_text() == "original"
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]


def test_read_document_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "missing.txt")


def test_dedupe_keeps_one_of_identical_suggestions() -> None:
    a = f(0, 3, "x", rule="RT1", priority=1)
    b = f(0, 3, "x", rule="HARPER/Thing")
    assert dedupe([b, a]) == [a]


def test_sentences_wanted_by_several_rules_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import regex

    from retrans.detect.rules import context as context_module
    from retrans.detect.rules.context import TextContext
    from retrans.detect.rules.lexicon import Lexicon

    parsed: list[str] = []

    def fake_parse(texts: list[str], ner: bool = True) -> list[str]:
        parsed.extend(texts)
        return [f"doc:{t}" for t in texts]

    monkeypatch.setattr(context_module, "parse_many", fake_parse)
    monkeypatch.setattr(context_module, "add_ner", lambda docs: None)  # the fake docs are strings
    ctx = TextContext("Ottawa raised her tariffs. Smith said no. Alberta kept her plan.", Lexicon())
    first = list(ctx.sentence_docs(regex.compile(r"\bher\b")))
    second = list(ctx.sentence_docs(regex.compile(r"Alberta|Smith")))
    assert [d.strip() for _, d in first] == ["doc:Ottawa raised her tariffs.", "doc: Alberta kept her plan."]
    assert [d for _, d in second] == ["doc: Smith said no.", "doc: Alberta kept her plan."]
    assert second[1] == first[1]
    assert [t.strip() for t in parsed] == ["Ottawa raised her tariffs.", "Alberta kept her plan.", "Smith said no."]


@pytest.mark.parametrize(
    ("phrase", "forms"),
    [
        ("table a bill", ("table a bill", "tables a bill", "tabled a bill", "tabling a bill")),
        ("carry", ("carry", "carries", "carried", "carrying")),
        ("plan", ("plan", "plans", "planned", "planning")),
        ("visit", ("visit", "visits", "visited", "visiting")),
        ("mention", ("mention", "mentions", "mentioned", "mentioning")),
        ("pass", ("pass", "passes", "passed", "passing")),
    ],
)
def test_verb_forms_for_inflected_lexicon_entries(phrase: str, forms: tuple[str, str, str, str]) -> None:
    from retrans.detect.rules.morph import verb_forms

    assert verb_forms(phrase) == forms


@pytest.mark.parametrize(
    ("when", "text", "holds"),
    [
        ({"before": ["to"]}, "The firms will meet to build a plant.", True),
        ({"before": ["to"]}, "The premiers will meet in Halifax.", False),
        ({"before": ["to"]}, "They want to meet.", False),  # "to" before the match is not after it
        ({"after": ["will"]}, "The firms will meet to build a plant.", True),
        ({"after": ["will"]}, "The firms meet to build a plant.", False),
        ({"before": ["in halifax"]}, "The premiers will meet in Halifax.", True),  # a phrase, case folded
        ({"before": ["to"], "not_near": ["discuss"]}, "They meet to discuss it.", False),
    ],
)
def test_conditions_before_and_after_look_at_the_adjacent_words(
    when: dict[str, list[str]], text: str, holds: bool
) -> None:
    """`before`/`after` require a word right after/before the match (the positive
    counterparts of `not_before`/`not_after`), so a sense entry can name its construction."""
    from retrans.core.yamlio import LineDict
    from retrans.detect.rules.context import TextContext
    from retrans.detect.rules.lexicon import Lexicon
    from retrans.detect.rules.types.base import Conditions

    raw = LineDict(when)
    raw.line = 1
    cond = Conditions.parse(raw, Lexicon(), Path("t.yaml"), 1)
    start = text.index("meet")
    assert cond.holds(TextContext(text, Lexicon()), start, start + 4) is holds


def test_second_opinions_give_way_to_other_checkers() -> None:
    from retrans.repair.overlaps import drop_second_opinions

    rule, lm_same, lm_alone = f(10, 18, rule="RT360"), f(10, 18, rule="RT950"), f(30, 35, rule="RT950")
    lm_inside = f(12, 14, rule="RT950")
    kept = drop_second_opinions([rule, lm_same, lm_alone, lm_inside], lambda x: x.rule == "RT950")
    assert kept == [rule, lm_alone]
    assert drop_second_opinions([lm_same, lm_inside], lambda x: x.rule == "RT950") == [lm_same, lm_inside]


def test_second_opinion_sees_its_stage_and_skips_flagged_words() -> None:
    """The language model runs after the other stage-0 checkers and is not asked about
    words they flagged (its finding there would be dropped): same output, less work."""
    from dataclasses import dataclass, field

    from retrans.core.checker import CodeInfo
    from retrans.detect.lm.checker import LMChecker
    from retrans.detect.pipeline import Pipeline

    text = "The urgentologists at the hospital warned of long waits this summer."

    @dataclass
    class Flagger:
        name: str = "flagger"
        stage: int = 0

        def codes(self) -> list[CodeInfo]:
            return []

        def check(self, text: str, prior: tuple[Finding, ...] = ()) -> list[Finding]:
            return [f(4, 18, rule="RT365")]

    @dataclass
    class Recorder:
        name: str = "recorder"
        stage: int = 0
        second_opinion = True
        seen: list[tuple[Finding, ...]] = field(default_factory=list)

        def codes(self) -> list[CodeInfo]:
            return []

        def check(self, text: str, prior: tuple[Finding, ...] = ()) -> list[Finding]:
            self.seen.append(tuple(prior))
            return []

    recorder = Recorder()
    Pipeline([recorder, Flagger()]).check(text)  # listed first, still run last
    assert [(x.start, x.end) for x in recorder.seen[0]] == [(4, 18)]
    lm = LMChecker()
    assert [(c.start, c.end) for c in lm.candidates(text)] == [(4, 18)]
    assert lm.candidates(text, [(4, 18)]) == []
