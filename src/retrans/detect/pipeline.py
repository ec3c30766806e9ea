"""All checkers over one text: stages in order, proposals gated, the user's
selection applied, duplicates dropped.

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
from ..core.errors import RetransError
from ..core.finding import Finding
from ..core.selection import INTERNAL, Selection
from ..repair.overlaps import dedupe
from .rules.engine import internal


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
            self._codes = [INTERNAL, *(info for c in self.checkers for info in c.codes())]
        return self._codes

    def check(self, text: str) -> list[Finding]:
        self.calls += 1
        out: list[Finding] = []
        for stage in sorted({c.stage for c in self.checkers}):
            prior = tuple(out)
            for c in (c for c in self.checkers if c.stage == stage):
                out.extend(_isolated(c.name, lambda c=c, prior=prior: c.check(text, prior)))  # type: ignore[misc]
        out = [f for f in out if not f.needs_context_gate]
        return dedupe(self.selection.apply(out, self.codes()))


def _isolated(name: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    try:
        return run()
    except RetransError:
        raise
    except Exception as exc:
        return [internal(f"unexpected exception in {name}: {exc!r}", name)]
