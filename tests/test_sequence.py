"""The `sequence` rule type: validation errors name file:line, patterns match on
tokens and parts of speech, replacements are built from matched tokens, and
nothing is parsed unless the trigger matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrans.core.errors import ConfigError
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.engine import run_rules
from retrans.detect.rules.loader import load_rules
from retrans.detect.rules.types.sequence import TEMPLATE_FUNCTIONS

HEAD = """\
- code: RT999
  name: test.sequence
  type: sequence
  message: test
  category: fluency/word_order
  examples:
    bad: ["the [[rules of distancing physical]] apply"]
    good: ["the rules of the game"]
"""

NOUN_OF_NOUN_ADJ = """\
  trigger: [of]
  pattern:
    - {POS: NOUN}
    - {LOWER: of}
    - {TAG: {IN: [NN, NNS, VBG]}}
    - {LOWER: {IN: [physical, virtual]}}
  replace: ["{4} {3} {1}"]
"""


def _rules(tmp_path: Path, body: str) -> list:  # type: ignore[type-arg]
    (tmp_path / "r.yaml").write_text(HEAD + body, encoding="utf-8")
    return list(load_rules([tmp_path]).rules)


def _run(tmp_path: Path, text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Findings of the rules written to `tmp_path` on `text`: (span, suggestions)."""
    ruleset = load_rules([tmp_path])
    found = run_rules(ruleset.rules, TextContext(text, ruleset.lexicon))
    return [(text[f.start : f.end], f.suggestions) for f in found]


def _error(tmp_path: Path, body: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _rules(tmp_path, body)
    return info.value


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("  trigger: [of]\n  pattern:\n    - {POS: NOUN, COLOUR: red}\n", 11, "unknown token attribute 'COLOUR'"),
        ("  trigger: [of]\n  pattern:\n    - {POS: NOUN, OP: '%'}\n", 11, "OP must be"),
        ("  trigger: [of]\n  pattern:\n    - {LOWER: {ALMOST: [a]}}\n", 11, "unknown predicate 'ALMOST'"),
        ("  trigger: [of]\n  pattern:\n    - {IS_TITLE: 'yes'}\n", 11, "IS_TITLE takes true or false"),
        ("  trigger: [of]\n  pattern:\n    - {TEXT: {REGEX: '(unclosed'}}\n", 11, "invalid regex"),
        ("  trigger: [of]\n  pattern: [{POS: NOUN}]\n  span: [1, 3]\n", 11, "out of range"),
        ("  trigger: [of]\n  pattern: [{POS: NOUN}]\n  replace: ['{2}']\n", 11, "refers to token 2"),
        ("  trigger: [of]\n  pattern: [{POS: NOUN}]\n  replace: ['{shout:1}']\n", 11, "unknown template function"),
        ("  trigger: '(of'\n  pattern: [{POS: NOUN}]\n", 9, "invalid regex"),
        ("  trigger: [of]\n  pattern: [{POS: NOUN}]\n  colour: red\n", 11, "unknown field 'colour'"),
        ("  pattern: [{POS: NOUN}]\n", 1, "missing required field 'trigger'"),
        ("  trigger: [of]\n  pattern: []\n", 10, "non-empty list"),
        ("  trigger: [of]\n  pattern: [NOUN]\n", 10, "must be a mapping"),
        ("  trigger: [of]\n  pattern: [{LOWER: {IN: ['{{no_such_set}}']}}]\n", 10, "no_such_set"),
    ],
)
def test_bad_rules_are_config_errors_naming_file_and_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    err = _error(tmp_path, body)
    assert err.path.endswith("r.yaml")
    assert err.line == line
    assert words in str(err)


def test_a_valid_rule_loads(tmp_path: Path) -> None:
    (rule,) = _rules(tmp_path, NOUN_OF_NOUN_ADJ)
    assert rule.spec.code == "RT999"
    assert rule.uses_nlp


# --- matching and replacement ------------------------------------------------


def test_reorders_tokens_by_number(tmp_path: Path) -> None:
    _rules(tmp_path, NOUN_OF_NOUN_ADJ)
    text = "Everyone must follow the rules of distancing physical indoors."
    assert _run(tmp_path, text) == [("rules of distancing physical", ("physical distancing rules",))]


def test_sentence_initial_capital_moves_to_the_new_first_word(tmp_path: Path) -> None:
    _rules(tmp_path, NOUN_OF_NOUN_ADJ)
    text = "Rules of distancing physical apply indoors."
    assert _run(tmp_path, text) == [("Rules of distancing physical", ("Physical distancing rules",))]


def test_no_match_no_finding(tmp_path: Path) -> None:
    _rules(tmp_path, NOUN_OF_NOUN_ADJ)
    assert _run(tmp_path, "Everyone must follow the rules of the game.") == []


