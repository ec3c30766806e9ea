"""The pre-commit hooks for real: a temporary git repository installs retrans's
hooks from this repository with the `pre-commit` package, then commits texts.

pre-commit builds the hook environment from this repository's committed HEAD, so
the test exercises what is committed (as CI does on a clean clone).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

BAD_FIXABLE = "Shortly after Trump’s re -election, the Prime Minister of Alberta spoke.\n"
BAD_UNFIXABLE = "The talks covered trade, trade, security and energy.\n"
CLEAN = "The premier of Alberta spoke to reporters on Monday.\n"


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    if head.returncode != 0:
        pytest.skip("not a git checkout: pre-commit installs hooks from a git revision")
    tmp = tmp_path_factory.mktemp("precommit")
    repo = tmp / "articles"
    repo.mkdir()
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp / "cache"),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@x",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@x",
        NO_COLOR="1",
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    git(repo, "init", "-q", env=env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {head.stdout.strip()}\n  hooks:\n"
        "  - id: retrans-fix\n    files: ^seeds/\n    args: [--grammar, none]\n"
        "  - id: retrans-check\n    files: ^seeds/\n    args: [--grammar, none]\n",
        encoding="utf-8",
    )
    pc = shutil.which("pre-commit", path=env["PATH"])
    assert pc, "pre-commit is a dev dependency"
    res = subprocess.run([pc, "install"], cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    res = subprocess.run(
        [pc, "install-hooks"], cwd=repo, capture_output=True, text=True, env=env, check=False, timeout=1500
    )
    assert res.returncode == 0, res.stdout + res.stderr
    git(repo, "add", ".pre-commit-config.yaml", env=env)
    assert git(repo, "commit", "-qm", "config", env=env).returncode == 0
    return repo, env


def commit(repo: Path, env: dict[str, str], name: str, text: str) -> subprocess.CompletedProcess[str]:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git(repo, "add", name, env=env)
    return git(repo, "commit", "-m", f"add {name}", env=env)


def test_clean_text_passes(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    res = commit(r, env, "seeds/clean.txt", CLEAN)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "retrans fix" in res.stdout + res.stderr and "Passed" in res.stdout + res.stderr


def test_fixable_text_is_fixed_then_passes(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    res = commit(r, env, "seeds/fixable.txt", BAD_FIXABLE)
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "Fixing seeds/fixable.txt" in out
    fixed = (r / "seeds/fixable.txt").read_text(encoding="utf-8")
    assert fixed == "Shortly after Trump’s re-election, the Premier of Alberta spoke.\n"
    git(r, "add", "seeds/fixable.txt", env=env)
    again = git(r, "commit", "-m", "fixed", env=env)
    assert again.returncode == 0, again.stdout + again.stderr


def test_unfixable_text_is_blocked(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    res = commit(r, env, "seeds/blocked.txt", BAD_UNFIXABLE)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "seeds/blocked.txt:1:" in out and "RT112" in out
    assert (r / "seeds/blocked.txt").read_text(encoding="utf-8") == BAD_UNFIXABLE
    assert "blocked.txt" not in git(r, "log", "--stat", "-1", env=env).stdout


def test_files_outside_seeds_are_not_checked(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    git(r, "reset", "-q", env=env)
    res = commit(r, env, "notes/draft.txt", BAD_UNFIXABLE)
    assert res.returncode == 0, res.stdout + res.stderr
