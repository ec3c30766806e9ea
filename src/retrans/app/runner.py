"""Per-file work, in this process, in worker processes (`-j N`) or on Dask
workers (`--scheduler`, app/distributed.py).

Each worker builds the checkers once (models load once per process) and handles
one unit of work at a time: a file (read, check or fix, write) or a batch of corpus
documents (app/corpus.py). Only findings and their line positions travel back,
never a file's text, and work is handed out through a bounded window, so memory
stays flat however many files or documents.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from retrans.app.baseline import fingerprint, new_findings
from retrans.core.document import MAX_CHARS, BinaryFileError, Document, LineIndex, read_document, write_atomic
from retrans.core.errors import InputError, RetransError
from retrans.core.options import Options
from retrans.detect.build import Tooling, all_codes, build_tooling
from retrans.detect.grammar import build_grammar
from retrans.detect.rules.loader import load_rules
from retrans.report.html import PageSummary, page_name, render_page
from retrans.report.writers import FileReport, unified_diff

from .process import process


@dataclass(frozen=True)
class Job:
    """What to do with one file; everything a worker needs besides its tooling."""

    command: str  # check | fix | report
    path: Path
    root: Path
    min_confidence: float = 0.7
    output_dir: Path | None = None
    diff: str | None = None
    baseline: tuple[tuple[str, int], ...] = ()
    want_fingerprints: bool = False
    page: str | None = None
    #: Rewrite a read-only file in place (`fix --force`); by default it is refused.
    force: bool = False
    #: The text itself when it came from standard input (path `-`).
    stdin: str | None = None
    min_mt_score: float | None = None

    @property
    def size(self) -> int:
        """Documents this job covers (for the progress bar)."""
        return 1

    def run(self, tooling: Tooling) -> Outcome:
        return _run_job(self, tooling)


class Work(Protocol):
    """A unit of work a worker runs with its tooling: a `Job` or a corpus batch."""

    @property
    def size(self) -> int: ...

    def run(self, tooling: Tooling) -> Any: ...


@dataclass(frozen=True)
class Outcome:
    report: FileReport
    changed: bool = False
    notes: tuple[str, ...] = ()
    diff: tuple[str, str] | None = None
    unified: str | None = None
    fingerprints: tuple[str, ...] = ()
    page: PageSummary | None = None
    #: The repaired text of `fix -` (standard input), for standard output.
    text: str | None = None
    #: False when the file's MT score is below --min-mt-score: not reported, not fixed.
    selected: bool = True


_TOOLING: Tooling | None = None


def _init(options: Options, threads: int = 0) -> None:
    """Build the checkers; `threads`: cap on the math libraries' threads per
    process (with N workers on N cores, each worker's own thread pool would only
    fight the others for the cores)."""
    global _TOOLING
    exit_on_sigterm()
    if threads:
        # RETRANS_LM_THREADS too: the language model sets torch's thread count
        # itself when it loads (2 by default), which would override the cap for
        # every torch model of the worker (the embeddings as well).
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RETRANS_LM_THREADS"):
            os.environ.setdefault(var, str(threads))
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _TOOLING = _kept(options) if _KEPT is not None else build_tooling(options)


#: The warm server's checkers with their options and rule files, most recent last
#: (`keep_tooling`); None in an ordinary process, which builds them once per run.
#: A list, not a dict: options hold a mapping (severities), so they do not hash.
_KEPT: list[tuple[tuple[Options, tuple[tuple[str, int], ...]], Tooling]] | None = None
#: Option sets whose checkers a server keeps (the models are shared between them).
KEEP = 3


def keep_tooling(on: bool) -> None:
    """Keep built checkers from one run to the next in this process (the warm
    server, app/server.py): a run with the same options and unchanged rule files
    (paths and modification times) reuses them."""
    global _KEPT
    _KEPT = [] if on else None


def _kept(options: Options) -> Tooling:
    assert _KEPT is not None
    key = (options, _rule_files(options))
    found = [i for i, (k, _) in enumerate(_KEPT) if k == key]
    tooling = _KEPT.pop(found[0])[1] if found else build_tooling(options)
    _KEPT.append((key, tooling))
    del _KEPT[:-KEEP]
    return tooling


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def exit_on_sigterm() -> None:
    """Turn SIGTERM (`kill`, a CI timeout) into SystemExit, so the cleanup of a write
    in progress runs (`write_atomic` removes its temporary file) as it does for
    Ctrl-C. Only SIGKILL leaves a temporary file behind. Main thread only."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


