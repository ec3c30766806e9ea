"""retrans: find and repair the artifacts machine translation leaves in English text."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import Options, check_text, fix_text
from .finding import Finding, FixPolicy, Severity
from .fixing import FixResult

__all__ = [
    "Finding",
    "FixPolicy",
    "FixResult",
    "Options",
    "Severity",
    "__version__",
    "check_text",
    "fix_text",
]
