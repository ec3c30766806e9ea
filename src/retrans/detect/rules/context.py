"""What a rule sees of one document: the text, its words, and lazily its parse.

Computed once per check and shared by every rule, so each rule does not tokenise
or parse the text again.
"""

from __future__ import annotations

import bisect
import os
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import regex

from retrans.detect.rules.lexicon import Lexicon
from retrans.detect.rules.nlp import add_ner, parse_many
from retrans.detect.rules.prefilter import RUN, Gate, Vocabulary

WORD = regex.compile(r"\w+(?:[-'’]\w+)*")
# Up to a full stop, question or exclamation mark (and closing quotes) before a
# space, or to the end of the line: a prefilter for what to parse, never the split.
ROUGH_SENTENCE = regex.compile(r"[^\r\n]+?(?:[.!?][”\"’)]*(?=\s)|(?=[\r\n])|$)")


#: Texts of this many characters or more run each gated regex only near the blocks
#: that hold one of its words (`TextContext.regions`); shorter ones, over all of it
#: (below a few blocks and their margins, the windows are the whole text anyway).
REGIONAL_MIN = int(os.environ.get("RETRANS_REGIONAL_MIN", "4000") or 0)
#: A block ends at the first line break after this many characters.
BLOCK = 512
#: Characters of context each side of an open block: a match (with its look-arounds)
#: that reaches this far across a line break from the word its gate needs is the
#: only kind a regional scan could miss; no rule's pattern comes near it.
MARGIN = 400


