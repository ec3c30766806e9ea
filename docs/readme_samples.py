"""Regenerate (or, with --check, verify) the sample output blocks of README.md.

A block is written between two markers; the first names the command:

    <!-- sample: check --grammar none --no-embeddings docs/sample.txt -->
    ```
    ... what that command prints ...
    ```
    <!-- /sample -->

Sample output in a README goes stale as rules change; this keeps it real output
(tests/test_readme.py runs the --check form).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- sample: (?P<cmd>.+?) -->\n```[a-z]*\n)(?P<out>.*?)(```\n<!-- /sample -->)", re.S)


def run(command: str) -> str:
    """What `retrans COMMAND` prints on stdout, run from the project root, no colour."""
    from retrans.app.cli import main

    os.environ["NO_COLOR"] = "1"
    os.environ["COLUMNS"] = "100"
    buf = io.StringIO()
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(buf):
            main(shlex.split(command))
    finally:
        os.chdir(cwd)
    return buf.getvalue()


def render(readme: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + run(m.group("cmd")) + m.group(4), readme)


def main() -> int:
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in sys.argv[1:]:
        if new != old:
            print("README.md sample output is stale: run `python docs/readme_samples.py`", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
