"""Literal prefilter: the words a pattern cannot match without.

Most rules never match a given text, yet each used to run its regex over all of
it. Here every regex is read once, when the rules load, for the literal words any
match must contain; a text is scanned once (`Vocabulary`: its distinct `\\w+`
runs, case-folded) and a regex whose required words are all absent is skipped.

A `Gate` is an any-of set: at least one of its words must occur; its `also` gates
must all be open too (the other words a sequence needs: "party" as well as
"chief"), so a pattern runs only where every word it needs occurs. Words come in two
kinds: a *whole* word is a complete `\\w+` run in every match (bounded by non-word
characters in the pattern itself), checked by set membership; a *part* is a run
that may sit inside a longer word, checked as a substring of the vocabulary. When
nothing can be extracted (an optional part only, a character class, a feature of
the `regex` module that the standard parser does not know) there is no gate and
the regex always runs: the prefilter can skip work, never a finding.
"""

from __future__ import annotations

import importlib
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import regex

from retrans.core.cache import rule_cache_root, write_cache_file

# The standard library's regex parser (Python 3.11+), private but stable enough:
# any failure to read a pattern only means that pattern is not gated.
_c: Any = importlib.import_module("re._constants")
_p: Any = importlib.import_module("re._parser")

#: Bump when extraction changes, so gates cached by an older version are not reused.
_VERSION = 3
_WORDCHAR = regex.compile(r"\w")
RUN = regex.compile(r"\w+")
# Fuzzy constraints ({e<=1}) and other `regex`-only syntax the standard parser
# would misread as literal text: such patterns are never gated.
_REGEX_ONLY = regex.compile(r"(?<!\\)\{(?![\d,]*\})|\(\?[a-zA-Z]*[rwbefV][a-zA-Z-]*[:)]|\\[mMGKLXN]|\(\?\|")
# Unicode properties: the standard parser does not know them; any class will do,
# since classes only ever decide whether a word is bounded, and \w never bounds one.
_PROPERTY = regex.compile(r"\\[pP]\{[^}]*\}|\\[pP][A-Z]")


class Vocabulary:
    """The case-folded `\\w+` runs of one text, found in one pass."""

    def __init__(self, text: str) -> None:
        self.words = frozenset(w.casefold() for w in set(RUN.findall(text)))

    @classmethod
    def of(cls, words: Iterable[str]) -> Vocabulary:
        """The vocabulary holding `words` (already case-folded)."""
        vocab = cls.__new__(cls)
        vocab.words = frozenset(words)
        return vocab

    @cached_property
    def joined(self) -> str:
        return "\n".join(self.words)

    def containing(self, part: str) -> list[str]:
        """The words that hold `part` (in the order of `words`), found in `joined`
        and remembered: many gates share a part."""
        memo: dict[str, list[str]] = self.__dict__.setdefault("_containing", {})
        hit = memo.get(part)
        if hit is None:
            joined, hit = self.joined, []
            i = joined.find(part)
            while i >= 0:
                start = joined.rfind("\n", 0, i) + 1
                end = joined.find("\n", i)
                end = len(joined) if end < 0 else end
                hit.append(joined[start:end])
                i = joined.find(part, end)
            memo[part] = hit
        return hit


@dataclass(frozen=True)
class Gate:
    """At least one of `whole` (as a complete word) or `parts` (inside a word)
    occurs, and every gate of `also` is open."""

    whole: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    also: tuple[Gate, ...] = ()

    def open(self, vocab: Vocabulary) -> bool:
        if vocab.words.isdisjoint(self.whole) and not any(p in vocab.joined for p in self.parts):
            return False
        return all(g.open(vocab) for g in self.also)

    @property
    def primary(self) -> Gate:
        """This gate without `also`: the words `TextContext.regions` looks for."""
        return Gate(self.whole, self.parts) if self.also else self

    def __or__(self, other: Gate) -> Gate:
        return Gate(self.whole | other.whole, self.parts | other.parts)

    @property
    def size(self) -> int:
        return len(self.whole) + len(self.parts)

    def score(self) -> tuple[bool, int, int, int]:
        """Smaller is more selective: no short (common) word, few alternatives,
        long words, whole words."""
        shortest = min((len(w) for w in self.whole | self.parts), default=0)
        return (shortest < 4, self.size, -shortest, len(self.parts))


