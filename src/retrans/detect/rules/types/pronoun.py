"""`pronoun`: he/she/his/her/him used for a country, province, port or company.

French *sa*, *son*, *lui* carry grammatical gender, so translation turns "sa
relation" (Canada's) into "her relationship". The rule finds the subject that
governs each pronoun in spaCy's dependency parse and flags the pronoun when that
subject is a place or organisation, with no person mentioned in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import regex

from retrans.core.finding import Finding, FixPolicy
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext

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
_FULL_NAME = regex.compile(r"\b(\p{Lu}\p{Ll}+)\s+(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)\b")


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
        for m in _FULL_NAME.finditer(ctx.text):
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
        # Both checks' sentences are parsed in one batch (spaCy pays per call too).
        gender = self._gender_trigger(genders) if self.params["gender"] else None
        ctx.prefetch([self.trigger] + ([gender] if gender is not None else []))
        for offset, doc in ctx.sentence_docs(self.trigger):
            for ent in doc.ents:
                if ent.label_ == "PERSON" and len(ent) > 1:
                    people.add(ent.text.lower())
                    people.add(ent[-1].text.lower())
            yield from self._check_doc(doc, offset, people, genders, ctx.text[max(0, offset - _LOOKBACK) : offset])
        if self.params["gender"]:
            yield from self._check_gender(ctx, people, genders)

    def _check_doc(
        self, doc: Any, offset: int, people: set[str], genders: dict[str, str], before: str
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
            if not self._is_nonperson(subj, name, people):
                continue
            if self._person_between(doc, subj, tok, people):
                continue
            message = self.spec.message.replace("{antecedent}", name)
            # "Sheinbaum arrived. Canada welcomed her visit.": a person of the right
            # gender just before makes the pronoun ambiguous.
            owner = self._person_above(subj, low, people) or _person_before(before, low, people, genders)
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

    @staticmethod
    def _gender_trigger(genders: dict[str, str]) -> regex.Pattern[str] | None:
        """A finding needs "his" near a woman's name or "her" near a man's: only
        sentences with such a pair are parsed (names of unknown gender never count)."""

        def names(g: str) -> str:
            found = sorted({k for k, v in genders.items() if k and v == g}, key=len, reverse=True)
            return "|".join(r"\s*".join(regex.escape(p) for p in n.split()) for n in found)

        pairs = [
            rf"(?=.*\b{pro}\b)(?=.*\b(?:{alts})\b)" for pro, alts in (("his", names("f")), ("her", names("m"))) if alts
        ]
        if not pairs:
            return None
        return regex.compile(r"\A(?:" + "|".join(pairs) + ")", regex.DOTALL | regex.IGNORECASE)

    def _check_gender(self, ctx: TextContext, people: set[str], genders: dict[str, str]) -> Iterator[Finding]:
        """French "son/sa" agree with the thing owned, not the owner, so translation
        writes "Danielle Smith presented his plan". A possessive whose clause subject
        is a person of known gender, with no other person between them, must agree."""
        known = self._gender_trigger(genders)
        if known is None:
            return
        for offset, doc in ctx.sentence_docs(known):
            for tok in doc:
                low = tok.lower_
                if low not in ("his", "her") or tok.dep_ != "poss":
                    continue
                subj = self._governing_subject(tok)
                if subj is None:
                    continue
                name = self._name(subj)
                gender = genders.get(name.lower()) or genders.get(subj.lower_, "")
                if not gender or (gender == "f") == (low == "her"):
                    continue
                if self._person_between(doc, subj, tok, people):
                    continue
                if any(t.lower_ in ("his", "her", "he", "she", "him") for t in doc[subj.i + 1 : tok.i]):
                    continue  # an earlier pronoun already refers elsewhere
                want = "her" if gender == "f" else "his"
                start = offset + tok.idx
                msg = (self.params["gender_message"] or self.spec.message).replace("{antecedent}", name)
                # "Carney spoke first. Smith praised his plan.": his may be Carney's.
                other = _person_before(ctx.text[max(0, offset - _LOOKBACK) : offset], low, people, genders)
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

    def _is_nonperson(self, subj: Any, name: str, people: set[str]) -> bool:
        low = name.lower()
        if low in people or subj.lower_ in people or subj.ent_type_ == "PERSON":
            return False
        if low in self.places or subj.lower_ in self.places:
            return True
        return subj.pos_ == "NOUN" and subj.lower_ in self.nouns

    @staticmethod
    def _person_between(doc: Any, subj: Any, tok: Any, people: set[str]) -> bool:
        lo, hi = sorted((subj.i, tok.i))
        return any(t.ent_type_ == "PERSON" or t.lower_ in people for t in doc[lo + 1 : hi])


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
