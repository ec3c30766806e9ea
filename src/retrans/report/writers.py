"""Rendering findings; detection code never prints, these functions do."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from retrans.core.document import LineIndex
from retrans.core.finding import Finding

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@dataclass(frozen=True)
class FileReport:
    """One file's outcome: findings with the file's line index (not its text, so a
    batch keeps no texts in memory), or the error that stopped it. `mt_score` is the
    document's machine-translation score (0 to 1), shown by every writer."""

    path: str
    index: LineIndex
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    skipped: str | None = None
    mt_score: float | None = None


def finding_dict(f: Finding, index: LineIndex) -> dict[str, Any]:
    line, col = index.line_col(f.start)
    return {
        "start": f.start,
        "end": f.end,
        "line": line,
        "col": col,
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity.value,
        "category": f.category,
        "message": f.message,
        "suggestions": list(f.suggestions),
        "confidence": round(f.confidence, 3),
        "fix": f.fix.value,
    }


def failure(r: FileReport) -> dict[str, str]:
    """A file that could not be checked (`error`) or was skipped (`warning`)."""
    if r.error:
        return {"path": r.path, "level": "error", "message": r.error}
    return {"path": r.path, "level": "warning", "message": r.skipped or ""}


class Writer:
    """Renders file reports one at a time, so a batch never holds them all. A
    report with `error` or `skipped` is a file that was not checked: every machine
    format lists it."""

    def start(self) -> None:
        """Called once before the first report."""

    def add(self, report: FileReport) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Called once after the last report."""


class JsonWriter(Writer):
    """`{"files": [{"path", "findings": [...]}], "errors": [{"path", "level", "message"}]}`,
    written file by file; `errors` lists the files that could not be checked
    (level `error`) or were skipped (level `warning`, e.g. a binary file)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0
        self.errors: list[dict[str, str]] = []

    def start(self) -> None:
        self.out.write('{"files": [\n')

    def add(self, r: FileReport) -> None:
        if r.error or r.skipped:
            self.errors.append(failure(r))
            return
        # Written finding by finding, byte for byte what `json.dumps` of the whole
        # entry gives: a large file's hundred thousand findings never exist as dicts
        # (and one string) all at once.
        head = '{"path": ' + json.dumps(r.path, ensure_ascii=False)
        if r.mt_score is not None:
            head += ', "mt_score": ' + json.dumps(r.mt_score)
        self.out.write((",\n" if self.count else "") + head + ', "findings": [')
        for i, f in enumerate(r.findings):
            self.out.write((", " if i else "") + json.dumps(finding_dict(f, r.index), ensure_ascii=False))
        self.out.write("]}")
        self.count += 1

    def end(self) -> None:
        self.out.write('\n], "errors": ' + json.dumps(self.errors, ensure_ascii=False) + "}\n")


class HumanWriter(Writer):
    """`path:line:col: CODE message [suggestion]`, grouped by file, each file with
    findings closed by `path: MT score 0.42`, then a summary."""

    def __init__(self, console: Console, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.counts: Counter[str] = Counter()
        self.files = 0
        self.files_with = 0

    def add(self, r: FileReport) -> None:
        if r.error or r.skipped:
            return
        self.files += 1
        if r.findings and self.files_with:
            self.console.print()
        self.files_with += bool(r.findings)
        for f in r.findings:
            line, col = r.index.line_col(f.start)
            self.counts[f.severity.value] += 1
            t = Text()
            t.append(f"{r.path}:{line}:{col}: ", style="bold")
            t.append(f"{f.rule} ", style=_STYLE[f.severity.value])
            t.append(f.message)
            if f.suggestions:
                shown = " | ".join(s if s else "(delete)" for s in f.suggestions[:3])
                t.append(f" [{shown}]", style="green")
            self.console.print(t, soft_wrap=True, highlight=False)
        if r.findings and r.mt_score is not None:
            t = Text()
            t.append(f"{r.path}: ", style="bold")
            t.append(f"MT score {r.mt_score:.2f}", style="magenta")
            self.console.print(t, soft_wrap=True, highlight=False)

    def end(self) -> None:
        if self.quiet:
            return
        c = self.counts
        summary = ", ".join(f"{c[k]} {k}" for k in ("error", "warning", "info") if c[k]) or "no findings"
        self.console.print(f"{self.files} file(s) checked, {self.files_with} with findings: {summary}", highlight=False)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff that `patch -p1` and `git apply` accept: a last line without a
    newline is followed by git's "\\ No newline at end of file" marker."""
    out = []
    for line in difflib.unified_diff(
        _lines(before),
        _lines(after),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    ):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines split at "\\n" only (str.splitlines also splits at \\f, \\x1c, U+2028...,
    which `patch` does not), each with its terminator."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def marked_diff(path: str, before: str, after: str) -> str:
    """The changed lines in plain text for a pipe or a log: `path:N:` then the
    original line with removed words as `[-...-]` and added words as `{+...+}`
    (git's `--word-diff=plain` marks), one line per changed original line."""
    from retrans.report.review import diff_hunks

    hunks = diff_hunks(before, after)
    out: list[str] = []
    starts = [0] + [i + 1 for i, ch in enumerate(before) if ch == "\n"]
    for n, ls in enumerate(starts, 1):
        le = before.find("\n", ls)
        le = len(before) if le < 0 else le
        mine = [h for h in hunks if ls <= h[0] <= le]
        if not mine:
            continue
        pos, parts = ls, []
        for s, e, new in mine:
            parts.append(before[pos:s])
            removed = before[s:e]
            if removed:
                parts.append("[-" + removed.replace("\n", "\\n") + "-]")
            if new:
                parts.append("{+" + new.replace("\n", "\\n") + "+}")
            pos = max(pos, e)
        if pos > le:  # a change that ran over the line end: show the rest of its last line
            end = before.find("\n", pos)
            le = len(before) if end < 0 else end
        parts.append(before[pos:le])
        out.append(f"{path}:{n}: " + "".join(parts).rstrip("\r") + "\n")
    return "".join(out)
