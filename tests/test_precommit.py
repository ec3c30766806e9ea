"""The pre-commit hooks for real: a temporary git repository installs retrans's
hooks from this repository with the `pre-commit` package, then commits texts.

pre-commit builds the hook environment from this repository's committed HEAD, so
the test exercises what is committed (as CI does on a clean clone). The
configuration is the one docs/pre-commit.md tells users to paste, and the article
test follows that page's steps from "commit blocked" to "commit passes".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = ROOT / "docs" / "pre-commit.md"

#: A short article written the way French->English machine translation renders
#: Canadian news (written for this test): fixable artifacts on four lines, and a
#: repeated word in a list (RT112, an error retrans can only suggest) on line 3.
ARTICLE = (
    "Ottawa and Mexico City want to deepen their commercial relationship\n"
    "The Prime Minister of Alberta, Danielle Smith, argues that Canada will not give up her relationship with "
    "Washington to please Mexico.\n"
    "Shortly after the re -election of the American president, the two countries promised a new dialogue on "
    "trade, trade, security and energy.\n"
    "Mexican officials are impatient to discuss the extensions of the two ports, says the minister in a written "
    "declaration.\n"
    "The first Ontario, Doug Ford, says the provinces will work together to defend their workers.\n"
)


def documented_config(repo: str, rev: str) -> str:
    """The `.pre-commit-config.yaml` of docs/pre-commit.md, for this repository at `rev`."""
    block = re.search(r"```yaml\n(repos:.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert block, "docs/pre-commit.md shows the configuration to paste"
    config = re.sub(r"- repo: \S+.*", f"- repo: {repo}", block.group(1))
    return re.sub(r"rev: \S+", f"rev: {rev}", config)


def documented_ignore() -> str:
    """The ignore comment docs/pre-commit.md puts before a line (step 3)."""
    m = re.search(r"^\s*(<!-- retrans: ignore RT112 -->)\n", DOCS.read_text(encoding="utf-8"), re.M)
    assert m, "docs/pre-commit.md shows an ignore comment for RT112"
    return m.group(1)


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
    (repo / ".pre-commit-config.yaml").write_text(documented_config(str(ROOT), head.stdout.strip()), encoding="utf-8")
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
    res = commit(r, env, "articles/clean.txt", CLEAN)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "retrans fix" in res.stdout + res.stderr and "Passed" in res.stdout + res.stderr


def test_fixable_text_is_fixed_then_passes(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    res = commit(r, env, "articles/fixable.txt", BAD_FIXABLE)
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "Fixing articles/fixable.txt" in out
    fixed = (r / "articles/fixable.txt").read_text(encoding="utf-8")
    assert fixed == "Shortly after Trump’s re-election, the Premier of Alberta spoke.\n"
    git(r, "add", "articles/fixable.txt", env=env)
    again = git(r, "commit", "-m", "fixed", env=env)
    assert again.returncode == 0, again.stdout + again.stderr


def test_unfixable_text_is_blocked(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    res = commit(r, env, "articles/blocked.txt", BAD_UNFIXABLE)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "articles/blocked.txt:1:" in out and "RT112" in out
    assert (r / "articles/blocked.txt").read_text(encoding="utf-8") == BAD_UNFIXABLE
    assert "blocked.txt" not in git(r, "log", "--stat", "-1", env=env).stdout


def test_files_outside_seeds_are_not_checked(repo: tuple[Path, dict[str, str]]) -> None:
    r, env = repo
    git(r, "reset", "-q", env=env)
    res = commit(r, env, "notes/draft.txt", BAD_UNFIXABLE)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mt_article_blocked_then_passes_following_the_docs(repo: tuple[Path, dict[str, str]]) -> None:
    """Step 1: the commit is blocked, the fix hook rewrites the article, the check
    hook names what is left. Steps 2-4: stage the fixes, put the documented ignore
    comment before the line, commit again: it passes."""
    r, env = repo
    name = "articles/mexico.txt"
    res = commit(r, env, name, ARTICLE)
    out = res.stdout + res.stderr
    assert res.returncode != 0 and f"Fixing {name}" in out
    fixed = (r / name).read_text(encoding="utf-8")
    assert fixed != ARTICLE
    for repaired in ("trading relationship", "The Premier of Alberta", "its relationship", "re-election", "eager to"):
        assert repaired in fixed
    assert f"{name}:3:" in out and "RT112" in out  # what is left, with its line
    assert "mexico.txt" not in git(r, "log", "--stat", "-1", env=env).stdout
    lines = fixed.splitlines(keepends=True)
    lines.insert(2, documented_ignore() + "\n")
    (r / name).write_text("".join(lines), encoding="utf-8")
    git(r, "add", name, env=env)
    again = git(r, "commit", "-m", "article, reviewed", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "mexico.txt" in git(r, "log", "--stat", "-1", env=env).stdout
    assert (r / name).read_text(encoding="utf-8") == "".join(lines)  # the second run changed nothing


def test_warnings_do_not_block_and_the_hook_reports_what_the_cli_reports(repo: tuple[Path, dict[str, str]]) -> None:
    """The check hook fails on errors by default: a warning-only file commits, and
    its warnings are shown. They are the CLI's findings, the embedding checker's
    included (RT351 needs it: the hook's environment has the `embeddings` extra)."""
    r, env = repo
    text = (
        "We should not spit in the eye of our biggest trading partner, the minister said.\n"
        "Markets reacted to the latest movements of the central bank on interest rates and the government's "
        "decisions on spending.\n"
    )
    name = "articles/warning.txt"
    res = commit(r, env, name, text)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    hook = sorted(line for line in out.splitlines() if line.startswith(f"{name}:") and "MT score" not in line)
    cli_env = dict(env, PYTHONPATH=str(ROOT / "src"))
    direct = subprocess.run(
        [sys.executable, "-m", "retrans", "check", name],
        cwd=r,
        capture_output=True,
        text=True,
        env=cli_env,
        check=False,
    )
    assert direct.returncode == 1  # the CLI's own default, --fail-on warning
    expected = sorted(
        line for line in direct.stdout.splitlines() if line.startswith(f"{name}:") and "MT score" not in line
    )
    assert [line.split(": ")[1].split()[0] for line in expected] == ["RT416", "RT351"]
    assert hook == expected
