"""Running rules over a text: every rule sees the same context; a rule that
crashes becomes one finding and the others keep running (sqlfluff does this)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .context import TextContext
from .errors import RetransError
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


class Stage(Protocol):
    """Post-processing of all findings of a text (the embedding checker)."""

    def process(self, text: str, findings: list[Finding]) -> list[Finding]: ...


@dataclass
class Pipeline(Checker):
    """Several checkers whose findings are merged, post-processed and deduplicated.

    Without a stage, findings that need the context gate are dropped: they are
    only reported when embeddings confirm them.
    """

    checkers: Sequence[Checker]
    stage: Stage | None = None

    def check(self, text: str) -> list[Finding]:
        out: list[Finding] = []
        for c in self.checkers:
            out.extend(_isolated(type(c).__name__, lambda c=c: c.check(text), []))  # type: ignore[misc]
        if self.stage is not None:
            stage = self.stage
            ungated = [f for f in out if not f.needs_context_gate]
            out = _isolated(type(stage).__name__, lambda: stage.process(text, out), ungated)
        else:
            out = [f for f in out if not f.needs_context_gate]
        return dedupe(out)


def _isolated(name: str, run: Callable[[], list[Finding]], fallback: list[Finding]) -> list[Finding]:
    """A checker that crashes becomes one finding; the others' findings stand.
    Errors users must act on (an unavailable backend) still stop the run."""
    try:
        return run()
    except RetransError:
        raise
    except Exception as exc:
        return [
            *fallback,
            Finding(
                rule="RT000",
                name="internal.checker_error",
                start=0,
                end=0,
                message=f"unexpected exception in {name}: {exc!r}",
                severity=Severity.WARNING,
                category="internal",
                fix=FixPolicy.SUGGEST,
                confidence=1.0,
            ),
        ]
