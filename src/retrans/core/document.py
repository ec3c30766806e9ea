"""Reading and writing documents without losing a byte outside the edits.

The decoded text keeps its line endings as they are (LF, CRLF or mixed), so an
edit never rewrites lines it does not touch; only a leading BOM is split off and
put back on write. Writes go to a temporary file in the same folder and are
renamed over the target, so a crash mid-write leaves the original intact.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import regex

from retrans.core.errors import InputError

BOM = "\ufeff"
_BINARY_SNIFF = 8192


class BinaryFileError(InputError):
    """The file holds NUL bytes: it is skipped with a warning, not an error."""


@dataclass(frozen=True)
class Document:
    """A decoded text file: `text` has no BOM; offsets are code points into it."""

    path: str
    text: str
    bom: bool = False

    def encode(self, text: str | None = None) -> bytes:
        """Bytes for `text` (default: this document's), with the BOM restored."""
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode("utf-8")


def decode(path: str, data: bytes) -> Document:
    """Decode UTF-8 bytes (BOM optional) or raise an error naming the file."""
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise BinaryFileError(path, "binary file (NUL bytes), skipped")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    bom = text.startswith(BOM)
    return Document(path=path, text=text[1:] if bom else text, bom=bom)


def read_document(path: Path) -> Document:
    """Read one file; every failure becomes an `InputError` naming it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    return decode(str(path), data)


def _new_file_mode() -> int:
    """The mode `open()` would give a new file (0666 less the umask); mkstemp's
    temporary files are 0600, which a new output file must not inherit."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically, keeping the file's mode."""
    mode = _new_file_mode()
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(path.stat().st_mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


#: The longest text one file may hold: checking time grows with the text (about
#: 2.5 minutes for a million characters without embeddings on one core), and an
#: article is some ten thousand. A longer file is that file's error.
MAX_CHARS = 1_000_000

#: The longest run of non-space characters a checker is given (Harper takes 0.03 s
#: and no extra memory on a 1,000-letter word, 3 GB at 10,000, and aborts the
#: process at 200,000).
MAX_TOKEN = 500
_LONG_TOKEN = regex.compile(r"\S{" + str(MAX_TOKEN + 1) + ",}")


def bounded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with every run of more than `MAX_TOKEN` non-space characters (base64,
    a long URL, minified text) blanked out with spaces, so offsets hold; and the
    runs' spans."""
    spans = [(m.start(), m.end()) for m in _LONG_TOKEN.finditer(text)]
    if not spans:
        return text, []
    parts, pos = [], 0
    for s, e in spans:
        parts += [text[pos:s], " " * (e - s)]
        pos = e
    parts.append(text[pos:])
    return "".join(parts), spans


#: `<!-- retrans: ignore RT901, RT112 -->` (codes, names or groups; none: all),
#: `<!-- retrans: ignore-start ... -->` and `<!-- retrans: ignore-end -->`.
_DIRECTIVE = regex.compile(r"<!--\s*retrans:\s*(ignore(?:-start|-end)?)\b([^>]*?)\s*-->", regex.IGNORECASE)


@dataclass(frozen=True)
class Ignore:
    """A region where findings of `codes` (None: every code) are not reported."""

    start: int
    end: int
    codes: frozenset[str] | None = None

    def covers(self, start: int, end: int, keys: frozenset[str]) -> bool:
        inside = self.start <= start and end <= self.end
        return inside and (self.codes is None or bool(self.codes & keys))


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def ignores(text: str) -> list[Ignore]:
    """The inline ignore comments of a plain-text or Markdown document, like
    ruff's `noqa`. A comment is an HTML comment, invisible once Markdown renders:

    - `<!-- retrans: ignore RT901 -->` alone on a line: the next non-blank line;
    - the same comment after text on a line: that line;
    - `<!-- retrans: ignore-start RT901 -->` ... `<!-- retrans: ignore-end -->`: everything
      between (an ignore-start without an end runs to the end of the text).

    Codes are separated by commas or spaces; codes, names (`title.first_province`)
    and groups (`title`) all work, and no code at all means every code. The
    comments themselves never draw a finding."""
    out: list[Ignore] = []
    open_spans: list[tuple[int, frozenset[str] | None]] = []
    for m in _DIRECTIVE.finditer(text):
        kind = m.group(1).lower()
        codes = frozenset(c for c in regex.split(r"[\s,]+", m.group(2)) if c) or None
        out.append(Ignore(m.start(), m.end()))  # the comment itself
        if kind == "ignore-start":
            open_spans.append((m.end(), codes))
        elif kind == "ignore-end":
            if open_spans:
                start, span_codes = open_spans.pop()
                out.append(Ignore(start, m.start(), span_codes))
        else:
            line_start = text.rfind("\n", 0, m.start()) + 1
            if text[line_start : m.start()].strip():  # after text: this line
                out.append(Ignore(line_start, _line_end(text, m.end()), codes))
                continue
            pos = _line_end(text, m.end())
            while pos < len(text):  # alone on its line: the next non-blank line
                nxt = _line_end(text, pos + 1)
                if text[pos + 1 : nxt].strip():
                    out.append(Ignore(pos + 1, nxt, codes))
                    break
                pos = nxt
    out += [Ignore(start, len(text), codes) for start, codes in open_spans]
    return out


class LineIndex:
    """Maps code-point offsets to 1-based line and column numbers."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1
