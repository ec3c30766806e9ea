"""`residue`: whole lines that are page furniture, not article text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import regex

from retrans.core.finding import Finding
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext

from .base import CompiledRegex, Param, Rule, as_list, compile_regex, register

_LINE = regex.compile(r"[^\r\n]*")
_BREAK = regex.compile(r"\r?\n")


@register
class ResidueRule(Rule):
    """Each `lines` regex must match a whole line (surrounding spaces ignored); the
    fix deletes that line with its line break, so no blank line is left behind."""

    type_name = "residue"
    PARAMS: ClassVar[dict[str, Param]] = {"lines": Param("strlist", required=True)}

    def setup(self, raw: LineDict) -> None:
        line = raw.key_line("lines")
        self.line_rx: list[CompiledRegex] = [
            compile_regex(rf"[ \t]*(?:{src})[ \t]*", regex.IGNORECASE, (self.where[0], line))
            for src in as_list(self.params["lines"])
        ]

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        text = ctx.text
        for m in _LINE.finditer(text):
            if m.start() == m.end() or not m.group().strip():
                continue
            if not any(rx.pattern.fullmatch(m.group(), timeout=2.0) for rx in self.line_rx):
                continue
            start, end = m.start(), m.end()
            # Take the line break after the line, or before it when it is the last line.
            brk = _BREAK.match(text, end)
            if brk:
                end = brk.end()
            else:
                prev = regex.search(r"\r?\n$", text[:start])
                if prev:
                    start = prev.start()
            yield self.finding(start, end, [""])
