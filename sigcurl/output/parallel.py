"""``--parallel`` output: one progress display for all transfers, and each transfer's output written whole."""

from __future__ import annotations

import threading
from typing import Any, BinaryIO, TextIO

from sigcurl.errors import OutputClosedError


class ParallelProgress:
    """One rich progress display for all the transfers of a ``--parallel`` run (stderr is a terminal)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress = progress
        self.task = task
        self.failed = 0
        self.lock = threading.Lock()

    @classmethod
    def start(cls, stderr: TextIO, total: int) -> ParallelProgress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(file=stderr, stderr=True)
        progress = Progress(
            SpinnerColumn(), TextColumn("transfers"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]}"), TimeElapsedColumn(),
            console=console, transient=False, redirect_stdout=False, redirect_stderr=False,
        )
        task = progress.add_task("transfers", total=total, failed="")
        progress.start()
        return cls(progress, task)

    def done(self, failed: bool) -> None:
        """One more transfer has ended."""
        with self.lock:
            if failed:
                self.failed += 1
            label = f"{self.failed} failed" if self.failed else ""
        self.progress.update(self.task, advance=1, failed=label)

    def write_err(self, text: str) -> None:
        from rich.text import Text

        self.progress.console.print(Text(text), end="", soft_wrap=True, highlight=False, markup=False)

    def write_out(self, data: bytes) -> None:
        from rich.text import Text

        text = Text.from_ansi(data.decode("utf-8", "replace"))
        self.progress.console.print(text, end="", soft_wrap=True, highlight=False)

    def stop(self) -> None:
        self.progress.stop()


def flush(out: Any, err: str, stdout: BinaryIO, stderr: TextIO, stdout_isatty: bool, progress: ParallelProgress | None) -> None:
    """Write one finished transfer's spooled stdout and stderr, whole."""
    text = err
    if text:
        if progress is not None:
            progress.write_err(text)
        else:
            stderr.write(text)
            stderr.flush()
    out.seek(0)
    if progress is not None and stdout_isatty:
        data = out.read()
        if data:
            progress.write_out(data)
        return
    try:
        while chunk := out.read(1 << 16):
            stdout.write(chunk)
        stdout.flush()
    except BrokenPipeError:
        raise OutputClosedError("output closed before the whole response was written", "read all of the output, or use -o FILE") from None
