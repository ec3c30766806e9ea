"""Compiled patterns kept between runs.

The `regex` module parses and compiles a pattern in pure Python (about 2 ms a
pattern on this machine, a second for the few hundred patterns a news article
wakes), then hands plain data (the pattern's opcodes as a list of integers, its
group names, its required string) to its C engine, `_regex.compile`. That data
depends only on the pattern, its flags and the `regex` version, so it is kept in
the rule cache folder (`marshal`, one file per `regex` and Python version) and a
later run builds the same pattern object straight from it, skipping the parser.

Only patterns without named lists and without the LOCALE flag are kept (their
compiled form does not depend on anything else). Any problem reading the file is
a miss; the cache only costs or saves time (`RETRANS_RULE_CACHE=off` turns it off).
"""

from __future__ import annotations

import atexit
import marshal
import sys
import threading
from pathlib import Path
from typing import Any

import regex
import regex._main as _main  # type: ignore[import-untyped]

from .cache import rule_cache_root, write_cache_file

_VERSION = 1
#: Built-in rules compile ~1,000 patterns; user rule folders add theirs.
_MAX_ENTRIES = 20_000
_LOCK = threading.Lock()
_LOCAL = threading.local()
_KNOWN: dict[tuple[str, int], tuple[Any, ...]] | None = None
_NEW: dict[tuple[str, int], tuple[Any, ...]] = {}
_REAL = _main._regex


class _Recorder:
    """Stands in for `_regex` inside `regex._main` while a pattern compiles, to
    keep the arguments of the C compile call (per thread)."""

    def compile(self, *args: Any) -> Any:
        _LOCAL.args = args
        return _REAL.compile(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(_REAL, name)


_RECORDER = _Recorder()


def cache_path() -> Path | None:
    base = rule_cache_root()
    if base is None:
        return None
    py = f"{sys.implementation.name}{sys.version_info[0]}{sys.version_info[1]}"
    return base / f"regex-code-v{_VERSION}-regex{regex.__version__}-{py}.marshal"


def _known() -> dict[tuple[str, int], tuple[Any, ...]]:
    global _KNOWN
    if _KNOWN is None:
        known: dict[tuple[str, int], tuple[Any, ...]] = {}
        path = cache_path()
        try:
            if path is not None and path.exists():
                data = marshal.loads(path.read_bytes())
                if isinstance(data, dict):
                    known = data
        except (OSError, ValueError, EOFError, TypeError):
            known = {}
        _KNOWN = known
        if path is not None:
            atexit.register(save)
    return _KNOWN


_CASE_CLASS = regex.compile(r"\[(\\p\{L[ul]\})\]|(\\p\{L[ul]\})|\\.|\[(?:\\.|[^\]\\])*\]", regex.V0)


def keep_case_classes(source: str, flags: int) -> str:
    """`source` with its upper- and lower-case letter classes (`\\p{Lu}`, `\\p{Ll}`,
    alone or as `[\\p{Lu}]`) made case-sensitive when `flags` ignore case.

    Rules are case-insensitive by default, and under IGNORECASE `\\p{Lu}` matches
    every letter: "the minister \\p{Lu}" would then take "the minister said" for
    "the minister Guilbault". A class inside a larger set is left as written."""
    if not flags & regex.IGNORECASE or "\\p{L" not in source:
        return source

    def scoped(m: regex.Match[str]) -> str:
        cls = m.group(1) or m.group(2)
        return f"(?-i:{cls})" if cls else m.group()

    return str(_CASE_CLASS.sub(scoped, source))


def compile(source: str, flags: int = 0) -> regex.Pattern[str]:
    """`regex.compile(source, flags)`, from the cache when this pattern compiled
    in an earlier run. Raises `regex.error` as `regex.compile` does. Letter-case
    classes stay case-sensitive under IGNORECASE (`keep_case_classes`)."""
    source = keep_case_classes(source, flags)
    if flags & regex.LOCALE or rule_cache_root() is None:
        return regex.compile(source, flags)
    key = (source, int(flags))
    args = _known().get(key) or _NEW.get(key)
    if args is not None:
        try:
            return _REAL.compile(*args)
        except Exception:  # a damaged entry is a miss
            _known().pop(key, None)
    with _LOCK:
        _LOCAL.args = None
        _main._regex = _RECORDER
        try:
            compiled = regex.compile(source, flags, cache_pattern=False)
        finally:
            _main._regex = _REAL
        args = _LOCAL.args
    if (
        isinstance(args, tuple)
        and args
        and args[0] == source
        and not args[5]  # named lists
        and not compiled.flags & regex.LOCALE
    ):
        plain = _plain(args)
        if plain is not None:
            _NEW[key] = plain
    return compiled


def _plain_value(x: Any) -> Any:
    """Flags (an `int` enum) as plain `int`, inside lists, tuples and dicts too."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain_value(v) for v in x)
    if isinstance(x, dict):
        return {_plain_value(k): _plain_value(v) for k, v in x.items()}
    return x


def _plain(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The compile call's arguments as plain values `marshal` can write (flags
    are an enum), or None when something is not plain data."""
    try:
        plain = tuple(_plain_value(x) for x in args)
        marshal.dumps(plain)
    except (ValueError, TypeError, IndexError):
        return None
    return plain


def save() -> None:
    """Add the patterns compiled in this run to the cache file (an unwritable
    folder only costs speed)."""
    global _NEW
    path = cache_path()
    if not _NEW or path is None or _KNOWN is None:
        return
    merged = dict(_KNOWN)
    try:  # another process may have added patterns since this one read the file
        if path.exists():
            data = marshal.loads(path.read_bytes())
            if isinstance(data, dict):
                merged.update(data)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    merged.update(_NEW)
    if len(merged) > _MAX_ENTRIES:  # patterns built from texts would grow it without end
        merged = dict(_NEW)
    try:
        blob = marshal.dumps(merged)
    except ValueError:
        return
    if write_cache_file(path, blob):
        _KNOWN.update(_NEW)
        _NEW = {}
