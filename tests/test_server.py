"""The warm server (`retrans serve`, app/server.py and app/client.py): a command
served by it prints exactly what it prints in its own process, and no server is
ever left behind (idle timeout, --stop, a removed socket)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from retrans.app import client

FAST = ["--grammar", "none", "--no-embeddings", "--no-lm"]
TEXT = (
    "The Prime Minister said that the prices imposed by Washington would hurt the economy.\n\n"
    "He met the re -election team on Monday , and the deputies of the opposition voted against.\n"
)


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    """A short socket folder of its own (a Unix socket's path is at most ~100 bytes)."""
    folder = tempfile.mkdtemp(prefix="rts", dir="/tmp")
    e = dict(os.environ, RETRANS_SERVER_DIR=str(Path(folder) / "server"), NO_COLOR="1")
    e.pop("RETRANS_SERVER", None)
    e.pop("RETRANS_SERVER_IDLE", None)
    yield e
    shutil.rmtree(folder, ignore_errors=True)


def _retrans(args: list[str], env: dict[str, str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "retrans", *args], capture_output=True, env=env, check=False, timeout=300, **kw
    )  # type: ignore[call-overload, no-any-return]


def _socket(env: dict[str, str]) -> Path:
    code = "from retrans.app.client import socket_path; print(socket_path())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return Path(out.stdout.strip())


def _wait(cond: object, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`retrans serve` in the foreground, with its request log on stderr."""
    path = _socket(env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "retrans", "serve", "--idle-timeout", "120"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert _wait(lambda: client.connect(path) is not None), "the server never listened"
        yield proc, path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _log(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stderr is not None
    proc.terminate()
    proc.wait(timeout=20)
    return proc.stderr.read().decode()


def test_a_served_command_prints_what_it_prints_alone(
    env: dict[str, str], server: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    proc, path = server
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    missing = tmp_path / "nothere.txt"
    for args in (
        ["check", *FAST, "--format", "json", str(f)],
        ["check", *FAST, str(f), str(missing)],  # human format, an input error: exit 2
        ["check", *FAST, "--format", "json", "-"],  # standard input
        ["fix", *FAST, "--diff", str(f)],
        ["check", *FAST, "--no-such-option", str(f)],  # usage error from argparse
    ):
        alone = _retrans(args, dict(env, RETRANS_SERVER="off"), input=TEXT.encode())
        served = _retrans(args, env, input=TEXT.encode())
        assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert f.read_text(encoding="utf-8") == TEXT  # --diff writes nothing
    log = _log(proc)
    assert log.count("retrans: served check") == 4 and log.count("retrans: served fix") == 1
    assert "-> 2" in log and "-> 1" in log
    assert not path.exists()  # removed when the server stops


def test_concurrent_clients_get_their_own_output(
    env: dict[str, str], server: tuple[subprocess.Popen[bytes], Path], tmp_path: Path
) -> None:
    files = []
    for i in range(4):
        f = tmp_path / f"f{i}.txt"
        f.write_text(TEXT * (i + 1), encoding="utf-8")
        files.append(f)
    expected = [_retrans(["check", *FAST, "--format", "json", str(f)], dict(env, RETRANS_SERVER="off")) for f in files]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda f: _retrans(["check", *FAST, "--format", "json", str(f)], env), files))
    assert [(g.returncode, g.stdout) for g in got] == [(e.returncode, e.stdout) for e in expected]
    assert _log(server[0]).count("retrans: served check") == 4


def test_stop_idle_timeout_and_a_second_server(env: dict[str, str]) -> None:
    path = _socket(env)
    proc = subprocess.Popen([sys.executable, "-m", "retrans", "serve", "--idle-timeout", "60"], env=env)
    try:
        assert _wait(lambda: client.connect(path) is not None)
        second = _retrans(["serve", "--idle-timeout", "60"], env)  # the lock is taken: it returns at once
        assert second.returncode == 0 and b"already running" in second.stderr
        assert _retrans(["serve", "--stop"], env).returncode == 0
        assert proc.wait(timeout=30) == 0 and not path.exists()
        # Idle: it exits by itself.
        idle = subprocess.Popen([sys.executable, "-m", "retrans", "serve", "-q", "--idle-timeout", "1"], env=env)
        assert idle.wait(timeout=60) == 0 and not path.exists()
    finally:
        proc.kill()
        proc.wait()


def test_a_removed_socket_ends_the_server(env: dict[str, str]) -> None:
    path = _socket(env)
    proc = subprocess.Popen([sys.executable, "-m", "retrans", "serve", "-q", "--idle-timeout", "0"], env=env)
    try:
        assert _wait(lambda: client.connect(path) is not None)
        path.unlink()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.wait()


def test_auto_starts_a_server_and_a_stale_socket_is_no_server(env: dict[str, str], tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    args = ["check", *FAST, "--format", "json", str(f)]
    alone = _retrans(args, dict(env, RETRANS_SERVER="off"))
    path = _socket(env)
    # A socket file nobody listens on (a killed server): the command runs by itself.
    path.parent.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()
    assert _retrans(args, env).stdout == alone.stdout
    auto = dict(env, RETRANS_SERVER="auto", RETRANS_SERVER_IDLE="30")
    try:
        first = _retrans(args, auto)
        assert (first.returncode, first.stdout, first.stderr) == (alone.returncode, alone.stdout, alone.stderr)
        assert client.connect(path) is not None  # it replaced the stale socket and stays for the next command
        again = _retrans(args, env)  # RETRANS_SERVER unset: an answering server is used
        assert again.stdout == alone.stdout
        assert "served check" not in path.with_suffix(".log").read_text()  # started with --quiet
    finally:
        _retrans(["serve", "--stop"], env)
    assert _wait(lambda: not path.exists(), 30)


def test_what_runs_in_its_own_process(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert client.servable(["check", "a.txt"]) and client.servable(["--grammar", "none", "fix", "a.txt"])
    for args in (["rules"], ["serve"], ["check", "-j", "2", "a"], ["check", "--jobs=2", "a"], ["check", "-h"]):
        assert not client.servable(args), args
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert not client.servable(["check", "a.txt"])  # colours and progress belong to the terminal
    monkeypatch.setenv("RETRANS_SERVER", "off")
    assert client.delegate(["check", "a.txt"]) is None


def test_the_key_follows_what_changes_results() -> None:
    base = {"HOME": "/h", "PATH": "/bin"}
    key = client.server_key(base)
    assert client.server_key(dict(base, PATH="/usr/bin", RETRANS_SERVER="auto")) == key
    for extra in ({"RETRANS_RULES": "x"}, {"PYTHONHASHSEED": "1"}, {"RETRANS_CACHE_DIR": "/c"}, {"HOME": "/g"}):
        assert client.server_key(dict(base, **extra)) != key, extra
