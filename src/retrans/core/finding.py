"""The one record every checker produces and every reporter renders.

A `Finding` is immutable so it can be hashed, deduplicated and passed between
processes without anyone mutating it on the way; spans are code points into the
document text (BOM removed), never bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Severity(StrEnum):
    """How bad an artifact is; ordered so `--fail-on` can compare levels."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class FixPolicy(StrEnum):
    """`safe`: `fix` may apply the first suggestion unattended; `suggest`: shown only."""

    SAFE = "safe"
    SUGGEST = "suggest"


@dataclass(frozen=True)
class ContextGate:
    """Marks a finding as a proposal for the embedding checker's sense gate: it is
    reported only when that checker confirms it (returning a copy without the gate),
    never without embeddings. It carries what the gate compares: the gloss of the
    sense the found word has and one gloss per suggestion."""

    source: str
    found_gloss: str
    glosses: tuple[str, ...]


@dataclass(frozen=True, order=False)
class Finding:
    """One flagged span with what to do about it."""

    rule: str
    name: str
    start: int
    end: int
    message: str
    severity: Severity
    category: str
    suggestions: tuple[str, ...] = ()
    confidence: float = 0.5
    fix: FixPolicy = FixPolicy.SUGGEST
    priority: int = 0
    details: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    #: A proposal that only the embedding checker may confirm (see ContextGate).
    gate: ContextGate | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}..{self.end} from {self.rule}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} out of range from {self.rule}")

    @property
    def length(self) -> int:
        return self.end - self.start

    def is_fixable(self, min_confidence: float) -> bool:
        """Whether `fix` may apply this finding on its own."""
        return self.fix is FixPolicy.SAFE and bool(self.suggestions) and self.confidence >= min_confidence

    def shifted(self, offset: int) -> Finding:
        """The same finding moved by `offset` code points (for checking a slice)."""
        return replace(self, start=self.start + offset, end=self.end + offset)

    @property
    def needs_context_gate(self) -> bool:
        """A proposal only the embedding checker may confirm."""
        return self.gate is not None

    def overlaps(self, other: Finding) -> bool:
        """Spans share a code point, or an insertion point sits inside the other span."""
        if self.start == self.end or other.start == other.end:
            return self.start <= other.end and other.start <= self.end
        return self.start < other.end and other.start < self.end
