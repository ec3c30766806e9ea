"""Running rules over a text: every rule sees the same context; a rule that
crashes becomes one finding and the others keep running (sqlfluff does this)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .context import TextContext
from .finding import Finding, FixPolicy, Severity
from .loader import RuleSet
from .overlaps import dedupe
from .ruletypes import Rule


class Checker:
    """Anything that turns a text into findings (rules, grammar, embeddings)."""

    def check(self, text: str) -> list[Finding]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class RuleEngine(Checker):
    """The rule engine over a selection of rules."""

    ruleset: RuleSet
    enabled: frozenset[str] | None = None
    disabled: frozenset[str] = field(default_factory=frozenset)

    @property
    def rules(self) -> list[Rule]:
        out = []
        for r in self.ruleset.rules:
            keys = {r.spec.code, r.spec.name, r.spec.name.split(".")[0]}
            if self.enabled is not None and not keys & self.enabled:
                continue
            if keys & self.disabled:
                continue
            out.append(r)
        return out

    def check(self, text: str) -> list[Finding]:
        ctx = TextContext(text, self.ruleset.lexicon)
        return run_rules(self.rules, ctx)


def run_rules(rules: Iterable[Rule], ctx: TextContext) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule.check(ctx))
        except TimeoutError:
            findings.append(_internal(rule, f"rule {rule.spec.code} timed out (pattern too slow); skipped"))
        except Exception as exc:
            findings.append(_internal(rule, f"unexpected exception in rule {rule.spec.code}: {exc!r}"))
    return findings


def _internal(rule: Rule, message: str) -> Finding:
    return Finding(
        rule="RT000",
        name="internal.rule_error",
        start=0,
        end=0,
        message=message,
        severity=Severity.WARNING,
        category="internal",
        fix=FixPolicy.SUGGEST,
        confidence=1.0,
        details=(("rule", rule.spec.code),),
    )


@dataclass
class Pipeline(Checker):
    """Several checkers whose findings are merged and deduplicated."""

    checkers: Sequence[Checker]

    def check(self, text: str) -> list[Finding]:
        out: list[Finding] = []
        for c in self.checkers:
            out.extend(c.check(text))
        return dedupe(out)