def union(gates: list[Gate | None]) -> Gate | None:
    """The gate of several alternatives: any may match, so none may be ungated."""
    out = Gate()
    for g in gates:
        if g is None:
            return None
        out = out | g
    return out if out.size else None


_MEMO: dict[str, Gate | None] | None = None
#: Patterns that compiled before, (source, flags) -> (groups, group names).
_VALID: dict[str, tuple[int, dict[str, int]]] = {}
_DIRTY = False


def known_pattern(source: str, flags: int) -> tuple[int, dict[str, int]] | None:
    """The groups of a pattern that compiled in an earlier run, or None."""
    _memo()
    return _VALID.get(f"{flags}:{source}")


def remember_pattern(source: str, flags: int, groups: int, groupindex: dict[str, int]) -> None:
    global _DIRTY
    _memo()
    key = f"{flags}:{source}"
    if key not in _VALID:
        _VALID[key] = (groups, groupindex)
        _DIRTY = True


def cache_dir() -> Path | None:
    """`RETRANS_CACHE_DIR` or ~/.cache/retrans (as the embedding cache);
    `RETRANS_RULE_CACHE=off` turns the rule caches off."""
    return rule_cache_root()


def cache_path() -> Path | None:
    """Where extracted gates and known-good patterns are kept between runs
    (reading and compiling patterns costs more than a cold start can afford)."""
    base = cache_dir()
    return None if base is None else base / f"gates-v{_VERSION}-regex{regex.__version__}.json"


def _memo() -> dict[str, Gate | None]:
    global _MEMO
    if _MEMO is None:
        _MEMO = {}
        path = cache_path()
        try:
            if path is not None and path.exists():
                data = json.loads(path.read_text(encoding="utf-8"))
                for src, val in data["gates"].items():
                    _MEMO[src] = None if val is None else _from_json(val)
                for key, (groups, names) in data["valid"].items():
                    _VALID[key] = (int(groups), {str(k): int(v) for k, v in names.items()})
        except (OSError, ValueError, TypeError, IndexError, KeyError, AttributeError):
            _MEMO = {}
            _VALID.clear()
    return _MEMO


def save_cache() -> None:
    """Write the gates extracted in this run, if any are new (an unwritable cache only costs speed)."""
    global _DIRTY
    path = cache_path()
    if not _DIRTY or path is None or _MEMO is None:
        return
    gates = {k: None if g is None else _to_json(g) for k, g in _MEMO.items()}
    data = {"gates": gates, "valid": {k: [n, names] for k, (n, names) in _VALID.items()}}
    if write_cache_file(path, json.dumps(data).encode("utf-8")):
        _DIRTY = False


def _to_json(g: Gate) -> list[Any]:
    return [sorted(g.whole), sorted(g.parts), [_to_json(a) for a in g.also]]


def _from_json(val: list[Any]) -> Gate:
    also = tuple(_from_json(a) for a in val[2]) if len(val) > 2 else ()
    return Gate(frozenset(val[0]), frozenset(val[1]), also)


def gate_for(source: str) -> Gate | None:
    """The gate of a (`regex`-module, V0) pattern, or None when it must always run
    (remembered across runs)."""
    global _DIRTY
    memo = _memo()
    if source not in memo:
        memo[source] = extract(source)
        _DIRTY = True
    return memo[source]


def extract(source: str) -> Gate | None:
    """Read the gate of a pattern (no cache)."""
    source = _PROPERTY.sub(lambda _: "\\w", source)
    if _REGEX_ONLY.search(source):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tree = _p.parse(source, 0)
    except Exception:
        return None
    try:
        return _seq(list(tree), left_bounded=False, right_bounded=False)
    except Exception:
        return None


_EDGES = {
    _c.AT_BOUNDARY,
    _c.AT_BEGINNING,
    _c.AT_BEGINNING_LINE,
    _c.AT_BEGINNING_STRING,
    _c.AT_END,
    _c.AT_END_LINE,
    _c.AT_END_STRING,
}


def _bounds_word(item: Any, side: int) -> bool:
    """Whether `item`, just before (`side` -1) or after (+1) a word character of the
    pattern, guarantees a non-word character or an edge of the text there."""
    op, av = item
    if op is _c.AT:
        return av in _EDGES
    if op is _c.ASSERT_NOT:
        direction, body = av
        body = list(body)
        return direction == side and len(body) == 1 and _has_word_class(body[0])
    return _is_nonword_char(item)


