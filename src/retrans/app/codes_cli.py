"""`retrans rules`: every code any checker can emit, listed or explained.

A pipe gets a plain tab-separated table that is never truncated (for grep and
cut); a terminal gets the same columns drawn by rich, folded rather than cut.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from retrans.core.checker import CodeInfo
from retrans.detect.build import all_codes
from retrans.detect.rules.loader import load_rules

COLUMNS = ("code", "name", "checker", "severity", "fix", "examples")


def _row(c: CodeInfo) -> tuple[str, ...]:
    return (c.code, c.name, c.checker, c.severity.value, c.fix.value, str(len(c.bad) + len(c.good)))


def code_dict(c: CodeInfo) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "checker": c.checker,
        "severity": c.severity.value,
        "fix": c.fix.value,
        "category": c.category,
        "message": c.message,
        "description": c.description,
        "source": c.source,
        "bad": [{"text": e.text, "span": list(e.span) if e.span else None, "fixed": e.fixed} for e in c.bad],
        "good": [e.text for e in c.good],
    }


def find_code(codes: list[CodeInfo], key: str) -> CodeInfo | None:
    """A code by its code (any case) or dotted name; a family by any of its codes."""
    for c in codes:
        if key in (c.code, c.name) or key.upper() == c.code:
            return c
    return next((c for c in codes if c.family and c.owns(key)), None)


def explain(c: CodeInfo) -> str:
    lines = [f"{c.code}  {c.name}", ""]
    lines.append(f"checker:  {c.checker}")
    category = f"    category: {c.category}" if c.category else ""
    lines.append(f"severity: {c.severity.value}    fix: {c.fix.value}{category}")
    if c.source:
        lines.append(f"source:   {c.source}")
    lines += ["", c.message]
    if c.description:
        lines += ["", c.description]
    for e in c.bad[:6]:
        marked = e.text
        if e.span:
            s, t = e.span
            marked = f"{e.text[:s]}[[{e.text[s:t]}]]{e.text[t:]}"
        lines += ["", f"  bad:   {marked}"]
        if e.fixed is not None:
            lines.append(f"  fixed: {e.fixed}")
    for e in c.good[:4]:
        lines += ["", f"  good:  {e.text}"]
    more = len(c.bad) - 6 + len(c.good) - 4
    if more > 0:
        lines += ["", f"  (and more examples: retrans rules {c.code} --format json)"]
    return "\n".join(lines) + "\n"


def cmd_rules(args: argparse.Namespace) -> int:
    from retrans.app.command import rule_folders

    codes = all_codes(load_rules(rule_folders([Path(p) for p in args.rules or ()], args.no_builtin_rules)))
    if args.code:
        found = find_code(codes, args.code)
        if found is None:
            print(f"retrans: error: unknown code {args.code!r} (retrans rules lists them)", file=sys.stderr)
            return 2
        if args.format == "json":
            print(json.dumps(code_dict(found), ensure_ascii=False, indent=2))
        else:
            sys.stdout.write(explain(found))
        return 0
    if args.format == "json":
        print(json.dumps([code_dict(c) for c in codes], ensure_ascii=False, indent=2))
        return 0
    console = Console(highlight=False)
    if not console.is_terminal:
        sys.stdout.write("\t".join(COLUMNS) + "\n")
        for c in codes:
            sys.stdout.write("\t".join(_row(c)) + "\n")
        return 0
    table = Table(title=f"{len(codes)} codes")
    for col in COLUMNS:
        table.add_column(col, overflow="fold")
    for c in codes:
        table.add_row(*_row(c))
    console.print(table)
    return 0
