"""The `retrans` command: check, fix, report, list rules and serve (app/cli.py is
its entry point).

Exit codes follow linters and pre-commit: 0 clean, 1 findings at or above
`--fail-on` (check) or files changed (fix), 2 usage, configuration or input errors.
Settings come from `retrans.toml` / `[tool.retrans]`; flags override them.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from retrans import __version__
from retrans.app.baseline import Baseline
from retrans.core.config import Config, load_config
from retrans.core.document import LineIndex
from retrans.core.errors import RetransError, UsageError
from retrans.core.finding import Severity
from retrans.core.options import DEFAULT_MIN_CONFIDENCE, Options
from retrans.report.ci_formats import GithubWriter, SarifWriter
from retrans.report.html import PageSummary, render_index
from retrans.report.terminal import print_side_by_side
from retrans.report.writers import FileReport, HumanWriter, JsonWriter, Writer, marked_diff

from . import corpus
from .codes_cli import cmd_rules
from .runner import STDIN, Job, Outcome, Runner, Work, exit_on_sigterm, page_names

COMMANDS = ("check", "fix", "report", "rules", "serve")


def _codes(values: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(c.strip() for v in values or () for c in v.split(",") if c.strip())


EXIT_CODES = """\
exit codes:
  0  clean: no finding at or above --fail-on (check), nothing changed (fix)
  1  findings at or above --fail-on (check), or files changed (fix)
  2  usage, configuration or input errors (a file that could not be read,
     checked or written; the other files are still processed)
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="retrans",
        description="Find and repair machine-translation artifacts.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"retrans {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def parser(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "paths",
            nargs="+",
            type=Path,
            help="files, folders searched for *.txt, corpora (.jsonl, .ndjson, .parquet files or folders of them); "
            "- reads standard input",
        )
        sp.add_argument(
            "--config",
            type=Path,
            help="configuration file (default: nearest retrans.toml or pyproject.toml with [tool.retrans])",
        )
        sp.add_argument(
            "--rules",
            action="append",
            type=Path,
            metavar="DIR",
            help="rule folder added to the built-in rules (repeatable)",
        )
        sp.add_argument(
            "--no-builtin-rules",
            action="store_true",
            help="drop the built-in rules: only the --rules folders (and the configuration's) are used",
        )
        sp.add_argument(
            "--enable",
            action="append",
            metavar="CODE",
            help="run only these codes (codes, names, groups or checkers; comma-separated)",
        )
        sp.add_argument("--disable", action="append", metavar="CODE", help="skip these codes")
        sp.add_argument(
            "--extend-enable",
            action="append",
            metavar="CODE",
            help="also run these codes that are off by default (RT901, embedding outliers)",
        )
        sp.add_argument(
            "--grammar", choices=("harper", "languagetool", "none"), help="grammar checker (default harper, offline)"
        )
        sp.add_argument("--languagetool-url", metavar="URL", help="LanguageTool server for --grammar languagetool")
        sp.add_argument(
            "--embeddings",
            dest="embeddings",
            action="store_true",
            default=None,
            help="require the embedding checker (default: on when installed)",
        )
        sp.add_argument(
            "--no-embeddings",
            dest="embeddings",
            action="store_false",
            help="turn the embedding checker off; the rules still run",
        )
        sp.add_argument(
            "--embedding-backend",
            choices=("onnx", "sentence-transformers"),
            help="the embedding model's runtime (default onnx when installed; sentence-transformers is the reference)",
        )
        sp.add_argument(
            "--no-lm",
            dest="lm",
            action="store_false",
            default=None,
            help="turn the language-model checker off (default: on when the `lm` extra is installed)",
        )
        sp.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
        sp.add_argument(
            "-q", "--quiet", action="store_true", help="print findings and errors only: no summary, notes or progress"
        )
        sp.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            help="run on a Dask cluster: its scheduler address (tcp://host:8786), or local[:N] for a LocalCluster",
        )
        sp.add_argument("--text-field", default="text", metavar="NAME", help="corpus field with the text (text)")
        sp.add_argument("--id-field", default="id", metavar="NAME", help="corpus field with the document id (id)")
        sp.add_argument(
            "--min-mt-score",
            type=float,
            metavar="S",
            help="report, fix and write only documents whose MT score (0-1) is at least S",
        )
        sp.add_argument("--batch-size", type=int, default=corpus.DEFAULT_BATCH, help=argparse.SUPPRESS)

    c = parser("check", "report findings")
    common(c)
    c.add_argument("--format", choices=("human", "json", "sarif", "github"), default="human")
    c.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="exit 1 when a finding is at or above this severity (default warning, or the configuration's)",
    )
    c.add_argument("--baseline", type=Path, help="report only findings not recorded in this baseline")
    c.add_argument("--write-baseline", type=Path, metavar="FILE", help="record the current findings and exit 0")
    c.add_argument(
        "--output-dir",
        type=Path,
        help="write corpora's findings partitions here (default: beside each partition, NAME.findings.EXT)",
    )

    f = parser("fix", "apply safe fixes (in place, or into --output-dir)")
    common(f)
    f.add_argument("--output-dir", type=Path, help="write repaired copies here; inputs are not touched")
    f.add_argument(
        "--diff",
        action="store_const",
        const="side",
        help="show the changes side by side and write nothing (--diff=unified: a unified diff)",
    )
    f.add_argument("--diff=unified", dest="diff", action="store_const", const="unified", help=argparse.SUPPRESS)
    f.add_argument(
        "--min-confidence",
        type=float,
        help=f"apply only fixes at least this confident (default {DEFAULT_MIN_CONFIDENCE})",
    )
    f.add_argument("--force", action="store_true", help="rewrite read-only files too (refused by default)")

    rp = parser("report", "write HTML review pages (original and repaired side by side)")
    common(rp)
    rp.add_argument("--output-dir", type=Path, default=Path("reports"), help="where pages go (default reports/)")
    rp.add_argument("--min-confidence", type=float)

    sv = parser("serve", "keep the checkers loaded for later commands (a warm local server; see docs/performance.md)")
    sv.add_argument(
        "--idle-timeout",
        type=float,
        metavar="S",
        help="exit after S seconds without a request (default 600, or RETRANS_SERVER_IDLE; 0: never)",
    )
    sv.add_argument("--stop", action="store_true", help="stop this environment's server, if one runs")
    sv.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    sv.add_argument("--key", help=argparse.SUPPRESS)  # the key the starting client expects

    r = parser("rules", "list every code (rules, grammar, embeddings, ...), or explain one")
    r.add_argument("code", nargs="?", help="explain this code (RT201, HARPER/Typo, title.first_province)")
    r.add_argument("--rules", action="append", type=Path, metavar="DIR", help="rule folder added to the built-ins")
    r.add_argument("--no-builtin-rules", action="store_true", help="list only the --rules folders' rules")
    r.add_argument("--format", choices=("table", "json"), default="table")
    return p