STDIN = Path("-")


_BUILT_FOR: tuple[Options, tuple[tuple[str, int], ...]] | None = None


def init_worker(options: Options) -> None:
    """Build this process's checkers for a Dask worker. A long-lived worker keeps
    them from one run to the next while the options and the rule files (paths and
    modification times) are the same, so models load once per worker, not per run."""
    global _BUILT_FOR
    key = (options, _rule_files(options))
    if _TOOLING is not None and key == _BUILT_FOR:
        return
    _init(options)
    _BUILT_FOR = key


def _rule_files(options: Options) -> tuple[tuple[str, int], ...]:
    from retrans.detect.rules.loader import default_rule_dirs

    dirs = options.rule_dirs if options.rule_dirs is not None else tuple(default_rule_dirs())
    return tuple((str(f), f.stat().st_mtime_ns) for d in dirs for f in sorted(Path(d).rglob("*")) if f.is_file())


def run_work(work: Work) -> Any:
    """Run one unit of work with this process's checkers."""
    assert _TOOLING is not None, "worker not initialised"
    return work.run(_TOOLING)


def run_job(job: Job) -> Outcome:
    """Handle one file with this process's checkers."""
    assert _TOOLING is not None, "worker not initialised"
    return _run_job(job, _TOOLING)


def _run_job(job: Job, tooling: Tooling) -> Outcome:
    """Handle one file; every failure becomes part of the outcome, never an exception:
    a checker or backend that fails on one file is that file's error, and the batch
    goes on with the next."""
    path = str(job.path)
    try:
        return _handle(job, tooling)
    except (RetransError, OSError, MemoryError, RecursionError) as exc:
        return Outcome(FileReport(path, LineIndex(""), error=f"{path}: {exc}" if path not in str(exc) else str(exc)))
    except Exception as exc:  # a bug: still one file's error, never the batch's
        return Outcome(FileReport(path, LineIndex(""), error=f"{path}: unexpected error: {exc!r}"))


def _handle(job: Job, tooling: Tooling) -> Outcome:
    path = str(job.path)
    if job.stdin is not None:
        doc = Document(path, job.stdin)
    else:
        try:
            doc = read_document(job.path)
        except BinaryFileError as exc:
            return Outcome(FileReport(path, LineIndex(""), skipped=str(exc)))
        except InputError as exc:
            return Outcome(FileReport(path, LineIndex(""), error=str(exc)))
    text = doc.text
    # `RETRANS_MAX_CHARS` raises the limit for one run (the large-file benchmark).
    limit = int(os.environ.get("RETRANS_MAX_CHARS") or MAX_CHARS)
    if len(text) > limit:
        too_long = f"{path}: too long to check ({len(text):,} characters; the limit is {limit:,}): split it"
        return Outcome(FileReport(path, LineIndex(""), error=too_long))
    index = LineIndex(text)
    if job.command == "check":
        res = process(text, tooling, min_mt_score=job.min_mt_score)
        findings = list(res.findings)
        fps = tuple(fingerprint(text, f) for f in findings) if job.want_fingerprints else ()
        if job.baseline:
            findings = new_findings(text, findings, Counter(dict(job.baseline)))
        report = FileReport(path, index, tuple(findings), mt_score=res.mt_score)
        return Outcome(report, fingerprints=fps, selected=res.selected)

    report_page = job.command == "report"
    res = process(
        text,
        tooling,
        fix=True,
        review=report_page,
        min_confidence=job.min_confidence,
        label=path,
        min_mt_score=job.min_mt_score,
    )
    if not res.selected:
        return Outcome(FileReport(path, index, mt_score=res.mt_score), selected=False)
    result = res.fix
    assert result is not None
    notes = res.notes
    if report_page:
        assert job.output_dir is not None and job.page is not None and res.review is not None
        write_atomic(job.output_dir / job.page, render_page(job.path.name, res.review).encode("utf-8"))
        summary = PageSummary(
            path,
            job.page,
            Counter(f.severity.value for f in res.findings),
            Counter(f.category for f in res.findings),
            sum(c.applied for c in res.review.changes),
        )
        return Outcome(FileReport(path, index, res.findings, mt_score=res.mt_score), notes=notes, page=summary)

    report = FileReport(path, index, tuple(result.applied_flat), mt_score=res.mt_score)
    if job.stdin is not None and not job.diff:  # `fix -`: the repaired text goes to stdout
        return Outcome(report, result.changed, notes, text=result.text)
    if job.diff:
        if not result.changed:
            return Outcome(report, notes=notes)
        if job.diff == "unified":
            return Outcome(report, True, notes, unified=unified_diff(path, text, result.text))
        return Outcome(report, True, notes, diff=(text, result.text))
    target = job.path
    if job.output_dir is not None:
        rel = job.path.relative_to(job.root) if job.root.is_dir() else Path(job.path.name)
        target = job.output_dir / rel
    elif result.changed and not job.force and not _writable(job.path):
        return Outcome(
            replace(report, error=f"{path}: read-only file, not rewritten (fix --force rewrites it)"), notes=notes
        )
    try:
        if result.changed or target != job.path:
            write_atomic(target, doc.encode(result.text))
    except OSError as exc:
        return Outcome(replace(report, error=f"{target}: cannot write: {exc.strerror or exc}"), notes=notes)
    return Outcome(report, result.changed, notes)


