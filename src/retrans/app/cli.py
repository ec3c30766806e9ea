"""The `retrans` command's entry point (`retrans`, `python -m retrans`).

It imports almost nothing: when a warm server (`retrans serve`, app/server.py) for
this installation answers, the command runs there and this process only relays
its output (app/client.py); otherwise the command runs in this process
(app/command.py, where the parser and the commands are). The command's names
(`build_parser`, `Session`, ...) are still importable from here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command. Only a real invocation (`argv` None: the process's own
    arguments) may go to a server; a call with arguments always runs here."""
    if argv is None:
        from .client import delegate

        code = delegate(sys.argv[1:])
        if code is not None:
            return code
    from .command import main as run

    return run(argv)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # probes such as `__path__` must not load the command
        raise AttributeError(name)
    from . import command

    return getattr(command, name)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
