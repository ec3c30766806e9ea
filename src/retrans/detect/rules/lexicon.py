"""Gazetteer data shared by rules: named word sets and people.

Sets come from `rules/data/*.yaml` (`sets: {name: [words...]}`, `people: [...]`)
and are referenced from rule patterns as `{{name}}`, so one list of provinces or
premiers serves every rule that needs it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from retrans.core.errors import ConfigError
from retrans.core.yamlio import LineDict, load_yaml

SET_REF = regex.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Person:
    """A public figure: full name, role, gender (`f`/`m`/``), province code."""

    name: str
    role: str
    gender: str = ""
    province: str = ""

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass
class Lexicon:
    """Named sets of terms plus the people list, loaded from data files."""

    sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    people: tuple[Person, ...] = ()
    _alternations: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, name: str) -> tuple[str, ...]:
        return self.sets.get(name, ())

    def alternation(self, name: str) -> str:
        """A non-capturing regex alternation of a set, longest first."""
        if name not in self._alternations:
            terms = sorted(set(self.get(name)), key=lambda t: (-len(t), t))
            parts = [r"\s+".join(regex.escape(w) for w in t.split()) for t in terms]
            self._alternations[name] = "(?:" + "|".join(parts) + ")" if parts else "(?!)"
        return self._alternations[name]

    def expand(self, pattern: str, where: tuple[Path | str, int | None]) -> str:
        """Replace each `{{set}}` in a regex by the set's alternation."""

        def sub(m: regex.Match[str]) -> str:
            name = m.group(1)
            if name not in self.sets:
                raise ConfigError(where[0], where[1], f"unknown word set {{{{{name}}}}}")
            return self.alternation(name)

        return str(SET_REF.sub(sub, pattern))

    def terms(self, items: Iterable[str], where: tuple[Path | str, int | None]) -> list[str]:
        """A word list where an item `{{set}}` stands for all the set's terms."""
        out: list[str] = []
        for item in items:
            m = SET_REF.fullmatch(item.strip())
            if m:
                if m.group(1) not in self.sets:
                    raise ConfigError(where[0], where[1], f"unknown word set {item}")
                out.extend(self.sets[m.group(1)])
            else:
                out.append(item)
        return out


def unaccent(text: str) -> str:
    """The text without diacritics ("François" -> "Francois")."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _strings(value: Any, path: Path, line: int | None, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, line, f"{what} must be a list of strings")
    return tuple(value)


def load_lexicon(folders: Iterable[Path]) -> Lexicon:
    """Merge every `data/*.yaml` below the given rule folders into one lexicon."""
    sets: dict[str, list[str]] = {}
    people: list[Person] = []
    for folder in folders:
        for path in sorted((folder / "data").glob("*.yaml")):
            doc = load_yaml(path)
            if not isinstance(doc, LineDict):
                raise ConfigError(path, 1, "a data file is a mapping with `sets` and/or `people`")
            for key in doc:
                if key not in ("sets", "people"):
                    raise ConfigError(path, doc.key_line(key), f"unknown key {key!r} (sets, people)")
            raw_sets = doc.get("sets", LineDict())
            if not isinstance(raw_sets, LineDict):
                raise ConfigError(path, doc.key_line("sets"), "`sets` must be a mapping")
            for name, items in raw_sets.items():
                sets.setdefault(name, []).extend(_strings(items, path, raw_sets.key_line(name), name))
            for entry in doc.get("people", []) or []:
                if not isinstance(entry, LineDict) or "name" not in entry or "role" not in entry:
                    line = entry.line if isinstance(entry, LineDict) else doc.key_line("people")
                    raise ConfigError(path, line, "a person needs `name` and `role`")
                unknown = set(entry) - {"name", "role", "gender", "province"}
                if unknown:
                    key = sorted(unknown)[0]
                    raise ConfigError(path, entry.key_line(key), f"unknown person field {key!r}")
                people.append(
                    Person(
                        str(entry["name"]),
                        str(entry["role"]),
                        str(entry.get("gender", "")),
                        str(entry.get("province", "")),
                    )
                )
    # Derived sets, so rules can name people by role without repeating them.
    # Names also appear without their accents ("Francois Legault"), so each set
    # holds both spellings.
    by_role: dict[str, list[str]] = {}
    for p in people:
        by_role.setdefault(p.role, []).extend(dict.fromkeys((p.name, unaccent(p.name))))
        by_role.setdefault(p.role + "_surname", []).extend(dict.fromkeys((p.surname, unaccent(p.surname))))
    for role, names in by_role.items():
        sets.setdefault(role, []).extend(names)
    return Lexicon({k: tuple(dict.fromkeys(v)) for k, v in sets.items()}, tuple(people))
