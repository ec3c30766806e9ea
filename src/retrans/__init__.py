"""retrans: find and repair the artifacts machine translation leaves in English text.

The package reads as the pipeline: `core` (findings, documents, options),
`detect` (rules, grammar, embeddings), `repair` (overlaps, the fix loop),
`report` (writers, review pages, terminal diff) and `app` (CLI, runner, library).

The public names are imported when first used (`retrans.check_text`), so that
`import retrans.app.cli` stays cheap for the command's warm-server client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from retrans.app.api import check_text, fix_text
    from retrans.core.finding import Finding, FixPolicy, Severity
    from retrans.core.options import Options
    from retrans.repair.fixing import FixResult

_PUBLIC = {
    "check_text": "retrans.app.api",
    "fix_text": "retrans.app.api",
    "Finding": "retrans.core.finding",
    "FixPolicy": "retrans.core.finding",
    "Severity": "retrans.core.finding",
    "Options": "retrans.core.options",
    "FixResult": "retrans.repair.fixing",
}

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


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'retrans' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
