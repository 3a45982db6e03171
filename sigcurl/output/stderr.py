"""The stderr writer: ``-s``/``-S`` honoured, secrets scrubbed, a closed stream ignored."""

from __future__ import annotations

from typing import TextIO

from sigcurl.output.redact import scrub


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
            self.write(line.rstrip("\n") + "\n")

    def info(self, line: str) -> None:
        if not self.silent:
            self.write(line.rstrip("\n") + "\n")
