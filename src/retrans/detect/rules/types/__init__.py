"""The closed set of rule types. Importing this package registers every type."""

from . import names, pattern, pronoun, quotes, repetition, residue, sense, sequence, spacing, untranslated  # noqa: F401
from .base import REGISTRY, Rule, RuleSpec

__all__ = ["REGISTRY", "Rule", "RuleSpec"]
