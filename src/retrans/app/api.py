"""The library face: check or fix a string without the CLI.

    from retrans import check_text, fix_text, Options
"""

from __future__ import annotations

from retrans.core.finding import Finding
from retrans.core.options import DEFAULT_MIN_CONFIDENCE, Options
from retrans.detect.build import Tooling, build_tooling
from retrans.repair.fixing import FixResult

from .process import process

__all__ = ["DEFAULT_MIN_CONFIDENCE", "Options", "Tooling", "build_tooling", "check_text", "fix_text"]


def _text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__} (decode bytes first)")
    return text


def _args(options: object, tooling: object) -> None:
    if options is not None and not isinstance(options, Options):
        raise TypeError(f"options must be an Options, not {type(options).__name__}")
    if tooling is not None and not isinstance(tooling, Tooling):
        raise TypeError(f"tooling must be a Tooling (build_tooling()), not {type(tooling).__name__}")


def check_text(text: str, options: Options | None = None, tooling: Tooling | None = None) -> list[Finding]:
    """All findings for `text`, sorted by position."""
    _text(text)
    _args(options, tooling)
    t = tooling or build_tooling(options)
    return list(process(_text(text), t).findings)


def fix_text(text: str, options: Options | None = None, tooling: Tooling | None = None) -> FixResult:
    """Apply the safe fixes to a fixed point; a fix that introduces a grammar error
    is reverted (listed in `FixResult.reverted`)."""
    _text(text)
    _args(options, tooling)
    o = options or Options()
    t = tooling or build_tooling(o)
    result = process(_text(text), t, fix=True, min_confidence=o.min_confidence).fix
    assert result is not None
    return result
