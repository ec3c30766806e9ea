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

from retrans.core.finding import Finding
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.frequency import zipf_frequency
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
#: A street, building or place word is never a surname ("King Street", "Grace Hospital").
_PLACE_WORDS = (
    "Street|Avenue|Road|Boulevard|Drive|Lane|Way|Square|Park|Bridge|Station|Hall|Hospital|School|College|"
    "University|Church|Cathedral|River|Lake|Mountain|Island|Bay|County|City|Centre|Center|Tower|Building|Hotel|"
    "Arena|Stadium|Court|Place|Trail|Highway|Route|Market|Mall|Airport|Harbour|Harbor|Valley|Falls|Beach|Park"
)
_PLACE_WORD = regex.compile(_PLACE_WORDS)
_PLACE_LOWER = frozenset(_PLACE_WORDS.lower().split("|"))
_FULL_NAME = regex.compile(
    r"(?<![\p{L}-])(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)\s+"
    r"(?!(?:" + _PLACE_WORDS + r")\b)(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)\b"
)
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
            if owner:
                # "Anne Hidalgo ... Under her leadership, Paris closed the expressways";
                # "Smith said Alberta would defend her position": her may be Smith's.
                # Edited news is full of such pronouns and the translation artifacts
                # measured never were one: silence, not a "check" finding.
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
                    # "Thibodeau gave $250,000. Ménard called his gift extraordinary":
                    # the person just named owns it; correct English, left alone.
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
        "representative",
        "envoy",
        "aide",
        "adviser",
        "advisor",
        "assistant",
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


