"""The command's side of the warm server (app/server.py): hand a `check`, `fix` or
`report` to a server that already has the checkers loaded, and relay its output.

This module is imported by every `retrans` command before anything else, so it
imports only the standard library's light modules. `delegate` returns None
whenever the command should run in this process instead: no server answers (and
`RETRANS_SERVER` is not `auto`), `RETRANS_SERVER=off`, a terminal on standard
output or error (colours and progress bars belong to the terminal's own process),
`-j`/`--scheduler` (worker processes), `--help`, or a server that declines or
stops before writing anything. A server serves only the commands of the same
installation, code and environment (`server_key`), so its output is the output
this process would print, byte for byte.

The protocol: frames of one kind byte, a 4-byte big-endian length and the data.
The client sends one `q` frame (the request, JSON); the server answers with `o`
(standard output bytes) and `e` (standard error bytes) frames as the command
writes them, then `x` (the exit status) or `f` (declined: run it yourself).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

PROTOCOL = 1
#: The commands a server runs; anything else (rules, serve, --version) runs here.
SERVED = ("check", "fix", "report")
COMMANDS = (*SERVED, "rules", "serve")
#: Seconds a server waits for a request before it exits (`RETRANS_SERVER_IDLE`).
IDLE_DEFAULT = 600.0
#: Seconds the first `auto` call waits for the server it started to listen.
START_WAIT = 60.0
_HEADER = struct.Struct("!cI")
#: A Unix socket's path must fit in sockaddr_un (108 bytes on Linux).
_MAX_SOCKET_PATH = 100


def send_frame(sock: socket.socket, kind: bytes, data: bytes) -> None:
    sock.sendall(_HEADER.pack(kind, len(data)) + data)


def recv_frame(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The next frame, or None when the peer closed the connection."""
    head = _recv_exact(sock, _HEADER.size)
    if head is None:
        return None
    kind, size = _HEADER.unpack(head)
    data = _recv_exact(sock, size)
    return None if data is None else (kind, data)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _keyed(name: str) -> bool:
    """Environment variables read when modules load or checkers are built: a server
    started with other values would not print what this process prints."""
    if name.startswith("RETRANS_SERVER"):
        return False
    return name.startswith(_KEYED_PREFIXES) or name in _KEYED_NAMES


_KEYED_PREFIXES = ("RETRANS_", "HF_", "TRANSFORMERS_", "OMP_", "MKL_", "OPENBLAS_", "TOKENIZERS_")
_KEYED_NAMES = ("PYTHONHASHSEED", "PYTHONPATH", "HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL", "LC_CTYPE")


#: The environment as the process started, before retrans' own modules set
#: defaults in it (OMP_WAIT_POLICY, HF_HUB_OFFLINE, ...): what the key reads. The
#: command imports this module first, so a server's snapshot is as pristine as
#: its client's.
START_ENV = dict(os.environ)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def server_key(env: dict[str, str] | os._Environ[str] | None = None) -> str:
    """What a server must share with a client to serve it: this Python and
    installation, the newest modification time of retrans' own modules (an edited
    source starts a new server), the user, the umask and the keyed environment."""
    env = START_ENV if env is None else env
    package = Path(__file__).resolve().parents[1]
    newest = max((p.stat().st_mtime_ns for p in package.rglob("*.py")), default=0)
    from retrans import __version__

    parts = [
        PROTOCOL,
        __version__,
        sys.executable,
        sys.version,
        str(package),
        newest,
        os.getuid(),
        _umask(),
        sorted((k, v) for k, v in env.items() if _keyed(k)),
    ]
    return hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogateescape")).hexdigest()[:20]


def server_dir(env: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """Where servers keep their sockets: `RETRANS_SERVER_DIR`, else the cache
    folder's `server/` (mode 0700)."""
    env = os.environ if env is None else env
    if env.get("RETRANS_SERVER_DIR"):
        return Path(env["RETRANS_SERVER_DIR"])
    base = env.get("RETRANS_CACHE_DIR") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "retrans"
    )
    return Path(base) / "server"


def socket_path(key: str | None = None) -> Path | None:
    """The socket of the server for this environment, or None if its path is too
    long for a Unix socket (then no server is used)."""
    path = server_dir() / f"{key or server_key()}.sock"
    return path if len(os.fsencode(path)) <= _MAX_SOCKET_PATH else None


