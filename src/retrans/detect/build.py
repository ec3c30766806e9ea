"""Building the checkers a run asks for, once per process.

Every checker's codes are known before any text is checked, so an unknown code in
the user's selection fails here, with exit 2, before any file is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrans.detect.embeddings.checker import OUTLIER, EmbeddingChecker
from retrans.detect.embeddings.model import (
    ONNX_UNAVAILABLE,
    UNAVAILABLE,
    EmbeddingModel,
    EmbeddingsUnavailable,
    default_backend,
    installed_backends,
)
from retrans.detect.grammar import build_grammar
from retrans.detect.grammar.harper import harper_codes
from retrans.detect.grammar.languagetool import LANGUAGETOOL
from retrans.detect.lm.checker import LM_CODES, LMChecker

from ..core.checker import Checker, CodeInfo
from ..core.finding import Finding
from ..core.options import Options
from ..core.selection import INTERNAL
from ..repair.guard import GrammarGuard
from .pipeline import UNCHECKED, Pipeline
from .rules.engine import RuleEngine
from .rules.loader import RuleSet, load_rules
from .rules.types.sense import SenseRule


@dataclass
class Tooling:
    """The checkers built for a run: everything together, and grammar on its own
    (the fix loop's regression guard re-checks fixed paragraphs with it)."""

    pipeline: Pipeline
    grammar: Checker | None = None

    def guard(self) -> GrammarGuard | None:
        return GrammarGuard(self.grammar) if self.grammar is not None else None

    def confirm(self, text: str, findings: Sequence[Finding]) -> list[Finding]:
        """`findings` with the rule repairs the language model confirms made fixable
        (LMChecker.confirm_repairs); unchanged without the model. For the paths that
        repair: `check` does not pay for it."""
        lm = next((c for c in self.pipeline.checkers if isinstance(c, LMChecker)), None)
        return lm.confirm_repairs(text, findings) if lm is not None else list(findings)

    def check_to_fix(self, text: str) -> list[Finding]:
        """The findings a fix pass applies: the pipeline's, with confirmed repairs."""
        return self.confirm(text, self.pipeline.check(text))


def all_codes(ruleset: RuleSet) -> list[CodeInfo]:
    """Every code any checker can emit, whether or not it is on in this run (so
    `--disable HARPER/Typo --grammar none` is not an error)."""
    engine = RuleEngine(ruleset)
    return [INTERNAL, UNCHECKED, *engine.codes(), *harper_codes(), LANGUAGETOOL, OUTLIER, *LM_CODES]


def build_tooling(options: Options | None = None) -> Tooling:
    """Load rules and start the selected checkers once for a whole run."""
    o = options or Options()
    ruleset = load_rules(o.rule_dirs)
    selection = o.selection
    selection.validate(all_codes(ruleset))
    checkers: list[Checker] = [RuleEngine(ruleset, selection)]
    grammar = build_grammar(o.grammar, o.languagetool_url, o.harper_kinds)
    if grammar is not None:
        checkers.append(grammar)
    if o.lm or (o.lm is None and lm_installed()):
        checkers.append(LMChecker())
    embedding = build_embedding_checker(
        o.embeddings, ruleset, outliers=selection.wants(OUTLIER), backend=o.embedding_backend
    )
    if embedding is not None:
        checkers.append(embedding)
    return Tooling(Pipeline(checkers, selection), grammar)


def lm_installed() -> bool:
    """Whether the language model's package is installed (read without importing it)."""
    from .lm.model import model_installed

    return model_installed()


def embeddings_installed(backend: str | None = None) -> bool:
    """Whether `backend` (None: either backend) is installed (read without importing it)."""
    found = installed_backends()
    return bool(found) if backend is None else backend in found


def build_embedding_checker(
    wanted: bool | None, ruleset: RuleSet, outliers: bool = True, backend: str | None = None
) -> EmbeddingChecker | None:
    """The embedding checker, if wanted (or, by default, if installed), on `backend`
    (None: `default_backend()`, onnx when installed). The model itself loads only
    when the first text is checked."""
    chosen = backend or default_backend()
    if wanted is False or (wanted is None and not embeddings_installed(chosen)):
        return None
    if wanted and not embeddings_installed(chosen):
        raise EmbeddingsUnavailable(ONNX_UNAVAILABLE if chosen == "onnx" else UNAVAILABLE)
    return EmbeddingChecker(sense=sense_lexicon(ruleset), outliers=outliers, model=EmbeddingModel(backend=chosen))


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
