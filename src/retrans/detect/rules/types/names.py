"""`fuzzy_name`: proper names garbled by translation, matched against known names.

"Canada-Mexical", "Montéragie", "Larnick": a capitalised word that is neither an
English word nor a known name, within a small edit distance of exactly one name
from the gazetteer or from names used elsewhere in the same text.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import ClassVar

import regex

from retrans.core.finding import Finding, FixPolicy
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.frequency import zipf_frequency
from retrans.detect.rules.lexicon import Person

from .base import Param, Rule, as_list, register

# A first name that is the whole of a quoted title (the show "Aurore," a film “Mélanie”)
# or that follows a verb naming a work or a thing ("a film titled Aurore") is no person.
_TITLE_BEFORE = regex.compile(r"\b(?:titled|entitled|dubbed|christened)\s+[\"“‘«]?$", regex.I)
_OPEN_QUOTE = regex.compile(r"[\"“‘«]$")
_CLOSE_QUOTE = regex.compile(r"[,.!?]?\s*[\"”’»]")
_PREV_WORD = regex.compile(r"(\p{L}[\p{L}.'-]*)\s+$")
#: A surname after a first name, also one that opens with a lower-case particle
#: ("Marie-Claude de Grandpré", "Hélène d'Amours", "Ana da Silva", "Jan van der Berg").
_SURNAME_NEXT = regex.compile(
    r"\s+(?:(?:de|du|des|da|das|do|dos|di|del|della|van|von|der|den|ter|le|la)\s+|d['’])*\p{Lu}"
)
_TITLES = frozenset(
    [
        "minister",
        "premier",
        "secretary",
        "president",
        "senator",
        "mayor",
        "mr",
        "mr.",
        "ms",
        "ms.",
        "mrs",
        "mrs.",
        "leader",
        "ambassador",
        "chancellor",
        "governor",
    ]
)
# A paragraph about a spelling (a correction note: "misspelled the name of the
# president. He is Colin Hartwell, not Colin Hartwel.") gives the wrong spelling on purpose.
_SPELLING_NOTE = regex.compile(
    r"\b(?:mis-?spel(?:led|t|ling|ls?)|spel(?:led|t|ling)(?!\s+out))\b",
    regex.IGNORECASE,
)
_NAME = regex.compile(r"(?<![\w-])\p{Lu}\p{L}+(?:-\p{Lu}\p{L}+)*(?![\w-])")


#: First names and their forms in the other language: translation swaps them.
_NAME_FORMS = [
    {"mark", "marc"}, {"dominic", "dominique"}, {"stephen", "steven", "stephane", "etienne"},
    {"michael", "michel"}, {"peter", "pierre"}, {"john", "jean"}, {"francis", "francois"},
    {"frances", "francoise"}, {"christopher", "christophe"}, {"andrew", "andre"}, {"andrea", "andree"},
    {"matthew", "mathieu", "matthieu"}, {"philip", "phillip", "philippe"}, {"henry", "henri"},
    {"lewis", "louis"}, {"anthony", "antoine"}, {"mary", "marie"},
    {"helen", "helene"}, {"margaret", "marguerite"}, {"jane", "joan", "jeanne"}, {"julian", "julien"},
    {"gregory", "gregoire"}, {"james", "jacques"}, {"william", "guillaume"}, {"george", "georges"},
    {"nicholas", "nicolas"}, {"lawrence", "laurent"}, {"alexander", "alexandre"},
    {"danielle", "daniele", "daniel"}, {"sylvia", "sylvie"}, {"joseph", "josef"}, {"catherine", "katherine"},
    {"theresa", "therese"}, {"claudia", "claude"}, {"hugh", "hugues"}, {"raymond", "raymonde"},
]


def _same_first_name(other: str, first: str) -> bool:
    """Whether `other` is `first` in its other-language form or misspelt by one letter."""
    a, b = fold(other), fold(first)
    if a == b:
        return False
    if any(a in group and b in group for group in _NAME_FORMS):
        return True
    if len(b) < 4 or a[0] != b[0]:
        return False
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(a, b) == 1


def _in_spelling_note(text: str, pos: int) -> bool:
    """Whether the paragraph around `pos` talks about a spelling (a correction note)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return bool(_SPELLING_NOTE.search(text, start, end if end >= 0 else len(text)))


def fold(s: str) -> str:
    """Lowercase without accents, for comparing names."""
    return "".join(c for c in unicodedata.normalize("NFD", s.lower()) if not unicodedata.combining(c))


