"""The one per-file process behind check, fix, report, the library and the batch
runner: check the original once, fix from those findings, build the review.

Before this existed, `report` checked each original twice (once in the fix loop,
once for the review page); now the fix loop starts from the findings already made.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from retrans.core.finding import Finding
from retrans.detect.build import Tooling
from retrans.detect.mt_score import count_words, mt_score
from retrans.repair.fixing import FixResult, fix_text_loop
from retrans.report.review import Review, build_review


@dataclass(frozen=True)
class FileResult:
    """What one text gave: the findings of the original, the fix result (when asked),
    the review (when asked), and notes for the user (reverted fixes, unsettled loop).
    `mt_score` is the document's machine-translation score (detect/mt_score.py);
    `selected` is False when it fell below `min_mt_score` (then nothing was fixed)."""

    findings: tuple[Finding, ...]
    fix: FixResult | None = None
    review: Review | None = None
    notes: tuple[str, ...] = ()
    mt_score: float = 0.0
    selected: bool = True


def process(
    text: str,
    tooling: Tooling,
    *,
    fix: bool = False,
    review: bool = False,
    min_confidence: float = 0.7,
    label: str = "<text>",
    min_mt_score: float | None = None,
) -> FileResult:
    """Check `text`; with `fix` or `review`, repair it starting from those findings,
    unless its MT score is below `min_mt_score`."""
    findings = tooling.pipeline.check(text)
    score = mt_score(findings, count_words(text))
    selected = min_mt_score is None or score >= min_mt_score
    if not (fix or review) or not selected:
        return FileResult(tuple(findings), mt_score=score, selected=selected)
    # The repairing paths alone ask the language model to confirm the rules' shown-only
    # repairs (detect/build.py Tooling.confirm): `check` reports without that cost.
    findings = tooling.confirm(text, findings)
    guard = tooling.guard()
    result = fix_text_loop(
        text, tooling.check_to_fix, min_confidence, accept=guard, initial=findings, progress=_progress(text, label)
    )
    notes = [
        f"{label}: {f.rule} fix {text[f.start : f.end]!r} -> {f.suggestions[0]!r} reverted: "
        f"it introduces a grammar error ({why})"
        for f, why in (guard.reverted if guard else [])
    ]
    if not result.converged:
        notes.append(
            f"{label}: fixes did not settle after {result.passes} passes; kept the {len(result.applied)} "
            "pass(es) that did"
        )
    rev = build_review(text, result.text, findings) if review else None
    return FileResult(tuple(findings), result, rev, tuple(notes), score)


#: A text this long reports each fix pass on stderr (it may take minutes).
PROGRESS_FROM = 1_000_000


def _progress(text: str, label: str) -> Callable[[int, int], None] | None:
    if len(text) < PROGRESS_FROM:
        return None
    t0 = time.perf_counter()

    def report(n: int, edits: int) -> None:
        print(f"{label}: fix pass {n}: {edits} edit(s), {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

    return report
