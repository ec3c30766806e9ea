"""Rules must be exemplified by more than the seed article they were written from.

The rules were first written from one article (seeds/000_f35722fa09ccbc01.txt). A rule
whose every bad example repeats a run of that article describes a sentence, not a
phenomenon: it fires on the seed and almost never on other text. So

- every rule needs at least one bad example that shares no run of `RUN` words with
  the seed (its own examples or those of its entries);
- every entry of a `phrase` rule carries its own examples (a bad one with the span
  marked, a good one), and at least one of its bad examples is free of the seed too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pytest

from retrans.detect.rules.loader import RuleSet, load_rules
from retrans.detect.rules.types import Rule
from retrans.detect.rules.types.base import BadExample
from retrans.detect.rules.types.pattern import PhraseRule

from .conftest import RULES, SEEDS

SEED = SEEDS / "000_f35722fa09ccbc01.txt"
RUN = 5
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

_RULESET = load_rules([RULES])



def words(text: str) -> list[str]:
    """Lower-cased words, curly apostrophes folded to straight ones."""
    return [w.replace("’", "'") for w in WORD.findall(text.lower())]


def runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


SEED_RUNS = runs(SEED.read_text(encoding="utf-8"))


def shared_run(text: str, seed_runs: set[tuple[str, ...]] = SEED_RUNS) -> str | None:
    """The first run of `RUN` words `text` shares with the seed, or None."""
    return next((" ".join(run) for run in _ordered_runs(text) if run in seed_runs), None)


def _ordered_runs(text: str) -> Iterator[tuple[str, ...]]:
    ws = words(text)
    for i in range(len(ws) - RUN + 1):
        yield tuple(ws[i : i + RUN])


def seed_only(bad: Iterable[BadExample], seed_runs: set[tuple[str, ...]] = SEED_RUNS) -> bool:
    """True when every bad example repeats a run of the seed (or there is none)."""
    return all(shared_run(ex.text, seed_runs) is not None for ex in bad)


def _all_bad(rule: Rule) -> list[BadExample]:
    return [ex for _, examples in rule.all_examples() for ex in examples.bad]


def _where(rule: Rule, bad: list[BadExample]) -> str:
    lines = ", ".join(f"{rule.spec.path}:{ex.line} ({shared_run(ex.text)!r})" for ex in bad)
    head = f"{rule.spec.code} {rule.spec.name} ({rule.spec.path}:{rule.spec.line})"
    return f"{head}: bad examples all from the seed: {lines}"


def seed_only_rules(ruleset: RuleSet) -> list[str]:
    return [_where(r, _all_bad(r)) for r in ruleset.rules if seed_only(_all_bad(r))]


def _phrase_entries(rule: PhraseRule) -> Iterator[tuple[int, str, object]]:
    """(line, first wrong form, raw examples or None) for each entry in the rule's YAML."""
    for item in rule.params["entries"]:
        wrong = item["wrong"]
        first = wrong if isinstance(wrong, str) else wrong[0]
        yield item.line, str(first), item.get("examples")


def entries_without_examples(ruleset: RuleSet, skip: frozenset[str] = frozenset()) -> list[str]:
    out = []
    for r in ruleset.rules:
        if not isinstance(r, PhraseRule) or r.spec.code in skip:
            continue
        for line, first, raw in _phrase_entries(r):
            if raw is None:
                out.append(f"{r.spec.code} {r.spec.name} {r.spec.path}:{line}: entry {first!r} has no examples")
    for r in ruleset.rules:
        if r.spec.code in skip:
            continue
        for label, examples in r.entry_examples:
            if seed_only(examples.bad):
                lines = ", ".join(str(ex.line) for ex in examples.bad)
                out.append(f"{r.spec.code} {r.spec.name} {r.spec.path}:{lines}: entry {label!r} has only seed examples")
    return out


def test_the_seed_is_there_and_runs_are_found() -> None:
    assert len(SEED_RUNS) > 500
    ws = words(SEED.read_text(encoding="utf-8"))
    sample = " ".join(ws[10 : 10 + RUN])
    assert shared_run(f"Here: {sample.upper()} and more.") == sample


@pytest.mark.parametrize("rule", _RULESET.rules, ids=lambda r: f"{r.spec.code}-{r.spec.name}")
def test_rule_has_a_bad_example_of_its_own(rule: Rule) -> None:
    bad = _all_bad(rule)
    assert not seed_only(bad), _where(rule, bad)


def test_every_phrase_entry_has_its_own_examples() -> None:
    missing = entries_without_examples(_RULESET)
    assert missing == [], f"{len(missing)} entries:\n" + "\n".join(missing)


# The checks must really fail: a rule exemplified only by the seed, and an entry
# without examples, are caught.


def _fake_rule(bad_text: str, entry_examples: bool) -> RuleSet:
    import tempfile
    from pathlib import Path

    from retrans.detect.rules.loader import load_rule_file

    entry = '    - wrong: [zorbly]\n      right: [grand]\n'
    if entry_examples:
        entry += (
            '      examples:\n'
            '        bad: [{text: "A [[zorbly]] day.", fixed: "A grand day."}]\n'
            '        good: ["A grand day."]\n'
        )
    yaml = (
        "- code: RT999\n  name: test.fake\n  type: phrase\n  entries:\n" + entry
        + "  message: m\n  category: fluency/calque\n  examples:\n"
        + f'    bad: [{{text: "{bad_text}"}}]\n    good: ["fine"]\n'
    )
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fake.yaml"
        path.write_text(yaml, encoding="utf-8")
        return RuleSet(tuple(load_rule_file(path, _RULESET.lexicon)), _RULESET.lexicon)


def test_checks_catch_a_seed_only_rule_and_an_entry_without_examples() -> None:
    ws = words(SEED.read_text(encoding="utf-8"))
    seed_text = " ".join(ws[40 : 40 + RUN + 2])
    # Only seed examples (the entry's example is seed text too): caught.
    fake = _fake_rule(f"[[{seed_text}]] zorbly", entry_examples=False)
    assert seed_only_rules(fake) and "RT999" in seed_only_rules(fake)[0]
    assert entries_without_examples(fake) and "zorbly" in entries_without_examples(fake)[0]
    # An example of its own and entry examples: passes.
    ok = _fake_rule("A [[zorbly]] day of rain.", entry_examples=True)
    assert seed_only_rules(ok) == []
    assert entries_without_examples(ok) == []