def _command_first(argv: Sequence[str]) -> list[str]:
    """Allow options before the command (`retrans --grammar none check f.txt`), as
    wrappers that append the command to a fixed prefix need."""
    args = ["--diff" if a == "--diff=side" else a for a in argv]
    for i, a in enumerate(args):
        if a in COMMANDS:
            return [a, *args[:i], *args[i + 1 :]] if i else args
    return args


def rule_folders(extra: Sequence[Path], no_builtin: bool = False) -> tuple[Path, ...] | None:
    """The rule folders of a run: the built-in ones plus `extra` (`--rules`, the
    configuration's `rules`), or `extra` alone with `--no-builtin-rules`; a folder
    named twice is loaded once. None means the built-ins alone."""
    if no_builtin:
        if not extra:
            raise UsageError("--no-builtin-rules needs at least one --rules DIR (or `rules` in the configuration)")
        base: list[Path] = []
    elif not extra:
        return None
    else:
        from retrans.detect.rules.loader import default_rule_dirs

        base = default_rule_dirs()
    seen: dict[Path, Path] = {}
    for folder in (*base, *extra):
        seen.setdefault(folder.resolve(), folder)
    return tuple(seen.values())


def _options(args: argparse.Namespace, cfg: Config) -> Options:
    enable = _codes(args.enable) or cfg.enable
    # --rules and the configuration's `rules` both add to the built-in rules;
    # --no-builtin-rules drops the built-ins.
    rule_dirs = rule_folders((*cfg.rules, *(args.rules or ())), args.no_builtin_rules)
    min_conf = getattr(args, "min_confidence", None)
    return Options(
        rule_dirs=rule_dirs,
        enable=frozenset(enable) or None,
        disable=frozenset(_codes(args.disable) + cfg.disable),
        extend_enable=frozenset(_codes(args.extend_enable) + cfg.extend_enable),
        severity=dict(cfg.severity),
        min_confidence=min_conf if min_conf is not None else (cfg.min_confidence or DEFAULT_MIN_CONFIDENCE),
        grammar=args.grammar or cfg.grammar or "harper",
        languagetool_url=args.languagetool_url or cfg.languagetool_url,
        harper_kinds=frozenset(cfg.harper_kinds) or None,
        embeddings=args.embeddings if args.embeddings is not None else cfg.embeddings,
        embedding_backend=args.embedding_backend or cfg.embedding_backend,
        lm=args.lm,
    )


