"""Running the real command on a pseudo-terminal: what a person at a terminal would see.

:func:`run_in_pty` starts ``python -m sigcurl`` (through
``cli_helpers.start_process``, the one place that starts it) with stdout and
stderr on a pty, TERM set and NO_COLOR removed, and reads what it shows
until it closes the terminal (each read bounded, the wait bounded).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
from collections.abc import Mapping, Sequence

from cli_helpers import start_process

#: Seconds to wait for the next output and for the process to end.
TIMEOUT = 60


def run_in_pty(args: Sequence[str], env: Mapping[str, str | None]) -> tuple[int, bytes]:
    """Run the command with stdout and stderr on a pseudo-terminal; (exit status, what it showed)."""
    master, slave = pty.openpty()
    proc = start_process(args, {**env, "TERM": "xterm-256color", "NO_COLOR": None}, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    try:
        while select.select([master], [], [], TIMEOUT)[0]:
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO on Linux once the child closed the terminal
                break
            if not data:
                break
            out += data
    finally:
        os.close(master)
    return proc.wait(timeout=TIMEOUT), out
