"""Standard input read once and replayed to every transfer of a run, in bounded memory.

curl reads ``-T -`` / ``--data-binary @-`` once for several URLs; so does
sigcurl, but never into memory: on first use, a pipe is copied a chunk at a
time to an unnamed temporary file (removed by the system when closed, or
when the process dies), and a regular file redirected to stdin is used in
place.  Each transfer gets its own :class:`ReplayReader` over those bytes:
it reads with ``pread`` (its own position; the shared file position is left
alone), and its ``fileno()``/``tell()`` let
:func:`sigcurl.body.stdin_body` stream it as a file body, so no transfer
copies it again.
"""

from __future__ import annotations

import io
import os
import stat
import threading
from typing import IO, Any, BinaryIO

from sigcurl.body import CHUNK
from sigcurl.errors import ReadError


class SharedInput:
    """The bytes of ``source`` (standard input), captured on first use for every reader."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._spool: IO[bytes] | None = None
        self._fd = -1
        self._start = 0
        self._end = 0
        self._ready = False
        self._error: ReadError | None = None
        self._released = False  # close() came while a reader was capturing: that reader closes the spool

    def reader(self) -> BinaryIO:
        """A reader of its own (position 0) for one transfer."""
        return ReplayReader(self)  # type: ignore[return-value]

    def where(self) -> tuple[int, int, int]:
        """(file descriptor, first offset, end offset) of the captured bytes, capturing them first."""
        with self._lock:
            if self._error is not None:
                raise self._error
            if not self._ready:
                self._capture()
                self._ready = True
            if self._released:  # the run ended (Ctrl-C) while this reader was blocked on stdin: no stale descriptor
                self._close_spool()
                raise ReadError("standard input is no longer available: the run has ended", "run the command again")
            return self._fd, self._start, self._end

    def _capture(self) -> None:
        source = self._source
        try:
            fd = source.fileno()
            st = os.fstat(fd)
        except (AttributeError, OSError, ValueError):
            fd, st = -1, None
        if st is not None and stat.S_ISREG(st.st_mode):  # redirected from a file: used in place
            try:
                start = source.tell()  # bytes already in Python's buffer count as read
            except (OSError, ValueError):
                start = os.lseek(fd, 0, os.SEEK_CUR)
            self._fd, self._start, self._end = fd, start, max(st.st_size, start)
            return
        import tempfile

        spool = tempfile.TemporaryFile(prefix="sigcurl-")  # noqa: SIM115 - closed by close()
        try:
            while chunk := source.read(CHUNK):
                spool.write(chunk)
            spool.flush()
        except OSError as exc:
            spool.close()
            self._error = ReadError(f"cannot read standard input: {exc.strerror or exc}", "check the input")
            raise self._error from None
        except BaseException:
            spool.close()  # Ctrl-C while reading: the spool goes at once
            raise
        self._spool = spool
        self._fd, self._start, self._end = spool.fileno(), 0, spool.tell()

    def close(self) -> None:
        """Release the spool; never waits for a transfer's thread still reading a pipe (an interrupted ``-Z`` run)."""
        if not self._lock.acquire(blocking=False):  # a reader is capturing: it closes the spool when done
            self._released = True
            return
        try:
            self._released = True
            self._close_spool()
        finally:
            self._lock.release()

    def _close_spool(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


class ReplayReader(io.RawIOBase):
    """One transfer's view of the shared input: read from the start, seekable, with the file's descriptor."""

    def __init__(self, shared: SharedInput) -> None:
        super().__init__()
        self._shared = shared
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._shared.where()[0]

    def tell(self) -> int:
        """The offset in the file (as ``lseek`` would give it: :class:`~sigcurl.body.FileBody` reads from there)."""
        return self._shared.where()[1] + self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        _, start, end = self._shared.where()
        base = {os.SEEK_SET: 0, os.SEEK_CUR: start + self._pos, os.SEEK_END: end}[whence]
        self._pos = max(base + offset - start, 0)
        return start + self._pos

    def readinto(self, buffer: Any) -> int:
        fd, start, end = self._shared.where()
        want = min(len(buffer), end - start - self._pos)
        if want <= 0:
            return 0
        data = os.pread(fd, want, start + self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)
