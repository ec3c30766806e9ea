"""The garbled-name rule (RT505) compares the spellings of one text: a name that
translation garbles is garbled again, so a spelling used twice is not proof that
it is right when a longer spelling of it stands beside it."""

from __future__ import annotations

from retrans.detect.rules.context import TextContext
from retrans.detect.rules.engine import run_rules
from retrans.detect.rules.loader import load_rules

from .conftest import RULES

_RULESET = load_rules([RULES])
_RT505 = [r for r in _RULESET.rules if r.spec.code == "RT505"]


def _found(text: str) -> list[tuple[str, str]]:
    findings = run_rules(_RT505, TextContext(text, _RULESET.lexicon))
    return [(text[f.start : f.end], f.suggestions[0]) for f in findings]


def test_a_spelling_used_twice_is_flagged_beside_a_longer_one() -> None:
    text = (
        "Rasmus Kjeldgaard attacked on the last climb. Kjelgaard then led the race alone, "
        "and the crowd cheered Kjelgaard at the line. Kjeldgard had won here in 2019."
    )
    # The longest spelling is the model, for every shorter spelling near it.
    assert _found(text) == [
        ("Kjelgaard", "Kjeldgaard"),
        ("Kjelgaard", "Kjeldgaard"),
        ("Kjeldgard", "Kjeldgaard"),
    ]


def test_names_that_only_extend_another_are_left_alone() -> None:
    text = "Bellandi baked, Bellandi sold, and the Bellandinis bought the shop on Corsoni Street."
    assert _found(text) == []


def test_two_longer_spellings_of_equal_length_give_no_guess() -> None:
    text = "Tarnovec spoke first. Tarnoveck answered, Tarnovecz nodded, and Tarnovec left."
    assert _found(text) == []
