"""`pattern` and `phrase`: regex and lexicon substitutions with context conditions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import regex

from retrans.core.finding import Finding, FixPolicy
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.frequency import zipf_frequency
from retrans.detect.rules.morph import FUNCTIONS, verb_forms
from retrans.detect.rules.prefilter import RUN, Gate

from .base import (
    CompiledRegex,
    Conditions,
    Param,
    Rule,
    as_list,
    compile_regex,
    match_case,
    parse_examples,
    register,
)

FUNC_CALL = regex.compile(r"\$\{(\w+):(\w+)\}")

#: A French article or preposition right before a match: the word is part of a French
#: name ("Regroupement des comités logement et associations de locataires du Québec",
#: "Fédération des médecins omnipraticiens du Québec") or quotation that English keeps.
_FRENCH_BEFORE = regex.compile(r"(?:^|[\s(])(?:du|des|de|aux|et|d['’])\s*$|(?:^|\s)(?:médecins|medecins)\s+$")


_GLOSS_BEFORE = regex.compile(
    r"\b(?:known|referred\s+to)\s+(?:in\s+(?:Quebec|Québec|French|France)\s+)?as\s+(?:(?:the|an?)\s+)?[«\"“‘(]?\s*$"
    r"|\b(?:called|dubbed|nicknamed)\s+(?:(?:the|an?)\s+)?[«\"“‘(]?\s*$"
    r"|\b(?:the\s+)?(?:French|locals)\s+call\s+(?:it\s+)?(?:(?:the|an?)\s+)?[«\"“‘(]?\s*$"
    r"|\b(?:French|Quebec|Québec)\s+(?:word|term|name|expression)\s+[«\"“‘(]?\s*$",
    regex.IGNORECASE,
)
_GLOSS_AFTER = regex.compile(
    r"\s*[»\"”’]?\s*[),]?\s*(?:in\s+French|as\s+(?:they|it)\s+(?:are|is)\s+(?:known|called))\b"
)


#: The French original in parentheses right after its English rendering: "The National
#: Assembly (Assemblée nationale)", "A prefect (préfet) is the state's representative".
_PAREN_GLOSS_BEFORE = regex.compile(r"[\p{L}\p{N}.’'\"”]\s*\(\s*$")
_PAREN_GLOSS_AFTER = regex.compile(r"\s*\)")


def _is_french(word: str) -> bool:
    """A word French uses and English does not ("locataires", "patronat", "préposés")."""
    low = word.lower()
    return zipf_frequency(low, "en") < 2.5 and zipf_frequency(low, "fr") > zipf_frequency(low, "en") + 1.0


def glossed_french_term(text: str, start: int, end: int) -> bool:
    """Whether a French term is quoted as such: "orderlies, known in Quebec as
    préposés aux bénéficiaires", "the term dépanneur", "caisses (credit unions) in
    French", "the National Assembly (Assemblée nationale)": English explaining the
    French word, not a word left untranslated."""
    # Any word of the term French uses and English does not: "chambre d'hôte" ("chambre"
    # alone is also an English rarity, "hôte" is not English at all).
    if not any(_is_french(w.strip("-")) for w in regex.split(r"[\s'’]+", text[start:end]) if w.strip("-")):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    return (
        _GLOSS_BEFORE.search(text[max(line_start, start - 40) : start]) is not None
        or _GLOSS_AFTER.match(text, end) is not None
        or (
            # An acronym in parentheses is the text's own short form: "(OTAN)" is NATO.
            not text[start:end].isupper()
            and _PAREN_GLOSS_BEFORE.search(text[max(line_start, start - 6) : start]) is not None
            and _PAREN_GLOSS_AFTER.match(text, end) is not None
        )
    )


_MINOR = {"of", "and", "the", "for", "on", "in", "to", "a", "an", "at", "&"}


def defined_english_acronym(text: str, start: int, end: int) -> bool:
    """Whether the capitals matched are an acronym the text itself spells out in
    English ("the Telephone Preference Service (TPS)", "LCF (Lawyers' Christian
    Fellowship)"): then they are that body's initials, not a French acronym left
    untranslated (TPS for the GST, LCF for the CFL)."""
    acr = text[start:end]
    if not (2 <= len(acr) <= 6 and acr.isalpha() and acr.isupper()):
        return False
    esc = re.escape(acr)
    for m in re.finditer(rf"\(\s*{esc}\s*\)", text):
        words = re.findall(r"[\w'’&-]+", text[max(0, m.start() - 120) : m.start()])
        if _initials(words[-(len(acr) + 4) :]).endswith(acr):
            return True
    for m in re.finditer(rf"\b{esc}\s*\(([^()\n]{{3,120}})\)", text):
        if _initials(re.findall(r"[\w'’&-]+", m.group(1))) == acr:
            return True
    return False


def _initials(words: list[str]) -> str:
    if any(not w.isascii() and w.isalpha() for w in words):
        return ""  # "Union européenne (UE)": a French expansion keeps the acronym French
    return "".join(w[0].upper() for w in words if w.lower() not in _MINOR and w[:1].isalpha())


def in_french_name(text: str, start: int, end: int) -> bool:
    """Whether a French word (one English does not use) follows a French article or
    preposition on the same line, so it belongs to a French name, not an English frame."""
    word = text[start:end]
    if " " in word or not word.replace("-", "").isalpha():
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if _FRENCH_BEFORE.search(text[max(line_start, start - 12) : start]) is None:
        return False
    return _is_french(word)


def expand_template(match: regex.Match[str], template: str) -> str:
    """Regex replacement template (`\\1`, `\\g<name>`) plus `${fn:group}` calls
    (base, ing, poss, lower) applied to a group's text."""

    def call(m: regex.Match[str]) -> str:
        fn: Callable[[str], str] = FUNCTIONS[m.group(1)]
        key: int | str = int(m.group(2)) if m.group(2).isdigit() else m.group(2)
        return fn(str(match.group(key) or "")).replace("\\", "\\\\")

    expanded = str(FUNC_CALL.sub(call, template))
    return str(match.expand(expanded))


