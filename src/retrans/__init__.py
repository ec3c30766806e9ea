"""retrans: find and repair the artifacts machine translation leaves in English text.

The package reads as the pipeline: `core` (findings, documents, options),
`detect` (rules, grammar, embeddings), `repair` (overlaps, the fix loop),
`report` (writers, review pages, terminal diff) and `app` (CLI, runner, library).
"""

from __future__ import annotations

__version__ = "0.1.0"

from retrans.app.api import check_text, fix_text
from retrans.core.finding import Finding, FixPolicy, Severity
from retrans.core.options import Options
from retrans.repair.fixing import FixResult

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
