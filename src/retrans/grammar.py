"""Grammar checkers mapped into findings: Harper in process (default) or LanguageTool.

Harper's raw output on news text is mostly noise (names reported as misspellings,
"long sentence" notes, Oxford commas), so lints are kept by kind; the defaults
come from what helped on the annotated seed and are configurable.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from .engine import Checker
from .errors import RetransError
from .finding import Finding, FixPolicy, Severity

#: Harper lint kinds kept by default: grammar proper. Spelling (names),
#: Readability (long sentences), Style (Oxford comma), Capitalization (Macdonald)
#: and WordChoice (to/too) were all false alarms on the annotated seed, and
#: Agreement called "an expansion" a mass-noun error in clean news text.
DEFAULT_HARPER_KINDS = frozenset(
    {
        "BoundaryError",
        "Eggcorn",
        "Formatting",
        "Grammar",
        "Malapropism",
        "Miscellaneous",
        "Punctuation",
        "Repetition",
        "Typo",
    }
)
_ARTICLES = frozenset({"a", "an"})
#: Harper lints skipped by message prefix (lower case), each a false alarm on
#: clean news text (tests/data/clean_news*.txt, tests/test_grammar.py): the en dash
#: contradicts news style (Canadian Press writes "won 4-2", "voted 17-8"), the
#: missing-preposition guess fires on "The province will present its plan.", and
#: "some" before a number is how news says "about" ("Some 40,000 jobs were lost").
HARPER_SKIP_MESSAGES = (
    "use an en dash",
    "you may be missing a preposition",
    "the word 'some' should not be used before a number",
)


#: Closed compounds of Canadian news style (Canadian Press) that Harper's Typo
#: lint would split ("byelection" -> "by election").
NEWS_COMPOUNDS = frozenset({"byelection", "byelections"})


_HYPHEN_AFTER = regex.compile(r" ?- ?\p{L}")
_HYPHEN_BEFORE = regex.compile(r"\p{L} ?- ?$")


def _cuts_hyphenated_word(text: str, start: int, end: int) -> bool:
    """Whether a span ends or starts inside a hyphenated word ("the re|-election",
    also with the stray space of a translation: "the re| -election")."""
    cut_end = end > 0 and text[end - 1].isalpha() and _HYPHEN_AFTER.match(text, end) is not None
    cut_start = (
        start < len(text)
        and text[start].isalpha()
        and _HYPHEN_BEFORE.search(text[max(0, start - 3) : start]) is not None
    )
    return cut_end or cut_start


def _is_article_fix(problem: str, subs: list[str]) -> bool:
    """Harper's a/an lint: the one Harper fix `fix` applies unattended."""
    return problem.lower() in _ARTICLES and bool(subs) and subs[0].lower() in _ARTICLES


_CATEGORY = {
    "Agreement": "fluency/grammar",
    "Grammar": "fluency/grammar",
    "Miscellaneous": "fluency/grammar",
    "Punctuation": "fluency/punctuation",
    "Formatting": "fluency/punctuation",
    "Repetition": "fluency/duplication",
    "Typo": "fluency/spelling",
    "Spelling": "fluency/spelling",
}


class GrammarUnavailable(RetransError):
    """The requested grammar backend cannot run here (says how to make it run)."""