def check_template(template: str, pattern: CompiledRegex, rule: Rule) -> None:
    for m in FUNC_CALL.finditer(template):
        if m.group(1) not in FUNCTIONS:
            raise rule.error(f"unknown template function {m.group(1)!r} in {template!r}")
    groups = pattern.groups
    for m in regex.finditer(r"\\(\d+)|\\g<(\w+)>|\$\{\w+:(\w+)\}", template):
        ref = m.group(1) or m.group(2) or m.group(3)
        if ref.isdigit() and int(ref) > groups:
            raise rule.error(f"template {template!r} refers to group {ref}, the pattern has {groups}")
        if not ref.isdigit() and ref not in pattern.groupindex:
            raise rule.error(f"template {template!r} refers to unknown group {ref!r}")


def _tidy(text: str, original: str) -> str:
    """Remove the spaces a template leaves where an optional group was empty:
    doubled inside, or at an edge where the matched text had none."""
    out = str(regex.sub(r"(?<=\S) {2,}(?=\S)", " ", text))
    if not original[:1].isspace():
        out = out.lstrip(" ")
    if not original[-1:].isspace():
        out = out.rstrip(" ")
    return out


@register
class PatternRule(Rule):
    """A regex (or several) whose match is flagged and replaced by templates.

    `{{set}}` in a pattern expands to a gazetteer set. Matching is case-insensitive
    unless `case_sensitive: true`; replacements keep the match's capitalisation.
    """

    type_name = "pattern"
    PARAMS: ClassVar[dict[str, Param]] = {
        "pattern": Param("strlist", required=True),
        "replace": Param("strlist", default=[]),
        "case_sensitive": Param("bool", default=False),
        "keep_case": Param("bool", default=True),
        "when": Param("dict"),
    }

    def setup(self, raw: LineDict) -> None:
        flags = 0 if self.params["case_sensitive"] else regex.IGNORECASE
        self.regexes: list[CompiledRegex] = []
        for source in as_list(self.params["pattern"]):
            expanded = self.lexicon.expand(source, self.where)
            self.regexes.append(compile_regex(expanded, flags, (self.where[0], raw.key_line("pattern"))))
        self.templates = as_list(self.params["replace"])
        for rx in self.regexes:
            for t in self.templates:
                check_template(t, rx, self)
        self.when = Conditions.parse(self.params["when"], self.lexicon, self.where[0], raw.key_line("when"))

    def literals(self) -> Gate | None:
        return self.literals_of(self.regexes)

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        for rx in self.regexes:
            if not rx.may_match(ctx):
                continue
            for m in rx.scan(ctx):
                if m.end() == m.start() or not self.when.holds(ctx, m.start(), m.end()):
                    continue
                subs = [_tidy(expand_template(m, t), m.group()) for t in self.templates]
                if self.params["keep_case"]:
                    subs = [match_case(m.group(), s) for s in subs]
                message = self.spec.message.replace("{match}", m.group())
                yield self.finding(m.start(), m.end(), subs, message=message)


