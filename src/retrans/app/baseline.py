"""Baselines: findings an editor has accepted, so later runs report only new ones.

A fingerprint is the rule, the flagged text and the words right around it: it
survives edits elsewhere in the file (line numbers are not part of it) and changes
when the flagged passage itself changes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import regex

from retrans.core.document import write_atomic
from retrans.core.errors import ConfigError
from retrans.core.finding import Finding

_WORD = regex.compile(r"\w+")
VERSION = 1


def fingerprint(text: str, f: Finding, context: int = 3) -> str:
    before = _WORD.findall(text[max(0, f.start - 80) : f.start])[-context:]
    after = _WORD.findall(text[f.end : f.end + 80])[:context]
    key = "\x1f".join([f.rule, text[f.start : f.end], " ".join(before).lower(), " ".join(after).lower()])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def new_findings(text: str, findings: list[Finding], accepted: Counter[str]) -> list[Finding]:
    """Findings whose fingerprint is not among `accepted` (each accepted entry
    absorbs one finding, so a passage that now occurs twice reports once)."""
    budget = Counter(accepted)
    out = []
    for f in findings:
        fp = fingerprint(text, f)
        if budget[fp] > 0:
            budget[fp] -= 1
        else:
            out.append(f)
    return out


class Baseline:
    """Fingerprints per file name, with counts (the same passage may occur twice)."""

    def __init__(self, entries: dict[str, Counter[str]] | None = None) -> None:
        self.entries: dict[str, Counter[str]] = entries or {}

    def add(self, path: str, text: str, findings: Iterable[Finding]) -> None:
        self.entries.setdefault(path, Counter()).update(fingerprint(text, f) for f in findings)

    def filter(self, path: str, text: str, findings: list[Finding]) -> list[Finding]:
        """Findings of `path` not in the baseline."""
        return new_findings(text, findings, self.entries.get(path, Counter()))

    def save(self, path: Path) -> None:
        data = {"version": VERSION, "files": {k: dict(sorted(v.items())) for k, v in sorted(self.entries.items())}}
        write_atomic(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(path, None, "baseline file does not exist") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(path, None, f"not a retrans baseline: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("files"), dict):
            raise ConfigError(path, None, f"not a retrans baseline (version {VERSION})")
        return cls({k: Counter({fp: int(n) for fp, n in v.items()}) for k, v in data["files"].items()})
