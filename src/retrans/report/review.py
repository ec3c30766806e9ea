"""What a reviewer decides on: each change between the original and the repaired
text, expressed against the original, with the findings behind it.

`fix` applies fixes in passes, so offsets of later passes point into intermediate
texts; a word-level diff of original and result gives changes a reviewer can accept
or reject independently. Suggest-only findings become changes that start rejected.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import regex

from retrans.core.finding import Finding
from retrans.repair.overlaps import resolve_overlaps

_TOKEN = regex.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Change:
    """A span of the original and what may replace it; `options[0]` is the default."""

    id: int
    start: int
    end: int
    options: tuple[str, ...]
    applied: bool
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Review:
    original: str
    repaired: str
    changes: tuple[Change, ...]
    notes: tuple[Finding, ...]


def _ops(original: str, repaired: str) -> list[tuple[str, int, int, int, int]]:
    """Word-level alignment as (tag, orig start, orig end, repaired start, repaired end)."""
    a = [(m.start(), m.end()) for m in _TOKEN.finditer(original)]
    b = [(m.start(), m.end()) for m in _TOKEN.finditer(repaired)]
    sm = difflib.SequenceMatcher(None, [original[s:e] for s, e in a], [repaired[s:e] for s, e in b], autojunk=False)

    def pos(spans: list[tuple[int, int]], i: int, total: int) -> int:
        return spans[i][0] if i < len(spans) else total

    return [
        (
            tag,
            pos(a, i1, len(original)),
            pos(a, i2, len(original)),
            pos(b, j1, len(repaired)),
            pos(b, j2, len(repaired)),
        )
        for tag, i1, i2, j1, j2 in sm.get_opcodes()
    ]


def diff_hunks(original: str, repaired: str) -> list[tuple[int, int, str]]:
    """Word-level edits turning `original` into `repaired`, in original offsets."""
    return [(s, e, repaired[rs:re]) for tag, s, e, rs, re in _ops(original, repaired) if tag != "equal"]


def _regions(original: str, repaired: str, findings: list[Finding]) -> list[tuple[int, int, str]]:
    """Diff hunks widened to the findings that caused them ("re -election" as one
    change, not a lone deleted space), merged where they meet, with their new text."""
    ops = _ops(original, repaired)
    spans = [(s, e) for tag, s, e, _, _ in ops if tag != "equal"]
    widened = []
    for s, e in spans:
        for f in findings:
            if f.suggestions and ((f.start < e and s < f.end) or (s == e and f.start <= s <= f.end)):
                s, e = min(s, f.start), max(e, f.end)
        widened.append((s, e))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(widened):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))

    def to_repaired(p: int, side: str) -> int:
        for tag, s, e, rs, re in ops:
            if tag == "equal" and s <= p <= e:
                return rs + (p - s)
            if tag != "equal" and (p == s if side == "start" else p == e):
                return rs if side == "start" else re
        return len(repaired) if p >= len(original) else 0

    return [(s, e, repaired[to_repaired(s, "start") : to_repaired(e, "end")]) for s, e in merged]


def build_review(original: str, repaired: str, findings: list[Finding]) -> Review:
    """Changes (applied hunks first, then suggestions) and notes (no suggestion)."""
    changes: list[Change] = []
    for start, end, new in _regions(original, repaired, findings):
        behind = tuple(f for f in findings if (f.start < end and start < f.end) or (f.start == start and f.end == end))
        options = [new]
        for f in behind:
            if (f.start, f.end) == (start, end):
                options.extend(s for s in f.suggestions if s not in options)
        if original[start:end] not in options:
            options.append(original[start:end])
        changes.append(Change(len(changes), start, end, tuple(options), True, behind))
    covered = [(c.start, c.end) for c in changes]
    free = [
        f
        for f in findings
        if f.suggestions and not any((f.start < e and s < f.end) or f.start == s for s, e in covered)
    ]
    kept, dropped = resolve_overlaps(free)
    for f in kept:
        options = list(dict.fromkeys(f.suggestions))
        changes.append(Change(len(changes), f.start, f.end, (*options, original[f.start : f.end]), False, (f,)))
    notes = tuple(f for f in findings if not f.suggestions or f in dropped)
    ordered = sorted(changes, key=lambda c: (c.start, c.end))
    renumbered = tuple(Change(i, c.start, c.end, c.options, c.applied, c.findings) for i, c in enumerate(ordered))
    return Review(original, repaired, renumbered, notes)


def resulting_text(review: Review, choices: dict[int, int] | None = None) -> str:
    """The text after the reviewer's choices: option index per change id; the last
    option of every change is the original wording (reject)."""
    out = review.original
    for c in sorted(review.changes, key=lambda c: c.start, reverse=True):
        default = 0 if c.applied else len(c.options) - 1
        pick = (choices or {}).get(c.id, default)
        out = out[: c.start] + c.options[pick] + out[c.end :]
    return out
