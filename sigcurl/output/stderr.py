"""The stderr writer: ``-s``/``-S`` honoured, secrets scrubbed, a closed stream ignored.

The one-line messages (:meth:`Stderr.error`, :meth:`Stderr.info`) often quote
what a server sent (an AWS error's code and message, a reason phrase); their
control characters (C0 but tab and line feed, DEL, C1) are written as visible
``\\xNN`` escapes, so a server's text can never drive the user's terminal.
"""

from __future__ import annotations

from typing import TextIO

from sigcurl.output.redact import scrub

#: Control characters of a message line and how they are shown (tab and line feed are kept).
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A)}


def visible(text: str) -> str:
    """``text`` with its control characters written as ``\\xNN`` (a terminal shows them, never obeys them)."""
    return text.translate(_CONTROLS)


class Stderr:
    """Writes lines to stderr, honouring ``-s``/``-S``, with secrets scrubbed."""

    def __init__(self, stream: TextIO, *, silent: bool, show_error: bool, secrets: list[str | None]) -> None:
        self.stream = stream
        self.silent = silent
        self.show_error = show_error
        self.secrets = secrets

    def write(self, text: str) -> None:
        try:
            self.stream.write(scrub(text, self.secrets))
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def error(self, line: str) -> None:
        if not self.silent or self.show_error:
            self.write(visible(line.rstrip("\n")) + "\n")

    def info(self, line: str) -> None:
        if not self.silent:
            self.write(visible(line.rstrip("\n")) + "\n")
