"""Loading rule instances from `rules/*.yaml` into rule-type objects.

Every problem names `file:line`: unknown type, missing or misspelt field, bad
regex, duplicate code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrans.core.errors import ConfigError
from retrans.core.finding import FixPolicy, Severity
from retrans.core.yamlio import LineDict, load_yaml
from retrans.detect.rules.lexicon import Lexicon, load_lexicon
from retrans.detect.rules.types import REGISTRY, Rule, RuleSpec
from retrans.detect.rules.types.base import CODE, COMMON, NAME, parse_examples, validate


def default_rule_dirs() -> list[Path]:
    """The project's `rules/` (source checkout) or the copy packaged with retrans."""
    env = os.environ.get("RETRANS_RULES")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    here = Path(__file__).resolve().parents[2]  # the retrans package
    for candidate in (here.parents[1] / "rules", here / "_rules"):
        if candidate.is_dir():
            return [candidate]
    raise ConfigError(here, None, "no rules folder found (set RETRANS_RULES)")


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    lexicon: Lexicon

    def by_code(self) -> dict[str, Rule]:
        return {r.spec.code: r for r in self.rules}


def load_rules(folders: Iterable[Path] | None = None) -> RuleSet:
    dirs = list(folders) if folders is not None else default_rule_dirs()
    lexicon = load_lexicon(dirs)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for folder in dirs:
        if not folder.is_dir():
            raise ConfigError(folder, None, "rules folder does not exist")
        for path in sorted(folder.glob("*.yaml")):
            for rule in load_rule_file(path, lexicon):
                for key in (rule.spec.code, rule.spec.name):
                    if key in seen:
                        raise ConfigError(path, rule.spec.line, f"{key} is already defined at {seen[key]}")
                    seen[key] = f"{path}:{rule.spec.line}"
                rules.append(rule)
    return RuleSet(tuple(rules), lexicon)


def load_rule_file(path: Path, lexicon: Lexicon) -> list[Rule]:
    doc = load_yaml(path)
    if doc is None:
        return []
    items = doc.get("rules") if isinstance(doc, LineDict) else doc
    if not isinstance(items, list):
        raise ConfigError(path, 1, "a rule file is a list of rules (or a mapping with `rules:`)")
    return [build_rule(item, path, lexicon) for item in items]


def build_rule(raw: object, path: Path, lexicon: Lexicon) -> Rule:
    if not isinstance(raw, LineDict):
        raise ConfigError(path, None, "each rule is a mapping")
    type_name = raw.get("type")
    if type_name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(path, raw.key_line("type"), f"unknown rule type {type_name!r} (known: {known})")
    cls = REGISTRY[type_name]
    all_params = {**COMMON, **cls.PARAMS}
    values = validate(raw, all_params, path)
    if not CODE.match(values["code"]):
        raise ConfigError(path, raw.key_line("code"), f"rule code {values['code']!r} must look like RT101")
    if not NAME.match(values["name"]):
        raise ConfigError(path, raw.key_line("name"), f"rule name {values['name']!r} must be dotted: group.rule")
    if not 0.0 <= float(values["confidence"]) <= 1.0:
        raise ConfigError(path, raw.key_line("confidence"), "confidence must be between 0 and 1")
    spec = RuleSpec(
        code=values["code"],
        name=values["name"],
        type=type_name,
        message=values["message"],
        severity=Severity(values["severity"]),
        category=values["category"],
        fix=FixPolicy(values["fix"]),
        confidence=float(values["confidence"]),
        priority=int(values["priority"]),
        description=values["description"],
        examples=parse_examples(values["examples"], path, raw.key_line("examples")),
        path=str(path),
        line=raw.line,
    )
    params = {k: v for k, v in values.items() if k in cls.PARAMS}
    return cls(spec, params, raw, lexicon)
