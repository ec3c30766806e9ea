"""The one interface every checker implements, and the codes it declares.

A checker (the rule engine, Harper, LanguageTool, the embedding checker, the
language-model verifier) turns a text into findings and says up front which codes
it can emit, with their name, default severity, fix policy, message and examples.
Declaring codes is what lets `--enable`/`--disable`/severity overrides apply to
every finding in one place, lets `retrans rules` list and explain all of them, and
lets an unknown code be rejected instead of silently matching nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from retrans.core.finding import Finding, FixPolicy, Severity


@dataclass(frozen=True)
class Example:
    """A bad example (`text` with the flagged span, and its repair) or a good one."""

    text: str
    span: tuple[int, int] | None = None
    fixed: str | None = None


@dataclass(frozen=True)
class CodeInfo:
    """One code a checker can emit.

    `family` marks a code that stands for an open set (LanguageTool's rule ids:
    `LT/*`): any finding whose code starts with the prefix belongs to it.
    """

    code: str
    name: str
    checker: str
    message: str
    severity: Severity = Severity.WARNING
    fix: FixPolicy = FixPolicy.SUGGEST
    category: str = ""
    description: str = ""
    source: str = ""
    bad: tuple[Example, ...] = ()
    good: tuple[Example, ...] = ()
    family: bool = False
    aliases: tuple[str, ...] = field(default=())
    #: Off unless selected by name (`--extend-enable`, or `--enable` naming it):
    #: for codes whose false-alarm rate on edited text is too high for a default.
    default_on: bool = True

    @property
    def group(self) -> str:
        """The first part of the dotted name (`false_friend`, `harper`)."""
        return self.name.split(".")[0]

    def keys(self) -> frozenset[str]:
        """Every way a user may select this code: code, name, group, checker."""
        return frozenset({self.code, self.name, self.group, self.checker, *self.aliases})

    def owns(self, rule: str) -> bool:
        """Whether a finding's code is this code (or, for a family, one of it)."""
        if self.family:
            return rule.startswith(self.code.rstrip("*"))
        return rule == self.code


@runtime_checkable
class Checker(Protocol):
    """Turns a text into findings.

    `stage` orders checkers: stage 0 checkers see only the text; a later stage
    also sees the findings of the earlier ones (the embedding checker confirms
    the proposals that need its context gate, and skips spans already flagged).
    A checker returns its own findings only.
    """

    name: str
    stage: int

    def codes(self) -> Sequence[CodeInfo]:
        """The codes this checker can emit (cheap: no model is loaded)."""
        ...

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        """Findings for `text`; `prior` holds earlier stages' findings."""
        ...