class ParseCache(OrderedDict[str, Any]):
    """spaCy docs by sentence text, least recently used dropped past `maxsize`."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if len(self) > self.maxsize:
            self.popitem(last=False)


#: One per process. `RETRANS_PARSE_CACHE=0` turns it off (each check then parses
#: its own sentences once), as the benchmarks do to measure parsing itself.
PARSES = ParseCache(int(os.environ.get("RETRANS_PARSE_CACHE", "2000") or 0))


class TextContext:
    """One document under check."""

    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self.lexicon = lexicon
        self._doc_terms: dict[str, bool] = {}
        self._parsed: dict[str, Any] = {}
        self._para_words: dict[int, tuple[list[int], list[tuple[int, int, str]]]] = {}
        #: Per-text results a rule type computes once for all its rules.
        self.memo: dict[str, Any] = {}

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The text's distinct words, found once for every rule's literal prefilter."""
        if self.regional:
            return Vocabulary.of(self._block_index[1])
        return Vocabulary(self.text)

    @cached_property
    def regional(self) -> bool:
        """Whether gated regexes run per region (`regions`) rather than over all the text."""
        return REGIONAL_MIN > 0 and len(self.text) >= REGIONAL_MIN

    @cached_property
    def _block_index(self) -> tuple[array[int], dict[str, array[int]]]:
        """Block starts (a block is a run of whole lines of at least `BLOCK`
        characters, the last one shorter) and, for each case-folded word, the
        blocks it occurs in: one pass, no list of every word of the text."""
        text = self.text
        starts: array[int] = array("q")
        index: dict[str, array[int]] = {}
        pos, n, block = 0, len(text), 0
        while pos < n:
            cut = text.find("\n", pos + BLOCK)
            end = n if cut < 0 else cut + 1
            starts.append(pos)
            for w in {w.casefold() for w in set(RUN.findall(text, pos, end))}:
                hit = index.get(w)
                if hit is None:
                    index[w] = array("i", (block,))
                else:
                    hit.append(block)
            pos, block = end, block + 1
        return starts, index

    def regions(self, gate: Gate) -> list[tuple[int, int]]:
        """Disjoint (start, end) windows holding every match of a regex whose gate
        is `gate`: each block where one of its words occurs, `MARGIN` characters
        wider on each side, neighbours merged. Scanned with `pos`/`endpos`, a
        window sees the text before it (look-behinds, \\b) as a whole-text scan
        does; a match reaching `MARGIN` characters past its word's block is the
        only one that could differ."""
        memo = self.memo.setdefault("regions", {})
        hit = memo.get(gate)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        starts, index = self._block_index
        blocks: set[int] = set()
        for w in gate.whole:
            blocks.update(index.get(w, ()))
        for p in gate.parts:
            for w in self.vocabulary.containing(p):
                blocks.update(index[w])
        n = len(self.text)
        out: list[tuple[int, int]] = []
        for b in sorted(blocks):
            ws = max(0, starts[b] - MARGIN)
            we = min(n, (starts[b + 1] if b + 1 < len(starts) else n) + MARGIN)
            if out and ws <= out[-1][1]:
                out[-1] = (out[-1][0], we)
            else:
                out.append((ws, we))
        memo[gate] = out
        return out

    @cached_property
    def words(self) -> list[tuple[int, int, str]]:
        """(start, end, lowercased word) for every word."""
        return [(m.start(), m.end(), m.group().lower()) for m in WORD.finditer(self.text)]

    @cached_property
    def word_set(self) -> frozenset[str]:
        # Not from `words`: a list of every word of a 20 MB text costs half a gigabyte.
        return frozenset(w.lower() for w in set(WORD.findall(self.text)))

    def _paragraph_words(self, p_start: int, p_end: int) -> tuple[list[int], list[tuple[int, int, str]]]:
        """The words of one paragraph (a word never spans a line break), the last few kept."""
        hit = self._para_words.get(p_start)
        if hit is None:
            found = [(m.start(), m.end(), m.group().lower()) for m in WORD.finditer(self.text, p_start, p_end)]
            hit = ([w[0] for w in found], found)
            if len(self._para_words) >= 64:
                self._para_words.pop(next(iter(self._para_words)))
            self._para_words[p_start] = hit
        return hit

    def prefetch(self, wanted: list[regex.Pattern[str]], ner: bool = True) -> None:
        """Parse in one batch every sentence that any of `wanted` will ask for
        (`ner`: with the entity recogniser, see `parse`)."""
        cache = PARSES if PARSES.maxsize else self._parsed
        todo = [t for _, t in self.rough_sentences if t not in cache and any(w.search(t) for w in wanted)]
        todo = list(dict.fromkeys(todo))
        if len(todo) > max(PARSES.maxsize, 0) and PARSES.maxsize:
            return  # more than the cache holds: let each check parse its own
        for t, doc in zip(todo, parse_many(todo, ner), strict=True):
            cache[t] = doc

    def parse(self, texts: list[str], block: int = 256, ner: bool = True) -> Iterator[Any]:
        """spaCy docs for `texts`, in order, each distinct text parsed once: kept by
        text in the process's bounded parse cache (the fix loop re-checks mostly
        unchanged text, and several rules want the same sentences), or for this
        text only when that cache is off. Parsed in blocks, so a large file never
        holds every fresh doc at once. With `ner=False` a doc may lack entities
        (`doc.ents`, `ent_type_`): the caller runs `nlp.add_ner` on those it reads
        them from; with `ner=True` every doc has them."""
        cache = PARSES if PARSES.maxsize else self._parsed
        for i in range(0, len(texts), block):
            part = texts[i : i + block]
            todo = list(dict.fromkeys(t for t in part if t not in cache))
            fresh = dict(zip(todo, parse_many(todo, ner), strict=True))
            for t, doc in fresh.items():
                cache[t] = doc
            docs = []
            for t in part:
                doc = fresh.get(t)
                if doc is None:
                    doc = cache.get(t)
                    if doc is None:  # pushed out of a full cache by this very block
                        doc = fresh[t] = cache[t] = parse_many([t], ner)[0]
                docs.append(doc)
            if ner:
                add_ner(docs)  # cached docs parsed without it
            yield from docs

    @cached_property
    def rough_sentences(self) -> list[tuple[int, str]]:
        """(offset, text) of each stretch `ROUGH_SENTENCE` finds, found once per text."""
        return [(m.start(), m.group()) for m in ROUGH_SENTENCE.finditer(self.text)]

    def sentence_docs(self, wanted: regex.Pattern[str], ner: bool = True) -> Iterator[tuple[int, Any]]:
        """(offset, spaCy doc) for each stretch of text matching `wanted`, parsed in
        one batch. Stretches are cut at likely sentence ends only to choose what to
        parse, so a rule that needs the parse where a trigger occurs does not pay for
        parsing the whole text (linear, and cheap on large files); spaCy does the
        real tokenisation, sentence split and parse of what is chosen."""
        spans = [(start, t) for start, t in self.rough_sentences if wanted.search(t)]
        # Several rules may want the same sentence, a text may repeat one, and the
        # fix loop re-checks mostly unchanged text: each sentence is parsed once,
        # remembered by its text (a bounded cache, so memory stays flat).
        for (start, _), doc in zip(spans, self.parse([t for _, t in spans], ner=ner), strict=True):
            yield start, doc

    def paragraph_bounds(self, offset: int) -> tuple[int, int]:
        """The line (a paragraph, in this kind of text) around `offset`."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return start, len(self.text) if end < 0 else end

    def words_around(self, start: int, end: int, window: int) -> tuple[list[str], list[str]]:
        """Up to `window` words before `start` and after `end`, within the paragraph."""
        p_start, p_end = self.paragraph_bounds(start)
        starts, words = self._paragraph_words(p_start, p_end)
        i = bisect.bisect_left(starts, start)
        j = bisect.bisect_left(starts, end)
        before = [w[2] for w in words[max(0, i - window) : i]]
        after = [w[2] for w in words[j : j + window] if w[1] <= p_end]
        return before, after

    def has_term(self, term: str, within: str | None = None) -> bool:
        """Whether a (multi-word) term occurs as whole words, case-insensitively."""
        t = term.lower()
        if within is not None:
            return _contains_phrase(within, t)
        # Document-level answers are cached: rules ask per match, and scanning the
        # whole text each time would make checking quadratic in its length.
        if t not in self._doc_terms:
            self._doc_terms[t] = t in self.word_set or _contains_phrase(self.lower, t)
        return self._doc_terms[t]


def _contains_phrase(hay: str, term: str) -> bool:
    pos = hay.find(term)
    while pos >= 0:
        before = hay[pos - 1] if pos > 0 else " "
        after_i = pos + len(term)
        after = hay[after_i] if after_i < len(hay) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        pos = hay.find(term, pos + 1)
    return False