def _missing(path: Path) -> str:
    """Why a path that does not exist cannot be read: a symlink loop, a dangling
    symlink, or nothing there."""
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:
            return "symlink loop (too many levels of symbolic links)"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symlink loop (too many levels of symbolic links)"
            return f"broken symlink to {os.readlink(path)}"
    return "no such file or directory"


def main(argv: Sequence[str] | None = None, *, signals: bool = True) -> int:
    """Run the command; a reader that closes the pipe early (`| head`) ends it quietly.
    `signals=False` leaves the process's signal handlers alone (the warm server)."""
    if signals:
        exit_on_sigterm()
    try:
        return _main(argv)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(_command_first(raw))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "serve":
            from .server import cmd_serve

            return cmd_serve(args)
        cfg = load_config(args.config)
        options = _options(args, cfg)
        if args.min_mt_score is not None and not 0.0 <= args.min_mt_score <= 1.0:
            raise UsageError(f"--min-mt-score must be between 0 and 1, not {args.min_mt_score}")
        runner = Runner(options, max(1, args.jobs), args.scheduler)
        baseline = None
        if args.command == "check" and not args.write_baseline:
            source: Path | None = args.baseline or cfg.baseline
            baseline = Baseline.load(source) if source is not None else None
    except RetransError as exc:
        err.print(f"retrans: error: {exc}", markup=False)
        return 2
    try:
        return Session(args, cfg, options, runner, baseline, err).run()
    finally:
        runner.close()


