"""The grammar regression guard of the fix loop: a fix after which the grammar
checker objects to the fixed paragraph where it did not before is vetoed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..core.checker import Checker
from ..core.finding import Finding


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, start) + 1
    e = text.find("\n", end)
    return s, len(text) if e < 0 else e


def signature(checker: Checker, text: str) -> Counter[tuple[str, str]]:
    """What a grammar checker objects to in `text`, position-free, for before/after comparison."""
    return Counter((f.rule, text[f.start : f.end]) for f in checker.check(text))


@dataclass
class GrammarGuard:
    """Vetoes a fix after which the grammar checker objects to the fixed paragraph
    where it did not before (the fix introduced a grammar error)."""

    grammar: Checker
    reverted: list[tuple[Finding, str]] = field(default_factory=list)
    _seen: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict, repr=False)

    def _signature(self, text: str) -> Counter[tuple[str, str]]:
        if text not in self._seen:
            self._seen[text] = signature(self.grammar, text)
        return self._seen[text]

    def __call__(self, text: str, f: Finding) -> bool:
        ps, pe = paragraph(text, f.start, f.end)
        before = text[ps:pe]
        after = text[ps : f.start] + f.suggestions[0] + text[f.end : pe]
        new = self._signature(after) - self._signature(before)
        if new:
            self.reverted.append((f, ", ".join(sorted(rule for rule, _ in new))))
            return False
        return True
