"""Shared fixtures: the project's rules, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests prove that nothing reaches for the network: any hub download attempt fails.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from retrans.detect.rules.loader import RuleSet, load_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rules([RULES])
