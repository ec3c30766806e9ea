"""The language-model verifier: candidate repairs from data, checked in context by
a small offline causal LM (SmolLM2-135M-Instruct). See checker.py for the design."""

from .checker import LMChecker
from .model import LMUnavailable, model_installed

__all__ = ["LMChecker", "LMUnavailable", "model_installed"]