def _surname_as_noun(tok: Any, low: str, genders: dict[str, str]) -> bool:
    """A known person's surname the tagger read as a common noun, as it does at the
    start of a sentence ("Tremblay said her department ..."): the subject of its
    clause, and no common English word ("Price", "Young" stay nouns)."""
    return (
        tok.pos_ == "NOUN"
        and tok.dep_ in _SUBJ
        and bool(genders.get(low))
        and tok.text[:1].isupper()
        and not tok.text.isupper()
        and zipf_frequency(low) < 3.5
    )


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
        if len(parts) > 1 and parts[-1] in _PLACE_LOWER:
            return ""  # "Wellington Street": a place, whatever the gazetteer holds of "Street"
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
        # Only the person check reads these (RT603 looks for things, not people).
        persons = self.params["persons"]
        roles = self._role_genders(text, genders) if persons else {}
        first_ante = self._first_antecedents(text, genders, roles) if persons else {"m": 0, "f": 0}
        sents = [(m.start(), m.end()) for m in _ROUGH.finditer(text) if m.group().strip()]
        jobs: list[tuple[int, int]] = []  # (window start, current sentence start)
        chunks: list[str] = []
        keys = self._gender_keys(genders) if self.params["persons"] else None
        for i, (s, e) in enumerate(sents):
            if not _PERSON_PRONOUN.search(text, s, e):
                continue
            ws = sents[i - 1][0] if i > 0 and s - sents[i - 1][1] < 4 else s
            if not self._may_find(text, ws, s, e, keys, genders, first_ante):
                continue
            jobs.append((ws, s))
            chunks.append(text[ws:e])
        unknown = self._unknown_surnames(text, genders) if jobs else frozenset()
        for (ws, cur), doc in zip(jobs, ctx.parse(chunks), strict=True):
            yield from self._check_chunk(ctx, doc, ws, cur - ws, genders, first_ante, roles, unknown)

    def _unknown_surnames(self, text: str, genders: dict[str, str]) -> frozenset[str]:
        """Surnames of people the text introduces in full with a first name whose
        gender is unknown ("Alisha Fontaine"): the tagger may miss the person (it read
        "New Democrat Alisha Fontaine" as an organisation), yet a later "Fontaine said
        she" is that person speaking, not the one gendered person nearby."""
        from wordfreq import zipf_frequency

        out = set()
        for m in _FULL_NAME.finditer(text, overlapped=True):
            first, surname = m.group(1).lower(), m.group(2).lower()
            if first in self.first_gender or surname in genders or surname in self.first_gender:
                continue
            # "The Minister", "Armed Forces", "The Bloc": a common English word is no surname.
            if surname in out or zipf_frequency(surname, "en") >= 3.5:
                continue
            out.add(surname)
        return frozenset(out)

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
        first: dict[str, int],
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
            want = {g for g in want if not self._other_before(text, ws, "he" if g == "m" else "she", genders, first)}
            if sentence.lstrip().startswith("It"):
                want = {"f", "m"}
            if want:
                # The names just before the chunk too: with nobody in the chunk, the
                # one person named before it is whom a pronoun can mean.
                runs = set(_WORD_RUN.findall(text[max(0, ws - self.params["lookback"]) : e].lower()))
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
        self,
        ctx: TextContext,
        doc: Any,
        offset: int,
        cur: int,
        genders: dict[str, str],
        first: dict[str, int],
        roles: dict[str, str],
        unknown: frozenset[str] = frozenset(),
    ) -> Iterator[Finding]:
        text = ctx.text
        persons: list[str] = []  # genders of people named or described
        named = False  # someone is named: "his mother" alone names nobody
        first_named = len(doc)  # a pronoun before every name ("Her death grieved John") is not theirs
        in_person: set[int] = set()
        role_only = len(doc)
        role_subject = -1  # the last role noun that is a subject ("When he arrived, the mayor said")
        for ent in doc.ents:
            if not any(t.text[:1].isupper() for t in ent):
                continue  # "de la" in a French organisation's name, read as a person
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
                (tok.pos_ == "PROPN" or _surname_as_noun(tok, low, genders))
                and tok.text[:1].isupper()
                and low in genders
                and not _in_compound(doc.text, tok.idx, tok.idx + len(tok.text))
                # "Wellington Street", "King Street": a gazetteer surname in a place name.
                and not (tok.ent_type_ in ("FAC", "GPE", "LOC") and _PLACE_WORD.fullmatch(tok.text))
            ):
                persons.append(genders[low])
                named = True
                first_named = min(first_named, tok.i)
                in_person.add(tok.i)
            elif (
                low in unknown
                and tok.pos_ == "PROPN"
                and tok.dep_ in _SUBJ
                and tok.ent_type_ not in ("GPE", "LOC", "FAC", "NORP")
            ):
                # "Fontaine said she ...": a person introduced in full ("Alisha
                # Fontaine") whom the tagger missed, of unknown gender.
                persons.append("")
                named = True
            elif low in _GENDER_NOUNS and low not in ("he", "she") and tok.pos_ == "NOUN":
                persons.append(_GENDER_NOUNS[low])
            elif (
                _is_human_noun(low)
                and tok.pos_ == "NOUN"
                and not _is_title(tok, in_person)
                and not _plural_possessive(tok)
            ):
                if _names_titled_person(tok, in_person):
                    continue  # "Finance Minister Chrystia Freeland ... The minister said": her
                role = roles.get(_role_key(doc.text, tok.idx, tok.idx + len(tok.text)))
                if role:
                    # "Mayor Évelyne Beaudin ... According to the mayor": her, and the
                    # text titles nobody of the other gender so.
                    persons.append(role)
                    continue
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
        via_lookback = False
        if not named and not persons and role_subject < 0 and self.params["persons"]:
            # Nobody in this sentence or the one before: the person named just
            # before them, when there is only one ("Julie Roy announced a deal. The
            # offer adds a premium. According to him, ...").
            # ... unless the chunk introduces someone by a noun the role list lacks
            # ("a Montreal animator who worked on ...").
            who = any(t.lower_ in _WHO and t.i > 0 and doc[t.i - 1].tag_ in ("NN", "NNP") for t in doc)
            only = "" if who else self._only_gender_before(text, offset, genders, first, roles)
            if only:
                persons, named, first_named, via_lookback = [only], True, 0, True
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
            if _inside_quote(text, start) or self._other_before(text, offset, low, genders, first):
                continue
            if any(
                _PRONOUN_GENDER.get(t.lower_) == g and first[g] < offset + t.idx for t in doc[: min(first_named, tok.i)]
            ):
                # "The Spaniard won. He will face the top seed. Director Valérie Roy
                # said he ...": a "he" before the name, with someone to refer to.
                continue
            if via_lookback and first[g] < start:
                # Found by looking back: only when nobody the pronoun could mean
                # (its gender, a role, a name of unknown gender) is named anywhere before.
                continue
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

    def _only_gender_before(
        self, text: str, offset: int, genders: dict[str, str], first: dict[str, int], roles: dict[str, str]
    ) -> str:
        """The gender of everyone the text names just before `offset`, when they are
        all of one known gender and nobody is named by a role or of unknown gender;
        "" otherwise."""
        start = max(0, offset - self.params["lookback"])
        before = text[start:offset]
        seen: set[str] = set()
        for m in _GENDERED.finditer(before):
            low = m.group().lower()
            g = _GENDER_NOUNS.get(low)
            if g and not (low in _PRONOUN_WORDS and first[g] > start + m.start()):
                seen.add(g)
        if _SOMEONE.search(before):
            return ""
        for m in _HUMAN_WORD.finditer(before):
            if _plural_role(m.group()):
                continue  # "presented to members": a group is no "he" or "she"
            if _is_title_word(before, m.start(), m.end()):
                continue
            role = roles.get(_role_key(before, m.start(), m.end()))
            if not role:
                return ""
            seen.add(role)
        named: set[str] = set()  # a pronoun alone is no evidence: it needs a name
        for m in _NAMES.finditer(before):
            low = m.group().lower()
            if low in genders:
                named.add(genders[low])
            elif len(low.split()) > 1:
                g = self._gender_of(m.group(), genders)
                if g:
                    named.add(g)
        if not named:
            return ""
        seen |= named
        for m in _FULL_NAME.finditer(before, overlapped=True):
            given = m.group(1).lower()
            if given in self.first_gender or m.group().lower() in genders or m.group(2).lower() in genders:
                continue
            if zipf_frequency(given) < 3.5:
                return ""
        return next(iter(seen)) if len(seen) == 1 and "" not in seen else ""

    def _nearest_named(self, text: str, pos: int, genders: dict[str, str]) -> str:
        """The gender of the last person named, with a known gender, in the 250
        characters before `pos` ("" for none, or for a role or a name of unknown
        gender in between)."""
        before = text[max(0, pos - 250) : pos]
        last, where = "", -1
        for m in _NAMES.finditer(before):
            low = m.group().lower()
            g = genders.get(low) if low in genders else (self._gender_of(m.group(), genders) if " " in low else None)
            if g:
                last, where = g, m.end()
        tail = before[where:] if where >= 0 else before
        if where < 0 or any(not _plural_role(r.group()) for r in _HUMAN_WORD.finditer(tail)) or _SOMEONE.search(tail):
            return ""
        return last

    def _role_genders(self, text: str, genders: dict[str, str]) -> dict[str, str]:
        """Role words ("mayor", "prime minister") that the text uses as the title of
        people of one gender only and otherwise only bare ("the mayor said"), by that
        gender: "Mayor Évelyne Beaudin ... According to the mayor" is her. A role
        with a complement elsewhere ("the mayor of Laval", "the regional mayor")
        may be someone else, so it maps to nobody."""
        titled: dict[str, set[str]] = {}
        spoiled: set[str] = set()
        for m in _HUMAN_WORD.finditer(text):
            if _plural_role(m.group()):
                continue
            key = _role_key(text, m.start(), m.end())
            named = _TITLE_NAME.match(text, m.end())
            if named:
                titled.setdefault(key, set()).add(self._gender_of(named.group(1), genders) or "")
            elif _in_headline(text, m.start()) or _TITLE_BEFORE.search(text, max(0, m.start() - 80), m.start()):
                continue
            elif _ROLE_COMPLEMENT.match(text, m.end()) or not _BARE_ROLE.search(text, max(0, m.start() - 5), m.start()):
                spoiled.add(key)
        return {k: next(iter(gs)) for k, gs in titled.items() if len(gs) == 1 and "" not in gs and k not in spoiled}

    def _first_antecedents(self, text: str, genders: dict[str, str], roles: dict[str, str]) -> dict[str, int]:
        """Where the text first names someone a "he" ("m") or a "she" ("f") could
        refer to: a name of that gender or of unknown gender, a gendered noun ("her
        husband"), or anyone named by a role alone ("the coach", "a 17-year-old", "the
        suspect"); a role used as the title of a name ("Mayor Valérie Plante", "the
        president of the union, Caroline Roy") names only that person. len(text)
        when nobody is."""
        first = {"m": len(text), "f": len(text)}

        def see(gender: str, pos: int) -> None:
            for g in ("m", "f") if gender == "" else (gender,):
                first[g] = min(first[g], pos)

        # Each pass reads the text in order: past both earliest positions found so
        # far, nothing can lower them, so it stops there (a long text whose first
        # lines name someone costs a few lines).
        for m in _GENDERED.finditer(text):
            if m.start() >= max(first.values()):
                break
            low = m.group().lower()
            if low not in _PRONOUN_WORDS and low in _GENDER_NOUNS:
                see(_GENDER_NOUNS[low], m.start())
        for m in _HUMAN_WORD.finditer(text):
            if m.start() >= max(first.values()):
                break
            if _plural_role(m.group()):
                continue  # "the nurses' union": a group is nobody's "he" or "she"
            if not _is_title_word(text, m.start(), m.end()):
                see(roles.get(_role_key(text, m.start(), m.end()), ""), m.start())
        for m in _SOMEONE.finditer(text, 0, max(first.values())):
            see("", m.start())
            break
        for m in _NAMES.finditer(text):
            if m.start() >= max(first.values()):
                break
            low = m.group().lower()
            if low in genders:
                see(genders[low], m.start())
            elif len(low.split()) > 1:
                g = self._gender_of(m.group(), genders)
                if g:
                    see(g, m.start())
        for m in _FULL_NAME.finditer(text, 0, max(first.values()), overlapped=True):
            given = m.group(1).lower()
            if given in self.first_gender or m.group().lower() in genders or m.group(2).lower() in genders:
                continue
            # "Finance Minister", "Prime Minister", "Montreal Mayor": ordinary words;
            # a rare capitalised word before a surname may be a first name not listed.
            if zipf_frequency(given) < 3.5:
                see("", m.start())
                break
        return first

    def _other_before(
        self, text: str, offset: int, pronoun: str, genders: dict[str, str], first: dict[str, int]
    ) -> bool:
        """A person of the pronoun's gender (or of unknown gender) named just before.
        A "he" or "she" there counts only if something before it can be its
        antecedent (`first`): translation that turns a woman into "he" does so again
        and again, and the first "he" must not vouch for the next ones."""
        start = max(0, offset - self.params["lookback"])
        before = text[start:offset]
        want = _PRONOUN_GENDER[pronoun]
        for m in _GENDERED.finditer(before):
            low = m.group().lower()
            if _GENDER_NOUNS.get(low) != want:
                continue
            if low in _PRONOUN_WORDS and first[want] > start + m.start():
                continue  # an orphan pronoun: nobody of its gender is named before it
            if low in _PRONOUN_WORDS and self._nearest_named(text, start + m.start(), genders) not in ("", want):
                continue  # it disagrees with the person named just before it: the same slip
            return True
        for m in _NAMES.finditer(before):
            low = m.group().lower()
            if low in genders and genders[low] in ("", want):
                return True
            if len(low.split()) > 1 and self._gender_of(m.group(), genders) == want:
                return True
        return False