@dataclass(frozen=True)
class _Entry:
    regex: CompiledRegex
    words: tuple[str, ...]
    right: tuple[str, ...]
    message: str | None
    when: Conditions
    fix: FixPolicy | None
    confidence: float | None
    #: For each wrong form, every word it is made of: the entry can match only if
    #: all the words of one form occur in the text (None: a form names a word set).
    required: tuple[frozenset[str], ...] | None = None

    def possible(self, words: frozenset[str]) -> bool:
        """Whether some form has all its words in `words` (a text's vocabulary).
        The rule's gate asks for one word of a form; most entries that pass it
        still lack the others ("ballot" without "question"), and need no scan."""
        return self.required is None or any(req <= words for req in self.required)


_PHRASE_SPACE = "[ \t\u00a0\u2009\u202f]+"


def _required_words(wrong: list[str]) -> tuple[frozenset[str], ...] | None:
    """The words of each wrong form (None when a form names a word set: `{{...}}`)."""
    if any("{{" in w for w in wrong):
        return None
    return tuple(frozenset(x.casefold() for x in RUN.findall(w)) for w in wrong)


@register
class PhraseRule(Rule):
    """A lexicon of wrong -> right phrases (whole words, any case, any spacing;
    `case_sensitive: true` matches the case written and keeps the replacement's own).

    Each entry may add its own `when` conditions, `message`, `fix` and
    `confidence`; the rule's own `when` applies to every entry. With
    `inflect: verb`, `wrong` and `right` start with a verb in its base form and
    the entry also covers the -s, -ed and -ing forms, each replaced by the same
    form of the right verb ("deposit a bill" -> "table a bill" also turns
    "deposited a bill" into "tabled a bill"); the right verb must be regular.
    `right` lists alternatives for every wrong form; with `pairwise: true` the two
    lists have the same length and `right[i]` is the one repair of `wrong[i]`
    ("Ministry of Finances" -> "Ministry of Finance", "Minister of Finances" ->
    "Minister of Finance"), so each form is offered only its own repair.
    """

    type_name = "phrase"
    PARAMS: ClassVar[dict[str, Param]] = {
        "entries": Param("list", required=True),
        "when": Param("dict"),
        "case_sensitive": Param("bool", default=False),
    }
    ENTRY: ClassVar[dict[str, Param]] = {
        "wrong": Param("strlist", required=True),
        "right": Param("strlist", default=[]),
        "message": Param("str"),
        "when": Param("dict"),
        "fix": Param("str", choices=("safe", "suggest")),
        "confidence": Param("float"),
        "inflect": Param("str", choices=("verb",)),
        "pairwise": Param("bool", default=False),
        "examples": Param("dict"),
    }

    def setup(self, raw: LineDict) -> None:
        path = self.where[0]
        self.when = Conditions.parse(self.params["when"], self.lexicon, path, raw.key_line("when"))
        self.entries: list[_Entry] = []
        for item, v in self.items(raw, "entries", self.ENTRY, "`wrong` and `right`"):
            wrong, right = as_list(v["wrong"]), as_list(v["right"])
            if v["pairwise"] and len(wrong) != len(right):
                counts = f"{len(wrong)} and {len(right)}"
                raise self.error(f"`pairwise` needs as many `right` as `wrong` forms ({counts})", item.line)
            pairs = [([w], [r]) for w, r in zip(wrong, right, strict=True)] if v["pairwise"] else [(wrong, right)]
            # One entry per verb form: each wrong form is replaced by the same form.
            variants = [
                variant
                for ws, rs in pairs
                for variant in (
                    [([verb_forms(w)[i] for w in ws], [verb_forms(r)[i] for r in rs]) for i in range(4)]
                    if v["inflect"] == "verb"
                    else [(ws, rs)]
                )
            ]
            when = Conditions.parse(v["when"], self.lexicon, path, item.key_line("when"))
            if v["examples"] is not None:
                examples = parse_examples(v["examples"], path, item.key_line("examples"))
                self.entry_examples.append((wrong[0], examples))
            for wrongs, rights in variants:
                self.entries.append(self._entry(wrongs, rights, v, when, item.line))

    def _entry(self, wrong: list[str], right: list[str], v: dict[str, Any], when: Conditions, line: int) -> _Entry:
        path = self.where[0]
        # Words of a phrase are joined by spaces within a line, never across a line
        # break: a one-word heading ("Health") and the next paragraph ("Quebec's ...")
        # are not the phrase "Health Quebec".
        # re.escape: the same text as regex.escape for words, many times faster (a cold start escapes 50,000).
        alts = [_PHRASE_SPACE.join(re.escape(x) for x in w.split()) for w in wrong]
        source = r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])"
        source = self.lexicon.expand(source.replace(r"\{\{", "{{").replace(r"\}\}", "}}"), (path, line))
        return _Entry(
            compile_regex(source, 0 if self.params["case_sensitive"] else regex.IGNORECASE, (path, line)),
            tuple(wrong),
            tuple(right),
            v["message"],
            when,
            FixPolicy(v["fix"]) if v["fix"] else None,
            v["confidence"],
            _required_words(wrong),
        )

    def literals(self) -> Gate | None:
        return self.literals_of([e.regex for e in self.entries])

    @cached_property
    def _by_word(self) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
        """Entries indexed by one word of each wrong form (its longest: long words
        are the rare ones), and those that name a word set and cannot be indexed.
        A lexicon holds hundreds of entries and a text has few of their words:
        looking up the text's words finds the few worth a `possible` test."""
        index: dict[str, set[int]] = {}
        always: list[int] = []
        for i, e in enumerate(self.entries):
            if e.required is None:
                always.append(i)
                continue
            for req in e.required:
                if req:
                    index.setdefault(max(sorted(req), key=len), set()).add(i)
        return {w: tuple(sorted(ix)) for w, ix in index.items()}, tuple(always)

    def _candidates(self, vocab: frozenset[str]) -> list[int]:
        """Indices, in lexicon order, of the entries one of whose forms the text may hold."""
        index, always = self._by_word
        found: set[int] = set(always)
        if len(vocab) < len(index):
            for w in vocab:
                found.update(index.get(w, ()))
        else:
            for w, ix in index.items():
                if w in vocab:
                    found.update(ix)
        return sorted(found)

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        vocab = ctx.vocabulary.words
        for i in self._candidates(vocab):
            e = self.entries[i]
            if not e.possible(vocab) or not e.regex.may_match(ctx):
                continue
            for m in e.regex.scan(ctx):
                if "\n" in m.group():
                    continue  # a phrase never runs across a line (the join above; this covers {{set}} terms)
                if in_french_name(ctx.text, m.start(), m.end()):
                    continue  # "Conseil du patronat du Québec": a French name, not a rendering
                if glossed_french_term(ctx.text, m.start(), m.end()):
                    continue  # "orderlies, known in Quebec as préposés aux bénéficiaires"
                if defined_english_acronym(ctx.text, m.start(), m.end()):
                    continue  # "the Telephone Preference Service (TPS)": English initials
                if not (self.when.holds(ctx, m.start(), m.end()) and e.when.holds(ctx, m.start(), m.end())):
                    continue
                # A case-sensitive lexicon writes its replacements as they are meant
                # ("PME" -> "SMEs", not "SMES"); only a capital first letter carries over.
                caps = not self.params["case_sensitive"]
                subs = [match_case(m.group(), r, caps) for r in e.right]
                msg = (e.message or self.spec.message).replace("{match}", m.group())
                yield self.finding(m.start(), m.end(), subs, message=msg, fix=e.fix, confidence=e.confidence)
