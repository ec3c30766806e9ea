"""The library face: check or fix a string, or files, without the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .engine import Checker, Pipeline, RuleEngine
from .finding import Finding
from .fixing import FixResult, fix_text_loop
from .loader import load_rules

DEFAULT_MIN_CONFIDENCE = 0.7


@dataclass(frozen=True)
class Options:
    """What to run; the CLI and configuration files fill this in."""

    rule_dirs: tuple[Path, ...] | None = None
    enable: frozenset[str] | None = None
    disable: frozenset[str] = field(default_factory=frozenset)
    min_confidence: float = DEFAULT_MIN_CONFIDENCE


def build_checker(options: Options | None = None) -> Checker:
    """The checker pipeline for these options (rules are loaded once here)."""
    o = options or Options()
    ruleset = load_rules(o.rule_dirs)
    engine = RuleEngine(ruleset, o.enable, o.disable)
    return Pipeline([engine])


def check_text(text: str, options: Options | None = None, checker: Checker | None = None) -> list[Finding]:
    """All findings for `text`, sorted by position."""
    return (checker or build_checker(options)).check(text)


def fix_text(text: str, options: Options | None = None, checker: Checker | None = None) -> FixResult:
    """Apply the safe fixes to a fixed point; returns the text and what changed."""
    o = options or Options()
    c = checker or build_checker(o)
    return fix_text_loop(text, c.check, o.min_confidence)


def files_under(paths: Iterable[Path]) -> list[tuple[Path, str | None]]:
    """Expand directories to their `*.txt` files; a path that does not exist
    comes back with an error message instead of being dropped."""
    out: list[tuple[Path, str | None]] = []
    for p in paths:
        if p.is_dir():
            out.extend((f, None) for f in sorted(p.rglob("*.txt")) if f.is_file())
        elif p.exists():
            out.append((p, None))
        else:
            out.append((p, "no such file or directory"))
    return out
