"""The rule base class, its common fields, and the closed registry of rule types.

A rule *type* is a Python class registered here; a rule *instance* is a YAML
mapping in `rules/` naming its type. Each type declares its own parameters, so a
misspelt or missing field is reported with the rule file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import regex

from retrans.core import regex_cache
from retrans.core.errors import ConfigError
from retrans.core.finding import ContextGate, Finding, FixPolicy, Severity
from retrans.core.yamlio import LineDict
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.lexicon import Lexicon
from retrans.detect.rules.prefilter import Gate, gate_for, known_pattern, remember_pattern, union

MARK = regex.compile(r"\[\[(.*?)\]\]", regex.S)
CODE = regex.compile(r"^[A-Z]{2,}[0-9]{2,4}$")
NAME = regex.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class BadExample:
    """An example the rule must flag: `text` with the span marked `[[...]]`."""

    marked: str
    fixed: str | None
    line: int

    @property
    def text(self) -> str:
        return str(MARK.sub(lambda m: m.group(1), self.marked))

    @property
    def span(self) -> tuple[int, int]:
        m = MARK.search(self.marked)
        assert m is not None
        return m.start(), m.start() + len(m.group(1))


@dataclass(frozen=True)
class Examples:
    bad: tuple[BadExample, ...] = ()
    good: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    """Fields every rule has, whatever its type."""

    code: str
    name: str
    type: str
    message: str
    severity: Severity
    category: str
    fix: FixPolicy
    confidence: float
    priority: int
    description: str
    examples: Examples
    path: str
    line: int


@dataclass(frozen=True)
class Param:
    """One type-specific field: `kind` is str, float, int, bool, list, dict or any."""

    kind: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


COMMON: dict[str, Param] = {
    "code": Param("str", required=True),
    "name": Param("str", required=True),
    "type": Param("str", required=True),
    "message": Param("str", required=True),
    "severity": Param("str", default="warning", choices=("error", "warning", "info")),
    "category": Param("str", required=True),
    "fix": Param("str", default="suggest", choices=("safe", "suggest")),
    "confidence": Param("float", default=0.8),
    "priority": Param("int", default=0),
    "description": Param("str", default=""),
    "examples": Param("dict", required=True),
}

_KINDS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
    "strlist": lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "any": lambda v: True,
}


def validate(raw: LineDict, params: dict[str, Param], path: Path) -> dict[str, Any]:
    """Check a mapping against a parameter table; return values with defaults."""
    out: dict[str, Any] = {}
    for key in raw:
        if key not in params:
            known = ", ".join(sorted(params))
            raise ConfigError(path, raw.key_line(key), f"unknown field {key!r} (known: {known})")
    for key, p in params.items():
        if key not in raw:
            if p.required:
                raise ConfigError(path, raw.line, f"missing required field {key!r}")
            out[key] = p.default
            continue
        value = raw[key]
        if not _KINDS[p.kind](value):
            raise ConfigError(path, raw.key_line(key), f"field {key!r} must be {p.kind}, not {value!r}")
        if p.choices and value not in p.choices:
            raise ConfigError(path, raw.key_line(key), f"field {key!r} must be one of {', '.join(p.choices)}")
        out[key] = value
    return out


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def parse_examples(raw: Any, path: Path, line: int) -> Examples:
    """`examples: {bad: [{text: "..[[span]]..", fixed: "..."}], good: ["..."]}`."""
    if not isinstance(raw, LineDict):
        raise ConfigError(path, line, "`examples` must be a mapping with `bad` and `good`")
    validate(raw, {"bad": Param("list", required=True), "good": Param("list", required=True)}, path)
    bad: list[BadExample] = []
    for item in raw["bad"]:
        item_line = item.line if isinstance(item, LineDict) else raw.key_line("bad")
        if isinstance(item, str):
            item = LineDict(text=item)
            item.line = item_line
        if not isinstance(item, LineDict):
            raise ConfigError(path, item_line, "a bad example is a string or {text, fixed}")
        vals = validate(item, {"text": Param("str", required=True), "fixed": Param("str")}, path)
        if len(MARK.findall(vals["text"])) != 1:
            raise ConfigError(path, item_line, "a bad example marks exactly one span with [[...]]")
        bad.append(BadExample(vals["text"], vals["fixed"], item_line))
    good = raw["good"]
    if not all(isinstance(g, str) for g in good):
        raise ConfigError(path, raw.key_line("good"), "good examples are strings")
    if not bad or not good:
        raise ConfigError(path, line, "a rule needs at least one bad and one good example")
    return Examples(tuple(bad), tuple(good))


@dataclass(frozen=True)
class Conditions:
    """Context a match must (or must not) have, in words around it or in the document.

    Lists may name word sets as `{{set}}`. A window counts words within the paragraph.
    """

    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    window: int = 8
    in_document: tuple[str, ...] = ()
    not_in_document: tuple[str, ...] = ()
    not_after: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    #: The match must come right after / right before one of these words.
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()

    PARAMS: ClassVar[dict[str, Param]] = {
        "near": Param("strlist"),
        "not_near": Param("strlist"),
        "window": Param("int", default=8),
        "in_document": Param("strlist"),
        "not_in_document": Param("strlist"),
        "not_after": Param("strlist"),
        "not_before": Param("strlist"),
        "after": Param("strlist"),
        "before": Param("strlist"),
    }

    @classmethod
    def parse(cls, raw: Any, lexicon: Lexicon, path: Path, line: int) -> Conditions:
        if raw is None:
            return cls()
        if not isinstance(raw, LineDict):
            raise ConfigError(path, line, "`when` must be a mapping")
        v = validate(raw, cls.PARAMS, path)
        where = (path, raw.line)

        def terms(key: str) -> tuple[str, ...]:
            return tuple(t.lower() for t in lexicon.terms(as_list(v[key]), where))

        return cls(
            terms("near"),
            terms("not_near"),
            int(v["window"]),
            terms("in_document"),
            terms("not_in_document"),
            terms("not_after"),
            terms("not_before"),
            terms("after"),
            terms("before"),
        )

    def holds(self, ctx: TextContext, start: int, end: int) -> bool:
        if self.in_document and not any(ctx.has_term(t) for t in self.in_document):
            return False
        if self.not_in_document and any(ctx.has_term(t) for t in self.not_in_document):
            return False
        if not (self.near or self.not_near or self.not_after or self.not_before or self.after or self.before):
            return True
        # A possessive ending ("next Sunday's vote") belongs to the matched word, so
        # the word list after the match never shows it: such terms read the text.
        if any(t[:1] in "'’" and ctx.text.startswith(t, end) for t in self.not_before):
            return False
        before, after = ctx.words_around(start, end, self.window)
        around = " ".join(before) + " | " + " ".join(after)
        if self.near and not any(ctx.has_term(t, around) for t in self.near):
            return False
        if self.not_near and any(ctx.has_term(t, around) for t in self.not_near):
            return False
        if self.not_after and before and any(_ends_with(before, t) for t in self.not_after):
            return False
        if self.not_before and after and any(_starts_with(after, t) for t in self.not_before):
            return False
        if self.after and not any(_ends_with(before, t) for t in self.after):
            return False
        return not (self.before and not any(_starts_with(after, t) for t in self.before))


def _ends_with(words: list[str], term: str) -> bool:
    parts = term.split()
    return words[-len(parts) :] == parts


def _starts_with(words: list[str], term: str) -> bool:
    parts = term.split()
    return words[: len(parts)] == parts


def match_case(original: str, replacement: str, caps: bool = True) -> str:
    """Carry the original's capitalisation over to the replacement (Harper does
    the same): ALL CAPS stays caps (unless `caps` is false: an acronym is then replaced
    by the name as written), a capital first letter stays capital."""
    if not replacement or not original:
        return replacement
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters) and original != original.lower():
        return replacement.upper() if caps else replacement
    first = next((c for c in original if c.isalpha()), "")
    i = next((k for k, c in enumerate(replacement) if c.isalpha()), None)
    if i is None or not first:
        return replacement
    if first.isupper() and replacement[i].islower():
        return replacement[:i] + replacement[i].upper() + replacement[i + 1 :]
    return replacement


class Rule:
    """A rule instance: common spec plus validated type-specific parameters."""

    type_name: ClassVar[str] = ""
    PARAMS: ClassVar[dict[str, Param]] = {}
    #: Whether the rule needs the spaCy parse (so it can be skipped cheaply).
    uses_nlp: ClassVar[bool] = False

    def __init__(self, spec: RuleSpec, params: dict[str, Any], raw: LineDict, lexicon: Lexicon) -> None:
        self.spec = spec
        self.params = params
        self.lexicon = lexicon
        #: Examples of single lexicon entries, (label, examples): tested like the rule's own.
        self.entry_examples: list[tuple[str, Examples]] = []
        self.setup(raw)

    def all_examples(self) -> list[tuple[str, Examples]]:
        """The rule's own examples and those of each of its entries."""
        return [("", self.spec.examples), *self.entry_examples]

    def setup(self, raw: LineDict) -> None:
        """Compile patterns and word lists; raise `ConfigError` on bad values."""

    def check(self, ctx: TextContext) -> Iterator[Finding]:
        raise NotImplementedError

    def literals(self) -> Gate | None:
        """The words without which this rule cannot find anything in a text (any
        of them must occur), for the engine's prefilter; None (the default, for
        any type that does not declare them) means the rule always runs."""
        return None

    @cached_property
    def gate(self) -> Gate | None:
        return self.literals()

    @staticmethod
    def literals_of(regexes: list[CompiledRegex]) -> Gate | None:
        """The gate of several regexes, each of which may match on its own."""
        return union([rx.gate for rx in regexes]) if regexes else None

    def items(
        self, raw: LineDict, key: str, schema: dict[str, Param], what: str
    ) -> Iterator[tuple[LineDict, dict[str, Any]]]:
        """Each mapping of the list field `key`, validated against `schema`
        (`what` says what a mapping must hold, for the error)."""
        for item in self.params[key]:
            if not isinstance(item, LineDict):
                raise self.error(f"each item of `{key}` is a mapping with {what}", raw.key_line(key))
            yield item, validate(item, schema, self.where[0])

    @cached_property
    def where(self) -> tuple[Path, int]:
        # Cached: setup asks for it once per entry, and thousands of Path objects
        # were a quarter of building the rules at a cold start.
        return Path(self.spec.path), self.spec.line

    def error(self, message: str, line: int | None = None) -> ConfigError:
        return ConfigError(self.spec.path, line or self.spec.line, message)

    def finding(
        self,
        start: int,
        end: int,
        suggestions: list[str] | tuple[str, ...] = (),
        *,
        message: str | None = None,
        confidence: float | None = None,
        fix: FixPolicy | None = None,
        details: tuple[tuple[str, str], ...] = (),
        gate: ContextGate | None = None,
    ) -> Finding:
        s = self.spec
        return Finding(
            rule=s.code,
            name=s.name,
            start=start,
            end=end,
            message=message or s.message,
            severity=s.severity,
            category=s.category,
            suggestions=tuple(dict.fromkeys(suggestions)),
            confidence=s.confidence if confidence is None else confidence,
            fix=s.fix if fix is None else fix,
            priority=s.priority,
            details=details,
            gate=gate,
        )


