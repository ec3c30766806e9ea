"""Safe YAML loading that remembers line numbers, so errors can name `file:line`."""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

from retrans.core.cache import rule_cache_root, write_cache_file
from retrans.core.errors import ConfigError

#: Bump when what `load_yaml` returns changes shape (the cache key includes it).
_PARSE_VERSION = 1


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def key_line(self, key: str) -> int:
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


# libyaml's parser when PyYAML has it (several times faster: rule files are read
# on every start), else the pure-Python one; the constructors are the same.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[misc]
    """PyYAML's safe loader (no object construction) plus line bookkeeping."""


def _construct_mapping(loader: _LineLoader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise ConfigError(str(node.start_mark.name), key_node.start_mark.line + 1, "keys must be strings")
        if key in out:
            raise ConfigError(str(node.start_mark.name), key_node.start_mark.line + 1, f"duplicate key {key!r}")
        out[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key_node, ScalarNode):
            out.key_lines[key] = key_node.start_mark.line + 1
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse one YAML file safely; syntax errors become `ConfigError` with a line.

    Rule files are parsed on every start and PyYAML's constructors are pure Python
    (about a second for the built-in rules), so a parsed file is kept in the rule
    cache under the hash of its bytes: an edited file is simply a new key."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read: {exc}") from None
    cached = _cache_file(raw)
    if cached is not None:
        try:
            with cached.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # a damaged or foreign cache entry is only a miss
            pass
    data = _parse(path, text)
    if cached is not None:
        _store(cached, data)
    return data


def _parse(path: Path, text: str) -> Any:
    try:
        stream = io.StringIO(text)
        stream.name = str(path)  # how libyaml learns the file name for marks
        loader = _LineLoader(stream)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(path, line, f"invalid YAML: {exc.problem}") from None


def _cache_file(raw: bytes) -> Path | None:
    """Where the parse of these bytes is kept (None: caching is off). The key
    covers the bytes, the loader's shape and PyYAML's version; a file's path is
    not part of it because the parse holds no path."""
    root = rule_cache_root()
    if root is None:
        return None
    digest = hashlib.sha256(raw).hexdigest()[:40]
    return root / f"yaml-v{_PARSE_VERSION}-{yaml.__version__}" / f"{digest}.pickle"


def _store(target: Path, data: Any) -> None:
    """Keep a parse; data that cannot be pickled is simply not kept."""
    try:
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # the cache is an optimisation only
        return
    write_cache_file(target, payload)
