"""`zipf_frequency`, remembered between runs.

Loading wordfreq's English list costs half a second, more than a cold start can
spend; the rules ask it about a few hundred words while loading (verb forms) and
about the unusual words of each text. Answers are kept in a small JSON file next
to the other caches, and wordfreq is imported only for a word not seen before.
"""

from __future__ import annotations

import json
from pathlib import Path

from retrans.core.cache import write_cache_file
from retrans.detect.rules.prefilter import cache_dir

#: Past this many words the file stops growing (a huge text must not make every start slower).
MAX_SAVED = 50_000
_MEMO: dict[str, float] | None = None
_DIRTY = False


def cache_path() -> Path | None:
    base = cache_dir()
    return None if base is None else base / "zipf-v1.json"


def _memo() -> dict[str, float]:
    global _MEMO
    if _MEMO is None:
        _MEMO = {}
        path = cache_path()
        try:
            if path is not None and path.exists():
                _MEMO = {str(k): float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            _MEMO = {}
    return _MEMO


def zipf_frequency(word: str, lang: str = "en") -> float:
    """wordfreq's `zipf_frequency(word, lang)`."""
    global _DIRTY
    memo = _memo()
    key = f"{lang}:{word}"
    value = memo.get(key)
    if value is None:
        from wordfreq import zipf_frequency as lookup

        value = memo[key] = float(lookup(word, lang))
        _DIRTY = True
    return value


def save() -> None:
    global _DIRTY
    path = cache_path()
    if not _DIRTY or path is None or _MEMO is None or len(_MEMO) > MAX_SAVED:
        return
    if write_cache_file(path, json.dumps(_MEMO).encode("utf-8")):
        _DIRTY = False
