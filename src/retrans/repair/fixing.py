"""Applying fixes: right to left, then re-checking until the text stops changing.

Each pass applies the non-overlapping fixable findings of a fresh check, from the
end of the text backwards so earlier offsets stay valid. The loop stops at a fixed
point, when a text repeats (oscillation), or after `max_passes`. A loop that does
not settle keeps only the passes that did (as sqlfluff does): on an oscillation,
the text before the cycle began; past the bound, the first pass, whose fixes were
all computed on the original. `FixResult.converged` says which happened.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

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
    # Pieces joined once: re-building the whole text per edit is quadratic (a 2 MB
    # text with 13,000 edits copied 26 GB).
    pieces: list[str] = []
    last_start = len(text) + 1
    pos = len(text)
    for f in sorted(findings, key=lambda f: (f.start, f.end), reverse=True):
        if f.end > last_start:
            raise ValueError(f"overlapping edits at {f.start}..{f.end} ({f.rule})")
        pieces.append(text[f.end : pos])
        pieces.append(f.suggestions[0])
        pos = last_start = f.start
    pieces.append(text[:pos])
    return "".join(reversed(pieces))


#: Texts at least this long are re-checked paragraph by paragraph between passes.
#: Shorter ones are re-checked whole (cheap, and exact for document-level
#: conditions such as a name used elsewhere in the text).
INCREMENTAL_FROM = 200_000


def fix_text_loop(
    text: str,
    check: Callable[[str], Sequence[Finding]],
    min_confidence: float,
    max_passes: int = MAX_PASSES,
    accept: Callable[[str, Finding], bool] | None = None,
    initial: Sequence[Finding] | None = None,
    progress: Callable[[int, int], None] | None = None,
    incremental_from: int = INCREMENTAL_FROM,
) -> FixResult:
    """Check and fix until nothing changes; `accept` may veto single edits
    (e.g. the grammar regression guard). `initial`: the findings of `text`
    already computed, so the original is not checked twice. `progress(pass,
    edits)` is told after each pass. On a long text (`incremental_from`), a pass
    re-checks only the paragraphs the previous pass changed and keeps, moved, the
    findings of the others."""
    texts = [text]
    applied: list[tuple[Finding, ...]] = []
    reverted: list[Finding] = []
    current = text
    found: Sequence[Finding] = initial if initial is not None else check(text)
    for n in range(1, max_passes + 1):
        fixable = [f for f in found if f.is_fixable(min_confidence) and f.suggestions[0] != current[f.start : f.end]]
        chosen, _ = resolve_overlaps(fixable)
        if accept is not None:
            keep = [f for f in chosen if accept(current, f)]
            kept, seen = set(keep), set(reverted)
            reverted.extend(f for f in chosen if f not in kept and f not in seen)
            chosen = keep
        if not chosen:
            return FixResult(current, tuple(applied), n - 1, True, tuple(reverted))
        previous = current
        current = apply_edits(current, chosen)
        applied.append(tuple(chosen))
        if progress is not None:
            progress(n, len(chosen))
        if current in texts:
            # An oscillation: keep the passes before the cycle began.
            settled = texts.index(current)
            return FixResult(texts[settled], tuple(applied[:settled]), n, False, tuple(reverted))
        texts.append(current)
        if n < max_passes:
            if len(current) >= incremental_from:
                found = recheck_changed(previous, current, chosen, found, check)
            else:
                found = check(current)
    # Past the bound: keep the first pass only, whose fixes were all found on the original.
    return FixResult(texts[1], tuple(applied[:1]), max_passes, False, tuple(reverted))


def recheck_changed(
    before: str,
    after: str,
    edits: Sequence[Finding],
    found: Sequence[Finding],
    check: Callable[[str], Sequence[Finding]],
) -> list[Finding]:
    """The findings of `after`: those of `before` outside the edited paragraphs,
    moved by the edits before them, plus a fresh check of the edited paragraphs
    (checked together, as one text of those lines)."""
    order = sorted(edits, key=lambda f: f.start)
    # Paragraphs (lines) of `before` that an edit touches.
    touched: list[tuple[int, int]] = []
    for f in order:
        start = before.rfind("\n", 0, f.start) + 1
        end = before.find("\n", f.end)
        end = len(before) if end < 0 else end
        if touched and start <= touched[-1][1]:
            touched[-1] = (touched[-1][0], max(end, touched[-1][1]))
        else:
            touched.append((start, end))
    starts = [f.start for f in order]
    deltas = list(accumulate(len(f.suggestions[0]) - (f.end - f.start) for f in order))

    def moved(pos: int) -> int:
        i = bisect_right(starts, pos - 1)  # edits that start before `pos`
        return pos + (deltas[i - 1] if i else 0)

    out: list[Finding] = []
    spans = [(s, e) for s, e in touched]
    for f in found:
        i = bisect_right(spans, (f.start, len(before) + 1)) - 1
        if i >= 0 and spans[i][0] <= f.start <= spans[i][1]:
            continue
        if i + 1 < len(spans) and f.end > spans[i + 1][0]:
            continue
        out.append(f.shifted(moved(f.start) - f.start))
    # The edited paragraphs in `after`, checked as one text.
    pieces: list[tuple[int, str]] = []
    for s, e in touched:
        ns, ne = moved(s), moved(e) if e < len(before) else len(after)
        pieces.append((ns, after[ns:ne]))
    joined = "\n".join(p for _, p in pieces)
    bounds = list(accumulate(len(p) + 1 for _, p in pieces))
    for f in check(joined):
        k = bisect_right(bounds, f.start)
        if k >= len(pieces):
            continue
        lo = bounds[k - 1] if k else 0
        if f.end > lo + len(pieces[k][1]):
            continue  # spans two edited paragraphs that are not neighbours in the text
        out.append(f.shifted(pieces[k][0] - lo))
    return sorted(out, key=lambda f: (f.start, f.end))
