"""Choosing among findings that claim the same text.

One pure function decides, so the result never depends on the order rules ran
in: higher priority wins, then the longer span, then the higher confidence, then
position and rule code as a stable tie-break (LanguageTool's filter, in effect).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from retrans.core.finding import Finding


def _rank(f: Finding) -> tuple[int, int, float, int, str, tuple[str, ...]]:
    return (-f.priority, -f.length, -f.confidence, f.start, f.rule, f.suggestions)


def resolve_overlaps(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (kept, dropped) so no two kept findings overlap.

    Kept findings come back sorted by position.
    """
    kept: list[Finding] = []
    dropped: list[Finding] = []
    for f in sorted(set(findings), key=_rank):
        if any(f.overlaps(k) for k in kept):
            dropped.append(f)
        else:
            kept.append(f)
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
    firsts = [f for f in items if not is_second(f)]
    return [f for f in items if not is_second(f) or not any(f.overlaps(k) for k in firsts)]
