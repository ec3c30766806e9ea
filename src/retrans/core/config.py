"""Project configuration: `retrans.toml`, or `[tool.retrans]` in `pyproject.toml`.

Looked up from the working folder upwards (the first file that has retrans
settings wins) unless `--config FILE` names one. Command-line flags override it.
Every key is checked; an unknown key or a bad value names the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrans.core.errors import ConfigError

LEVELS = ("error", "warning", "info")


@dataclass(frozen=True)
class Config:
    """Settings from a configuration file (defaults when there is none)."""

    path: Path | None = None
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    extend_enable: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    rules: tuple[Path, ...] = ()
    fail_on: str | None = None
    min_confidence: float | None = None
    grammar: str | None = None
    languagetool_url: str | None = None
    harper_kinds: tuple[str, ...] = ()
    include: tuple[str, ...] = ("*.txt",)
    baseline: Path | None = None
    embeddings: bool | None = None
    embedding_backend: str | None = None


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, None, f"key {key!r} must be a list of strings")
    return tuple(value)


def _choice(path: Path, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(path, None, f"key {key!r} must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def parse_config(path: Path, table: dict[str, Any]) -> Config:
    """Validate one settings table (already read from TOML)."""
    base = path.parent
    values: dict[str, Any] = {"path": path}
    for key, value in table.items():
        if key in ("enable", "disable", "extend-enable", "harper-kinds", "include"):
            values[key.replace("-", "_")] = _strings(path, key, value)
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(path, None, "key 'severity' must be a table of rule = level")
            for rule, level in value.items():
                _choice(path, f"severity.{rule}", level, LEVELS)
            values["severity"] = dict(value)
        elif key == "rules":
            values["rules"] = tuple((base / p).resolve() for p in _strings(path, key, value))
        elif key == "fail-on":
            values["fail_on"] = _choice(path, key, value, LEVELS)
        elif key == "min-confidence":
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ConfigError(path, None, f"key 'min-confidence' must be a number from 0 to 1, not {value!r}")
            values["min_confidence"] = float(value)
        elif key == "grammar":
            values["grammar"] = _choice(path, key, value, ("harper", "languagetool", "none"))
        elif key == "languagetool-url":
            if not isinstance(value, str) or not value.startswith(("http://", "https://")):
                raise ConfigError(path, None, f"key 'languagetool-url' must be an http(s) URL, not {value!r}")
            values["languagetool_url"] = value
        elif key == "embeddings":
            if not isinstance(value, bool):
                raise ConfigError(path, None, f"key 'embeddings' must be true or false, not {value!r}")
            values["embeddings"] = value
        elif key == "embedding-backend":
            values["embedding_backend"] = _choice(path, key, value, ("onnx", "sentence-transformers"))
        elif key == "baseline":
            if not isinstance(value, str):
                raise ConfigError(path, None, "key 'baseline' must be a file path")
            values["baseline"] = (base / value).resolve()
        else:
            known = (
                "baseline, disable, embedding-backend, embeddings, enable, extend-enable, fail-on, grammar, "
                "harper-kinds, include, languagetool-url, min-confidence, rules, severity"
            )
            raise ConfigError(path, None, f"unknown key {key!r} (known: {known})")
    return Config(**values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"invalid TOML: {exc}") from None


def load_config(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The configuration in force: `explicit`, else the nearest file with settings."""
    if explicit is not None:
        data = _read_toml(explicit)
        table = data.get("tool", {}).get("retrans", data) if explicit.name == "pyproject.toml" else data
        return parse_config(explicit, table)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "retrans.toml"
        if own.is_file():
            return parse_config(own, _read_toml(own))
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _read_toml(project).get("tool", {}).get("retrans")
            if table is not None:
                return parse_config(project, table)
    return Config()
