"""`spacing`: spaces that machine translation and scraping put in the wrong place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

import regex

from retrans.core.finding import Finding
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.frequency import zipf_frequency

from .base import Param, Rule, as_list, register

_L = r"[^\W\d_]"
_HYPHEN_BEFORE = regex.compile(rf"(?<![\w-])({_L}+) -({_L}+)(?![\w-])")
_HYPHEN_AFTER = regex.compile(rf"(?<![\w-])({_L}+)- ({_L}+)(?![\w-])")
_GLUED = regex.compile(r"(?<![\w-])(\p{Ll}{3,})(\p{Lu}\p{Ll}{2,})(?![\w-])")
#: A full stop that opens a spaced ellipsis (". . .", the Canadian Press style) is not
#: French spacing: only a lone full stop counts.
_BEFORE_PUNCT = regex.compile(r"(?<=\w[”\"’)]?)([ \t\u00a0\u202f]+)([,;:!?]|\.(?!\.|[ \u00a0]\.))(?=\s|$|[”\"’])")
#: A newswire credit after a semicolon: "Editing by", "Additional reporting by", "Writing by".
_CREDIT_AFTER = regex.compile(r"(?:\s+\p{Ll}+)?\s+by\s+\p{Lu}")
_SEMI_CAPITAL = regex.compile(r";\s+(\p{Lu}\p{Ll}+)(?![\w-])")
_NAME_OR_SCORE_NEXT = regex.compile(r"[ \t]+(?:\p{Lu}|\d)")
#: Words that open a clause whatever follows them ("; The Liberals", "; But Ottawa").
_CLAUSE_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "there",
        "it",
        "he",
        "she",
        "we",
        "they",
        "you",
        "but",
        "and",
        "or",
        "so",
        "yet",
        "then",
        "its",
        "his",
        "her",
        "their",
        "our",
    ]
)
_MID_CAPITAL = regex.compile(r"(?<=\p{Ll},?\s)(\p{Lu}\p{Ll}+)\b")
_DASH = regex.compile(r"(?<![\w-])(\p{Ll}{2,})-(and|but|or|which|who|while|whereas)(?![\w-])\s")


_LIST_COLON = regex.compile(r":\s")
_SENTENCE_END = regex.compile(r"[.!?\n]")


def _in_colon_list(text: str, semicolon: int) -> bool:
    """The semicolon separates the items of a list a colon opens in the same
    sentence (a scoring summary, a list of stops): its items begin with names."""
    start = max(0, semicolon - 400)
    window = text[start:semicolon]
    ends = [e.end() for e in _SENTENCE_END.finditer(window)]
    return bool(_LIST_COLON.search(window, ends[-1] if ends else 0))


def _is_word(w: str, floor: float = 3.0) -> bool:
    return zipf_frequency(w.lower(), "en") >= floor


def _in_url_or_code(text: str, start: int, end: int) -> bool:
    """Whether the span sits in a run of non-space text such as a URL or path."""
    s = start
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    e = end
    while e < len(text) and not text[e].isspace():
        e += 1
    token = text[s:e]
    return any(c in token for c in "/\\_@=") or "://" in token or any(c.isdigit() for c in token)


@register
class SpacingRule(Rule):
    """One of several spacing checks, chosen with `check`:

    hyphen      stray space before or after a hyphen inside a word ("re -election")
    glued       two words run together at a case change ("politicsPaterson")
    before_punct space before , ; : ! ? or . (French typography)
    semicolon_capital  a common word capitalised after a semicolon ("; There")
    dash        an em dash collapsed into a hyphen between words ("markets-and")
    """

    type_name = "spacing"
    PARAMS: ClassVar[dict[str, Param]] = {
        "check": Param("str", required=True, choices=("hyphen", "glued", "before_punct", "semicolon_capital", "dash")),
        "prefixes": Param("strlist", default=[]),
        "dash": Param("str", default=" — "),
    }

    def setup(self, raw: LineDict) -> None:
        self.prefixes = {p.lower() for p in as_list(self.params["prefixes"])}
        checks: dict[str, Callable[[TextContext], Iterator[Finding]]] = {
            "hyphen": self._hyphen,
            "glued": self._glued,
            "before_punct": self._before_punct,
            "semicolon_capital": self._semicolon_capital,
            "dash": self._dash,
        }
        self._run = checks[self.params["check"]]

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        return self._run(ctx)

    def _hyphen(self, ctx: TextContext) -> Iterator[Finding]:
        for m in _HYPHEN_BEFORE.finditer(ctx.text):
            left, right = m.group(1), m.group(2)
            if right[0].isupper() and left[0].islower():
                continue  # "vote -Liberal" is too odd to guess about
            yield self.finding(m.start(), m.end(), [f"{left}-{right}"])
        for m in _HYPHEN_AFTER.finditer(ctx.text):
            left, right = m.group(1), m.group(2)
            # "pre- and post-war" is a suspended hyphen, not an artifact: only known
            # prefixes followed by an ordinary word are joined.
            if left.lower() in self.prefixes and right.lower() not in {"and", "or", "to", "nor"}:
                yield self.finding(m.start(), m.end(), [f"{left}-{right}"])

    def _glued(self, ctx: TextContext) -> Iterator[Finding]:
        for m in _GLUED.finditer(ctx.text):
            left, right = m.group(1), m.group(2)
            if _in_url_or_code(ctx.text, m.start(), m.end()):
                continue
            if _is_word(left) and (_is_word(right, 2.0) or right.lower() not in ctx.word_set):
                yield self.finding(m.start(), m.end(), [f"{left} {right}"])

    def _before_punct(self, ctx: TextContext) -> Iterator[Finding]:
        for m in _BEFORE_PUNCT.finditer(ctx.text):
            yield self.finding(m.start(1), m.end(2), [m.group(2)])

    def _semicolon_capital(self, ctx: TextContext) -> Iterator[Finding]:
        proper = set(self.lexicon.get("proper_nouns"))
        # Words the text itself capitalises mid-sentence are names ("Sheinbaum").
        midsentence = {m.group(1) for m in _MID_CAPITAL.finditer(ctx.text)}
        for m in _SEMI_CAPITAL.finditer(ctx.text):
            word = m.group(1)
            if word in proper or word == "I" or not _is_word(word, 4.0) or word in midsentence:
                continue
            # A name of several words ("; Saint John 2, Moncton 1") or a list of
            # results ("; Halifax 3"): the capital belongs to a name, not the clause.
            if word.lower() not in _CLAUSE_OPENERS and _NAME_OR_SCORE_NEXT.match(ctx.text, m.end(1)):
                continue
            if _CREDIT_AFTER.match(ctx.text, m.end(1)):
                continue  # a wire credit: "(Reporting by ...; Editing by ...)"
            if word.lower() not in _CLAUSE_OPENERS and _in_colon_list(ctx.text, m.start()):
                continue  # "Penalties: Matheson, Mtl (tripping), 4:11; Anderson, Mtl ..."
            yield self.finding(m.start(1), m.end(1), [word.lower()])

    def _dash(self, ctx: TextContext) -> Iterator[Finding]:
        for m in _DASH.finditer(ctx.text):
            left, right = m.group(1), m.group(2)
            if not _is_word(left, 2.5):
                continue
            yield self.finding(m.start(), m.end(2), [f"{left}{self.params['dash']}{right}"])
