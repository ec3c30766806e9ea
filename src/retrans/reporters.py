"""Rendering findings; detection code never prints, these functions do."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from .document import LineIndex
from .finding import Finding

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@dataclass(frozen=True)
class FileReport:
    """One file's outcome: findings, or the error that stopped it."""

    path: str
    text: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    skipped: str | None = None


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


def render_json(reports: Sequence[FileReport], out: TextIO) -> None:
    files = []
    for r in reports:
        entry: dict[str, Any] = {"path": r.path}
        if r.error:
            entry["error"] = r.error
        if r.skipped:
            entry["skipped"] = r.skipped
        index = LineIndex(r.text)
        entry["findings"] = [finding_dict(f, index) for f in r.findings]
        files.append(entry)
    json.dump({"files": files}, out, ensure_ascii=False, indent=1)
    out.write("\n")


def render_human(reports: Sequence[FileReport], console: Console) -> None:
    """`path:line:col: CODE message [suggestion]`, grouped by file, then a summary."""
    counts: Counter[str] = Counter()
    for i, r in enumerate(reports):
        index = LineIndex(r.text)
        if i and r.findings and any(x.findings for x in reports[:i]):
            console.print()
        for f in r.findings:
            line, col = index.line_col(f.start)
            counts[f.severity.value] += 1
            t = Text()
            t.append(f"{r.path}:{line}:{col}: ", style="bold")
            t.append(f"{f.rule} ", style=_STYLE[f.severity.value])
            t.append(f.message)
            if f.suggestions:
                shown = " | ".join(s if s else "(delete)" for s in f.suggestions[:3])
                t.append(f" [{shown}]", style="green")
            console.print(t, soft_wrap=True, highlight=False)
    files_with = sum(1 for r in reports if r.findings)
    summary = (
        ", ".join(f"{counts[k]} {k}" for k in ("error", "warning", "info") if counts[k]) or "no findings"
    )
    console.print(f"{len(reports)} file(s) checked, {files_with} with findings: {summary}", highlight=False)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
