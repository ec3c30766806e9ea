"""`pronoun`: he/she/his/her/him used for a country, province, port or company.

French *sa*, *son*, *lui* carry grammatical gender, so translation turns "sa
relation" (Canada's) into "her relationship". The rule finds the subject that
governs each pronoun in spaCy's dependency parse and flags the pronoun when that
subject is a place or organisation, with no person mentioned in between.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import regex

from retrans.core.finding import Finding, FixPolicy
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.lexicon import unaccent
from retrans.detect.rules.nlp import add_ner

from .base import Param, Rule, as_list, match_case, register

_REPLACE = {("her", "poss"): "its", ("his", "poss"): "its", ("her", "obj"): "it", ("him", "obj"): "it"}
_SUBJ = {"nsubj", "nsubjpass"}
_PERSONAL = {"i", "you", "he", "she", "we", "they", "it", "who", "one"}
_RELATIVE = {"which", "that", "what"}
_TRIGGER = regex.compile(r"\b(?:[Hh]er|[Hh]is|[Hh]im)\b")
_LOOKBACK = 300  # code points before a sentence searched for a person it may refer to
_NAMES = regex.compile(r"\b\p{Lu}[\p{L}-]+(?:\s+\p{Lu}[\p{L}-]+)*")
# Evidence of a person just before: names, "she"/"he" and gendered nouns; not
# "her"/"his"/"him", which may be the very artifact the rule repairs.
_SAME_GENDER = {
    "her": (
        "she",
        "herself",
        "woman",
        "women",
        "wife",
        "mother",
        "daughter",
        "sister",
        "girl",
        "grandmother",
        "aunt",
        "queen",
        "princess",
        "widow",
        "spokeswoman",
        "chairwoman",
        "mrs",
        "ms",
    ),
    "his": (
        "he",
        "himself",
        "man",
        "men",
        "husband",
        "father",
        "son",
        "brother",
        "boy",
        "grandfather",
        "uncle",
        "king",
        "prince",
        "widower",
        "spokesman",
        "chairman",
        "mr",
    ),
}
_SAME_GENDER["him"] = _SAME_GENDER["his"]
_GENDERED = regex.compile(
    r"\b(?:" + "|".join(sorted({w for ws in _SAME_GENDER.values() for w in ws}, key=len, reverse=True)) + r")\b",
    regex.IGNORECASE,
)
#: A first name (hyphenated ones whole: "Marie-Pierre", never its "Pierre") and a
#: surname. Matched with `overlapped=True`, so that a capitalised word before a name
#: ("Cardiologist Priya Raman") does not hide the name itself.
_FULL_NAME = regex.compile(r"(?<![\p{L}-])(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)\s+(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)\b")
#: A courtesy title says the gender of the surname after it ("Ms. Ouellet", French
#: "Mme Tremblay", "Madame Roy"), whatever the first name, if any, is. "M." is left
#: out: it is also an initial ("M. Smith").
_HONORIFIC = regex.compile(
    r"\b(?:(Mr|Mister|Monsieur|Sir)|(Ms|Mrs|Miss|Madam|Madame|Mme|Mlle|Mademoiselle|Dame))\.?[ \t]+"
    r"(?:\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?[ \t]+)?(\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}\p{Ll}+)?)\b"
)


#: A gendered role noun right before a name ("spokeswoman Dominique Roy") does too.
_ROLE_BEFORE_NAME = regex.compile(
    r"\b(?i:(spokesman|businessman|congressman|sportsman|husband|father|brother|son|widower|grandfather|king|prince)"
    r"|(spokeswoman|chairwoman|businesswoman|congresswoman|sportswoman|actress|wife|mother|sister|daughter|widow"
    r"|grandmother|queen|princess))[ \t]+"
    r"(?:\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?[ \t]+)?(\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}\p{Ll}+)?)\b"
)


def honorific_genders(text: str) -> dict[str, str]:
    """Surnames a courtesy title or a gendered role noun genders in `text` (''
    when two of them disagree: two people of one surname)."""
    found: dict[str, str] = {}
    for pattern in (_HONORIFIC, _ROLE_BEFORE_NAME):
        for m in pattern.finditer(text):
            g = "m" if m.group(1) else "f"
            key = m.group(3).lower()
            found[key] = g if found.get(key, g) == g else ""
    return found


def _add_honorifics(genders: dict[str, str], text: str) -> None:
    """Fill in the gender of surnames the gazetteer and first names leave unknown."""
    for surname, g in honorific_genders(text).items():
        if g and not genders.get(surname):
            genders[surname] = g


@register
class PronounRule(Rule):
    """Parameters: `places` (gazetteer sets of non-person names) and `nouns`
    (common nouns such as port or company that can never be "she")."""

    type_name = "pronoun"
    uses_nlp = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "places": Param("strlist", required=True),
        "nouns": Param("strlist", default=[]),
        "gender": Param("bool", default=False),
        "gender_message": Param("str", default=""),
    }

    def setup(self, raw: LineDict) -> None:
        names = self.lexicon.terms([f"{{{{{s}}}}}" for s in as_list(self.params["places"])], self.where)
        self.places = {n.lower() for n in names}
        self.nouns = {n.lower() for n in as_list(self.params["nouns"])}
        self.people = {p.name.lower() for p in self.lexicon.people} | {p.surname.lower() for p in self.lexicon.people}
        female = {n.lower() for n in self.lexicon.get("female_first_name")}
        male = {n.lower() for n in self.lexicon.get("male_first_name")}
        self.first_gender = {n: "f" for n in female} | {n: "m" for n in male if n not in female}
        self.first_names = {p.first.lower() for p in self.lexicon.people} | set(self.first_gender)
        # A paragraph is parsed only if it has a pronoun and a place, organisation or
        # such noun: without a non-person antecedent there is nothing to flag.
        alts = "|".join(regex.escape(w) for w in sorted(self.places | self.nouns, key=len, reverse=True))
        # Anchored: unanchored, search() would retry both look-aheads at every
        # position of the sentence (quadratic in its length).
        self.trigger = regex.compile(rf"\A(?=.*{_TRIGGER.pattern})(?=.*(?i:\b(?:{alts})\b))", regex.DOTALL)
        self.genders = {p.name.lower(): p.gender for p in self.lexicon.people}
        self.genders.update({p.surname.lower(): p.gender for p in self.lexicon.people})

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        # Names the text introduces in full ("Laura Macdonald") are people wherever
        # their surname recurs; found without a parse, so only paragraphs holding
        # her/his/him need spaCy.
        people = set(self.people)
        genders = dict(self.genders)
        for m in _FULL_NAME.finditer(ctx.text, overlapped=True):
            if m.group(1).lower() in self.first_names:
                people.add(m.group().lower())
                people.add(m.group(2).lower())
                g = self.first_gender.get(m.group(1).lower(), "")
                full, surname = m.group().lower(), m.group(2).lower()
                if full in self.genders:
                    continue  # a gazetteer person: the gazetteer knows
                # Someone else with a gazetteer surname ("Bob Smith", "Laura Macdonald"):
                # this person's first name decides, and the bare surname becomes ambiguous.
                genders[full] = g
                if surname in genders and genders[surname] != g:
                    genders[surname] = ""
                elif g:
                    genders.setdefault(surname, g)
        # Both checks' sentences are parsed in one batch (spaCy pays per call too),
        # without entities: most pronouns are dismissed on the parse alone, and the
        # entity recogniser is half of a parse. The people of every trigger sentence
        # up to the current one (what `people` holds when a candidate reads it) are
        # collected only when a candidate needs them: `harvest`.
        _add_honorifics(genders, ctx.text)
        for surname, g in honorific_genders(ctx.text).items():
            if g:
                people.add(surname)
        gender = self._gender_trigger(genders) if self.params["gender"] else None
        ctx.prefetch([self.trigger] + ([gender] if gender is not None else []), ner=False)
        pending: list[Any] = []

        def harvest() -> None:
            add_ner(pending)
            for done in pending:
                for ent in done.ents:
                    if ent.label_ == "PERSON" and len(ent) > 1:
                        people.add(ent.text.lower())
                        people.add(ent[-1].text.lower())
            pending.clear()

        for offset, doc in ctx.sentence_docs(self.trigger, ner=False):
            pending.append(doc)
            if len(pending) >= 256:  # a large file: never hold every doc
                harvest()
            before = ctx.text[max(0, offset - _LOOKBACK) : offset]
            yield from self._check_doc(doc, offset, people, genders, before, harvest)
        if self.params["gender"]:
            yield from self._check_gender(ctx, people, genders, harvest)

    def _check_doc(
        self,
        doc: Any,
        offset: int,
        people: set[str],
        genders: dict[str, str],
        before: str,
        harvest: Callable[[], None],
    ) -> Iterator[Finding]:
        for tok in doc:
            low = tok.lower_
            if low not in ("her", "his", "him"):
                continue
            role = "poss" if tok.dep_ == "poss" or (low == "his") else "obj"
            repl = _REPLACE.get((low, role))
            if repl is None:
                continue
            # An object pronoun never refers to the subject of its own clause ("Mexico
            # sent him a letter": him is not Mexico, that would be "itself").
            subj = self._governing_subject(tok, skip_own=role == "obj")
            if subj is None:
                continue
            name = self._name(subj)
            if not self._may_be_nonperson(subj, name):
                continue
            harvest()  # `people` and this doc's entities are read from here on
            if not self._is_nonperson(subj, name, people):
                continue
            if self._person_between(doc, subj, tok, people):
                continue
            message = self.spec.message.replace("{antecedent}", name)
            # "Sheinbaum arrived. Canada welcomed her visit.": a person of the right
            # gender just before makes the pronoun ambiguous.
            owner = self._person_above(subj, low, people) or _person_before(before, low, people, genders)
            if owner and tok.i < subj.i:
                # "Anne Hidalgo ... Under her leadership, Paris closed the expressways":
                # a pronoun in a phrase before the place it would refer to, with a person
                # of its gender just above, is that person's (English reads it so).
                continue
            if owner:
                # "Smith said Alberta would defend her position": her may be Smith's.
                yield self.finding(
                    offset + tok.idx,
                    offset + tok.idx + len(tok.text),
                    [match_case(tok.text, repl)],
                    message=f"{message} (or to {owner}: check)",
                    fix=FixPolicy.SUGGEST,
                    confidence=0.5,
                )
                continue
            start = offset + tok.idx
            yield self.finding(start, start + len(tok.text), [match_case(tok.text, repl)], message=message)

    def _gender_trigger(self, genders: dict[str, str]) -> regex.Pattern[str] | None:
        """A finding needs "his" near a woman's name or "her" near a man's: only
        sentences with such a pair are parsed (names of unknown gender never count).
        Built once per set of names the text adds to the gazetteer's (building it
        from some thousands of names cost a tenth of a check)."""
        key = frozenset((k, v) for k, v in genders.items() if self.genders.get(k) != v)
        memo: dict[frozenset[tuple[str, str]], regex.Pattern[str] | None]
        memo = self.__dict__.setdefault("_trigger_memo", {})
        if key not in memo:
            if len(memo) >= 64:
                memo.clear()
            memo[key] = self._build_gender_trigger(genders)
        return memo[key]

    @staticmethod
    def _build_gender_trigger(genders: dict[str, str]) -> regex.Pattern[str] | None:
        def names(g: str) -> str:
            found = sorted({k for k, v in genders.items() if k and v == g}, key=len, reverse=True)
            return "|".join(r"\s*".join(regex.escape(p) for p in n.split()) for n in found)

        pairs = [
            rf"(?=.*\b{pro}\b)(?=.*\b(?:{alts})\b)" for pro, alts in (("his", names("f")), ("her", names("m"))) if alts
        ]
        if not pairs:
            return None
        return regex.compile(r"\A(?:" + "|".join(pairs) + ")", regex.DOTALL | regex.IGNORECASE)

    def _check_gender(
        self, ctx: TextContext, people: set[str], genders: dict[str, str], harvest: Callable[[], None]
    ) -> Iterator[Finding]:
        """French "son/sa" agree with the thing owned, not the owner, so translation
        writes "Danielle Smith presented his plan". A possessive whose clause subject
        is a person of known gender, with no other person between them, must agree."""
        known = self._gender_trigger(genders)
        if known is None:
            return
        introduced: set[str] | None = None  # found when first needed (rarely)
        for offset, doc in ctx.sentence_docs(known, ner=False):
            for tok in doc:
                low = tok.lower_
                if low not in ("his", "her") or tok.dep_ != "poss":
                    continue
                subj = self._governing_subject(tok)
                if subj is None:
                    continue
                name = self._name(subj)
                parts = name.lower().split()
                full = None
                if len(parts) > 1:
                    full = genders.get(" ".join(parts), genders.get(" ".join(parts[-2:])))
                    if full is None and parts[-2] not in _PERSON_TITLES:
                        # A full name of unknown gender ("Annie Tremblay", "Annie" not
                        # listed) says nothing; its surname may be someone else's.
                        continue
                gender = full if full is not None else genders.get(subj.lower_, "")
                if not gender or (gender == "f") == (low == "her"):
                    continue
                # A bare surname ("Clinton", "Farmer Jones") is the gazetteer person only
                # when the text names that person in full somewhere.
                if not full:
                    if introduced is None:
                        introduced = self._introduced(ctx.text)
                    if subj.lower_ not in introduced:
                        continue
                harvest()  # every trigger sentence's people
                add_ner([doc])
                if self._person_between(doc, subj, tok, people):
                    continue
                if any(t.lower_ in ("his", "her", "he", "she", "him") for t in doc[subj.i + 1 : tok.i]):
                    continue  # an earlier pronoun already refers elsewhere
                want = "her" if gender == "f" else "his"
                start = offset + tok.idx
                msg = (self.params["gender_message"] or self.spec.message).replace("{antecedent}", name)
                # "Carney spoke first. Smith praised his plan.": his may be Carney's.
                other = _person_before(ctx.text[max(0, offset - _LOOKBACK) : offset], low, people, genders)
                if other and tok.i < subj.i:
                    # "Le Pen appealed. If her ban is upheld, Bardella will run.": a possessive
                    # ahead of the subject that fits the person just named refers back to her.
                    continue
                if other:
                    yield self.finding(
                        start,
                        start + len(tok.text),
                        [match_case(tok.text, want)],
                        message=f"{msg} (or to {other}: check)",
                        fix=FixPolicy.SUGGEST,
                        confidence=0.5,
                    )
                    continue
                yield self.finding(
                    start, start + len(tok.text), [match_case(tok.text, want)], message=msg, confidence=0.75
                )

    def _introduced(self, text: str) -> set[str]:
        """The surnames of the people `text` names in full."""
        low_text = text.lower()
        introduced = {p.surname.lower() for p in self.lexicon.people if p.name.lower() in low_text}
        introduced |= {
            m.group(2).lower()
            for m in _FULL_NAME.finditer(text, overlapped=True)
            if m.group(1).lower() in self.first_names
        }
        return introduced

    def _person_above(self, subj: Any, pronoun: str, people: set[str]) -> str:
        """A person of compatible gender who is the subject of a clause above
        `subj`'s clause, the other possible owner of the pronoun."""
        want = "f" if pronoun == "her" else "m"
        for anc in subj.head.ancestors:
            for c in anc.children:
                if c.dep_ not in _SUBJ:
                    continue
                name = self._name(c)
                if c.ent_type_ == "PERSON" or name.lower() in people or c.lower_ in people:
                    gender = self.genders.get(name.lower()) or self.genders.get(c.lower_, "")
                    if gender in ("", want):
                        return name
        return ""

    @staticmethod
    def _governing_subject(tok: Any, skip_own: bool = False) -> Any:
        """The nearest clause subject above the pronoun, skipping relative pronouns
        (and, with `skip_own`, the subject of the pronoun's own clause)."""
        for anc in tok.ancestors:
            # A subject that contains the pronoun ("his government") is not its antecedent.
            subs = [c for c in anc.children if c.dep_ in _SUBJ and not c.left_edge.i <= tok.i <= c.right_edge.i]
            if not subs:
                continue
            if skip_own:
                skip_own = False
                continue
            s = subs[0]
            low = s.lower_
            if low in _RELATIVE:
                continue
            if low in _PERSONAL or s.pos_ == "PRON":
                return None
            return s
        return None

    @staticmethod
    def _name(tok: Any) -> str:
        parts = [c for c in tok.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"] + [tok]
        return " ".join(p.text for p in parts)

    def _may_be_nonperson(self, subj: Any, name: str) -> bool:
        """What `_is_nonperson` needs besides people and entities: a place's name or
        such a noun (it is False without)."""
        low = name.lower()
        if low in self.places or subj.lower_ in self.places:
            return True
        return subj.pos_ == "NOUN" and subj.lower_ in self.nouns

    def _is_nonperson(self, subj: Any, name: str, people: set[str]) -> bool:
        low = name.lower()
        if low in people or subj.lower_ in people or subj.ent_type_ == "PERSON":
            return False
        for c in subj.lefts:
            # "his emotional state": owned by someone, not a polity; "Farmer Jones",
            # "Professor Clark": a title makes a person of a place-like name.
            if c.dep_ == "poss" and c.lower_ in ("his", "her", "their", "my", "our", "your"):
                return False
            if c.dep_ == "compound" and (c.lower_ in _PERSON_TITLES or _is_human_noun(c.lower_)):
                return False
        # "Newfoundland and Labrador's premier said his province ...": the parser takes
        # the place as the subject and the person owned by it as a conjunct; a subject
        # coordinated with a person (or a role noun) may be that person.
        for c in subj.children:
            if c.dep_ == "conj" and (c.ent_type_ == "PERSON" or c.lower_ in people or _is_human_noun(c.lower_)):
                return False
        if low in self.places or subj.lower_ in self.places:
            return True
        return subj.pos_ == "NOUN" and subj.lower_ in self.nouns

    @staticmethod
    def _person_between(doc: Any, subj: Any, tok: Any, people: set[str]) -> bool:
        """A person named, or a person noun ("a professor's freedom ... when it
        suspended her"), between the antecedent and the pronoun: the pronoun may well
        be that person's, so it is no evidence of a French "sa"/"son"."""
        lo, hi = sorted((subj.i, tok.i))
        return any(
            t.ent_type_ == "PERSON" or t.lower_ in people or (t.pos_ == "NOUN" and _is_human_noun(t.lower_))
            for t in doc[lo + 1 : hi]
        )


def _person_before(before: str, pronoun: str, people: set[str], genders: dict[str, str]) -> str:
    """The last person (a known name of compatible gender, or a pronoun of the same
    gender) in the text just before a sentence; "" when there is none."""
    want = "f" if pronoun == "her" else "m"
    found = ""
    for m in _GENDERED.finditer(before):
        if m.group().lower() in _SAME_GENDER[pronoun]:
            found = m.group()
    for m in _NAMES.finditer(before):
        for cand in (m.group(), m.group().split()[-1]):
            low = cand.lower()
            if low in people and genders.get(low, "") in ("", want):
                found = cand
                break
    return found


# --- Pronouns that disagree with the one person they can refer to -------------------

_PERSON_PRONOUN = regex.compile(r"\b(?:[Hh]e|[Ss]he|[Hh]im|[Hh]is|[Hh]er|[Hh]imself|[Hh]erself|It)\b")
_PRONOUN_GENDER = {
    "he": "m",
    "him": "m",
    "his": "m",
    "himself": "m",
    "she": "f",
    "her": "f",
    "herself": "f",
}
_SWAP = {"he": "she", "she": "he", "him": "her", "himself": "herself", "herself": "himself", "his": "her"}
_GENDER_NOUNS = {w: ("f" if k == "her" else "m") for k in ("her", "his") for w in _SAME_GENDER[k]} | {
    "he": "m",
    "she": "f",
}
# People named by their role: if one is in the story, a pronoun may be theirs.
_HUMAN_NOUNS = frozenset(
    [
        "minister",
        "ministers",
        "premier",
        "president",
        "mayor",
        "leader",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "official",
        "officials",
        "chief",
        "director",
        "manager",
        "ceo",
        "chair",
        "chairman",
        "chairwoman",
        "secretary",
        "ambassador",
        "senator",
        "mp",
        "mna",
        "mpp",
        "mla",
        "deputy",
        "critic",
        "member",
        "candidate",
        "judge",
        "lawyer",
        "doctor",
        "nurse",
        "teacher",
        "student",
        "worker",
        "farmer",
        "owner",
        "resident",
        "witness",
        "victim",
        "suspect",
        "officer",
        "agent",
        "player",
        "coach",
        "captain",
        "driver",
        "rider",
        "winner",
        "author",
        "expert",
        "economist",
        "analyst",
        "professor",
        "researcher",
        "scientist",
        "journalist",
        "reporter",
        "columnist",
        "host",
        "colleague",
        "counterpart",
        "predecessor",
        "successor",
        "boss",
        "founder",
        "partner",
        "friend",
        "child",
        "person",
        "man",
        "woman",
        "boy",
        "girl",
        "father",
        "mother",
        "son",
        "daughter",
        "wife",
        "husband",
        "brother",
        "sister",
        "citizen",
        "patient",
        "customer",
        "client",
        "voter",
        "premier's",
        "president's",
        "commissioner",
        "auditor",
        "ombudsman",
        "speaker",
        "governor",
        "king",
        "queen",
        "pope",
        "prince",
        "principal",
        "superintendent",
        "inspector",
        "detective",
        "constable",
        "prosecutor",
        "defendant",
        "accused",
        "plaintiff",
        "attorney",
        "surgeon",
        "physician",
        "pharmacist",
        "paramedic",
        "firefighter",
        "pilot",
        "athlete",
        "skater",
        "skier",
        "goaltender",
        "goalie",
        "striker",
        "referee",
        "artist",
        "singer",
        "actor",
        "actress",
        "writer",
        "novelist",
        "poet",
        "filmmaker",
        "producer",
        "composer",
        "musician",
        "cook",
        "employee",
        "employer",
        "entrepreneur",
        "investor",
        "shareholder",
        "executive",
        "treasurer",
        "organizer",
        "organiser",
        "activist",
        "protester",
        "volunteer",
        "delegate",
        "negotiator",
        "mediator",
        "arbitrator",
        "landlord",
        "tenant",
        "homeowner",
        "neighbour",
        "neighbor",
        "passenger",
        "motorist",
        "cyclist",
        "pedestrian",
        "hunter",
        "fisherman",
        "biologist",
        "historian",
        "curator",
        "lecturer",
        "coroner",
        "warden",
        "inmate",
        "prisoner",
        "soldier",
        "veteran",
        "sergeant",
        "corporal",
        "lieutenant",
        "colonel",
        "admiral",
        "councillor",
        "councilor",
        "alderman",
        "trustee",
        "dean",
        "rector",
        "principal's",
        "vice-president",
        "presenter",
        "anchor",
        "commentator",
        "official's",
    ]
)
# Verbs a person does and a thing rarely does: "It said", "It promised" after a named
# premier is French "Il" (he) turned into "it".
_IT_VERBS = frozenset(
    [
        "declared",
        "promised",
        "added",
        "explained",
        "insisted",
        "replied",
        "stated",
        "argued",
        "recalled",
        "warned",
        "admitted",
        "assured",
        "affirmed",
        "deplored",
        "denounced",
        "hopes",
        "hoped",
        "intends",
        "intended",
        "refused",
        "agreed",
        "wants",
        "wanted",
        "believes",
        "believed",
        "thinks",
        "thought",
        "vowed",
        "pledged",
        "acknowledged",
        "conceded",
        "confided",
        "lamented",
        "regretted",
        "reiterated",
    ]
)
_HUMAN_WORD = regex.compile(
    r"\b(?:" + "|".join(sorted(_HUMAN_NOUNS, key=len, reverse=True)) + r")s?\b", regex.IGNORECASE
)
_QUOTE_OPEN = "“«"
_QUOTE_CLOSE = "”»"


def _in_compound(text: str, start: int, end: int) -> bool:
    """A name inside a hyphenated modifier ("Oscar-nominated films", "a Grammy-winning
    band") names an award or a thing, not a person the pronouns refer to."""
    return text[end : end + 1] == "-" and text[end + 1 : end + 2].islower()


def _inside_quote(text: str, pos: int) -> bool:
    """Whether `pos` is inside a quotation in its paragraph."""
    start = text.rfind("\n", 0, pos) + 1
    before = text[start:pos]
    depth = sum(before.count(c) for c in _QUOTE_OPEN) - sum(before.count(c) for c in _QUOTE_CLOSE)
    return depth > 0 or before.count('"') % 2 == 1


@register
class PersonPronounRule(Rule):
    """he/she/him/his/her (and a sentence-initial "It") that disagree with the only
    person they can refer to: everyone named in the sentence and the one before is of
    the other gender (gazetteer people, or a first name of known gender), nobody is
    named by a role alone ("the mayor"), and no person of the pronoun's gender
    appears in the text just before. French "il/elle" and "son/sa" carry grammatical
    gender, so translation writes "Premier Danielle Smith ... he said"."""

    type_name = "person_pronoun"
    uses_nlp = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "lookback": Param("int", default=400),
        "it": Param("bool", default=True),
        "persons": Param("bool", default=True),
        "things": Param("strlist", default=[]),
        "places": Param("strlist", default=[]),
        "thing_message": Param("str", default=""),
    }

    def setup(self, raw: LineDict) -> None:
        female = {n.lower() for n in self.lexicon.get("female_first_name")}
        male = {n.lower() for n in self.lexicon.get("male_first_name")}
        self.first_gender = {n: "f" for n in female - male} | {n: "m" for n in male - female}
        genders: dict[str, set[str]] = {}
        for p in self.lexicon.people:
            for key in {p.name.lower(), p.surname.lower(), unaccent(p.name).lower(), unaccent(p.surname).lower()}:
                genders.setdefault(key, set()).add(p.gender)
        # A surname two people of different genders share says nothing.
        self.genders = {k: next(iter(v)) if len(v) == 1 else "" for k, v in genders.items()}
        self.things = {w.lower() for w in as_list(self.params["things"])}
        places = self.lexicon.terms([f"{{{{{s}}}}}" for s in as_list(self.params["places"])], self.where)
        self.places = {n.lower() for n in places}

    def _doc_genders(self, text: str) -> dict[str, str]:
        """Gazetteer genders plus people the text introduces in full ("Laura Macdonald")."""
        genders = dict(self.genders)
        seen: dict[str, set[str]] = {}
        for m in _FULL_NAME.finditer(text, overlapped=True):
            g = self.first_gender.get(m.group(1).lower(), "")
            full, surname = m.group().lower(), m.group(2).lower()
            if full in self.genders or not g:
                if not g and full not in self.genders and surname in self.genders:
                    seen.setdefault(surname, set()).add("")  # "Kyle Ford": a bare "Ford" is ambiguous
                continue
            genders[full] = g
            seen.setdefault(surname, set()).add(g)
        for surname, gs in seen.items():
            prior = self.genders.get(surname)
            if len(gs) > 1 or (prior is not None and prior not in gs):
                genders[surname] = ""
            elif prior is None:
                genders[surname] = next(iter(gs))
        _add_honorifics(genders, text)
        return genders

    def _gender_of(self, name: str, genders: dict[str, str]) -> str | None:
        """'f', 'm', '' (a person of unknown gender) for a name."""
        low = " ".join(name.lower().replace("’s", "").replace("'s", "").split())
        if low in genders:
            return genders[low]
        parts = low.split()
        if len(parts) > 1 and parts[0] in self.first_gender:
            return self.first_gender[parts[0]]
        if parts and parts[-1] in genders:
            return genders[parts[-1]]
        if len(parts) == 1 and parts[0] in self.first_gender:
            return self.first_gender[parts[0]]
        return ""

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        text = ctx.text
        genders = self._doc_genders(text)
        sents = [(m.start(), m.end()) for m in _ROUGH.finditer(text) if m.group().strip()]
        jobs: list[tuple[int, int]] = []  # (window start, current sentence start)
        chunks: list[str] = []
        keys = self._gender_keys(genders) if self.params["persons"] else None
        for i, (s, e) in enumerate(sents):
            if not _PERSON_PRONOUN.search(text, s, e):
                continue
            ws = sents[i - 1][0] if i > 0 and s - sents[i - 1][1] < 4 else s
            if not self._may_find(text, ws, s, e, keys, genders):
                continue
            jobs.append((ws, s))
            chunks.append(text[ws:e])
        for (ws, cur), doc in zip(jobs, ctx.parse(chunks), strict=True):
            yield from self._check_chunk(ctx, doc, ws, cur - ws, genders)

    def _gender_keys(self, genders: dict[str, str]) -> tuple[frozenset[str], frozenset[str]]:
        """For each name whose gender is known, the longest `\\w` run of each of its
        words, by that gender (women's, men's): `_gender_of` gives a gender only to a
        name holding one of the runs of that gender."""
        base = self.__dict__.get("_base_keys")
        if base is None:
            known = [(k, v) for k, v in self.genders.items() if v] + list(self.first_gender.items())
            base = self._base_keys = _runs_by_gender(known)
        extra = [(k, v) for k, v in genders.items() if v and self.genders.get(k) != v]
        if not extra:
            return base
        more = _runs_by_gender(extra)
        return base[0] | more[0], base[1] | more[1]

    def _may_find(
        self,
        text: str,
        ws: int,
        s: int,
        e: int,
        keys: tuple[frozenset[str], frozenset[str]] | None,
        genders: dict[str, str],
    ) -> bool:
        """Whether `_check_chunk` can find anything in the chunk text[ws:e] whose
        current sentence starts at `s`, so that a chunk that cannot is not parsed.
        A person's pronoun needs, in the current sentence, a pronoun of one gender
        outside quotes with nobody of its gender named just before the chunk, and, in
        the chunk, someone named with a known gender of the other (a word of `keys`);
        or a sentence-initial "It" and anyone named with a known gender. A thing's
        pronoun needs a sentence before it in the chunk, a current sentence that
        starts with "He" or "She", and nobody named just before the chunk. Each text
        test here is one `_check_chunk` makes (or a looser one), made before parsing."""
        if keys is not None:
            sentence = text[s:e]
            want = {
                _PRONOUN_GENDER[m.group(1).lower()]
                for m in _ANY_PRONOUN.finditer(sentence)
                if not _inside_quote(text, s + m.start())
            }
            want = {g for g in want if not self._other_before(text, ws, "he" if g == "m" else "she", genders)}
            if sentence.lstrip().startswith("It"):
                want = {"f", "m"}
            if want:
                runs = set(_WORD_RUN.findall(text[ws:e].lower()))
                # A man's pronoun can disagree only with a woman's name, and the reverse.
                if ("m" in want and not keys[0].isdisjoint(runs)) or ("f" in want and not keys[1].isdisjoint(runs)):
                    return True
        return (
            bool(self.things)
            and ws < s
            and _STARTS_HE_SHE.match(text[s:e].lstrip()) is not None
            and not self._person_before(text, ws, genders)
        )

    def _check_chunk(
        self, ctx: TextContext, doc: Any, offset: int, cur: int, genders: dict[str, str]
    ) -> Iterator[Finding]:
        text = ctx.text
        persons: list[str] = []  # genders of people named or described
        named = False  # someone is named: "his mother" alone names nobody
        first_named = len(doc)  # a pronoun before every name ("Her death grieved John") is not theirs
        in_person: set[int] = set()
        role_only = len(doc)
        role_subject = -1  # the last role noun that is a subject ("When he arrived, the mayor said")
        for ent in doc.ents:
            g = self._gender_of(ent.text, genders) if ent.label_ == "PERSON" or ent.text.lower() in genders else None
            if g is None or _in_compound(doc.text, ent.start_char, ent.end_char):
                continue
            persons.append(g)
            named = True
            first_named = min(first_named, ent.start)
            in_person.update(range(ent.start, ent.end))
        for tok in doc:
            if tok.i in in_person:
                continue
            low = tok.lower_
            if (
                tok.pos_ == "PROPN"
                and tok.text[:1].isupper()
                and low in genders
                and not _in_compound(doc.text, tok.idx, tok.idx + len(tok.text))
            ):
                persons.append(genders[low])
                named = True
                first_named = min(first_named, tok.i)
                in_person.add(tok.i)
            elif low in _GENDER_NOUNS and low not in ("he", "she") and tok.pos_ == "NOUN":
                persons.append(_GENDER_NOUNS[low])
            elif _is_human_noun(low) and tok.pos_ == "NOUN" and not _is_title(tok, in_person):
                if _names_titled_person(tok, in_person):
                    continue  # "Finance Minister Chrystia Freeland ... The minister said": her
                # Someone named by a role only: the pronoun may be theirs (a
                # sentence-initial "It" cannot look ahead to them). A plural counts
                # too: "met the ministers. He said" may be one of them.
                role_only = min(role_only, tok.i)
                if tok.dep_ in _SUBJ:
                    role_subject = max(role_subject, tok.i)
        first_cur = next((t.i for t in doc if t.idx >= cur and not t.is_space), len(doc))
        if not persons and role_only >= first_cur and role_subject < 0 and self.things:
            yield from self._check_thing(text, doc, offset, cur, genders)
            return
        # A named person in this sentence or the one before is required: a pronoun
        # that disagrees only with "husband" or "mother" refers to someone else.
        if not named or "" in persons or len(set(persons)) != 1 or not self.params["persons"]:
            return
        gender = persons[0]
        for tok in doc:
            if tok.idx < cur:
                continue
            low = tok.lower_
            start = offset + tok.idx
            if low == "it":
                found = self._check_it(doc, tok, cur, gender) if role_only > tok.i else ""
                if found:
                    if _inside_quote(text, start):
                        continue
                    yield self.finding(start, start + len(tok.text), [match_case(tok.text, found)])
                continue
            g = _PRONOUN_GENDER.get(low)
            # A role noun before the pronoun, or a subject after it, may be whom it
            # means; an object after it ("He promised more nurses") cannot be.
            if g is None or g == gender or role_only < tok.i or role_subject > tok.i or tok.i < first_named:
                continue
            if _inside_quote(text, start) or self._other_before(text, offset, low, genders):
                continue
            if low == "her":
                want = "his" if tok.dep_ == "poss" or tok.tag_ == "PRP$" else "him"
            elif low == "his":
                want = "her" if tok.dep_ == "poss" else "hers"
            else:
                want = _SWAP[low]
            yield self.finding(start, start + len(tok.text), [match_case(tok.text, want)])

    def _check_it(self, doc: Any, tok: Any, cur: int, gender: str) -> str:
        """'He'/'She' when a sentence-initial "It" is the subject of a person's verb and
        the sentence before is about that person."""
        if not self.params["it"] or tok.text != "It" or tok.dep_ not in _SUBJ:
            return ""
        first = next((t for t in doc if t.idx >= cur and not t.is_space), None)
        if first is None or first.i != tok.i:
            return ""
        head = tok.head
        sent_text = doc.text[cur:].lower()
        green_light = head.lower_ in ("given", "gave", "give", "gives") and "green light" in sent_text
        if not (head.lower_ in _IT_VERBS or green_light):
            return ""
        # The sentence before: its main subject is the person, and no other subject.
        subjects = [t for t in doc if t.idx < cur and t.dep_ in _SUBJ]
        if not subjects:
            return ""
        for s in subjects:
            if s.ent_type_ != "PERSON" and s.pos_ != "PROPN" and s.lower_ not in ("he", "she"):
                return ""
        # "Legault tabled the bill. It promised ...": the bill may be what promised.
        if any(t.idx < cur and t.dep_ in ("dobj", "attr", "appos") and t.tag_ == "NN" for t in doc):
            return ""
        return "He" if gender == "m" else "She"

    def _check_thing(self, text: str, doc: Any, offset: int, cur: int, genders: dict[str, str]) -> Iterator[Finding]:
        """A sentence-initial "He"/"She" after a sentence whose subject is a thing (a
        bill, a company, a province), with no person anywhere near: French "il/elle"
        for a masculine or feminine noun ("La loi ... Elle prévoit")."""
        first = next((t for t in doc if t.idx >= cur and not t.is_space), None)
        if first is None or first.lower_ not in ("he", "she") or first.dep_ not in _SUBJ:
            return
        if any(t.idx < cur and t.lower_ in _PRONOUN_GENDER for t in doc):
            return  # a person is being talked about
        root = next((t for t in doc if t.idx < cur and t.dep_ == "ROOT"), None)
        if root is None:
            return
        subj = next((c for c in root.children if c.dep_ in _SUBJ), None)
        if subj is None or subj.tag_ not in ("NN", "NNP"):
            return
        ent = next((e for e in doc.ents if e.start <= subj.i < e.end), None)
        name = ent.text if ent is not None else self._name(subj)
        if not (subj.lower_ in self.things and subj.pos_ == "NOUN") and name.lower() not in self.places:
            return
        if subj.ent_type_ == "PERSON" or name.lower() in genders:
            return
        if self._person_before(text, offset, genders):
            return
        start = offset + first.idx
        if _inside_quote(text, start):
            return
        label = name if subj.pos_ == "PROPN" else f"the {subj.text}"
        msg = (self.params["thing_message"] or self.spec.message).replace("{antecedent}", label)
        msg = msg.replace("{match}", first.text)
        yield self.finding(start, start + len(first.text), [match_case(first.text, "it")], message=msg)

    def _person_before(self, text: str, offset: int, genders: dict[str, str]) -> bool:
        """Someone (a gendered or human noun, a known name) in the text just before."""
        before = text[max(0, offset - self.params["lookback"]) : offset]
        if _GENDERED.search(before) or _HUMAN_WORD.search(before):
            return True
        for m in _NAMES.finditer(before):
            low = m.group().lower()
            if low in genders or (len(low.split()) > 1 and low.split()[0] in self.first_gender):
                return True
        return False

    @staticmethod
    def _name(tok: Any) -> str:
        parts = [c for c in tok.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"] + [tok]
        return " ".join(p.text for p in parts)

    def _other_before(self, text: str, offset: int, pronoun: str, genders: dict[str, str]) -> bool:
        """A person of the pronoun's gender (or of unknown gender) named just before."""
        before = text[max(0, offset - self.params["lookback"]) : offset]
        want = _PRONOUN_GENDER[pronoun]
        if any(_GENDER_NOUNS.get(m.group().lower()) == want for m in _GENDERED.finditer(before)):
            return True
        for m in _NAMES.finditer(before):
            low = m.group().lower()
            if low in genders and genders[low] in ("", want):
                return True
            if len(low.split()) > 1 and self._gender_of(m.group(), genders) == want:
                return True
        return False


_WORD_RUN = regex.compile(r"\w+")


#: A gendered pronoun as spaCy may cut it out of a word: its tokenizer splits a few
#: contractions written without the apostrophe ("Hes", "Shed", "Shellve").
_ANY_PRONOUN = regex.compile(
    r"(?<!\p{L})(he|she|him|his|her|himself|herself)(?=(?:s|d|dve|ll|llve)?(?!\p{L}))", regex.IGNORECASE
)
_STARTS_HE_SHE = regex.compile(r"(?:he|she)(?:s|d|dve|ll|llve)?(?!\p{L})", regex.IGNORECASE)


def _runs_by_gender(names: list[tuple[str, str]]) -> tuple[frozenset[str], frozenset[str]]:
    """The longest `\\w` run of each whitespace-separated word of the women's
    names and of the men's names among (name, gender) pairs."""
    out: dict[str, set[str]] = {"f": set(), "m": set()}
    for name, gender in names:
        for word in name.split():
            runs = _WORD_RUN.findall(word)
            if runs and gender in out:
                out[gender].add(max(runs, key=len))
    return frozenset(out["f"]), frozenset(out["m"])


_ROUGH = regex.compile(r"[^\r\n]+?(?:[.!?][”\"’)]*(?=\s)|(?=[\r\n])|$)")


_PERSON_TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "dr", "doctor", "professor", "prof", "farmer", "sir", "lady", "lord", "judge",
        "justice", "senator", "governor", "mayor", "president", "premier", "minister", "coach", "captain",
        "sergeant", "general", "colonel", "father", "mother", "sister", "brother", "uncle", "aunt", "saint", "st",
        "pope", "rabbi", "reverend",
    }
)