def _writable(path: Path) -> bool:
    """Whether the user may write the file itself: its write bits, as `ls -l` shows
    them (root may write anything, but a file made read-only was meant to stay so)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)


@dataclass
class Runner:
    """Runs work in order, in this process (`jobs=1`), in a pool of workers, or on a
    Dask cluster (`scheduler`: an address, or `local[:N]` for a LocalCluster)."""

    options: Options
    jobs: int = 1
    scheduler: str | None = None
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)
    _dask: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.jobs <= 1 and self.scheduler is None:
            _init(self.options)  # raises configuration errors here, before any file
        else:
            # Workers build their own checkers; find configuration errors here first
            # (cheap: rules, codes and backend availability, no model is loaded).
            self.options.selection.validate(all_codes(load_rules(self.options.rule_dirs)))
            build_grammar(self.options.grammar, self.options.languagetool_url, self.options.harper_kinds)
        if self.scheduler is not None:
            from .distributed import DaskRunner

            self._dask = DaskRunner(self.options, self.scheduler, self.jobs)

    def run(self, work: Iterable[Work], done: Callable[[Work], None] | None = None) -> Iterator[Any]:
        """Results in the order of `work`; `done` is called as each unit completes."""
        if self._dask is not None:
            yield from self._dask.run(work, done)
            return
        small = isinstance(work, Sequence) and len(work) <= 1
        if self.jobs <= 1 or small:
            if _TOOLING is None:
                _init(self.options)
            for w in work:
                result = run_work(w)
                if done is not None:
                    done(w)
                yield result
            return
        workers = min(self.jobs, os.cpu_count() or 1)
        if isinstance(work, Sequence):
            workers = min(workers, len(work))
        threads = max(1, (os.cpu_count() or 1) // workers)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(self.options, threads)) as pool:
            yield from _window(pool, work, 4 * workers, done)

    def close(self) -> None:
        if self._dask is not None:
            self._dask.close()
            self._dask = None


def _window(
    pool: ProcessPoolExecutor, work: Iterable[Work], size: int, done: Callable[[Work], None] | None
) -> Iterator[Any]:
    """`pool.map` that keeps at most `size` units in flight (map submits them all)."""
    pending: deque[tuple[Work, Future[Any]]] = deque()

    def oldest() -> Any:
        w, fut = pending.popleft()
        result = fut.result()
        if done is not None:
            done(w)
        return result

    for w in work:
        pending.append((w, pool.submit(run_work, w)))
        if len(pending) >= size:
            yield oldest()
    while pending:
        yield oldest()


def page_names(paths: Sequence[Path]) -> list[str]:
    taken: set[str] = set()
    return [page_name(p, taken) for p in paths]
