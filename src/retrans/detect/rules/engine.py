"""The rule engine: every YAML rule over the same text context.

A rule that crashes becomes one finding and the others keep running (sqlfluff
does this).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from retrans.detect.rules import frequency, prefilter
from retrans.detect.rules.context import TextContext
from retrans.detect.rules.loader import RuleSet

from ...core.checker import CodeInfo, Example
from ...core.finding import Finding, FixPolicy, Severity
from ...core.selection import Selection
from .types import Rule


def code_info(rule: Rule) -> CodeInfo:
    """What `retrans rules` shows of a rule, with the examples of its entries."""
    s = rule.spec
    bad: list[Example] = []
    good: list[Example] = []
    for _, examples in rule.all_examples():
        bad.extend(Example(b.text, b.span, b.fixed) for b in examples.bad)
        good.extend(Example(g) for g in examples.good)
    return CodeInfo(
        code=s.code,
        name=s.name,
        checker="rules",
        message=s.message,
        severity=s.severity,
        fix=s.fix,
        category=s.category,
        description=s.description,
        source=f"{s.path}:{s.line}",
        bad=tuple(bad),
        good=tuple(good),
        aliases=(f"type:{s.type}",),
    )


@dataclass
class RuleEngine:
    """The rule engine over the rules a selection wants."""

    ruleset: RuleSet
    selection: Selection = field(default_factory=Selection)
    name = "rules"
    stage = 0
    _gates_saved: bool = field(default=False, repr=False)

    def codes(self) -> Sequence[CodeInfo]:
        return [code_info(r) for r in self.ruleset.rules]

    @cached_property
    def rules(self) -> list[Rule]:
        return [r for r in self.ruleset.rules if self.selection.wants(code_info(r))]

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        ctx = TextContext(text, self.ruleset.lexicon)
        found = run_rules(self.rules, ctx)
        if not self._gates_saved:
            self._gates_saved = True
            prefilter.save_cache()
            frequency.save()
        return found


def run_rules(rules: Iterable[Rule], ctx: TextContext) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        gate = rule.gate
        if gate is not None and not gate.open(ctx.vocabulary):
            continue  # none of the words the rule needs occurs in the text
        try:
            findings.extend(rule.check(ctx))
        except TimeoutError:
            findings.append(internal(f"rule {rule.spec.code} timed out (pattern too slow); skipped", rule.spec.code))
        except Exception as exc:
            findings.append(internal(f"unexpected exception in rule {rule.spec.code}: {exc!r}", rule.spec.code))
    return findings


def internal(message: str, source: str = "") -> Finding:
    """The finding that stands for a rule or checker that failed (RT000)."""
    return Finding(
        rule="RT000",
        name="internal.error",
        start=0,
        end=0,
        message=message,
        severity=Severity.WARNING,
        category="internal",
        fix=FixPolicy.SUGGEST,
        confidence=1.0,
        details=(("source", source),) if source else (),
    )