def _is_human_noun(low: str) -> bool:
    return low in _HUMAN_NOUNS or (low.endswith("s") and low[:-1] in _HUMAN_NOUNS) or low in ("men", "women", "people")


def _is_title(tok: Any, in_person: set[int]) -> bool:
    """A role noun used as a title or apposition of a named person ("Premier Smith",
    "the premier, Danielle Smith", "Smith, the premier")."""
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and (nxt.i in in_person or nxt.pos_ == "PROPN"):
        return True
    if nxt is not None and nxt.text == "," and tok.i + 2 < len(tok.doc) and tok.doc[tok.i + 2].i in in_person:
        return True
    if tok.head.i in in_person or any(c.i in in_person for c in tok.children):
        return True
    if _of_complement_then_name(tok, in_person):
        return True
    return tok.dep_ in ("compound", "appos") and tok.head.i in in_person


def _of_complement_then_name(tok: Any, in_person: set[int]) -> bool:
    """"the mayor of Montreal, Valérie Plante, said": the role names the person
    after its short "of" complement, though the parser may hang the name on the
    complement (French "la mairesse de Montréal, Valérie Plante")."""
    doc = tok.doc
    j = tok.i + 1
    if j >= len(doc) or doc[j].lower_ != "of":
        return False
    for k in range(j + 1, min(len(doc) - 1, j + 7)):
        if doc[k].text == ",":
            return doc[k + 1].i in in_person
        if doc[k].pos_ in ("VERB", "AUX", "PUNCT"):
            return False
    return False


def _names_titled_person(tok: Any, in_person: set[int]) -> bool:
    """"The minister" (the article alone before it) when the chunk's only use of
    that role word otherwise is as the title of a named person ("Finance Minister
    Chrystia Freeland ... The minister said"): it refers back to that person."""
    doc = tok.doc
    if tok.i == 0 or doc[tok.i - 1].lower_ != "the":
        return False
    same = [t for t in doc if t.lower_ == tok.lower_ and t.i != tok.i]
    return bool(same) and all(_is_title(t, in_person) for t in same)
