"""LanguageTool through language-tool-python, where a LanguageTool install or
server exists: no registry here ships LanguageTool, so availability is decided
before language-tool-python can try to download it, with one clear message."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.checker import CodeInfo
from ...core.finding import Finding, FixPolicy, Severity
from .harper import GrammarUnavailable


def match_to_finding(match: Any) -> Finding:
    """A language-tool-python `Match` as a finding (offsets already in code points)."""
    issue = str(getattr(match, "rule_issue_type", "") or "")
    severity = Severity.WARNING if issue in ("grammar", "misspelling", "typographical") else Severity.INFO
    return Finding(
        rule=f"LT/{match.rule_id}",
        name=f"languagetool.{str(match.rule_id).lower()}",
        start=int(match.offset),
        end=int(match.offset) + int(match.error_length),
        message=str(match.message),
        severity=severity,
        category=f"fluency/{issue or 'grammar'}",
        suggestions=tuple(dict.fromkeys(str(r) for r in match.replacements[:5])),
        confidence=0.6,
        fix=FixPolicy.SUGGEST,
        priority=-1,
    )


#: LanguageTool categories whose matches on news text are mostly noise.
LT_SKIP_CATEGORIES = frozenset({"TYPOS", "STYLE", "REDUNDANCY", "TYPOGRAPHY", "CASING"})

NO_LANGUAGETOOL = (
    "LanguageTool is not available: set LTP_JAR_DIR_PATH to a folder holding a LanguageTool "
    "installation (Java 17 runs it), or pass --languagetool-url URL of a LanguageTool server "
    "(or set languagetool-url in the configuration)"
)


def _probe(url: str, timeout: float = 3.0) -> None:
    """Fail fast, with the one clear message, when a server does not answer."""
    probe = url.rstrip("/") + "/v2/languages"
    try:
        with urllib.request.urlopen(probe, timeout=timeout) as resp:
            resp.read(1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GrammarUnavailable(f"{NO_LANGUAGETOOL} ({url} did not answer: {exc})") from None


LANGUAGETOOL = CodeInfo(
    code="LT/*",
    name="languagetool.rules",
    checker="languagetool",
    message="LanguageTool's rules (LT/<rule id>), where a LanguageTool install or server exists.",
    severity=Severity.WARNING,
    category="fluency/grammar",
    source="language-tool-python",
    family=True,
)


@dataclass
class LanguageToolChecker:
    """LanguageTool through language-tool-python: a server URL or a local install.

    language-tool-python downloads LanguageTool when it finds none; that cannot
    work offline, so availability is decided here first and never left to it.
    """

    name = "languagetool"
    stage = 0
    url: str | None = None
    skip_categories: frozenset[str] = LT_SKIP_CATEGORIES
    _tool: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.url:
            _probe(self.url)
            return
        jar_dir = os.environ.get("LTP_JAR_DIR_PATH")
        if not jar_dir or not any(Path(jar_dir).glob("languagetool*.jar")):
            raise GrammarUnavailable(NO_LANGUAGETOOL)

    @property
    def tool(self) -> Any:
        if self._tool is None:
            import language_tool_python

            try:
                if self.url:
                    self._tool = language_tool_python.LanguageTool("en-CA", remote_server=self.url)
                else:
                    self._tool = language_tool_python.LanguageTool("en-CA")
            except Exception as exc:
                raise GrammarUnavailable(f"{NO_LANGUAGETOOL} ({exc})") from None
        return self._tool

    def codes(self) -> Sequence[CodeInfo]:
        return (LANGUAGETOOL,)

    def check(self, text: str, prior: Sequence[Finding] = ()) -> list[Finding]:
        return self.from_matches(self.tool.check(text))

    def from_matches(self, matches: Iterable[Any]) -> list[Finding]:
        return [match_to_finding(m) for m in matches if getattr(m, "category", "") not in self.skip_categories]


