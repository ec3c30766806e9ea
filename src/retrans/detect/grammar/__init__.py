"""Grammar checkers: Harper in process (default) or LanguageTool."""

from __future__ import annotations

from ...core.checker import Checker
from .harper import DEFAULT_HARPER_KINDS, GrammarUnavailable, HarperChecker
from .languagetool import LanguageToolChecker

__all__ = ["DEFAULT_HARPER_KINDS", "GrammarUnavailable", "HarperChecker", "LanguageToolChecker", "build_grammar"]


def build_grammar(backend: str, url: str | None = None, kinds: frozenset[str] | None = None) -> Checker | None:
    """The grammar checker for a backend name: harper, languagetool or none."""
    if backend == "none":
        return None
    if backend == "harper":
        return HarperChecker(kinds or DEFAULT_HARPER_KINDS)
    if backend == "languagetool":
        return LanguageToolChecker(url)
    raise GrammarUnavailable(f"unknown grammar backend {backend!r} (harper, languagetool, none)")


