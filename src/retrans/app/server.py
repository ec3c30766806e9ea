"""`retrans serve`: a warm local server, so that later commands skip the cold start.

A `check`, `fix` or `report` pays for starting Python, importing spaCy, building
Harper's linter, compiling the patterns the text needs and loading the models
(seconds) before it reads a file. A server pays that once: it listens on a Unix
socket in the cache folder (`server/KEY.sock`, mode 0700, KEY from
`client.server_key`: the code, the Python, the user and the environment that
change results), and the command, when it finds one, runs there and relays the
output (app/client.py). `RETRANS_SERVER=auto` starts one in the background on
the first command; `retrans serve` starts one in the foreground; `retrans serve
--stop` stops this environment's server; `RETRANS_SERVER=off` never uses one.

The command runs exactly as it would in its own process (app/command.py, with
the client's arguments, working folder, environment, standard input and output
encodings), one request at a time (clients queue on the socket), so the output
is the same byte for byte. What is kept between requests: imported modules, the
checkers built for the last few option sets (runner.keep_tooling; rebuilt when
a rule file changes), and the bounded caches (parses, patterns, the models).

The server exits after `--idle-timeout` seconds (default 600,
`RETRANS_SERVER_IDLE`) without a request, on SIGTERM or SIGINT, on `--stop`, or
when its socket file is removed; it removes its socket when it exits. A lock
file keeps one server per socket (a second one exits at once).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import io
import json
import os
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

from .client import PROTOCOL, connect, idle_timeout, recv_frame, send_frame, server_key, socket_path

#: Seconds a connected client has to send its request.
REQUEST_TIMEOUT = 10.0


class _Stop(BaseException):
    """SIGTERM, SIGINT or `--stop`: end the server (not a command's SystemExit)."""


class _Sink(io.RawIOBase):
    """One output stream of the command, sent to the client as frames."""

    def __init__(self, sock: socket.socket, kind: bytes) -> None:
        super().__init__()
        self.sock, self.kind = sock, kind

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        if data:
            send_frame(self.sock, self.kind, data)
        return len(data)


def _stream(sock: socket.socket, kind: bytes, encoding: str | None, errors: str | None) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        io.BufferedWriter(_Sink(sock, kind)), encoding=encoding or "utf-8", errors=errors or "strict"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """`retrans serve [--idle-timeout S] [--stop]`."""
    key = server_key()
    path = socket_path(key)
    if path is None:
        print("retrans: error: the cache folder's path is too long for a Unix socket", file=sys.stderr)
        return 2
    if args.stop:
        return stop(path)
    if args.key is not None and args.key != key:  # started by a client that computed another key
        print(f"retrans: error: this server's key is {key}, not {args.key}", file=sys.stderr)
        return 2
    idle = args.idle_timeout if args.idle_timeout is not None else idle_timeout()
    return serve(path, key, idle, quiet=args.quiet)


def stop(path: Path, wait: float = 60.0) -> int:
    """Ask the server at `path` to exit and wait (up to `wait` seconds) until its
    process is gone (its lock is free); 0 whether or not one was running."""
    sock = connect(path)
    if sock is None:
        return 0
    with sock, contextlib.suppress(OSError):
        send_frame(sock, b"q", json.dumps({"protocol": PROTOCOL, "stop": True}).encode())
        while recv_frame(sock) is not None:
            pass
    deadline = time.monotonic() + wait
    with contextlib.suppress(OSError), open(path.with_suffix(".lock"), "a+b") as f:
        while time.monotonic() < deadline:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                time.sleep(0.05)
    return 0


#: The server's lock, held until the process ends (released by the system at exit,
#: after the interpreter's own shutdown), so `stop` can wait for the exit.
_HELD: list[BinaryIO] = []


def _lock(path: Path) -> bool:
    """Take the exclusive lock beside the socket for the rest of this process's
    life; False if another process holds it."""
    f = open(path.with_suffix(".lock"), "a+b")  # noqa: SIM115 (kept open on purpose)
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return False
    _HELD.append(f)
    return True


def serve(path: Path, key: str, idle: float, quiet: bool = False) -> int:
    """Listen at `path` until idle for `idle` seconds, stopped or signalled."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    if not _lock(path):
        if not quiet:
            print(f"retrans: a server is already running at {path}", file=sys.stderr)
        return 0
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a server that was killed left its socket
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.fspath(path))
    inode = path.stat().st_ino
    listener.listen(64)
    from . import runner

    runner.keep_tooling(True)
    previous = {s: signal.signal(s, _stop_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    if not quiet:
        print(f"retrans: serving at {path} (exits after {idle:g} s idle)", file=sys.stderr, flush=True)
    try:
        _loop(listener, path, inode, key, idle, quiet)
    except _Stop:
        pass
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if path.stat().st_ino == inode:
                path.unlink()
        for s, h in previous.items():
            signal.signal(s, h)
        runner.keep_tooling(False)
    return 0


def _stop_signal(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _loop(listener: socket.socket, path: Path, inode: int, key: str, idle: float, quiet: bool) -> None:
    last = time.monotonic()
    # Wake up now and then to notice a removed socket file and the idle deadline.
    listener.settimeout(min(idle, 5.0) if idle > 0 else 5.0)
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            try:
                if path.stat().st_ino != inode:
                    return
            except OSError:
                return
            if idle > 0 and time.monotonic() - last >= idle:
                return
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        done = None
        # A client that went away or sent nonsense: on to the next one.
        with conn, contextlib.suppress(OSError, ValueError):
            done = handle(conn, key)
        last = time.monotonic()
        if not quiet:
            what = "dropped" if done is None else f"{' '.join(done[0])} -> {done[1]}"
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"retrans: served {what} ({wall:.2f} s, CPU {cpu:.2f} s)", file=sys.stderr, flush=True)


def handle(conn: socket.socket, key: str) -> tuple[list[str], int | str] | None:
    """Run one client's command and send its output and exit status; what was run
    and its exit status ("declined" when the client must run it), or None."""
    conn.settimeout(REQUEST_TIMEOUT)
    frame = recv_frame(conn)
    conn.settimeout(None)
    if frame is None or frame[0] != b"q":
        return None
    request = json.loads(frame[1].decode("utf-8", "surrogateescape"))
    argv = [str(a) for a in request.get("argv") or ()]
    if request.get("protocol") != PROTOCOL:
        send_frame(conn, b"f", b"")
        return argv, "declined"
    if request.get("stop"):
        send_frame(conn, b"x", b"0")
        raise _Stop
    if request.get("key") != key or not os.path.isdir(request.get("cwd", "")):
        send_frame(conn, b"f", b"")  # another environment: the client runs it itself
        return argv, "declined"
    code = run_request(conn, request)
    send_frame(conn, b"x", str(code).encode())
    return argv, code


def run_request(conn: socket.socket, request: dict[str, Any]) -> int:
    """The command with the client's arguments, folder, environment and streams."""
    out = _stream(conn, b"o", request.get("stdout_encoding"), request.get("stdout_errors"))
    err = _stream(conn, b"e", request.get("stderr_encoding"), request.get("stderr_errors"))
    stdin_data = base64.b64decode(request["stdin"]) if request.get("stdin") is not None else b""
    stdin = io.TextIOWrapper(
        io.BytesIO(stdin_data), encoding=request.get("stdin_encoding") or "utf-8", errors="replace"
    )
    saved = (sys.stdin, sys.stdout, sys.stderr, os.getcwd(), dict(os.environ))
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.stdin, sys.stdout, sys.stderr = stdin, out, err
        code = _run_command(list(request["argv"]))
        for stream in (out, err):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        return code
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved[0], saved[1], saved[2]
        os.environ.clear()
        os.environ.update(saved[4])
        os.chdir(saved[3])


def _run_command(argv: list[str]) -> int:
    """What the process's exit status would be."""
    from .command import main

    try:
        return main(argv, signals=False)
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except _Stop:
        raise
    except (OSError, ValueError) as exc:
        if isinstance(exc, BrokenPipeError) or _client_gone(exc):
            raise  # the client's end is closed: nobody to answer
        traceback.print_exc()
        return 1
    except Exception:
        traceback.print_exc()
        return 1


def _client_gone(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError)