class Session:
    """One run of check, fix or report over all the paths given."""

    def __init__(
        self,
        args: argparse.Namespace,
        cfg: Config,
        options: Options,
        runner: Runner,
        baseline: Baseline | None,
        err: Console,
    ) -> None:
        self.args, self.cfg, self.options, self.runner = args, cfg, options, runner
        self.baseline, self.err = baseline, err
        self.out = Console(highlight=False, soft_wrap=True)
        self.failed = False
        #: Paths given that do not exist, with why (reported in every format).
        self.missing: list[tuple[str, str]] = []

    def files(self) -> list[tuple[Path, Path]]:
        """(file, the argument it came from); a missing path is reported and skipped.
        Corpus partitions are listed in `self.corpora` instead."""
        out: list[tuple[Path, Path]] = []
        self.corpora: list[tuple[Path, Path]] = []
        for root in self.args.paths:
            if root == STDIN:
                out.append((root, root))
            elif root.is_dir():
                found = {f for pattern in self.cfg.include for f in root.rglob(pattern) if f.is_file()}
                out.extend((f, root) for f in sorted(found) if not corpus.is_corpus(f))
                self.corpora.extend((f, root) for f in corpus.partitions(root))
            elif root.exists() and corpus.is_corpus(root):
                self.corpora.append((root, root))
            elif root.exists():
                out.append((root, root))
            else:
                self.missing.append((str(root), f"{root}: {_missing(root)}"))
                self.failed = True
        return out

    def jobs(self) -> list[Job]:
        a = self.args
        files = self.files()
        pages = page_names([f for f, _ in files]) if a.command == "report" else [None] * len(files)
        jobs = []
        stdin_text = None
        if any(path == STDIN for path, _ in files):
            stdin_text = sys.stdin.buffer.read().decode("utf-8", errors="replace").removeprefix("\ufeff")
        for (path, root), page in zip(files, pages, strict=True):
            fps: tuple[tuple[str, int], ...] = ()
            if self.baseline is not None:
                fps = tuple(self.baseline.entries.get(str(path), Counter()).items())
            jobs.append(
                Job(
                    command=a.command,
                    path=path,
                    root=root,
                    min_confidence=self.options.min_confidence,
                    output_dir=getattr(a, "output_dir", None),
                    diff=getattr(a, "diff", None),
                    baseline=fps,
                    want_fingerprints=bool(getattr(a, "write_baseline", None)),
                    page=page,
                    force=bool(getattr(a, "force", False)),
                    stdin=stdin_text if path == STDIN else None,
                    min_mt_score=a.min_mt_score,
                )
            )
        return jobs

    def corpus_work(self) -> Iterator[corpus.BatchJob]:
        """The corpora's documents in batches, read lazily as the runner asks."""
        a = self.args
        for partition, root in self.corpora:
            yield from corpus.batches(
                a.command,
                partition,
                root,
                text_field=a.text_field,
                id_field=a.id_field,
                size=max(1, a.batch_size),
                min_confidence=self.options.min_confidence,
                min_mt_score=a.min_mt_score,
            )

    def work(self, jobs: list[Job]) -> Iterator[Work]:
        yield from jobs
        yield from self.corpus_work()

    def outcomes(self, jobs: list[Job]) -> Iterator[Outcome | corpus.BatchOutcome]:
        """Outcomes in input order, with a progress bar on a terminal for long runs
        (it advances as each unit of work completes, documents for corpora)."""
        work: Iterable[Work] = jobs if not self.corpora else self.work(jobs)
        if not (self.err.is_terminal and (len(jobs) > 1 or self.corpora)) or self.args.quiet:
            yield from self.runner.run(work)
            return
        total = len(jobs) + sum(corpus.count_rows(p) for p, _ in self.corpora)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.err, transient=True) as progress:
            task = progress.add_task(self.args.command, total=total)
            yield from self.runner.run(work, lambda w: progress.advance(task, w.size))

    def run(self) -> int:
        jobs = self.jobs()
        cmd = self.args.command
        if self.corpora and cmd == "report":
            self.err.print("retrans: error: report reads files and folders, not corpora", markup=False)
            return 2
        a = self.args
        sink = corpus.CorpusOutput(cmd, getattr(a, "output_dir", None), a.text_field, a.id_field)
        writer: Writer | None = None
        if cmd == "check":
            fmt = self.args.format
            writer = {
                "json": JsonWriter(sys.stdout),
                "sarif": SarifWriter(sys.stdout),
                "github": GithubWriter(sys.stdout),
            }.get(fmt) or HumanWriter(self.out, quiet=self.args.quiet)
            writer.start()
        for path, message in self.missing:
            self.err.print(f"retrans: error: {message}", markup=False)
            if writer is not None:
                writer.add(FileReport(path, LineIndex(""), error=message))
        fail_on = Severity(self.args.fail_on or self.cfg.fail_on or "warning").rank if cmd == "check" else 0
        hit = changed = False
        stats: Counter[str] = Counter()
        pages = []
        recorded = Baseline()

        def take(o: Outcome, document: bool = False) -> None:
            nonlocal hit, changed
            r = o.report
            if r.skipped:
                if not self.args.quiet:
                    self.err.print(f"retrans: warning: {r.skipped}", markup=False)
                stats["skipped"] += 1
                if writer is not None:
                    writer.add(r)
                return
            if r.error:
                self.err.print(f"retrans: error: {r.error}", markup=False)
                stats["errors"] += 1
                self.failed = True
                if cmd == "report":  # the index names the file that has no page
                    pages.append(PageSummary(r.path, "", Counter(), Counter(), 0, error=r.error))
                if writer is not None:
                    writer.add(r)  # machine formats list failed files too
            for note in () if self.args.quiet else o.notes:
                self.err.print(f"retrans: note: {note}", markup=False)
            stats["files"] += 1
            if not o.selected:
                stats["below"] += 1
                return
            stats.update(f.severity.value for f in r.findings)
            if writer is not None and not r.error:
                writer.add(r)
                hit = hit or any(f.severity.rank >= fail_on for f in r.findings)
            if o.fingerprints:
                recorded.entries[r.path] = Counter(o.fingerprints)
            if o.page is not None:
                pages.append(o.page)
            if o.text is not None:  # fix -: the repaired text
                sys.stdout.write(o.text)
                changed = changed or o.changed
            elif o.changed:
                changed = True
                stats["fixed"] += 1
                if not document:  # a corpus's repaired texts go to its output partitions
                    self._show_change(r.path, o)

        try:
            for o in self.outcomes(jobs):
                if isinstance(o, corpus.BatchOutcome):
                    for d in o.docs:
                        take(Outcome(d.report, d.changed, d.notes, selected=d.selected), document=True)
                    sink.add(o)
                else:
                    take(o)
        except RetransError as exc:  # e.g. a grammar backend that fails inside a worker
            sink.abort()
            self.err.print(f"retrans: error: {exc}", markup=False)
            return 2
        except BaseException:
            sink.abort()
            raise
        if writer is not None:
            writer.end()
        if cmd == "report":
            from retrans.core.document import write_atomic

            write_atomic(self.args.output_dir / "index.html", render_index(pages).encode("utf-8"))
            if not self.args.quiet:
                self.out.print(f"Wrote {len(pages)} page(s) and {self.args.output_dir / 'index.html'}", markup=False)
        if cmd == "check" and self.args.write_baseline:
            recorded.save(self.args.write_baseline)
            self.err.print(
                f"retrans: wrote baseline of {sum(stats[k] for k in ('error', 'warning', 'info'))} "
                f"finding(s) to {self.args.write_baseline}",
                markup=False,
            )
            return 2 if self.failed else 0
        if (len(jobs) > 1 or self.args.jobs > 1 or self.corpora) and not self.args.quiet:
            self._summary(stats)
        if self.failed:
            return 2
        if cmd == "check":
            return 1 if hit else 0
        return 1 if changed and cmd == "fix" else 0

    def _show_change(self, path: str, o: Outcome) -> None:
        if o.unified is not None:
            self.out.print(o.unified, end="", markup=False)
        elif o.diff is not None:
            if self.out.is_terminal:
                print_side_by_side(self.out, path, *o.diff)
            else:  # a pipe or a file: marked words, no padding, nothing cut
                sys.stdout.write(marked_diff(path, *o.diff))
        elif not self.args.quiet:
            self.out.print(f"Fixing {path}", markup=False)

    def _summary(self, stats: Counter[str]) -> None:
        table = Table(title="retrans summary", title_justify="left")
        cols = ["files", "errors", "warnings", "info", "files fixed", "input errors", "skipped"]
        keys = ["files", "error", "warning", "info", "fixed", "errors", "skipped"]
        if self.args.min_mt_score is not None:
            cols.append("below MT score")
            keys.append("below")
        for col in cols:
            table.add_column(col, justify="right")
        table.add_row(*(str(stats[k]) for k in keys))
        self.err.print(table)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