REGISTRY: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule type to the registry under `cls.type_name`."""
    if cls.type_name in REGISTRY:
        raise RuntimeError(f"rule type {cls.type_name!r} registered twice")
    REGISTRY[cls.type_name] = cls
    return cls


class CompiledRegex:
    """A compiled user regex with a time limit, so a catastrophic pattern cannot hang.

    A pattern already compiled in an earlier run (see `prefilter.known_pattern`)
    is compiled again only when first used: most are never needed for a given
    text, since their literal gate stays closed, and a cold start cannot afford
    compiling hundreds of patterns.
    """

    def __init__(
        self,
        pattern: regex.Pattern[str] | None,
        source: str = "",
        flags: int = 0,
        shape: tuple[int, dict[str, int]] | None = None,
    ) -> None:
        self._pattern = pattern
        self.source = source
        self.flags = flags
        self._shape = shape

    @property
    def pattern(self) -> regex.Pattern[str]:
        if self._pattern is None:
            self._pattern = regex_cache.compile(self.source, self.flags)
        return self._pattern

    @property
    def groups(self) -> int:
        return self._shape[0] if self._shape is not None else self.pattern.groups

    @property
    def groupindex(self) -> dict[str, int]:
        return self._shape[1] if self._shape is not None else dict(self.pattern.groupindex)

    @cached_property
    def gate(self) -> Gate | None:
        """The words a match cannot do without (None: always run the regex)."""
        return gate_for(self.source) if self.source else None

    def may_match(self, ctx: TextContext) -> bool:
        """False when the text lacks every word a match needs (the literal prefilter)."""
        gate = self.gate
        return gate is None or gate.open(ctx.vocabulary)

    def finditer(self, text: str) -> Iterator[regex.Match[str]]:
        # The limit grows with the text so large files still finish; a pattern that
        # backtracks exponentially exceeds it on a short line.
        limit = 2.0 + len(text) / 200_000
        return iter(self.pattern.finditer(text, timeout=limit))

    def scan(self, ctx: TextContext) -> Iterator[regex.Match[str]]:
        """The matches of `finditer(ctx.text)`; on a large text, searched only in the
        regions around the blocks holding a word of the gate (`TextContext.regions`)."""
        gate = self.gate
        if gate is None or not ctx.regional:
            yield from self.finditer(ctx.text)
            return
        text = ctx.text
        limit = 2.0 + len(text) / 200_000
        pattern = self.pattern
        for start, end in ctx.regions(gate):
            yield from pattern.finditer(text, start, end, timeout=limit)


def compile_regex(source: str, flags: int, where: tuple[Path, int]) -> CompiledRegex:
    flags |= regex.V0
    shape = known_pattern(source, flags)
    if shape is not None:
        return CompiledRegex(None, source, flags, shape)
    try:
        compiled = regex_cache.compile(source, flags)
    except regex.error as exc:
        raise ConfigError(where[0], where[1], f"invalid regex {source!r}: {exc}") from None
    remember_pattern(source, flags, compiled.groups, dict(compiled.groupindex))
    return CompiledRegex(compiled, source, flags)
