"""Applying fixes: right to left, then re-checking until the text stops changing.

Each pass applies the non-overlapping fixable findings of a fresh check, from the
end of the text backwards so earlier offsets stay valid. The loop stops at a fixed
point, when a text repeats (oscillation), or after `max_passes`. A loop that does
not settle keeps only the passes that did (as sqlfluff does): on an oscillation,
the text before the cycle began; past the bound, the first pass, whose fixes were
all computed on the original. `FixResult.converged` says which happened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from retrans.core.finding import Finding
from retrans.repair.overlaps import resolve_overlaps

MAX_PASSES = 6


@dataclass(frozen=True)
class FixResult:
    """The repaired text and what was applied, pass by pass."""

    text: str
    applied: tuple[tuple[Finding, ...], ...] = ()
    passes: int = 0
    converged: bool = True
    reverted: tuple[Finding, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return any(self.applied)

    @property
    def applied_flat(self) -> list[Finding]:
        return [f for batch in self.applied for f in batch]


def apply_edits(text: str, findings: Sequence[Finding]) -> str:
    """Replace each finding's span by its first suggestion, right to left.

    The findings must not overlap (use `resolve_overlaps` first).
    """
    out = text
    last_start = len(text) + 1
    for f in sorted(findings, key=lambda f: (f.start, f.end), reverse=True):
        if f.end > last_start:
            raise ValueError(f"overlapping edits at {f.start}..{f.end} ({f.rule})")
        out = out[: f.start] + f.suggestions[0] + out[f.end :]
        last_start = f.start
    return out


def fix_text_loop(
    text: str,
    check: Callable[[str], Sequence[Finding]],
    min_confidence: float,
    max_passes: int = MAX_PASSES,
    accept: Callable[[str, Finding], bool] | None = None,
    initial: Sequence[Finding] | None = None,
) -> FixResult:
    """Check and fix until nothing changes; `accept` may veto single edits
    (e.g. the grammar regression guard). `initial`: the findings of `text`
    already computed, so the original is not checked twice."""
    texts = [text]
    applied: list[tuple[Finding, ...]] = []
    reverted: list[Finding] = []
    current = text
    for n in range(1, max_passes + 1):
        found = initial if n == 1 and initial is not None else check(current)
        fixable = [f for f in found if f.is_fixable(min_confidence) and f.suggestions[0] != current[f.start : f.end]]
        chosen, _ = resolve_overlaps(fixable)
        if accept is not None:
            keep = [f for f in chosen if accept(current, f)]
            reverted.extend(f for f in chosen if f not in keep and f not in reverted)
            chosen = keep
        if not chosen:
            return FixResult(current, tuple(applied), n - 1, True, tuple(reverted))
        current = apply_edits(current, chosen)
        applied.append(tuple(chosen))
        if current in texts:
            # An oscillation: keep the passes before the cycle began.
            settled = texts.index(current)
            return FixResult(texts[settled], tuple(applied[:settled]), n, False, tuple(reverted))
        texts.append(current)
    # Past the bound: keep the first pass only, whose fixes were all found on the original.
    return FixResult(texts[1], tuple(applied[:1]), max_passes, False, tuple(reverted))