@dataclass
class HarperChecker(Checker):
    """Harper (harper-py), one linter per process, reused for every text."""

    kinds: frozenset[str] = DEFAULT_HARPER_KINDS
    #: Paragraphs are linted in pieces of about this many code points: Harper's time
    #: grows faster than linearly with the length of one text.
    chunk: int = 20_000
    _linter: Any = field(default=None, repr=False)

    @property
    def linter(self) -> Any:
        if self._linter is None:
            import harper

            self._linter = harper.Linter(harper.Dialect.CANADIAN)
        return self._linter

    def lints(self, text: str) -> list[Any]:
        """Kept lints; dedup off so a long lint cannot hide the short ones inside it."""
        return [
            lint
            for lint in self.linter.lint(text, language="plaintext", dedup=False)
            if lint.lint_kind in self.kinds
            and not lint.message.lower().startswith(HARPER_SKIP_MESSAGES)
            and lint.problem_text.lower() not in NEWS_COMPOUNDS
        ]

    def check(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        for offset, piece in _chunks(text, self.chunk):
            findings.extend(f.shifted(offset) for f in self._check_piece(piece))
        return findings

    def _check_piece(self, text: str) -> list[Finding]:
        findings = []
        for lint in self.lints(text):
            kind = lint.lint_kind
            subs = []
            start, end = lint.span.start, lint.span.end
            if _cuts_hyphenated_word(text, start, end):
                continue  # Harper splits "re-election": "the re" is not "there"
            for s in lint.suggestions:
                how = int(s.kind)
                if how == 1:  # remove
                    subs.append("")
                elif how == 2:  # insert after
                    subs.append(text[start:end] + s.replacement_text)
                else:
                    subs.append(s.replacement_text)
            safe = _is_article_fix(lint.problem_text, subs)
            findings.append(
                Finding(
                    rule=f"HARPER/{kind}",
                    name=f"harper.{_snake(kind)}",
                    start=start,
                    end=end,
                    message=lint.message,
                    severity=Severity.WARNING,
                    category=_CATEGORY.get(kind, "fluency/grammar"),
                    suggestions=tuple(dict.fromkeys(subs)),
                    confidence=0.8 if safe else 0.6,
                    fix=FixPolicy.SAFE if safe else FixPolicy.SUGGEST,
                    priority=-1,
                )
            )
        return findings


def _chunks(text: str, size: int) -> Iterable[tuple[int, str]]:
    """Consecutive pieces of `text`, cut after a newline once `size` is reached."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end + 1
        yield start, text[start:end]
        start = end


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


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


@dataclass
class LanguageToolChecker(Checker):
    """LanguageTool through language-tool-python: a server URL or a local install.

    language-tool-python downloads LanguageTool when it finds none; that cannot
    work offline, so availability is decided here first and never left to it.
    """

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

    def check(self, text: str) -> list[Finding]:
        return self.from_matches(self.tool.check(text))

    def from_matches(self, matches: Iterable[Any]) -> list[Finding]:
        return [match_to_finding(m) for m in matches if getattr(m, "category", "") not in self.skip_categories]


def build_grammar(backend: str, url: str | None = None, kinds: frozenset[str] | None = None) -> Checker | None:
    """The grammar checker for a backend name: harper, languagetool or none."""
    if backend == "none":
        return None
    if backend == "harper":
        return HarperChecker(kinds or DEFAULT_HARPER_KINDS)
    if backend == "languagetool":
        return LanguageToolChecker(url)
    raise GrammarUnavailable(f"unknown grammar backend {backend!r} (harper, languagetool, none)")


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, start) + 1
    e = text.find("\n", end)
    return s, len(text) if e < 0 else e


def signature(checker: Checker, text: str) -> Counter[tuple[str, str]]:
    """What a grammar checker objects to in `text`, position-free, for before/after comparison."""
    return Counter((f.rule, text[f.start : f.end]) for f in checker.check(text))


@dataclass
class GrammarGuard:
    """Vetoes a fix after which the grammar checker objects to the fixed paragraph
    where it did not before (the fix introduced a grammar error)."""

    grammar: Checker
    reverted: list[tuple[Finding, str]] = field(default_factory=list)
    _seen: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict, repr=False)

    def _signature(self, text: str) -> Counter[tuple[str, str]]:
        if text not in self._seen:
            self._seen[text] = signature(self.grammar, text)
        return self._seen[text]

    def __call__(self, text: str, f: Finding) -> bool:
        ps, pe = paragraph(text, f.start, f.end)
        before = text[ps:pe]
        after = text[ps : f.start] + f.suggestions[0] + text[f.end : pe]
        new = self._signature(after) - self._signature(before)
        if new:
            self.reverted.append((f, ", ".join(sorted(rule for rule, _ in new))))
            return False
        return True
