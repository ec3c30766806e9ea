"""`untranslated`: French words left in the English text.

Machine translation passes through words it does not know or takes for names:
"the projet de loi", "a véritable crisis", "evacuated grâce à the firefighters".
No lexicon can list them all, so the rule asks word frequencies instead: a
lower-case word that is common in French and rare in English (wordfreq's Zipf
scale) is French. French function words ("de", "la", "à") join a run only next
to such a word, so "projet de loi" is one finding and "de" alone none.

English uses French in ways that are not residue, and the rule stays silent on
them: loanwords (`allow`), names ("Rue de la Commune", "La grande séduction":
a run right after a capitalised French word), glossed terms ("known in Quebec as
dépanneurs"), quotations and sentences mostly in French (quoted on purpose),
words inside addresses, and emphasis (`*terroir*`, `_terroir_`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import regex

from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.frequency import zipf_frequency
from retrans.detect.rules.lexicon import unaccent

from ....core.finding import Finding
from .base import Param, Rule, as_list, register
from .pattern import glossed_french_term

#: A word: letters, with French elision ("l'économie" is "l'" + "économie").
_WORD = regex.compile(r"\p{L}+")
#: Characters that make a word part of an address, a handle or a file name.
_GLUE = frozenset("@/\\#_*.:0123456789")
_QUOTES = {"“": "”", "«": "»", '"': '"'}
_REACH = 600
_LINE = regex.compile(r"[^\r\n]+")
_SENTENCE_END = regex.compile(r"[.!?](?=\s)|[\r\n]")
#: An English gloss right after the term: "tablier de sapeur, a breaded ...",
#: "oreilles de crisse (fried pork rinds)".
_GLOSS_NEXT = regex.compile(r"\s*\(|,\s+(?:a|an|the)\s")
#: Capitalised words that start an English sentence, not a name.
_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "in",
        "on",
        "at",
        "of",
        "for",
        "to",
        "with",
        "by",
        "from",
        "and",
        "but",
        "or",
        "as",
        "after",
        "before",
        "during",
        "since",
        "when",
        "while",
        "if",
        "some",
        "many",
        "most",
        "all",
        "every",
        "each",
        "no",
        "more",
        "other",
        "such",
    ]
)
#: How many words back a capital that opens a French name may be.
_NAME_REACH = 16
_FRENCH_ONLY = regex.compile(r"[àâçéèêëîïôûùüÿœæ]", regex.IGNORECASE)


@register
class UntranslatedRule(Rule):
    """Runs of French words in English text, found by word frequency."""

    type_name = "untranslated"
    PARAMS: ClassVar[dict[str, Param]] = {
        # A word without French accents is French when English uses it less than
        # `max_english` (Zipf), French at least `min_french`, and French `margin`
        # more: rare English words of French origin ("fusillade", "procurer",
        # "outre") stay below that margin, French residue ("projet", "selon") is above.
        "max_english": Param("float", default=2.3),
        "min_french": Param("float", default=3.5),
        "margin": Param("float", default=3.1),
        # A word with a letter English does not use ("très", "délais", "évacués").
        "accented_max_english": Param("float", default=2.6),
        "accented_min_french": Param("float", default=2.5),
        "accented_margin": Param("float", default=2.0),
        # French function words: part of a run, never a run on their own.
        "joiners": Param("strlist", required=True),
        # Loanwords and terms English writes as French ("née", "entrée", "cégep").
        "allow": Param("strlist", default=[]),
    }

    def setup(self, raw: LineDict) -> None:
        self.joiners = frozenset(w.lower() for w in as_list(self.params["joiners"]))
        allow = [w.lower() for w in as_list(self.params["allow"])]
        self.allow = frozenset(w for w in allow if _WORD.fullmatch(w))
        # Loan phrases ("coup de grâce", "cabane à sucre"): a run inside one is English.
        phrases = [w for w in allow if not _WORD.fullmatch(w)]
        alts = "|".join(r"[\s'’-]+".join(map(regex.escape, _WORD.findall(p))) for p in phrases)
        self.phrases = regex.compile(rf"(?<!\p{{L}})(?:{alts})(?!\p{{L}})", regex.IGNORECASE) if phrases else None
        self._memo: dict[str, bool] = {}

    def is_french(self, word: str) -> bool:
        """A lower-case word French uses and English does not (memoised per rule)."""
        hit = self._memo.get(word)
        if hit is None:
            low = word.lower()
            if low in self.allow or len(low) < 3:
                hit = False
            else:
                en, fr = zipf_frequency(low, "en"), zipf_frequency(low, "fr")
                pre = "accented_" if _FRENCH_ONLY.search(low) else ""
                p = {k: self.params[pre + k] for k in ("max_english", "min_french", "margin")}
                hit = en < p["max_english"] and fr >= p["min_french"] and fr - en >= p["margin"]
            if len(self._memo) < 200_000:
                self._memo[word] = hit
        return hit

    def _cased_french(self, word: str) -> bool:
        """A capitalised word that opens a French name ("La", "Rue", "Régie")."""
        low = word.lower()
        return low in self.joiners or self.is_french(low) or bool(_FRENCH_ONLY.search(word))

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        # Line by line (a run never crosses a line): a large file never holds a
        # match object for each of its words.
        for line in _LINE.finditer(ctx.text):
            yield from self._check_line(ctx, list(_WORD.finditer(ctx.text, line.start(), line.end())))

    def _check_line(self, ctx: TextContext, words: list[regex.Match[str]]) -> Iterator[Finding]:
        text = ctx.text
        i = 0
        while i < len(words):
            m = words[i]
            w = m.group()
            if not (w[0].islower() and self.is_french(w) and not self._glued(text, m.start(), m.end())):
                i += 1
                continue
            # Grow the run over neighbouring French words and function words.
            lo = hi = i
            while lo > 0 and self._joins(text, words[lo - 1], words[lo]):
                lo -= 1
            while hi + 1 < len(words) and self._joins(text, words[hi], words[hi + 1]):
                hi += 1
            # Function words at the edges belong to the English frame ("the" is not French
            # here; "de" at the end of "près de" is, since the run needs its object).
            while lo < i and words[lo].group().lower() in self.joiners and not self._strong(words[lo].group()):
                if words[lo].group().lower() in ("à", "au", "aux", "d", "l", "qu", "du", "des"):
                    break
                lo += 1
            i = hi + 1
            start, end = words[lo].start(), words[hi].end()
            if self._excused(ctx, words, lo, hi):
                continue
            run = text[start:end]
            if lo == hi and _FRENCH_ONLY.search(run) and zipf_frequency(unaccent(run).lower(), "en") >= 3.5:
                continue  # "hôtel", "élite", "région": a common English word in French spelling
            yield self.finding(start, end, [], message=self.spec.message.replace("{match}", run))

    def _strong(self, word: str) -> bool:
        return word[0].islower() and self.is_french(word)

    def _joins(self, text: str, a: regex.Match[str], b: regex.Match[str]) -> bool:
        """Whether `b` continues the run that `a` is in (or `a` the run `b` is in)."""
        gap = text[a.end() : b.start()]
        if gap not in (" ", "'", "’", "' ", "’ ", "-"):
            return False
        x, y = a.group(), b.group()
        if not (x[0].islower() and y[0].islower()):
            return False
        return all(self.leans_french(v) or v.lower() in self.joiners for v in (x, y))

    def leans_french(self, word: str, margin: float = 2.0) -> bool:
        """A word French uses far more than English ("loi"): it extends a run
        ("projet de loi") that a French word starts, never starts one."""
        low = word.lower()
        if self.is_french(low):
            return True
        if low in self.allow:
            return False
        en, fr = zipf_frequency(low, "en"), zipf_frequency(low, "fr")
        return fr >= 3.0 and fr - en >= margin

    @staticmethod
    def _glued(text: str, start: int, end: int) -> bool:
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if before in _GLUE:
            return True
        if after in ".:":  # "lapresse.ca", "16:30"; not a full stop
            return end + 1 < len(text) and text[end + 1].isalnum()
        return after in _GLUE

    def _excused(self, ctx: TextContext, words: list[regex.Match[str]], lo: int, hi: int) -> bool:
        text = ctx.text
        start, end = words[lo].start(), words[hi].end()
        if any(self._glued(text, words[k].start(), words[k].end()) for k in range(lo, hi + 1)):
            return True
        # After a capital: the rest of a French name or title ("Rue de la Commune", "La
        # grande séduction", "Réseau express métropolitain"), over words French also
        # has; Quebec's bodies have long names ("Alliance du personnel professionnel et
        # technique de la santé et des services sociaux": 12 words before "sociaux").
        k, nxt = lo - 1, start
        while k >= 0 and k >= lo - _NAME_REACH:
            prev = words[k]
            if text[prev.end() : nxt] not in (" ", "'", "’", "-", ", "):
                break
            w = prev.group()
            if w[0].isupper():
                # A capital opens a name ("Bureau des enquêtes indépendantes", "Option
                # consommateurs"); an English determiner at a sentence start does not.
                if w.lower() not in _OPENERS or self._cased_french(w):
                    return True
                break
            low = w.lower()
            # French words and cognates French uses about as much ("express", "arts"),
            # not English words that French corpora quote ("were", "of").
            fr, en = zipf_frequency(low, "fr"), zipf_frequency(low, "en")
            if low in _OPENERS or not (low in self.joiners or fr > en or (fr >= 3.0 and fr >= en - 0.7)):
                break
            k, nxt = k - 1, prev.start()
        if glossed_french_term(text, start, end) or _GLOSS_NEXT.match(text, end):
            return True
        if self.phrases is not None:
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            for m in self.phrases.finditer(text, line_start, len(text) if line_end < 0 else line_end):
                if m.start() < end and start < m.end():
                    return True
        # A sentence, or a quotation, mostly in French is French on purpose.
        s_start, s_end = self._sentence(text, start, end)
        q = self._quotation(text, start, end, s_start, s_end)
        for a, b in ([q] if q else []) + [(s_start, s_end)]:
            inside = [x.group() for x in _WORD.finditer(text, a, b)]
            french = sum(1 for x in inside if x.lower() in self.joiners or self.is_french(x.lower()))
            if inside and french * 2 >= len(inside):
                return True
        return False

    @staticmethod
    def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
        """The sentence around a run, at most `_REACH` characters each side (a line
        with no full stop must not make each run scan all of it)."""
        lo = max(0, start - _REACH)
        a = max(lo - 1, *(text.rfind(c, lo, start) for c in ".!?\n")) + 1
        m = _SENTENCE_END.search(text, end, min(len(text), end + _REACH))
        return a, (m.start() if m else min(len(text), end + _REACH))

    @staticmethod
    def _quotation(text: str, start: int, end: int, s_start: int, s_end: int) -> tuple[int, int] | None:
        """The quotation (on the same sentence) that holds the run, if any."""
        for open_q, close_q in _QUOTES.items():
            o = text.rfind(open_q, s_start, start)
            if o < 0:
                continue
            c = text.find(close_q, end, s_end + 2)
            if c >= 0 and (open_q != '"' or text.count('"', s_start, o) % 2 == 0):
                return o + 1, c
        return None
