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


def stderr_on_a_terminal(cmd: list[str], timeout: float = 180) -> tuple[int, str]:
    """Run `cmd` with its stderr on a pseudo-terminal (as a user's shell gives it,
    colours and width 100) and return its exit code and everything it wrote there:
    how the tests see a progress bar, which is drawn only on a terminal."""
    import pty
    import select
    import subprocess

    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="100", TERM="xterm")
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=timeout)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")
