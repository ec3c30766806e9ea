"""Exceptions users can act on: each names where the problem is."""

from __future__ import annotations

from pathlib import Path


class RetransError(Exception):
    """Base class for errors reported to the user as one line, exit code 2."""


class ConfigError(RetransError):
    """A rule file or configuration file is wrong; names `file:line`."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.detail = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class InputError(RetransError):
    """An input file cannot be read or decoded; names the file."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{path}: {message}")


class UsageError(RetransError):
    """A command-line or configuration value names something that does not exist
    (an unknown code in --enable/--disable/severity)."""