_WORD_RUN = regex.compile(r"\w+")
_PRONOUN_WORDS = frozenset(["he", "she", "himself", "herself"])
#: A role noun used as a title: "Mayor Valérie Plante", "the premier, Danielle
#: Smith", "the president of the union, Caroline Roy".
_TITLE_AFTER = regex.compile(r"(?:,\s*|\s+(?:of|for)\s+[^,.;:\n]{1,70},\s*|\s+)\p{Lu}\p{Ll}")
#: ... or in apposition after the name: "Danielle Smith, the premier".
_TITLE_BEFORE = regex.compile(r"\p{Lu}[\p{L}-]+,\s+(?:the|a|an|its|their)\s+(?:[\p{L}-]+\s+){0,3}$")
#: Someone named by neither name nor role: "a 17-year-old", "a teenager", "who".
_SOMEONE = regex.compile(
    r"\b(?:[\w-]+-year-old|teen(?:ager)?s?|youths?|individuals?|someone|somebody|anyone|anybody|everyone|"
    r"nobody|no one|whoever|attackers?|assailants?|gunman|gunmen|shooters?|thie(?:f|ves)|robbers?|killers?|"
    r"perpetrators?|offenders?|culprits?|callers?|fans?|spectators?|guards?|opponents?|rivals?|challengers?|"
    r"incumbents?|champions?|competitors?|rookies?|forwards?|defen[cs]em[ae]n|wingers?|quarterbacks?|"
    r"pitchers?|boxers?|fighters?|runners?|swimmers?|golfers?|scorers?|users?|occupants?|applicants?|babies|baby|"
    r"natives?|newcomers?|seeds?|Quebec(?:k)?ers?|Montrealers?|\w+(?:wo)?m[ae]n)\b"
    # A person named by party or nationality: "the Liberal was re-elected", "the
    # Spaniard won in straight sets".
    r"|\b(?:the|a|an)\s+(?-i:\p{Lu}\p{Ll}+)(?:ian|ean|ese|ish|er|ard|an|al|ive|crat|iste?|i)\b"
    r"(?=\s*(?:[,.;]|\s+(?:was|is|has|had|said|says|won|lost|scored|finished|added|took|beat|will|would)\b))",
    regex.IGNORECASE,
)


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
    # An organisation's own name may be long and French ("the president of the
    # Fédération interprofessionnelle de la santé du Québec, Julie Bouchard"): the
    # tagger reads its words as anything, so only its length is bounded.
    first = doc[j + 1] if j + 1 < len(doc) else None
    if first is not None and first.lower_ == "the" and j + 2 < len(doc):
        first = doc[j + 2]
    named = first is not None and first.text[:1].isupper()
    for k in range(j + 1, min(len(doc) - 1, j + (14 if named else 7))):
        if doc[k].text == ",":
            return doc[k + 1].i in in_person
        if doc[k].pos_ in ("VERB", "AUX", "PUNCT") and not (named and doc[k].pos_ != "PUNCT"):
            return False
    return False


