"""All checkers over one text: stages in order, proposals gated, the user's
selection applied, duplicates dropped.

Every checker gets bounded input: a run of more than `MAX_TOKEN` characters
without a space (a base64 blob, a long URL, minified code, a 200,000-letter
"word") is no text any checker reads, and Harper's memory grows with the square of
a word's length (3 GB at 10,000 letters, an abort at 200,000). Such runs are blanked
out (same length, so offsets hold) before any checker sees the text, findings that
touch them are dropped, and each gets one info finding (RT001) saying so.

A fixed text must not draw findings from its own fixes: a later-stage checker's
suggestion on a word that a rule's own repair inserts ("irritant" of "trade
irritant", "singled" of "singled out", "undergoing") is dropped. Those words are
read from the rules' examples, the difference between each bad example and its fix.

Stage 0 checkers (rules, grammar) see only the text; later stages (the embedding
checker, the language-model verifier) also see what came before. A finding that
still carries a gate at the end was never confirmed and is dropped. A checker
that crashes becomes one finding and the others' findings stand; errors users must
act on (an unavailable backend) still stop the run.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import regex

from ..core.checker import Checker, CodeInfo
from ..core.document import MAX_TOKEN, Ignore, bounded, ignores
from ..core.errors import RetransError
from ..core.finding import Finding, FixPolicy, Severity
from ..core.selection import INTERNAL, Selection
from ..repair.overlaps import dedupe, drop_second_opinions
from .rules.engine import RuleEngine, internal

UNCHECKED = CodeInfo(
    code="RT001",
    name="internal.unchecked",
    checker="internal",
    message=f"A run of more than {MAX_TOKEN} characters without a space (base64, a long URL, minified "
    "text) was not checked.",
    severity=Severity.INFO,
    category="internal",
)


_WORDS = regex.compile(r"[\p{L}\p{M}'’-]+")


def inserted_words(before: str, after: str, span: tuple[int, int] | None = None) -> set[str]:
    """The words (lower case) of the repair that turns `before` into `after`: every
    word of the replacement of `span` when the rest is unchanged ("commercial
    irritant" -> "trade irritant": trade, irritant), else the words a diff adds."""
    if span is not None:
        start, end = span
        tail = len(before) - end
        if after.startswith(before[:start]) and after.endswith(before[end:]) and start <= len(after) - tail:
            return {w.lower() for w in _WORDS.findall(after[start : len(after) - tail])}
    a = [w.lower() for w in _WORDS.findall(before)]
    b = [w.lower() for w in _WORDS.findall(after)]
    out: set[str] = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            out.update(b[j1:j2])
    return out


def unchecked(start: int, end: int) -> Finding:
    return Finding(
        rule=UNCHECKED.code,
        name=UNCHECKED.name,
        start=start,
        end=end,
        message=f"{end - start:,} characters without a space (base64, a URL, minified text?) not checked",
        severity=Severity.INFO,
        category="internal",
        fix=FixPolicy.SUGGEST,
        confidence=1.0,
    )


@dataclass
class Pipeline:
    """Several checkers whose findings are merged, gated, selected and deduplicated."""

    checkers: Sequence[Checker]
    selection: Selection = field(default_factory=Selection)
    #: Checker calls, for tests that count how often a text is checked.
    calls: int = 0
    _codes: list[CodeInfo] | None = field(default=None, repr=False)

    def codes(self) -> list[CodeInfo]:
        if self._codes is None:
            self._codes = [INTERNAL, UNCHECKED, *(info for c in self.checkers for info in c.codes())]
        return self._codes

    @cached_property
    def second_opinion_codes(self) -> tuple[CodeInfo, ...]:
        """Codes of checkers whose findings give way to others' on the same words."""
        return tuple(i for c in self.checkers if getattr(c, "second_opinion", False) for i in c.codes())

    @cached_property
    def fix_words(self) -> frozenset[str]:
        """Every word a rule's repair inserts, from the rules' own examples."""
        words: set[str] = set()
        for c in self.checkers:
            if isinstance(c, RuleEngine):
                for rule in c.ruleset.rules:
                    for _, examples in rule.all_examples():
                        for ex in examples.bad:
                            if ex.fixed is not None:
                                words |= inserted_words(ex.text, ex.fixed, ex.span)
        return frozenset(words)

    def check(self, text: str) -> list[Finding]:
        self.calls += 1
        original = text
        text, skipped = bounded(text)
        out: list[Finding] = []
        for stage in sorted({c.stage for c in self.checkers}):
            prior = tuple(out)
            # A second opinion runs after its stage's other checkers and sees their
            # findings too: it need not judge words they flagged (its finding would go).
            members = sorted((c for c in self.checkers if c.stage == stage), key=_is_second_opinion)
            for c in members:
                seen = tuple(out) if _is_second_opinion(c) else prior
                found = _isolated(c.name, lambda c=c, prior=seen: c.check(text, prior))  # type: ignore[misc]
                if stage > 0:  # a new suggestion, not a confirmed proposal, on a word fixes insert
                    proposed = {(p.start, p.end) for p in prior}
                    found = [f for f in found if (f.start, f.end) in proposed or not self._on_fix_word(text, f)]
                out.extend(found)
        out = [f for f in out if not f.needs_context_gate]
        if self.second_opinion_codes:
            out = drop_second_opinions(out, lambda f: any(i.owns(f.rule) for i in self.second_opinion_codes))
        if skipped:
            out = [f for f in out if not any(f.start <= e and s <= f.end for s, e in skipped)]
            out += [unchecked(s, e) for s, e in skipped]
        out = self.selection.apply(out, self.codes())
        regions = ignores(original)
        if regions:
            out = [f for f in out if not self._ignored(f, regions)]
        return dedupe(out)

    def _on_fix_word(self, text: str, f: Finding) -> bool:
        """A suggestion on one word that the rules' own repairs insert."""
        word = text[f.start : f.end].strip().lower()
        return f.fix is FixPolicy.SUGGEST and f.rule != INTERNAL.code and word in self.fix_words

    def _ignored(self, f: Finding, regions: list[Ignore]) -> bool:
        """Whether an inline ignore comment covers the finding (or it touches one)."""
        info = next((c for c in self.codes() if c.owns(f.rule)), None)
        keys = frozenset({f.rule, f.name}) | (info.keys() if info is not None else frozenset())
        return any(r.covers(f.start, f.end, keys) for r in regions) or any(
            r.codes is None and f.start < r.end and r.start < f.end for r in regions
        )


def _is_second_opinion(checker: object) -> bool:
    return bool(getattr(checker, "second_opinion", False))


def _isolated(name: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    try:
        return run()
    except RetransError:
        raise
    except Exception as exc:
        return [internal(f"unexpected exception in {name}: {exc!r}", name)]
