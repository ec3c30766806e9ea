"""Machine formats for CI systems: SARIF 2.1.0 and GitHub workflow annotations."""

from __future__ import annotations

import json
from typing import Any, TextIO

from retrans import __version__
from retrans.core.document import LineIndex
from retrans.core.finding import Finding
from retrans.report.writers import FileReport, Writer, failure

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


def _result(r: FileReport, f: Finding) -> dict[str, Any]:
    region = _region(f, r.index)
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity.value],
        "message": {"text": f.message + (f" Suggestion: {f.suggestions[0]!r}." if f.suggestions else "")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.path}, "region": region}}],
        "properties": {"confidence": round(f.confidence, 3), "fixPolicy": f.fix.value, "category": f.category},
    }
    if r.mt_score is not None:
        result["properties"]["documentMtScore"] = r.mt_score
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
    return result


class SarifWriter(Writer):
    """SARIF 2.1.0, streamed: results first, the tool (with its rules) last.
    Columns and offsets are code points, declared in `columnKind`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.rules: dict[str, dict[str, Any]] = {}
        self.count = 0
        self.notifications: list[dict[str, Any]] = []

    def start(self) -> None:
        self.out.write('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", ')
        self.out.write('"runs": [{"columnKind": "unicodeCodePoints", "results": [\n')

    def add(self, r: FileReport) -> None:
        if r.error or r.skipped:
            fail = failure(r)
            self.notifications.append(
                {
                    "level": fail["level"],
                    "message": {"text": fail["message"]},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.path}}}],
                }
            )
            return
        for f in r.findings:
            self.rules.setdefault(
                f.rule,
                {
                    "id": f.rule,
                    "name": f.name,
                    "shortDescription": {"text": f.message},
                    "properties": {"category": f.category},
                },
            )
            self.out.write((",\n" if self.count else "") + json.dumps(_result(r, f), ensure_ascii=False))
            self.count += 1

    def end(self) -> None:
        tool = {"driver": {"name": "retrans", "version": __version__, "rules": list(self.rules.values())}}
        invocation = {
            "executionSuccessful": not any(n["level"] == "error" for n in self.notifications),
            "toolExecutionNotifications": self.notifications,
        }
        self.out.write('\n], "tool": ' + json.dumps(tool, ensure_ascii=False))
        self.out.write(', "invocations": ' + json.dumps([invocation], ensure_ascii=False) + "}]}\n")


def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


class GithubWriter(Writer):
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` per finding,
    then `::notice file=…,title=MT score::MT score 0.42` for each file with findings."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def add(self, r: FileReport) -> None:
        out = self.out
        if r.error or r.skipped:
            fail = failure(r)
            out.write(f"::{fail['level']} file={_esc_prop(r.path)}::{_esc_data(fail['message'])}\n")
            return
        for f in r.findings:
            reg = _region(f, r.index)
            level = _LEVEL[f.severity.value].replace("note", "notice")
            msg = f.message + (f" [{f.suggestions[0]}]" if f.suggestions else "")
            out.write(
                f"::{level} file={_esc_prop(r.path)},line={reg['startLine']},col={reg['startColumn']},"
                f"endLine={reg['endLine']},endColumn={reg['endColumn']},"
                f"title={_esc_prop(f.rule + ' ' + f.name)}"
                f"::{_esc_data(msg)}\n"
            )
        if r.findings and r.mt_score is not None:
            out.write(f"::notice file={_esc_prop(r.path)},title=MT score::MT score {r.mt_score:.2f}\n")
