"""`sequence`: a pattern over tokens and parts of speech (spaCy `Matcher` form).

Some French structures survive translation as word order or part-of-speech
sequences no regex over words describes well: a noun followed by an adjective
English puts first ("the committees virtual"), "N of N" compounds English writes
as modifier + noun ("the rules of distancing"). A rule gives:

- `pattern`: a list of token dicts as spaCy's `Matcher` takes them (LOWER, TEXT,
  POS, TAG, ENT_TYPE, IS_TITLE, LIKE_NUM, OP, predicates IN / NOT_IN / REGEX ...);
  or a list of such lists (alternatives; `span` and `{N}` may only name tokens
  every alternative has). `{{set}}` inside an
  IN / NOT_IN list expands to a gazetteer set.
- `trigger`: a regex (case-insensitive) or a list of words, one of which must
  occur in a sentence before it is parsed. Sentences are parsed once per check
  (`TextContext.sentence_docs`), shared with every rule that needs them.
- `span`: `[first, last]`, the pattern tokens (1-based, inclusive) that make up
  the flagged span; the whole match by default.
- `replace`: templates for the span: `{N}` is the text of pattern token N (the
  words it matched, empty for an optional token that matched nothing), `{0}`
  the whole span, `{fn:N}` applies a function (lower, title, cap, singular,
  plural, base, ing, past, poss, hyphen, ordinal, abbrev, article, clock).
- `when`: the usual context conditions, checked around the whole match (so
  `not_after` names the words before its first token, not before the span).

The lemmatizer is not in the pipeline (see `nlp.py`): LEMMA compares with a
rough lemma (the lower-case word with regular endings removed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import regex

from retrans.core.finding import Finding
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.morph import FUNCTIONS, base_form, noun_forms

from .base import Conditions, Param, Rule, as_list, compile_regex, match_case, register

#: Token attributes the `Matcher` knows (spaCy 3).
TOKEN_KEYS = frozenset(
    {
        "ORTH", "TEXT", "NORM", "LOWER", "LENGTH", "LEMMA", "POS", "TAG", "MORPH", "DEP", "SHAPE",
        "ENT_TYPE", "ENT_IOB", "ENT_ID", "ENT_KB_ID", "SENT_START", "IS_SENT_START", "SPACY",
        "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
        "IS_SPACE", "IS_STOP", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT",
        "IS_CURRENCY", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "OP",
    }
)  # fmt: skip
_BOOL_KEYS = frozenset(k for k in TOKEN_KEYS if k.startswith(("IS_", "LIKE_")) or k in {"SENT_START", "SPACY"})
_LIST_PREDICATES = frozenset({"IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS"})
_PREDICATES = _LIST_PREDICATES | {"REGEX", "==", "!=", ">=", "<=", ">", "<"}
_OPS = frozenset({"!", "?", "+", "*", "{", "1"})
_OP_RANGE = regex.compile(r"^\{\d*(?:,\d*)?\}$")
_SLOT = regex.compile(r"\{(?:(\w+):)?(\d+)\}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(text: str) -> str:
    return noun_forms(text)[1] if text else text


def _singular(text: str) -> str:
    head, sep, last = text.rpartition(" ")
    if not last or not last.lower().endswith("s") or last.lower().endswith("ss"):
        return text
    return head + sep + match_case(last, base_form(last))


def _hyphen(text: str) -> str:
    """'90 minutes' -> '90-minute' (a measure used as a modifier)."""
    return "-".join(_singular(w) if i == len(text.split()) - 1 else w for i, w in enumerate(text.split()))


def _ordinal(text: str) -> str:
    """'47e' -> '47th', '1er' -> '1st', '2e' -> '2nd', '23' -> '23rd'."""
    m = regex.match(r"\d+", text)
    if m is None:
        return text
    n = int(m.group())
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _article(text: str) -> str:
    """'tenant' -> 'a tenant', 'engineer' -> 'an engineer' (by the first letter)."""
    return ("an " if text[:1].lower() in "aeio" else "a ") + text


def _abbrev(text: str) -> str:
    """An abbreviation in capitals, its plural s kept: 'mps' -> 'MPs', 'pq' -> 'PQ'."""
    if len(text) > 2 and text.endswith("s"):
        return text[:-1].upper() + "s"
    return text.upper()


def _clock(text: str) -> str:
    """French 24-hour time to Canadian Press style: '14 h 30' -> '2:30 p.m.',
    '15 h' -> '3 p.m.', '12 h' -> 'noon', '0 h 15' -> '12:15 a.m.'."""
    digits = regex.findall(r"\d+", text)
    if not digits or int(digits[0]) > 24:
        return text
    hour, minute = int(digits[0]) % 24, int(digits[1]) if len(digits) > 1 else 0
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    half = "a.m." if hour < 12 else "p.m."
    shown = hour % 12 or 12
    return f"{shown}:{minute:02d} {half}" if minute else f"{shown} {half}"


TEMPLATE_FUNCTIONS: dict[str, Callable[[str], str]] = {
    **FUNCTIONS,
    "cap": _cap,
    "upper": str.upper,
    "plural": _plural,
    "singular": _singular,
    "hyphen": _hyphen,
    "ordinal": _ordinal,
    "abbrev": _abbrev,
    "article": _article,
    "clock": _clock,
}


@dataclass(frozen=True)
class _Piece:
    """One matched pattern token's words, with their offsets in the text."""

    start: int
    end: int
    text: str


