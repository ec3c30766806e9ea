"""Per-file work, in this process or in worker processes (`-j N`).

Each worker builds the checkers once (models load once per process) and handles
one file at a time: read, check or fix, write. Only findings and their line
positions travel back, never the text, so memory stays flat however many files.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .api import Options, Tooling, build_tooling
from .baseline import fingerprint, new_findings
from .document import BinaryFileError, LineIndex, read_document, write_atomic
from .errors import InputError
from .finding import Finding, Severity
from .fixing import fix_text_loop
from .grammar import build_grammar
from .html_report import PageSummary, page_name, render_page
from .loader import load_rules
from .reporters import FileReport, unified_diff
from .review import build_review


@dataclass(frozen=True)
class Job:
    """What to do with one file; everything a worker needs besides its tooling."""

    command: str  # check | fix | report
    path: Path
    root: Path
    min_confidence: float = 0.7
    output_dir: Path | None = None
    diff: str | None = None
    severity: tuple[tuple[str, str], ...] = ()
    baseline: tuple[tuple[str, int], ...] = ()
    want_fingerprints: bool = False
    page: str | None = None


@dataclass(frozen=True)
class Outcome:
    report: FileReport
    changed: bool = False
    notes: tuple[str, ...] = ()
    diff: tuple[str, str] | None = None
    unified: str | None = None
    fingerprints: tuple[str, ...] = ()
    page: PageSummary | None = None


_TOOLING: Tooling | None = None


def _init(options: Options) -> None:
    global _TOOLING
    _TOOLING = build_tooling(options)


def _overrides(findings: list[Finding], severity: dict[str, str]) -> list[Finding]:
    if not severity:
        return findings
    out = []
    for f in findings:
        level = severity.get(f.rule) or severity.get(f.name) or severity.get(f.name.split(".")[0])
        out.append(replace(f, severity=Severity(level)) if level else f)
    return out


def run_job(job: Job) -> Outcome:
    """Handle one file; every failure becomes part of the outcome, never an exception."""
    assert _TOOLING is not None, "worker not initialised"
    tooling = _TOOLING
    path = str(job.path)
    try:
        doc = read_document(job.path)
    except BinaryFileError as exc:
        return Outcome(FileReport(path, LineIndex(""), skipped=str(exc)))
    except InputError as exc:
        return Outcome(FileReport(path, LineIndex(""), error=str(exc)))
    text = doc.text
    index = LineIndex(text)
    severity = dict(job.severity)
    if job.command == "check":
        findings = _overrides(tooling.checker.check(text), severity)
        fps = tuple(fingerprint(text, f) for f in findings) if job.want_fingerprints else ()
        if job.baseline:
            findings = new_findings(text, findings, Counter(dict(job.baseline)))
        return Outcome(FileReport(path, index, tuple(findings)), fingerprints=fps)

    guard = tooling.guard()
    result = fix_text_loop(text, tooling.checker.check, job.min_confidence, accept=guard)
    notes = [
        f"{path}: {f.rule} fix {text[f.start : f.end]!r} -> {f.suggestions[0]!r} reverted: "
        f"it introduces a grammar error ({why})"
        for f, why in (guard.reverted if guard else [])
    ]
    if not result.converged:
        notes.append(f"{path}: fixes did not settle after {result.passes} passes")
    if job.command == "report":
        findings = _overrides(tooling.checker.check(text), severity)
        review = build_review(text, result.text, findings)
        assert job.output_dir is not None and job.page is not None
        write_atomic(job.output_dir / job.page, render_page(job.path.name, review).encode("utf-8"))
        summary = PageSummary(
            path,
            job.page,
            Counter(f.severity.value for f in findings),
            Counter(f.category for f in findings),
            sum(c.applied for c in review.changes),
        )
        return Outcome(FileReport(path, index, tuple(findings)), notes=tuple(notes), page=summary)

    report = FileReport(path, index, tuple(result.applied_flat))
    if job.diff:
        if not result.changed:
            return Outcome(report, notes=tuple(notes))
        if job.diff == "unified":
            return Outcome(report, True, tuple(notes), unified=unified_diff(path, text, result.text))
        return Outcome(report, True, tuple(notes), diff=(text, result.text))
    target = job.path
    if job.output_dir is not None:
        rel = job.path.relative_to(job.root) if job.root.is_dir() else Path(job.path.name)
        target = job.output_dir / rel
    try:
        if result.changed or target != job.path:
            write_atomic(target, doc.encode(result.text))
    except OSError as exc:
        return Outcome(replace(report, error=f"{target}: cannot write: {exc.strerror or exc}"), notes=tuple(notes))
    return Outcome(report, result.changed, tuple(notes))


@dataclass
class Runner:
    """Runs jobs in order, in this process (`jobs=1`) or in a pool of workers."""

    options: Options
    jobs: int = 1
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.jobs <= 1:
            _init(self.options)  # raises configuration errors here, before any file
        else:
            # Workers build their own checkers; find configuration errors here first
            # (cheap: rules and backend availability, no model is loaded).
            load_rules(self.options.rule_dirs)
            build_grammar(self.options.grammar, self.options.languagetool_url, self.options.harper_kinds)

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        if self.jobs <= 1 or len(jobs) <= 1:
            if _TOOLING is None:
                _init(self.options)
            for job in jobs:
                yield run_job(job)
            return
        workers = min(self.jobs, len(jobs), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(self.options,)) as pool:
            yield from pool.map(run_job, jobs, chunksize=1)


def page_names(paths: Sequence[Path]) -> list[str]:
    taken: set[str] = set()
    return [page_name(p, taken) for p in paths]
