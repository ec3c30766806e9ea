"""Machine formats for CI systems: SARIF 2.1.0 and GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from . import __version__
from .document import LineIndex
from .finding import Finding
from .reporters import FileReport

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _region(f: Finding, index: LineIndex) -> dict[str, int]:
    sl, sc = index.line_col(f.start)
    el, ec = index.line_col(f.end)
    return {
        "startLine": sl,
        "startColumn": sc,
        "endLine": el,
        "endColumn": ec,
        "charOffset": f.start,
        "charLength": f.end - f.start,
    }


def sarif(reports: Sequence[FileReport]) -> dict[str, Any]:
    """SARIF 2.1.0; columns and offsets in code points (declared in `columnKind`)."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for r in reports:
        index = LineIndex(r.text)
        for f in r.findings:
            rules.setdefault(
                f.rule,
                {
                    "id": f.rule,
                    "name": f.name,
                    "shortDescription": {"text": f.message},
                    "properties": {"category": f.category},
                },
            )
            region = _region(f, index)
            result: dict[str, Any] = {
                "ruleId": f.rule,
                "level": _LEVEL[f.severity.value],
                "message": {
                    "text": f.message + (f" Suggestion: {f.suggestions[0]!r}." if f.suggestions else "")
                },
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.path}, "region": region}}],
                "properties": {
                    "confidence": round(f.confidence, 3),
                    "fixPolicy": f.fix.value,
                    "category": f.category,
                },
            }
            if f.suggestions:
                result["fixes"] = [
                    {
                        "description": {"text": f"Replace with {s!r}" if s else "Delete"},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": r.path},
                                "replacements": [{"deletedRegion": region, "insertedContent": {"text": s}}],
                            }
                        ],
                    }
                    for s in f.suggestions
                ]
            results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "retrans", "version": __version__, "rules": list(rules.values())}
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render_sarif(reports: Sequence[FileReport], out: TextIO) -> None:
    json.dump(sarif(reports), out, ensure_ascii=False, indent=1)
    out.write("\n")


def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(reports: Sequence[FileReport], out: TextIO) -> None:
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` per finding."""
    for r in reports:
        index = LineIndex(r.text)
        for f in r.findings:
            reg = _region(f, index)
            level = _LEVEL[f.severity.value].replace("note", "notice")
            msg = f.message + (f" [{f.suggestions[0]}]" if f.suggestions else "")
            out.write(
                f"::{level} file={_esc_prop(r.path)},line={reg['startLine']},col={reg['startColumn']},"
                f"endLine={reg['endLine']},endColumn={reg['endColumn']},"
                f"title={_esc_prop(f.rule + ' ' + f.name)}"
                f"::{_esc_data(msg)}\n"
            )