_WHO = frozenset(["who", "whom", "whose"])
#: The name a role word titles: "Mayor Évelyne Beaudin", "the mayor of Sherbrooke,
#: Évelyne Beaudin", "the minister, Andrée Laforest".
_TITLE_NAME = regex.compile(
    r"(?:,\s*|\s+(?:of|for)\s+[^,.;:\n]{1,70},\s*|\s+)(\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\p{Ll}+)*(?:\s+\p{Lu}[\p{L}-]+)?)"
)
_BARE_ROLE = regex.compile(r"\b[Tt]he\s+$")
_ROLE_COMPLEMENT = regex.compile(r"\s+(?:of|for|from|at|in|responsible)\b|'s\s+(?!office)")
_ROLE_PREFIX = regex.compile(r"(?i:\b(prime|deputy|vice|associate|junior|assistant|former|interim|acting)[\s-]+)$")


def _role_key(text: str, start: int, end: int) -> str:
    """A role word with the word that makes it another role ("prime minister")."""
    word = text[start:end].lower()
    pre = _ROLE_PREFIX.search(text[max(0, start - 20) : start])
    return f"{pre.group(1).lower()} {word}" if pre else word


def _in_headline(text: str, pos: int) -> bool:
    """A short line without a full stop: a headline or a heading."""
    # Bounded: a headline is short, and a huge line must not make this quadratic.
    lo = max(0, pos - 200)
    nl = text.rfind("\n", lo, pos)
    if nl < 0 and lo > 0:
        return False
    end = text.find("\n", pos, pos + 200)
    if end < 0 and pos + 200 < len(text):
        return False
    line = text[nl + 1 : end if end >= 0 else len(text)].strip()
    return len(line.split()) <= 15 and not line.endswith((".", "!", "?", '"', "”", ":"))


