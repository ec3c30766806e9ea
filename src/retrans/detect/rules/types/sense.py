"""`sense`: a French word rendered in the wrong one of its English senses.

Machine translation picks one English rendering of a polysemous French word and
keeps it where French meant another: *mouvement* gives "movements" where a
leader's "moves" were meant, *renier* gives "denied the relationship" for
"disowned", *tarif* gives "prices" for "tariffs". The English word is correct in
most other texts, so a lexicon alone would flood correct text with warnings.

Each entry names the French word, the rendering found in the text and the right
ones, each with a dictionary-style gloss. The rule proposes every occurrence;
the embedding checker keeps a proposal only when the sentence is closer to a
right sense's gloss than to the found word's own gloss (word-sense
disambiguation by gloss similarity). Without embeddings nothing is reported,
because nothing else can tell the senses apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import regex

from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.frequency import zipf_frequency
from retrans.detect.rules.morph import noun_forms, verb_forms
from retrans.detect.rules.prefilter import Gate

from ....core.finding import ContextGate, Finding
from .base import CompiledRegex, Conditions, Param, Rule, as_list, compile_regex, match_case, register

#: Finding details that carry the glosses to the embedding checker.
FRENCH = "french"


@dataclass(frozen=True)
class _Sense:
    regex: CompiledRegex
    french: str
    #: The wrong renderings' gloss, and each right rendering with its gloss.
    gloss: str
    right: tuple[tuple[str, str], ...]
    when: Conditions
    #: For each lower-case wrong form, the right forms in the same inflection.
    forms: dict[str, tuple[str, ...]]


def _inflect(phrase: str, how: str | None) -> tuple[str, ...]:
    if how == "verb":
        return verb_forms(phrase)
    if how == "noun":
        return noun_forms(phrase)
    return (phrase,)


@register
class SenseRule(Rule):
    """French polysemy: each occurrence of a rendering is a candidate; the
    embedding checker decides by gloss similarity (see the module docstring).

    Entry fields: `french`, `wrong` (one or more renderings, base forms with
    `inflect`), `gloss` (the wrong rendering's usual English sense), `right`
    (rendering -> gloss), optional `inflect: verb | noun` and `when`.
    """

    type_name = "sense"
    PARAMS: ClassVar[dict[str, Param]] = {
        "senses": Param("list", required=True),
        "when": Param("dict"),
    }
    ENTRY: ClassVar[dict[str, Param]] = {
        "french": Param("str", required=True),
        "wrong": Param("strlist", required=True),
        "gloss": Param("str", required=True),
        "right": Param("dict", required=True),
        "inflect": Param("str", choices=("verb", "noun")),
        "when": Param("dict"),
    }

    def setup(self, raw: LineDict) -> None:
        self.when = Conditions.parse(self.params["when"], self.lexicon, self.where[0], raw.key_line("when"))
        what = "`french`, `wrong`, `gloss` and `right`"
        self.senses = [self._sense(v, item) for item, v in self.items(raw, "senses", self.ENTRY, what)]

    def _sense(self, v: dict[str, Any], item: LineDict) -> _Sense:
        path = self.where[0]
        right: dict[str, Any] = dict(v["right"])
        if not right or not all(isinstance(g, str) and g.strip() for g in right.values()):
            raise self.error("`right` maps each right rendering to its gloss", item.key_line("right"))
        how = v["inflect"]
        forms: dict[str, tuple[str, ...]] = {}
        for wrong in as_list(v["wrong"]):
            wrong_forms = _inflect(wrong, how)
            right_forms = [_inflect(r, how) for r in right]
            for i, form in enumerate(wrong_forms):
                made = [rf[i] for rf in right_forms]
                # The wrong word as written may itself be a non-word (a calque);
                # every form the rule generates must be real English.
                for word in (*made, form) if i else made:
                    head = word.split()[0] if how == "verb" else word.split()[-1]
                    if zipf_frequency(head, "en") < 1.5:
                        raise self.error(
                            f"inflecting gives {word!r}, not an English word (irregular? list the forms as "
                            "separate entries without `inflect`)",
                            item.key_line("inflect") if how else item.line,
                        )
                forms.setdefault(form.lower(), tuple(made))
        alts = sorted((r"\s+".join(regex.escape(x) for x in f.split()) for f in forms), key=len, reverse=True)
        source = r"(?<![\w'’-])(?:" + "|".join(alts) + r")(?![\w-])"
        return _Sense(
            regex=compile_regex(source, regex.IGNORECASE, (path, item.line)),
            french=v["french"],
            gloss=v["gloss"],
            right=tuple(right.items()),
            when=Conditions.parse(v["when"], self.lexicon, path, item.key_line("when")),
            forms=forms,
        )

    def literals(self) -> Gate | None:
        return self.literals_of([s.regex for s in self.senses])

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        for s in self.senses:
            if not s.regex.may_match(ctx):
                continue
            for m in s.regex.scan(ctx):
                if not (self.when.holds(ctx, m.start(), m.end()) and s.when.holds(ctx, m.start(), m.end())):
                    continue
                found = m.group()
                made = s.forms[" ".join(found.lower().split())]
                gate = ContextGate(
                    s.french,
                    f"{found.lower()}: {s.gloss}",
                    tuple(f"{form}: {gloss}" for form, (_, gloss) in zip(made, s.right, strict=True)),
                )
                message = self.spec.message.replace("{match}", found).replace("{french}", s.french)
                yield self.finding(
                    m.start(),
                    m.end(),
                    [match_case(found, r) for r in made],
                    message=message,
                    details=((FRENCH, s.french),),
                    gate=gate,
                )
