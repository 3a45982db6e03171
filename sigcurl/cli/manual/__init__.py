"""The manual page: where the installed ``sigcurl.1`` is, and ``sigcurl --manual``.

The page ships inside the package (read here) and, in a wheel, also under
``share/man/man1`` (for ``man sigcurl``).  ``--manual`` hands it to ``man -l``
when stdout is a terminal and ``man`` exists, and otherwise prints a
plain-text rendering (:mod:`sigcurl.cli.manual.text`), so it works everywhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "sigcurl.1"


def text_width(environ: os._Environ[str] | dict[str, str] = os.environ) -> int:
    """Columns for the plain-text page: ``MANWIDTH``, else the terminal's, else 80 (at most 100, at least 40)."""
    for value in (environ.get("MANWIDTH"), environ.get("COLUMNS")):
        if value and value.isdigit():
            return max(40, min(int(value), 100))
    try:
        return max(40, min(os.get_terminal_size(sys.__stdout__.fileno()).columns, 100))  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def show() -> int:
    """Show the page; the exit code (a broken pipe is left to the caller, as for any output)."""
    roff = PAGE.read_text(encoding="utf-8")
    if sys.stdout.isatty():
        import shutil
        import subprocess

        man = shutil.which("man")
        if man is not None and subprocess.run([man, "-l", str(PAGE)], check=False).returncode == 0:
            return 0
    from sigcurl.cli.manual.text import to_text

    sys.stdout.write(to_text(roff, text_width()))
    sys.stdout.flush()
    return 0