@register
class SequenceRule(Rule):
    """A spaCy token pattern, parsed only in sentences its `trigger` finds."""

    type_name = "sequence"
    uses_nlp = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "pattern": Param("list", required=True),
        "trigger": Param("strlist", required=True),
        "span": Param("list"),
        "replace": Param("strlist", default=[]),
        "keep_case": Param("bool", default=True),
        "when": Param("dict"),
    }

    def setup(self, raw: LineDict) -> None:
        path = self.where[0]
        pattern = self.params["pattern"]
        alternatives = pattern if pattern and all(isinstance(p, list) for p in pattern) else [pattern]
        self.patterns: list[list[dict[str, Any]]] = [self._pattern(p, raw) for p in alternatives]
        # Alternatives may differ in length; token numbers refer to the shortest.
        self.size = min(len(p) for p in self.patterns)
        self.uses_lemma = any("LEMMA" in t for p in self.patterns for t in p)
        # Entities are parsed only for a pattern that reads them.
        self.uses_ents = any(k.startswith("ENT_") for p in self.patterns for t in p for k in t)

        trigger = self.params["trigger"]
        line = raw.key_line("trigger")
        if isinstance(trigger, list):
            words = self.lexicon.terms(trigger, (path, line))
            if not words:
                raise self.error("`trigger` lists no words", line)
            source = r"\b(?:" + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b"
        else:
            source = self.lexicon.expand(trigger, (path, line))
        self.trigger = compile_regex(source, regex.IGNORECASE, (path, line)).pattern

        self.first, self.last = 1, max(len(p) for p in self.patterns)
        if self.params["span"] is not None:
            span = self.params["span"]
            line = raw.key_line("span")
            if len(span) != 2 or not all(isinstance(i, int) and not isinstance(i, bool) for i in span):
                raise self.error("`span` is [first, last], two token numbers of the pattern", line)
            self.first, self.last = span
            if not 1 <= self.first <= self.last <= self.size:
                raise self.error(f"`span` {span} is out of range: the pattern has tokens 1 to {self.size}", line)

        self.templates = as_list(self.params["replace"])
        for t in self.templates:
            for m in _SLOT.finditer(t):
                fn, index = m.group(1), int(m.group(2))
                if fn is not None and fn not in TEMPLATE_FUNCTIONS:
                    known = ", ".join(sorted(TEMPLATE_FUNCTIONS))
                    raise self.error(
                        f"unknown template function {fn!r} in {t!r} (known: {known})", raw.key_line("replace")
                    )
                if index and not self.first <= index <= min(self.last, self.size):
                    raise self.error(
                        f"template {t!r} refers to token {index}, outside the span"
                        f" ({self.first} to {min(self.last, self.size)})",
                        raw.key_line("replace"),
                    )
        self.when = Conditions.parse(self.params["when"], self.lexicon, path, raw.key_line("when"))
        self._matcher: Any = None

    def _pattern(self, tokens: Any, raw: LineDict) -> list[dict[str, Any]]:
        """Validate one token pattern; expand `{{set}}` in IN / NOT_IN lists."""
        line = raw.key_line("pattern")
        if not isinstance(tokens, list) or not tokens:
            raise self.error("`pattern` is a non-empty list of token dicts (or a list of such lists)", line)
        out: list[dict[str, Any]] = []
        for i, tok in enumerate(tokens, 1):
            tline = tok.line if isinstance(tok, LineDict) else line
            if not isinstance(tok, dict):
                raise self.error(f"pattern token {i} must be a mapping such as {{POS: NOUN}}, not {tok!r}", tline)
            clean: dict[str, Any] = {}
            for key, value in tok.items():
                kline = tok.key_line(key) if isinstance(tok, LineDict) else tline
                if key not in TOKEN_KEYS:
                    raise self.error(f"pattern token {i}: unknown token attribute {key!r}", kline)
                clean[key] = self._value(i, key, value, kline)
            out.append(clean)
        return out

    def _value(self, i: int, key: str, value: Any, line: int) -> Any:
        if key == "OP":
            if not isinstance(value, str) or not (value in _OPS or _OP_RANGE.match(value)):
                raise self.error(f"pattern token {i}: OP must be one of ! ? + * or {{n,m}}, not {value!r}", line)
            return value
        if key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise self.error(f"pattern token {i}: {key} takes true or false, not {value!r}", line)
            return value
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and key == "LENGTH":
            return value
        if not isinstance(value, dict) or not value:
            raise self.error(f"pattern token {i}: {key} takes a string or a predicate such as {{IN: [...]}}", line)
        out: dict[str, Any] = {}
        for pred, arg in value.items():
            if pred not in _PREDICATES:
                raise self.error(f"pattern token {i}: unknown predicate {pred!r} for {key}", line)
            if pred in _LIST_PREDICATES:
                if not isinstance(arg, list) or not all(isinstance(a, (str, int)) for a in arg):
                    raise self.error(f"pattern token {i}: {key} {pred} takes a list of words", line)
                words = self.lexicon.terms([str(a) for a in arg], (self.where[0], line))
                if key in {"LOWER", "NORM", "LEMMA"}:
                    words = [w.lower() for w in words]
                out[pred] = sorted(set(words))
            elif pred == "REGEX":
                if not isinstance(arg, str):
                    raise self.error(f"pattern token {i}: REGEX takes a string", line)
                compile_regex(arg, 0, (self.where[0], line))  # report a bad regex at load time
                out[pred] = arg
            else:
                if not isinstance(arg, (int, float)) or isinstance(arg, bool):
                    raise self.error(f"pattern token {i}: {pred} takes a number", line)
                out[pred] = arg
        return out

    def _build(self, vocab: Any) -> Any:
        from spacy.matcher import Matcher

        matcher = Matcher(vocab, validate=True)
        matcher.add(self.spec.code, self.patterns, greedy="LONGEST")
        return matcher

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        for offset, doc in ctx.sentence_docs(self.trigger, ner=self.uses_ents):
            if self._matcher is None:
                self._matcher = self._build(doc.vocab)
            if self.uses_lemma:
                _fill_lemmas(doc)
            matches = self._matcher(doc, with_alignments=True)
            taken: list[tuple[int, int]] = []
            for _, start, end, align in sorted(matches, key=lambda m: (m[1], -(m[2] - m[1]))):
                if any(start < e and s < end for s, e in taken):
                    continue
                finding = self._finding(ctx, doc, offset, start, end, align)
                if finding is not None:
                    taken.append((start, end))
                    yield finding

    def _finding(
        self, ctx: TextContext, doc: Any, offset: int, start: int, end: int, align: list[int]
    ) -> Finding | None:
        pieces: dict[int, _Piece] = {}
        for k, slot in enumerate(align, 0):
            tok = doc[start + k]
            n = slot + 1
            a, b = offset + tok.idx, offset + tok.idx + len(tok.text)
            p = pieces.get(n)
            pieces[n] = _Piece(a, b, tok.text) if p is None else _Piece(p.start, b, ctx.text[p.start : b])
        inside = [n for n in pieces if self.first <= n <= self.last]
        if not inside:
            return None
        s = min(pieces[n].start for n in inside)
        e = max(pieces[n].end for n in inside)
        # Conditions look around the whole match: its context tokens included.
        if not self.when.holds(ctx, min(p.start for p in pieces.values()), max(p.end for p in pieces.values())):
            return None
        original = ctx.text[s:e]
        first_tok = doc[start + align.index(min(inside) - 1)]
        # A capital that only marks the sentence start moves with no word.
        lower_first = first_tok.is_sent_start and first_tok.pos_ != "PROPN" and not first_tok.text.isupper()

        def text_of(n: int) -> str:
            if n == 0:
                return original
            p = pieces.get(n)
            if p is None:
                return ""
            t = p.text
            if lower_first and p.start == s:
                t = t[:1].lower() + t[1:]
            return t

        subs = []
        for t in self.templates:
            out = _SLOT.sub(lambda m: _apply(m.group(1), text_of(int(m.group(2)))), t)
            out = str(regex.sub(r" {2,}", " ", out)).strip()
            subs.append(match_case(original, out) if self.params["keep_case"] else out)
        message = self.spec.message.replace("{match}", original)
        return self.finding(s, e, subs, message=message)


def _apply(fn: str | None, text: str) -> str:
    return TEMPLATE_FUNCTIONS[fn](text) if fn and text else text


def _fill_lemmas(doc: Any) -> None:
    """A rough lemma where the pipeline set none (it has no lemmatizer)."""
    for tok in doc:
        if not tok.lemma_:
            low = tok.lower_
            tok.lemma_ = base_form(low) if tok.pos_ in {"VERB", "AUX", "NOUN"} else low
