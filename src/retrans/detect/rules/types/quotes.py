"""`quotes`: an opening quotation mark that translation left with nothing to close it.

(Guillemets and doubled marks are plain `pattern` rules in `rules/mechanics.yaml`.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import regex

from retrans.core.finding import Finding, FixPolicy
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext

from .base import Param, Rule, register

_CLOSER_AFTER = regex.compile(r"\s*(?:[,.;:]|$|\p{Ll})")


def _turned_closer(para: str, i: int) -> bool:
    """An opening mark at `i` that closes the open quotation: it follows the quoted
    words' own punctuation and comes before the attribution or the sentence's end
    ("…in the family, “said the premier"; "What do we do ? “, asked a user"). Its
    orientation is RT135's and RT136's finding; the quotation it closes is not stray."""
    before = para[:i].rstrip()
    return bool(before) and before[-1] in ".,!?…" and bool(_CLOSER_AFTER.match(para, i + 1))


@register
class QuoteRule(Rule):
    """`check: stray_open` flags an opening quote no closing quote answers in its paragraph
    (fixed unattended only when it follows a closing quote directly: ” “)."""

    type_name = "quotes"
    PARAMS: ClassVar[dict[str, Param]] = {"check": Param("str", required=True, choices=("stray_open",))}

    def setup(self, raw: LineDict) -> None:
        self.mode = self.params["check"]

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        yield from self._stray_open(ctx)

    def _stray_open(self, ctx: TextContext) -> Iterator[Finding]:
        text = ctx.text
        for p in regex.finditer(r"[^\n]+", text):
            para, base = p.group(), p.start()
            if "“" not in para:
                continue  # nothing opened, nothing unmatched
            depth_stack: list[int] = []
            unmatched: list[int] = []
            for i, ch in enumerate(para):
                if ch == "“" and depth_stack and _turned_closer(para, i):
                    depth_stack.pop()  # a closing quote typed the wrong way (RT135, RT136)
                elif ch == "“":
                    if depth_stack:  # a new opening quote before the last one closed
                        unmatched.append(depth_stack.pop())
                    depth_stack.append(i)
                elif ch == "”" and depth_stack:
                    depth_stack.pop()
            unmatched.extend(depth_stack)
            # A quotation that runs over paragraphs opens each one with a quote mark and
            # closes only the last (blank lines between paragraphs allowed).
            # (Not `text[p.end():].lstrip()`: a copy of the rest of the text per
            # paragraph is quadratic on a large file.)
            nxt = p.end()
            while nxt < len(text) and text[nxt].isspace():
                nxt += 1
            continues = text[nxt : nxt + 1] in ("“", '"')
            for i in sorted(unmatched):
                if continues and i == max(unmatched) and "”" not in para[i:]:
                    continue  # a quotation running on into the next paragraph
                before = para[:i].rstrip(" ")
                after_close = before.endswith("”")
                start = base + len(before) if after_close else base + i
                fix = FixPolicy.SAFE if after_close else FixPolicy.SUGGEST
                repl = " " if after_close and len(before) < i else ""
                yield self.finding(start, base + i + 1, [repl], fix=fix, confidence=None if after_close else 0.5)
