"""All checkers over one text: stages in order, proposals gated, the user's
selection applied, duplicates dropped.

Every checker gets bounded input: a run of more than `MAX_TOKEN` characters
without a space (a base64 blob, a long URL, minified code, a 200,000-letter
"word") is no text any checker reads, and Harper's memory grows with the square of
a word's length (3 GB at 10,000 letters, an abort at 200,000). Such runs are blanked
out (same length, so offsets hold) before any checker sees the text, findings that
touch them are dropped, and each gets one info finding (RT001) saying so.

Stage 0 checkers (rules, grammar) see only the text; later stages (the embedding
checker, the language-model verifier) also see what came before. A finding that
still carries a gate at the end was never confirmed and is dropped. A checker
that crashes becomes one finding and the others' findings stand; errors users must
act on (an unavailable backend) still stop the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..core.checker import Checker, CodeInfo
from ..core.document import MAX_TOKEN, Ignore, bounded, ignores
from ..core.errors import RetransError
from ..core.finding import Finding, FixPolicy, Severity
from ..core.selection import INTERNAL, Selection
from ..repair.overlaps import dedupe
from .rules.engine import internal

UNCHECKED = CodeInfo(
    code="RT001",
    name="internal.unchecked",
    checker="internal",
    message=f"A run of more than {MAX_TOKEN} characters without a space (base64, a long URL, minified "
    "text) was not checked.",
    severity=Severity.INFO,
    category="internal",
)


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

    def check(self, text: str) -> list[Finding]:
        self.calls += 1
        original = text
        text, skipped = bounded(text)
        out: list[Finding] = []
        for stage in sorted({c.stage for c in self.checkers}):
            prior = tuple(out)
            for c in (c for c in self.checkers if c.stage == stage):
                out.extend(_isolated(c.name, lambda c=c, prior=prior: c.check(text, prior)))  # type: ignore[misc]
        out = [f for f in out if not f.needs_context_gate]
        if skipped:
            out = [f for f in out if not any(f.start <= e and s <= f.end for s, e in skipped)]
            out += [unchecked(s, e) for s, e in skipped]
        out = self.selection.apply(out, self.codes())
        regions = ignores(original)
        if regions:
            out = [f for f in out if not self._ignored(f, regions)]
        return dedupe(out)

    def _ignored(self, f: Finding, regions: list[Ignore]) -> bool:
        """Whether an inline ignore comment covers the finding (or it touches one)."""
        info = next((c for c in self.codes() if c.owns(f.rule)), None)
        keys = frozenset({f.rule, f.name}) | (info.keys() if info is not None else frozenset())
        return any(r.covers(f.start, f.end, keys) for r in regions) or any(
            r.codes is None and f.start < r.end and r.start < f.end for r in regions
        )


def _isolated(name: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    try:
        return run()
    except RetransError:
        raise
    except Exception as exc:
        return [internal(f"unexpected exception in {name}: {exc!r}", name)]
