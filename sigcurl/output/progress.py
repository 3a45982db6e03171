"""A progress meter on stderr for large uploads and downloads, like curl's.

Shown only when stderr is a terminal, ``-s`` is not given, and the transfer
is larger than :data:`THRESHOLD` (4 MiB; a download of unknown length once
that much has arrived).  A download written to the terminal shows none (it
would interleave with the body, curl does the same).  rich is imported only
when a meter is actually drawn, so small transfers and pipes pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from sigcurl.body import CHUNK, Body

if TYPE_CHECKING:
    from sigcurl.signer.types import Credentials, SignedRequest

THRESHOLD = 4 << 20


class Meter:
    """One transfer's meter: counts bytes, draws a rich bar once it is worth it."""

    def __init__(self, stream: TextIO, label: str, total: int | None, threshold: int = THRESHOLD) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.threshold = threshold
        self.done = 0
        self._progress: Any = None
        self._task: Any = None

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(file=self.stream, stderr=True)
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(binary_units=True),
            TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=self.total, completed=self.done)

    def advance(self, n: int) -> None:
        """Count ``n`` more bytes."""
        self.done += n
        if self._progress is None:
            big = self.total is not None and self.total >= self.threshold or self.done >= self.threshold
            if not big:
                return
            try:
                self._start()
            except Exception:  # noqa: BLE001 - a meter must never break a transfer
                self.threshold = 1 << 62
                return
        self._progress.update(self._task, completed=self.done)

    def reset(self, label: str, total: int | None) -> None:
        """Start counting again (a second pass, or a retry)."""
        self.close()
        self.label, self.total, self.done = label, total, 0

    def wrap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks`` unchanged, counted as they go."""
        try:
            for chunk in chunks:
                yield chunk
                self.advance(len(chunk))
        finally:
            self.close()

    def close(self) -> None:
        """Stop drawing (the last state stays on the screen)."""
        if self._progress is not None:
            try:
                self._progress.stop()
            except Exception:  # noqa: BLE001
                pass
            self._progress = None


class MeteredBody(Body):
    """A request body whose reads are shown on a meter (hashing pass and upload)."""

    def __init__(self, inner: Body, meter: Meter) -> None:
        self.inner = inner
        self.meter = meter
        self.length = inner.length
        self.marker = inner.marker
        self.streamable = inner.streamable

    def sha256(self) -> str:
        if self.inner._sha256 is None:
            self.meter.reset("hashing", self.inner.length)
            try:
                self.inner._sha256 = Body.digests(self, None)[0]
            finally:
                self.meter.reset("upload", self.length)
        return self.inner.sha256()

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        return self.meter.wrap(self.inner.chunks(size))

    def bind(self, signed: SignedRequest, credentials: Credentials, region: str, service: str, algorithm: str) -> None:
        self.inner.bind(signed, credentials, region, service, algorithm)

    def close(self) -> None:
        self.meter.close()
        self.inner.close()
