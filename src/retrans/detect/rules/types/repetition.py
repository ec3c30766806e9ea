"""`repetition`: a word or short phrase said twice, back to back or in a list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import regex

from retrans.core.finding import Finding
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext

from .base import Param, Rule, as_list, register

_RUN = regex.compile(r"\w+")
# Back to back: "the the", "said. said." (the second copy lowercase, so not a new sentence).
_ADJACENT = regex.compile(r"(?<![\w-])(\w+(?:\s+\w+){0,2})(\s+|\.\s+(?=[a-z]))(\1)(?![\w-])", regex.I)
# In a list: "trade, trade," / "trade, trade and".
_LIST = regex.compile(r"(?<![\w-])(\w+(?:\s+\w+){0,2})(\s*,\s*)(\1)(?=\s*(?:,|and\b|or\b|\.))", regex.I)


@register
class RepetitionRule(Rule):
    """`mode: adjacent` fixes "the the"; `mode: list` flags "trade, trade," where
    translation often collapsed two synonyms into one, so there is no single fix."""

    type_name = "repetition"
    PARAMS: ClassVar[dict[str, Param]] = {
        "mode": Param("str", required=True, choices=("adjacent", "list")),
        "allow": Param("strlist", default=[]),
        # word -> the words after which its repetition is English: "gave her her coat"
        # (two objects), "reined in in front of" (a particle, then a preposition).
        "allow_after": Param("dict", default={}),
        # "W P W" idioms ("door to door", "face to face", "side by side"): followed by
        # their own preposition ("went door to door to check on residents") they read
        # as "door to" said twice, but the text is English.
        "idioms": Param("strlist", default=[]),
    }

    def setup(self, raw: LineDict) -> None:
        self.allow = {a.lower() for a in as_list(self.params["allow"])}
        self.allow_after = {
            str(k).lower(): {w.lower() for w in as_list(v)} for k, v in (self.params["allow_after"] or {}).items()
        }
        self.idioms = tuple(i.lower() for i in as_list(self.params["idioms"]))
        self.rx = _ADJACENT if self.params["mode"] == "adjacent" else _LIST

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        for m in _matches(self.rx, ctx):
            first, second = m.group(1), m.group(3)
            if first.lower() in self.allow or first.isdigit():
                continue
            if second[0].isupper():
                continue  # "Bora Bora", "Walla Walla": names, not stutters
            low = first.lower()
            if low.startswith("as ") and low.count(" ") == 1:
                continue  # "as dead as dead can be"
            before = _RUN.findall(ctx.text[max(0, m.start() - 40) : m.start()])
            if before and before[-1].lower() in self.allow_after.get(low, ()):
                continue
            if self.idioms and _idiom_at(ctx.text, m.start(), self.idioms):
                continue
            if _third_copy(ctx.text, m.end(3), first):
                continue  # "from one cage to another to another to another": emphasis, not a stutter
            start = m.end(1)  # flag the separator and the repeated copy
            yield self.finding(start, m.end(3), [""])


def _third_copy(text: str, end: int, phrase: str) -> bool:
    """Whether the run goes on a third time right after the second copy of `phrase`:
    translation doubles a word or phrase, while a writer who repeats one three times
    or more ("to another to another to another", "louder and louder and louder")
    means it. The third round only has to start again with the phrase's first word."""
    first = regex.escape(phrase.split()[0])
    return regex.match(r"[\s,]+" + first + r"(?![\w-])", text[end : end + len(first) + 8], regex.I) is not None


def _idiom_at(text: str, start: int, idioms: tuple[str, ...]) -> bool:
    """Whether one of `idioms` ("door to door") starts at `start` as whole words."""
    head = " ".join(text[start : start + 60].split()).lower()
    return any(head.startswith(i) and not head[len(i) : len(i) + 1].isalnum() for i in idioms)


_SLICE = 65_536


def repeat_starts(ctx: TextContext) -> list[int]:
    """Where a repetition can start: both patterns repeat one to three `\\w+` runs
    right after them (only spaces, a comma or a full stop between), so a match
    starts at a run whose copy, case-folded, comes one to three runs later."""
    cached = ctx.memo.get("repeat_starts")
    if cached is None:
        # In slices of the text cut at line breaks (a run never spans one), the
        # last three runs of a slice carried into the next: never a list of every
        # word of a large text.
        text, cached = ctx.text, []
        runs: list[tuple[int, str]] = []
        pos, n = 0, len(text)
        while pos < n:
            cut = text.find("\n", pos + _SLICE)
            end = n if cut < 0 else cut + 1
            runs += [(m.start(), m.group().casefold()) for m in _RUN.finditer(text, pos, end)]
            done = len(runs) if end == n else max(0, len(runs) - 3)
            cached += [
                runs[i][0]
                for i in range(done)
                if any(i + k < len(runs) and runs[i][1] == runs[i + k][1] for k in (1, 2, 3))
            ]
            runs = runs[done:]
            pos = end
        ctx.memo["repeat_starts"] = cached
    return list(cached)


def _matches(rx: regex.Pattern[str], ctx: TextContext) -> Iterator[regex.Match[str]]:
    """`rx.finditer(text)`, tried only where a match can start (same matches)."""
    end = 0
    for pos in repeat_starts(ctx):
        if pos < end:
            continue
        m = rx.match(ctx.text, pos)
        if m is not None:
            end = m.end()
            yield m