def test_span_and_optional_tokens(tmp_path: Path) -> None:
    body = """\
  trigger: [virtual]
  pattern:
    - {LOWER: the}
    - {POS: ADJ, OP: "?"}
    - {POS: NOUN}
    - {LOWER: virtual}
  span: [2, 4]
  replace: ["{4} {2} {3}"]
"""
    _rules(tmp_path, body)
    assert _run(tmp_path, "They met at the parliamentary committees virtual today.") == [
        ("parliamentary committees virtual", ("virtual parliamentary committees",))
    ]
    # The optional adjective matched nothing: no double space is left.
    assert _run(tmp_path, "They met at the committees virtual today.") == [
        ("committees virtual", ("virtual committees",))
    ]


def test_when_conditions_look_around_the_whole_match(tmp_path: Path) -> None:
    body = """\
  trigger: [virtual]
  pattern:
    - {LOWER: the}
    - {POS: NOUN}
    - {LOWER: virtual}
  span: [2, 3]
  replace: ["{3} {2}"]
  when:
    not_after: [made]
"""
    _rules(tmp_path, body)
    assert _run(tmp_path, "The pandemic made the meetings virtual.") == []
    assert _run(tmp_path, "They held the meetings virtual on Monday.") == [("meetings virtual", ("virtual meetings",))]


def test_alternatives_of_different_lengths_and_functions(tmp_path: Path) -> None:
    body = """\
  trigger: "\\\\d\\\\s?h"
  pattern:
    - - {TEXT: {REGEX: "^\\\\d{1,2}$"}}
      - {LOWER: h}
      - {TEXT: {REGEX: "^[0-5]\\\\d$"}}
    - - {TEXT: {REGEX: "^\\\\d{1,2}h[0-5]\\\\d$"}}
  replace: ["{clock:0}"]
"""
    _rules(tmp_path, body)
    assert _run(tmp_path, "The vote is at 14 h 30 and the count at 21h05.") == [
        ("14 h 30", ("2:30 p.m.",)),
        ("21h05", ("9:05 p.m.",)),
    ]


def test_word_sets_expand_in_in_lists(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "sets.yaml").write_text("sets:\n  colour_adj: [virtual, physical]\n", encoding="utf-8")
    body = """\
  trigger: "\\\\b(?:{{colour_adj}})\\\\b"
  pattern:
    - {POS: NOUN}
    - {LOWER: {IN: ["{{colour_adj}}"]}}
  replace: ["{2} {1}"]
"""
    _rules(tmp_path, body)
    assert _run(tmp_path, "They met in committees virtual.") == [("committees virtual", ("virtual committees",))]


def test_lemma_uses_a_rough_lemma(tmp_path: Path) -> None:
    body = """\
  trigger: [decided, decides, decide]
  pattern:
    - {LEMMA: decide}
    - {LOWER: of}
  replace: ["{1} on"]
"""
    _rules(tmp_path, body)
    assert _run(tmp_path, "The court decided of the case.") == [("decided of", ("decided on",))]


def test_nothing_is_parsed_without_the_trigger(tmp_path: Path) -> None:
    _rules(tmp_path, NOUN_OF_NOUN_ADJ.replace("trigger: [of]", "trigger: [zebra]"))
    ruleset = load_rules([tmp_path])
    ctx = TextContext("The rules of distancing physical apply.", ruleset.lexicon)
    assert run_rules(ruleset.rules, ctx) == []
    assert ctx._parsed == {}  # no sentence went to spaCy


@pytest.mark.parametrize(
    ("fn", "arg", "want"),
    [
        ("ordinal", "47e", "47th"),
        ("ordinal", "1er", "1st"),
        ("ordinal", "2e", "2nd"),
        ("ordinal", "23e", "23rd"),
        ("ordinal", "11e", "11th"),
        ("clock", "14 h 30", "2:30 p.m."),
        ("clock", "15 h", "3 p.m."),
        ("clock", "9h05", "9:05 a.m."),
        ("clock", "12 h", "noon"),
        ("clock", "0 h", "midnight"),
        ("clock", "0 h 15", "12:15 a.m."),
        ("abbrev", "mps", "MPs"),
        ("abbrev", "pq", "PQ"),
        ("singular", "minutes", "minute"),
        ("hyphen", "45 minutes", "45-minute"),
        ("cap", "virtual", "Virtual"),
        ("point", "2,5", "2.5"),
        ("point", "1,500", "1,500"),
        ("point", "3,25", "3.25"),
    ],
)
def test_template_functions(fn: str, arg: str, want: str) -> None:
    assert TEMPLATE_FUNCTIONS[fn](arg) == want
