"""The `retrans` command: check, fix and list rules.

Exit codes follow linters and pre-commit: 0 clean, 1 findings at or above
`--fail-on` (check) or files changed (fix), 2 usage, configuration or input errors.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import __version__
from .api import DEFAULT_MIN_CONFIDENCE, Options, Tooling, build_tooling, files_under
from .document import BinaryFileError, read_document, write_atomic
from .engine import Checker
from .errors import InputError, RetransError
from .finding import Severity
from .fixing import fix_text_loop
from .formats import render_github, render_sarif
from .html_report import PageSummary, page_name, render_index, render_page
from .loader import load_rules
from .reporters import FileReport, render_human, render_json, unified_diff
from .review import build_review
from .terminal_diff import print_side_by_side


def _codes(values: Sequence[str] | None) -> frozenset[str]:
    return frozenset(c.strip() for v in values or () for c in v.split(",") if c.strip())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="retrans", description="Find and repair machine-translation artifacts.")
    p.add_argument("--version", action="version", version=f"retrans {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("paths", nargs="+", type=Path, help="files, or folders searched for *.txt")
        sp.add_argument(
            "--rules",
            action="append",
            type=Path,
            metavar="DIR",
            help="rule folder to use instead of the built-in rules (repeatable)",
        )
        sp.add_argument(
            "--enable",
            action="append",
            metavar="CODE",
            help="run only these rules (codes, names or groups; comma-separated)",
        )
        sp.add_argument("--disable", action="append", metavar="CODE", help="skip these rules")
        sp.add_argument(
            "--grammar",
            choices=("harper", "languagetool", "none"),
            default="harper",
            help="grammar checker (default harper, offline)",
        )
        sp.add_argument(
            "--languagetool-url", metavar="URL", help="LanguageTool server for --grammar languagetool"
        )

    c = sub.add_parser("check", help="report findings")
    common(c)
    c.add_argument("--format", choices=("human", "json", "sarif", "github"), default="human")
    c.add_argument("--fail-on", choices=("error", "warning", "info"), default="warning")

    f = sub.add_parser("fix", help="apply safe fixes (in place, or into --output-dir)")
    common(f)
    f.add_argument("--output-dir", type=Path, help="write repaired copies here; inputs are not touched")
    f.add_argument(
        "--diff",
        action="store_const",
        const="side",
        help="show the changes side by side and write nothing (--diff=unified: a unified diff)",
    )
    f.add_argument(
        "--diff=unified", dest="diff", action="store_const", const="unified", help=argparse.SUPPRESS
    )
    f.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        help=f"apply only fixes at least this confident (default {DEFAULT_MIN_CONFIDENCE})",
    )

    rp = sub.add_parser("report", help="write HTML review pages (original and repaired side by side)")
    common(rp)
    rp.add_argument(
        "--output-dir", type=Path, default=Path("reports"), help="where pages go (default reports/)"
    )
    rp.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE)

    r = sub.add_parser("rules", help="list the rules")
    r.add_argument("--rules", action="append", type=Path, metavar="DIR")
    return p


def _options(args: argparse.Namespace) -> Options:
    enable = _codes(args.enable)
    return Options(
        rule_dirs=tuple(args.rules) if args.rules else None,
        enable=enable or None,
        disable=_codes(args.disable),
        min_confidence=getattr(args, "min_confidence", DEFAULT_MIN_CONFIDENCE),
        grammar=args.grammar,
        languagetool_url=args.languagetool_url,
    )


COMMANDS = ("check", "fix", "report", "rules")


def _command_first(argv: Sequence[str]) -> list[str]:
    """Allow options before the command (`retrans --grammar none check f.txt`), as
    wrappers that append the command to a fixed prefix need."""
    args = ["--diff" if a == "--diff=side" else a for a in argv]
    for i, a in enumerate(args):
        if a in COMMANDS:
            return [a, *args[:i], *args[i + 1 :]] if i else args
    return args


def main(argv: Sequence[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw and raw[0] in ("-h", "--help", "--version"):
        args = build_parser().parse_args(raw)
    args = build_parser().parse_args(_command_first(raw))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.command == "rules":
            return cmd_rules(args)
        tooling = build_tooling(_options(args))
    except RetransError as exc:
        err.print(f"retrans: error: {exc}", markup=False)
        return 2
    if args.command == "check":
        return cmd_check(args, tooling.checker, err)
    if args.command == "report":
        return cmd_report(args, tooling, err)
    return cmd_fix(args, tooling, err)


def _read_all(args: argparse.Namespace, err: Console) -> tuple[list[tuple[Path, Path, object]], bool]:
    """(input path, its root argument, Document or None) per file; whether any error."""
    failed = False
    out: list[tuple[Path, Path, object]] = []
    for root in args.paths:
        for path, problem in files_under([root]):
            if problem:
                err.print(f"retrans: error: {path}: {problem}", markup=False)
                failed = True
                continue
            try:
                out.append((path, root, read_document(path)))
            except BinaryFileError as exc:
                err.print(f"retrans: warning: {exc}", markup=False)
            except InputError as exc:
                err.print(f"retrans: error: {exc}", markup=False)
                failed = True
    return out, failed


def cmd_check(args: argparse.Namespace, checker: Checker, err: Console) -> int:
    docs, failed = _read_all(args, err)
    reports = []
    for path, _root, doc in docs:
        text = doc.text  # type: ignore[attr-defined]
        reports.append(FileReport(str(path), text, tuple(checker.check(text))))
    if args.format == "json":
        render_json(reports, sys.stdout)
    elif args.format == "sarif":
        render_sarif(reports, sys.stdout)
    elif args.format == "github":
        render_github(reports, sys.stdout)
    else:
        render_human(reports, Console(highlight=False, soft_wrap=True))
    threshold = Severity(args.fail_on).rank
    hit = any(f.severity.rank >= threshold for r in reports for f in r.findings)
    return 2 if failed else (1 if hit else 0)


def cmd_fix(args: argparse.Namespace, tooling: Tooling, err: Console) -> int:
    docs, failed = _read_all(args, err)
    changed = False
    out = Console(highlight=False, soft_wrap=True)
    for path, root, doc in docs:
        before = doc.text  # type: ignore[attr-defined]
        guard = tooling.guard()
        result = fix_text_loop(before, tooling.checker.check, args.min_confidence, accept=guard)
        for f, why in guard.reverted if guard else []:
            err.print(
                f"retrans: note: {path}: {f.rule} fix {before[f.start : f.end]!r} -> {f.suggestions[0]!r} "
                f"reverted: it introduces a grammar error ({why})",
                markup=False,
            )
        if not result.converged:
            err.print(
                f"retrans: warning: {path}: fixes did not settle after {result.passes} passes", markup=False
            )
        if args.diff:
            if result.changed:
                if args.diff == "unified":
                    out.print(unified_diff(str(path), before, result.text), end="", markup=False)
                else:
                    print_side_by_side(out, str(path), before, result.text)
                changed = True
            continue
        data = doc.encode(result.text)  # type: ignore[attr-defined]
        if args.output_dir is not None:
            rel = path.relative_to(root) if root.is_dir() else Path(path.name)
            target = args.output_dir / rel
        else:
            target = path
        try:
            if result.changed or target != path:
                write_atomic(target, data)
        except OSError as exc:
            err.print(f"retrans: error: {target}: cannot write: {exc.strerror or exc}", markup=False)
            failed = True
            continue
        if result.changed:
            out.print(f"Fixing {path}", markup=False)
            changed = True
    return 2 if failed else (1 if changed else 0)


def cmd_report(args: argparse.Namespace, tooling: Tooling, err: Console) -> int:
    """One review page per input and an index, all self-contained HTML."""
    docs, failed = _read_all(args, err)
    out_dir: Path = args.output_dir
    taken: set[str] = set()
    pages: list[PageSummary] = []
    for path, _root, doc in docs:
        text = doc.text  # type: ignore[attr-defined]
        findings = tooling.checker.check(text)
        fixed = fix_text_loop(text, tooling.checker.check, args.min_confidence, accept=tooling.guard())
        review = build_review(text, fixed.text, findings)
        name = page_name(path, taken)
        write_atomic(out_dir / name, render_page(path.name, review).encode("utf-8"))
        pages.append(
            PageSummary(
                str(path),
                name,
                Counter(f.severity.value for f in findings),
                Counter(f.category for f in findings),
                sum(c.applied for c in review.changes),
            )
        )
    write_atomic(out_dir / "index.html", render_index(pages).encode("utf-8"))
    Console(highlight=False, soft_wrap=True).print(
        f"Wrote {len(pages)} page(s) and {out_dir / 'index.html'}", markup=False
    )
    return 2 if failed else 0


def cmd_rules(args: argparse.Namespace) -> int:
    ruleset = load_rules(tuple(args.rules) if args.rules else None)
    table = Table(title=f"{len(ruleset.rules)} rules")
    for col in ("code", "name", "type", "severity", "fix", "examples"):
        table.add_column(col)
    for r in ruleset.rules:
        s = r.spec
        n = len(s.examples.bad) + len(s.examples.good)
        table.add_row(s.code, s.name, s.type, s.severity.value, s.fix.value, str(n))
    Console(highlight=False).print(table)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
