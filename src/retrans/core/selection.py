"""Which codes run and at what severity: one place for every checker's codes.

`--enable`, `--disable` and `[tool.retrans.severity]` name codes (RT201,
HARPER/Typo), dotted names (title.prime_minister_of_province), groups (title,
harper) or checkers (rules, harper, embeddings, lm). Every key must name something
some checker declares: a typo ("RT20l") is an error, never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from retrans.core.errors import UsageError
from retrans.core.finding import Finding, Severity

from .checker import CodeInfo

#: Findings about the run itself (a rule that crashed): never filtered out.
INTERNAL = CodeInfo(
    code="RT000",
    name="internal.error",
    checker="internal",
    message="A rule or checker failed on this text; the others' findings stand.",
    severity=Severity.WARNING,
    category="internal",
)


@dataclass(frozen=True)
class Selection:
    """Enable (None: every code that is on by default), extra codes turned on,
    disable and severity overrides, by key."""

    enable: frozenset[str] | None = None
    disable: frozenset[str] = frozenset()
    severity: Mapping[str, str] = field(default_factory=dict)
    extend: frozenset[str] = frozenset()

    def keys(self) -> Iterable[tuple[str, str]]:
        """(where it came from, key) for every key the user gave."""
        yield from (("--enable", k) for k in sorted(self.enable or ()))
        yield from (("--extend-enable", k) for k in sorted(self.extend))
        yield from (("--disable", k) for k in sorted(self.disable))
        yield from (("severity", k) for k in sorted(self.severity))

    def validate(self, codes: Sequence[CodeInfo]) -> None:
        """Raise `UsageError` naming every key no declared code answers to."""
        known: set[str] = set()
        for info in codes:
            known |= info.keys()
        families = [c for c in codes if c.family]
        unknown = [
            f"{where} {key}"
            for where, key in self.keys()
            if key not in known and not any(f.owns(key) for f in families)
        ]
        if unknown:
            raise UsageError(
                f"unknown code {', '.join(repr(u) for u in unknown)} (see `retrans rules` for the codes there are)"
            )

    def wants(self, info: CodeInfo) -> bool:
        keys = info.keys()
        if info.code == INTERNAL.code:
            return True
        if keys & self.disable:
            return False
        if keys & self.extend:
            return True
        if self.enable is not None:
            return bool(keys & self.enable)
        return info.default_on

    def level(self, info: CodeInfo, rule: str) -> str | None:
        """The severity override for a finding of this code, most specific first."""
        for key in (rule, info.code, info.name, info.group, info.checker):
            if key in self.severity:
                return self.severity[key]
        return None

    def apply(self, findings: Iterable[Finding], codes: Sequence[CodeInfo]) -> list[Finding]:
        """Drop findings of unwanted codes and apply severity overrides."""
        exact = {c.code: c for c in codes if not c.family}
        families = [c for c in codes if c.family]
        out = []
        for f in findings:
            info = exact.get(f.rule) or next((c for c in families if c.owns(f.rule)), None)
            if info is None:
                info = INTERNAL if f.rule == INTERNAL.code else CodeInfo(f.rule, f.name, "", f.message)
            if f.rule != INTERNAL.code and not self.wants(info):
                continue
            level = self.level(info, f.rule)
            out.append(replace(f, severity=Severity(level)) if level else f)
        return out