def connect(path: Path, timeout: float = 2.0) -> socket.socket | None:
    """A connection to the server at `path`, or None if none listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(os.fspath(path))
    except OSError:
        sock.close()
        return None
    sock.settimeout(None)
    return sock


def _command(args: list[str]) -> str | None:
    """The command named in `args` (options may come first, as app/command.py allows)."""
    return next((a for a in args if a in COMMANDS), None)


def servable(args: list[str]) -> bool:
    """Whether this invocation may run in a server at all."""
    if _command(args) not in SERVED:
        return False
    for a in args:
        if a in ("-h", "--help", "--version") or a.startswith(("-j", "--jobs", "--scheduler")):
            return False
    try:
        return not (sys.stdout.isatty() or sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def delegate(args: list[str]) -> int | None:
    """Run the command in a warm server and return its exit status, or None to run
    it in this process."""
    mode = os.environ.get("RETRANS_SERVER", "").strip().lower()
    if mode in ("off", "0", "no", "false") or not servable(args):
        return None
    try:
        key = server_key()
        path = socket_path(key)
    except OSError:
        return None
    if path is None:
        return None
    sock = connect(path)
    if sock is None and mode == "auto":
        sock = start_server(path, key)
    if sock is None:
        return None
    stdin = sys.stdin.buffer.read() if "-" in args and sys.stdin is not None else None
    code = relay(sock, args, key, stdin)
    if code is None and stdin is not None:  # it runs here: give it back what was read
        import io

        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding=sys.stdin.encoding, errors="replace")
    return code


def idle_timeout() -> float:
    try:
        return float(os.environ.get("RETRANS_SERVER_IDLE") or IDLE_DEFAULT)
    except ValueError:
        return IDLE_DEFAULT


def start_server(path: Path, key: str) -> socket.socket | None:
    """Start a server in the background (its own session: it outlives this command
    and exits after `idle_timeout()` seconds without a request), then connect to it.
    None if it does not listen within START_WAIT seconds or exits first (another
    server took the lock: then connect to that one)."""
    import subprocess

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = open(path.with_suffix(".log"), "wb")  # noqa: SIM115 (the server keeps it)
    except OSError:
        return None
    with log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "retrans", "serve", "--quiet", "--idle-timeout", str(idle_timeout()), "--key", key],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        sock = connect(path)
        if sock is not None:
            return sock
        if proc.poll() is not None:  # it exited: another server may hold the lock
            return connect(path)
        time.sleep(0.02)
    return None


def relay(sock: socket.socket, args: list[str], key: str, stdin: bytes | None) -> int | None:
    """Send the request and copy the server's output here as it comes. None when
    the server declines or stops before any output (the command then runs here)."""
    import base64

    request: dict[str, Any] = {
        "protocol": PROTOCOL,
        "key": key,
        "argv": args,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "stdout_encoding": sys.stdout.encoding,
        "stdout_errors": sys.stdout.errors,
        "stderr_encoding": sys.stderr.encoding,
        "stderr_errors": sys.stderr.errors,
        "stdin": None if stdin is None else base64.b64encode(stdin).decode("ascii"),
        "stdin_encoding": getattr(sys.stdin, "encoding", None) or "utf-8",
    }
    out, err = sys.stdout.buffer, sys.stderr.buffer
    sys.stdout.flush()
    sys.stderr.flush()
    wrote = False
    with sock:
        try:
            send_frame(sock, b"q", json.dumps(request).encode("utf-8", "surrogateescape"))
            while True:
                frame = recv_frame(sock)
                if frame is None:
                    break
                kind, data = frame
                if kind == b"x":
                    return int(data)
                if kind == b"f":
                    return None
                stream = out if kind == b"o" else err
                try:
                    stream.write(data)
                    stream.flush()
                except BrokenPipeError:  # `| head`: end quietly, as the command does
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, stream.fileno())
                    return 1
                wrote = True
        except OSError:
            pass
    if not wrote:
        return None
    err.write(b"retrans: error: the retrans server stopped during the command\n")
    err.flush()
    return 2