def _has_word_class(item: Any) -> bool:
    """`\\w` or a class holding `\\w`: a look-around forbidding it forbids any word character."""
    op, av = item
    if op is _c.IN:
        return any(o is _c.CATEGORY and a == _c.CATEGORY_WORD for o, a in av)
    return False


def _is_nonword_char(item: Any) -> bool:
    """An element that always consumes exactly one non-word character."""
    op, av = item
    if op is _c.LITERAL:
        return not _WORDCHAR.match(chr(av))
    if op is _c.IN:
        ok = True
        for sub_op, sub_av in av:
            if sub_op is _c.LITERAL:
                ok &= not _WORDCHAR.match(chr(sub_av))
            elif sub_op is _c.CATEGORY:
                ok &= sub_av in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD, _c.CATEGORY_LINEBREAK)
            else:
                return False
        return ok
    if op is _c.CATEGORY:
        return av in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, _, body = av
        return lo >= 1 and len(body) == 1 and _is_nonword_char(body[0])
    if op is _c.SUBPATTERN:
        body = list(av[-1])
        return len(body) == 1 and _is_nonword_char(body[0])
    return False


def _seq(items: list[Any], left_bounded: bool, right_bounded: bool) -> Gate | None:
    """The most selective gate any element of a sequence gives."""
    gates: list[Gate] = []
    i = 0
    n = len(items)
    while i < n:
        op = items[i][0]
        if op is _c.LITERAL:
            j = i
            chars = []
            while j < n and items[j][0] is _c.LITERAL:
                chars.append(chr(items[j][1]))
                j += 1
            before = items[i - 1] if i > 0 else None
            after = items[j] if j < n else None
            lb = _bounds_word(before, -1) if before is not None else left_bounded
            rb = _bounds_word(after, 1) if after is not None else right_bounded
            g = _literal("".join(chars), lb, rb)
            if g is not None:
                gates.append(g)
            i = j
            continue
        lb = _bounds_word(items[i - 1], -1) if i > 0 else left_bounded
        rb = _bounds_word(items[i + 1], 1) if i + 1 < n else right_bounded
        g = _element(items[i], lb, rb)
        if g is not None:
            gates.append(g)
        i += 1
    return _conjunction(gates)


#: How many further gates a sequence's gate carries in `also`.
MAX_ALSO = 3


def _conjunction(gates: list[Gate]) -> Gate | None:
    """Every one of `gates` is required: the most selective leads, the next few
    selective ones (no short, common words) follow in `also`."""
    atoms = sorted(
        {a for g in gates for a in (g.primary, *g.also)}, key=lambda a: (a.score(), sorted(a.whole), sorted(a.parts))
    )
    if not atoms:
        return None
    rest = tuple(a for a in atoms[1:] if not a.score()[0])[:MAX_ALSO]
    return Gate(atoms[0].whole, atoms[0].parts, rest)


def _literal(text: str, left_bounded: bool, right_bounded: bool) -> Gate | None:
    runs = [(m.start(), m.end(), m.group().casefold()) for m in RUN.finditer(text)]
    best: Gate | None = None
    for start, end, word in runs:
        whole = (start > 0 or left_bounded) and (end < len(text) or right_bounded)
        g = Gate(frozenset([word])) if whole else Gate(parts=frozenset([word]))
        if best is None or g.score() < best.score():
            best = g
    return best


def _element(item: Any, lb: bool, rb: bool) -> Gate | None:
    """The gate of one element; `lb`/`rb`: whether its neighbours bound a word at its edges."""
    op, av = item
    if op is _c.SUBPATTERN:
        return _seq(list(av[-1]), lb, rb)
    if op is _c.BRANCH:
        return union([_seq(list(b), lb, rb) for b in av[1]])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, _, body = av
        return _seq(list(body), False, False) if lo >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _seq(list(av), lb, rb)
    if op is _c.ASSERT:
        # A positive look-around matches text too: what it needs occurs in the text.
        return _seq(list(av[1]), False, False)
    return None


def required(pattern: str | re.Pattern[str]) -> Gate | None:
    """Convenience for tests: the gate of a pattern source."""
    return gate_for(pattern if isinstance(pattern, str) else pattern.pattern)
