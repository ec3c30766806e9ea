"""What a run does: the CLI and configuration files fill this in, the library
takes it as is. Validated here so a wrong value fails loudly, not inside a worker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .selection import Selection

DEFAULT_MIN_CONFIDENCE = 0.7
GRAMMARS = ("harper", "languagetool", "none")


@dataclass(frozen=True)
class Options:
    """Rules, checkers and selection for a run."""

    rule_dirs: tuple[Path, ...] | None = None
    enable: frozenset[str] | None = None
    disable: frozenset[str] = field(default_factory=frozenset)
    severity: Mapping[str, str] = field(default_factory=dict)
    #: Codes that are off by default turned on (RT901), on top of the rest.
    extend_enable: frozenset[str] = field(default_factory=frozenset)
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    grammar: str = "harper"
    languagetool_url: str | None = None
    harper_kinds: frozenset[str] | None = None
    #: None: on when the `embeddings` extra is installed; True: required; False: off.
    embeddings: bool | None = None
    #: None: on when the language model is installed; True: required; False: off.
    lm: bool | None = None

    def __post_init__(self) -> None:
        if self.grammar not in GRAMMARS:
            raise ValueError(f"grammar must be one of {', '.join(GRAMMARS)}, not {self.grammar!r}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be between 0 and 1, not {self.min_confidence!r}")
        for name in ("enable", "disable", "extend_enable"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                raise TypeError(f"{name} must be a frozenset of codes, not {type(value).__name__}")

    @property
    def selection(self) -> Selection:
        return Selection(self.enable, self.disable, dict(self.severity), self.extend_enable)
