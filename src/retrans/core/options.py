"""What a run does: the CLI and configuration files fill this in, the library
takes it as is. Validated here so a wrong value fails loudly, not inside a worker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .selection import Selection

DEFAULT_MIN_CONFIDENCE = 0.7
GRAMMARS = ("harper", "languagetool", "none")
#: The embedding model's runtimes (detect/embeddings/model.py BACKENDS).
EMBEDDING_BACKENDS = ("onnx", "sentence-transformers")


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
    #: "onnx" or "sentence-transformers"; None: RETRANS_EMBEDDING_BACKEND, else onnx when installed.
    embedding_backend: str | None = None
    #: None: on when the language model is installed; True: required; False: off.
    lm: bool | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.min_confidence, (int, float)) or isinstance(self.min_confidence, bool):
            raise TypeError(f"min_confidence must be a number, not {type(self.min_confidence).__name__}")
        if self.grammar not in GRAMMARS:
            raise ValueError(f"grammar must be one of {', '.join(GRAMMARS)}, not {self.grammar!r}")
        if self.embedding_backend is not None and self.embedding_backend not in EMBEDDING_BACKENDS:
            raise ValueError(
                f"embedding_backend must be one of {', '.join(EMBEDDING_BACKENDS)}, not {self.embedding_backend!r}"
            )
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be between 0 and 1, not {self.min_confidence!r}")
        for name in ("enable", "disable", "extend_enable"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                raise TypeError(f"{name} must be a frozenset of codes, not {type(value).__name__}")
        _check_types(self)

    @property
    def selection(self) -> Selection:
        return Selection(self.enable, self.disable, dict(self.severity), self.extend_enable)


def _check_types(o: Options) -> None:
    """The library's callers get a TypeError for a wrong type, not a failure later."""
    if o.rule_dirs is not None and (
        not isinstance(o.rule_dirs, tuple) or not all(isinstance(p, Path) for p in o.rule_dirs)
    ):
        raise TypeError(f"rule_dirs must be a tuple of Path, not {o.rule_dirs!r}")
    if not isinstance(o.severity, Mapping):
        raise TypeError(f"severity must be a mapping of code to level, not {type(o.severity).__name__}")
    if o.harper_kinds is not None and not isinstance(o.harper_kinds, frozenset):
        raise TypeError(f"harper_kinds must be a frozenset, not {type(o.harper_kinds).__name__}")
    if o.languagetool_url is not None and not isinstance(o.languagetool_url, str):
        raise TypeError(f"languagetool_url must be a str, not {type(o.languagetool_url).__name__}")
    for name in ("embeddings", "lm"):
        value = getattr(o, name, None)
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{name} must be True, False or None, not {value!r}")
