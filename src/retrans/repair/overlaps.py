"""Choosing among findings that claim the same text.

One pure function decides, so the result never depends on the order rules ran
in: higher priority wins, then the longer span, then the higher confidence, then
position and rule code as a stable tie-break (LanguageTool's filter, in effect).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from retrans.core.finding import Finding, FixPolicy

#: Width of the position buckets of `SpanIndex`.
_BUCKET = 256


class SpanIndex:
    """Findings by the position buckets their span covers (ends included), so
    "does this span overlap any finding added?" looks at a few neighbours instead
    of every finding (a 20 MB text has ~10^5 fixable findings: comparing each with
    all the others took hours). Exact: two overlapping spans share a position, so
    they share a bucket."""

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self._buckets: dict[int, list[Finding]] = {}
        for f in findings:
            self.add(f)

    def add(self, f: Finding) -> None:
        for b in range(f.start // _BUCKET, f.end // _BUCKET + 1):
            self._buckets.setdefault(b, []).append(f)

    def overlaps(self, f: Finding) -> bool:
        for b in range(f.start // _BUCKET, f.end // _BUCKET + 1):
            for k in self._buckets.get(b, ()):
                if f.overlaps(k):
                    return True
        return False


def _rank(f: Finding) -> tuple[int, int, float, int, str, tuple[str, ...], bool, str]:
    # A fix `fix` may apply beats the same fix shown only (a rule's suggestion the
    # language model confirmed). The message last: two entries of one rule may flag
    # the same words with the same fix and differ only in what they say; a set's
    # order must not choose between them.
    shown_only = f.fix is not FixPolicy.SAFE
    return (-f.priority, -f.length, -f.confidence, f.start, f.rule, f.suggestions, shown_only, f.message)


def resolve_overlaps(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (kept, dropped) so no two kept findings overlap.

    Kept findings come back sorted by position.
    """
    kept: list[Finding] = []
    dropped: list[Finding] = []
    index = SpanIndex()
    for f in sorted(set(findings), key=_rank):
        if index.overlaps(f):
            dropped.append(f)
        else:
            kept.append(f)
            index.add(f)
    kept.sort(key=lambda f: (f.start, f.end, f.rule))
    dropped.sort(key=lambda f: (f.start, f.end, f.rule))
    return kept, dropped


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """Drop findings that repeat another's span and first suggestion (e.g. two
    checkers agreeing); the one that ranks first stays. Sorted by position."""
    best: dict[tuple[int, int, str], Finding] = {}
    for f in sorted(set(findings), key=_rank):
        key = (f.start, f.end, f.suggestions[0] if f.suggestions else "")
        best.setdefault(key, f)
    return sorted(best.values(), key=lambda f: (f.start, f.end, f.rule))


def drop_second_opinions(findings: Iterable[Finding], is_second: Callable[[Finding], bool]) -> list[Finding]:
    """Drop the findings of a second-opinion checker (the language model's
    candidates) whose span overlaps a finding of another checker: the word is
    already flagged, and two findings on it only make the reader look twice."""
    items = list(findings)
    firsts = SpanIndex(f for f in items if not is_second(f))
    return [f for f in items if not is_second(f) or not firsts.overlaps(f)]