@register
class FuzzyNameRule(Rule):
    """Parameters: `places` and `people` name gazetteer sets; names used at least
    `min_uses` times in the text count as known too. Places are fixed, people are
    only suggested (a surname is too easy to get wrong)."""

    type_name = "fuzzy_name"
    PARAMS: ClassVar[dict[str, Param]] = {
        "check": Param("str", default="misspelt", choices=("misspelt", "truncated", "first_name")),
        "places": Param("strlist", required=True),
        "people": Param("strlist", default=[]),
        "countries": Param("str", default="country"),
        "min_length": Param("int", default=5),
        "min_uses": Param("int", default=2),
        "max_word_zipf": Param("float", default=2.0),
    }

    def setup(self, raw: LineDict) -> None:
        def single_names(sets: list[str]) -> dict[str, str]:
            out: dict[str, str] = {}
            for s in sets:
                for term in self.lexicon.terms([f"{{{{{s}}}}}"], self.where):
                    for part in regex.split(r"[\s-]+", term):
                        if len(part) >= 4 and part[0].isupper():
                            out.setdefault(fold(part), part)
            return out

        self.place_names = single_names(as_list(self.params["places"]))
        self.person_names = single_names(as_list(self.params["people"]))
        # The first names of each surname: a garbled surname of a known person is
        # trusted only right after that person's first name or a title.
        self.person_firsts: dict[str, set[str]] = {}
        roles = set(as_list(self.params["people"]))
        for person in self.lexicon.people:
            if person.role in roles:
                self.person_firsts.setdefault(fold(person.surname), set()).add(fold(person.first))
        self.countries = {fold(c): c for c in self.lexicon.get(self.params["countries"])}

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        if self.params["check"] == "truncated":
            yield from self._truncated(ctx)
            return
        if self.params["check"] == "first_name":
            yield from self._first_names(ctx)
            return
        uses = Counter(m.group() for m in regex.finditer(r"\p{Lu}\p{L}+", ctx.text))
        doc_names = {fold(w): w for w, n in uses.items() if n >= self.params["min_uses"]}
        gazetteer = set(self.place_names) | set(self.person_names)
        known = gazetteer | set(doc_names)
        # Every spelling of a name in the text, however often used: translation that
        # garbles a name garbles it again ("Vingaard" twice beside one "Vingegaard").
        spellings = {
            fold(w): w
            for w in uses
            if len(w) >= self.params["min_length"] and zipf_frequency(w.lower(), "en") < self.params["max_word_zipf"]
        }
        for m in _NAME.finditer(ctx.text):
            if _in_spelling_note(ctx.text, m.start()):
                continue
            parts = m.group().split("-")
            offset = m.start()
            in_compound_with_country = len(parts) > 1 and any(fold(p) in self.countries for p in parts)
            for part in parts:
                start = offset
                offset += len(part) + 1
                f = fold(part)
                if (
                    len(part) < self.params["min_length"]
                    or f in gazetteer
                    or zipf_frequency(part.lower(), "en") >= self.params["max_word_zipf"]
                ):
                    continue
                pool: dict[str, tuple[str, str]] = {}
                if f in known or uses[part] >= self.params["min_uses"]:
                    # A name used often is garbled only beside a longer spelling of it.
                    pool = self._longest_variant(f, spellings)
                elif in_compound_with_country:
                    pool = {k: (v, "place") for k, v in self.countries.items()}
                else:
                    pool.update({k: (v, "person") for k, v in self.person_names.items()})
                    pool.update({k: (v, "place") for k, v in self.place_names.items()})
                    # A name of the text itself is a model only if it is not shorter:
                    # garbling drops letters more often than it adds them, and of two
                    # spellings in one text the longer one ("Vingegaard", "Vingaard") is
                    # the safer guess.
                    pool.update({k: (v, "text") for k, v in doc_names.items() if k not in pool and len(k) >= len(f)})
                    longer = {k: v for k, v in spellings.items() if len(k) > len(f) and not k.startswith(f)}
                    pool.update({k: (v, "text") for k, v in longer.items() if k not in pool})
                best = self._closest(f, pool)
                if best is None:
                    continue
                name, kind = best
                if f.startswith(fold(name)):
                    continue  # a derivative of the name (Quebecer, Montrealer), not a garbled one
                if kind == "person" and not self._introduced(ctx.text, start, fold(name)):
                    continue  # "Jean-Philippe Marcoux" is someone else, not a garbled "Marois"
                fix = FixPolicy.SAFE if kind == "place" else FixPolicy.SUGGEST
                yield self.finding(
                    start,
                    start + len(part),
                    [name],
                    message=self.spec.message.replace("{name}", name),
                    fix=fix,
                    confidence=self.spec.confidence if kind == "place" else min(self.spec.confidence, 0.6),
                )

    def _truncated(self, ctx: TextContext) -> Iterator[Finding]:
        """A distinctive first name from the gazetteer standing without its surname
        ("The Minister of Finance François-Philippe, the Minister of ..."): translation
        dropped a surname that is also a common word (Champagne, LeBlanc, Joly)."""
        for person, first in self._distinctive_firsts():
            if first not in ctx.text:
                continue
            hits = list(regex.finditer(rf"(?<![\w-]){regex.escape(first)}(?![\w-])", ctx.text))
            # "Geneviève Lapointe ... 'Geneviève transformed this festival'": a text that
            # names someone else with this first name uses it alone for that person.
            rest = regex.escape(person.name[len(first) :].strip())
            own = regex.compile(rf"\s+{rest}\b")
            if any(_SURNAME_NEXT.match(ctx.text, m.end()) and not own.match(ctx.text, m.end()) for m in hits):
                continue
            for m in hits:
                after = ctx.text[m.end() : m.end() + 40]
                if _SURNAME_NEXT.match(after):
                    continue  # followed by a surname (this one or another, "de Grandpré" too)
                before = ctx.text[max(0, m.start() - 30) : m.start()]
                if _TITLE_BEFORE.search(before) or (_OPEN_QUOTE.search(before) and _CLOSE_QUOTE.match(after)):
                    continue  # the whole of a quoted title, or a name given to a thing: the show "Aurore"
                yield self.finding(
                    m.start(),
                    m.end(),
                    [person.name],
                    message=self.spec.message.replace("{name}", person.name),
                )

    def _distinctive_firsts(self) -> list[tuple[Person, str]]:
        """The people whose first name is rare enough to say whose name it is
        ("Mark", "Doug" are not), with that first name; found once."""
        memo = self.__dict__.get("_firsts_memo")
        if memo is None or memo[0] is not self.lexicon.people:
            found = []
            for person in self.lexicon.people:
                first = person.first
                if "-" in first or zipf_frequency(first.lower(), "en") < 2.5:
                    found.append((person, first))
            memo = self._firsts_memo = (self.lexicon.people, found)
        return memo[1]

    def _named_people(self) -> list[tuple[Person, str, str]]:
        """(person, first name, rest of the name) of each person with a surname; found once."""
        memo = self.__dict__.get("_named_memo")
        if memo is None or memo[0] is not self.lexicon.people:
            found = []
            for person in dict.fromkeys(self.lexicon.people):
                first = person.first
                surname = person.name[len(first) :].strip()
                if surname:
                    found.append((person, first, surname))
            memo = self._named_memo = (self.lexicon.people, found)
        return memo[1]

    def _first_names(self, ctx: TextContext) -> Iterator[Finding]:
        """A known person's first name swapped for its other-language form or misspelt
        ("Marc Carney", "Peter Poilievre", "Dominique LeBlanc", "Christia Freeland"):
        translation, and round trips through French above all, translate first names.
        Only where the text shows it is that person: a title right before the name, or
        the right full name elsewhere in the text."""
        text = ctx.text
        full_names: set[str] | None = None  # built when a candidate first needs it
        done: set[tuple[int, int]] = set()
        for person, first, surname in self._named_people():
            if surname not in text:
                continue
            pattern = rf"(?<![\w-])(\p{{Lu}}[\p{{L}}’'-]+)\s+{regex.escape(surname)}(?![\w-])"
            for m in regex.finditer(pattern, text):
                other = m.group(1)
                if (m.start(1), m.end(1)) in done or fold(other) == fold(first):
                    continue
                if full_names is None:
                    full_names = {fold(p.name) for p in self.lexicon.people}
                if f"{fold(other)} {fold(surname)}" in full_names or not _same_first_name(other, first):
                    continue
                prev = _PREV_WORD.search(text[max(0, m.start() - 40) : m.start()])
                titled = prev is not None and fold(prev.group(1)) in _TITLES | {"prime", "deputy"}
                if not titled and person.name not in text:
                    continue
                done.add((m.start(1), m.end(1)))
                yield self.finding(
                    m.start(1),
                    m.end(1),
                    [first],
                    message=self.spec.message.replace("{name}", person.name),
                )

    def _introduced(self, text: str, start: int, surname: str) -> bool:
        """Whether the word at `start` follows the known person's first name or a title."""
        m = _PREV_WORD.search(text[max(0, start - 40) : start])
        if m is None:
            return False
        prev = fold(m.group(1))
        return prev in self.person_firsts.get(surname, set()) or prev in _TITLES

    @classmethod
    def _longest_variant(cls, word: str, spellings: dict[str, str]) -> dict[str, tuple[str, str]]:
        """The longest other spelling of `word` in the text (as a one-entry pool), or an
        empty pool: of "Vingaard", "Vinegaard", "Vingegaard" the longest is the model."""
        longer = {k: v for k, v in spellings.items() if len(k) > len(word) and not k.startswith(word)}
        near = {k: v for k, v in longer.items() if cls._closest(word, {k: (v, "text")}) is not None}
        if not near:
            return {}
        top = max(len(k) for k in near)
        best = [k for k in near if len(k) == top]
        return {best[0]: (near[best[0]], "text")} if len(best) == 1 else {}

    @staticmethod
    def _closest(word: str, pool: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
        from rapidfuzz.distance import Levenshtein
        limit = 1 if len(word) <= 6 else 2
        scored = sorted(
            (Levenshtein.distance(word, k), k) for k in pool if k[0] == word[0] and abs(len(k) - len(word)) <= limit
        )
        scored = [s for s in scored if s[0] <= limit]
        if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        return pool[scored[0][1]]