def _is_title_word(text: str, start: int, end: int) -> bool:
    """The role word text[start:end] is the title of a name after or before it."""
    return bool(_TITLE_AFTER.match(text, end) or _TITLE_BEFORE.search(text[max(0, start - 80) : start]))


def _plural_role(word: str) -> bool:
    """A role noun in the plural ("members", "officials")."""
    low = word.lower()
    return low.endswith("s") and (low[:-1] in _HUMAN_NOUNS or low in ("officials", "ministers"))


def _plural_possessive(tok: Any) -> bool:
    """A plural role noun that only owns something ("the nurses' union", "the
    players' association"): a group, not someone a "he" or "she" can be."""
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    return tok.tag_ == "NNS" and nxt is not None and nxt.tag_ == "POS" and tok.dep_ not in _SUBJ


def _names_titled_person(tok: Any, in_person: set[int]) -> bool:
    """"The minister" (the article alone before it) when the chunk's only use of
    that role word otherwise is as the title of a named person ("Finance Minister
    Chrystia Freeland ... The minister said"): it refers back to that person."""
    doc = tok.doc
    if tok.i == 0 or doc[tok.i - 1].lower_ != "the":
        return False
    # "Prime Minister Mark Carney ... The minister said": another role.
    same = [t for t in doc if t.lower_ == tok.lower_ and t.i != tok.i]
    if any(_ROLE_PREFIX.search(doc.text, max(0, t.idx - 20), t.idx) for t in same):
        return False
    return bool(same) and all(_is_title(t, in_person) for t in same)
