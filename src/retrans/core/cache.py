"""The one folder where retrans keeps what it can rebuild: parsed rule files,
regex gates, embeddings, the language model's converted weights.

Every cache is an optimisation only: a missing, unreadable or read-only folder
makes retrans slower, never wrong."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def cache_root() -> Path:
    """`RETRANS_CACHE_DIR`, else `$XDG_CACHE_HOME/retrans`, else ~/.cache/retrans."""
    base = os.environ.get("RETRANS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "retrans"
    )
    return Path(base)


def rule_cache_root() -> Path | None:
    """The cache folder for rule data, or None when `RETRANS_RULE_CACHE=off`."""
    if os.environ.get("RETRANS_RULE_CACHE") == "off":
        return None
    return cache_root()


def write_cache_file(path: Path, data: bytes) -> bool:
    """Write one cache file atomically (a temporary file, then a rename), so a reader
    never sees half of it. Any failure (read-only home, full disk) only returns
    False: the cache costs speed when it is missing, never correctness."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
