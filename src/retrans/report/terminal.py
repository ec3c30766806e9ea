"""Side-by-side diff in the terminal: changed paragraphs, changed words highlighted.

Rich fits the two columns to the terminal width; with NO_COLOR or a pipe rich
drops the styles and the same table is plain text.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from retrans.report.review import diff_hunks


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    while True:
        i = text.find("\n", start)
        if i < 0:
            spans.append((start, len(text)))
            return spans
        spans.append((start, i))
        start = i + 1


def side_by_side(path: str, before: str, after: str) -> Table:
    """A table with one row per changed original line: before | after."""
    hunks = diff_hunks(before, after)
    table = Table(title=path, box=box.SIMPLE, expand=True, show_lines=True, title_justify="left")
    table.add_column("#", justify="right", style="dim", no_wrap=True, ratio=1)
    table.add_column("original", ratio=12)
    table.add_column("repaired", ratio=12)
    for n, (ls, le) in enumerate(_line_spans(before), 1):
        mine = [h for h in hunks if ls <= h[0] <= le]
        if not mine and not any(h[0] < ls < h[1] for h in hunks):
            continue
        left, right = Text(), Text()
        pos = ls
        for s, e, new in mine:
            left.append(before[pos:s])
            right.append(before[pos:s])
            removed = before[s : min(e, le)] or ("⏎" if e > le else "")
            left.append(removed, style="red strike")
            right.append(new.replace("\n", ""), style="bold green")
            pos = max(pos, min(e, le))
        left.append(before[pos:le])
        right.append(before[pos:le])
        if not mine:  # a line removed by a change that starts on an earlier line
            left = Text(before[ls:le], style="red strike")
            right = Text("")
        table.add_row(str(n), left, right)
    return table


def print_side_by_side(console: Console, path: str, before: str, after: str) -> None:
    console.print(side_by_side(path, before, after))
