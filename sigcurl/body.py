"""Request bodies: in memory, streamed from a file, or spooled from stdin.

A :class:`Body` knows its length, hashes itself in one pass (in chunks,
never holding a file in memory), and can be read again from the start for
every attempt (retries and redirects re-send the same bytes).  Standard
input is spooled to an anonymous temporary file (in memory while small)
while it is hashed; the operating system removes that file when it is
closed or the process dies, Ctrl-C included.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from sigcurl.errors import ReadError
from sigcurl.signer.types import EMPTY_SHA256

CHUNK = 1 << 20  # 1 MiB reads: large enough for speed, small enough for memory
SPOOL_IN_MEMORY = 8 << 20  # stdin stays in memory up to 8 MiB, then spills to disk


class Body:
    """A request body that can be hashed and read more than once."""

    length: int
    _sha256: str | None = None

    def sha256(self) -> str:
        """Hex SHA-256 of the whole body (computed once, in chunks)."""
        if self._sha256 is None:
            h = hashlib.sha256()
            for chunk in self.chunks():
                h.update(chunk)
            self._sha256 = h.hexdigest()
        return self._sha256

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The body from its start, in chunks of at most ``size`` bytes."""
        raise NotImplementedError

    def in_memory(self) -> bytes | None:
        """The bytes, when the body is held in memory (else None)."""
        return None

    def close(self) -> None:
        """Release any file or spool."""


class BytesBody(Body):
    """A body held in memory (``-d``, ``--json`` text, forms built in memory)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.length = len(data)
        if not data:
            self._sha256 = EMPTY_SHA256

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        for i in range(0, self.length, size):
            yield self.data[i : i + size]

    def in_memory(self) -> bytes | None:
        return self.data


class FileBody(Body):
    """A regular file, read from disk on each pass."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            st = os.stat(path)
        except OSError as exc:
            raise ReadError(f"cannot read {path}: {exc.strerror or exc}", "check the file name and permissions") from None
        if not _is_regular(st.st_mode):
            raise ReadError(f"{path} is not a regular file", "give a file, or '-' for standard input")
        self.length = st.st_size

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        try:
            with open(self.path, "rb") as f:
                remaining = self.length
                while remaining > 0:
                    chunk = f.read(min(size, remaining))
                    if not chunk:
                        raise ReadError(f"{self.path} shrank while it was being sent", "do not change the file during the upload")
                    remaining -= len(chunk)
                    yield chunk
        except OSError as exc:
            raise ReadError(f"cannot read {self.path}: {exc.strerror or exc}", "check the file name and permissions") from None


class SpooledBody(Body):
    """A stream (stdin) copied once to a spool while it is hashed."""

    def __init__(self, stream: BinaryIO, name: str = "standard input") -> None:
        self.name = name
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="sigcurl-")  # noqa: SIM115
        h = hashlib.sha256()
        length = 0
        try:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                h.update(chunk)
                self._spool.write(chunk)
                length += len(chunk)
        except OSError as exc:
            self._spool.close()
            raise ReadError(f"cannot read {name}: {exc.strerror or exc}", "check the input") from None
        self.length = length
        self._sha256 = h.hexdigest()

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        self._spool.seek(0)
        while True:
            chunk = self._spool.read(size)
            if not chunk:
                return
            yield chunk

    def in_memory(self) -> bytes | None:
        if self.length <= SPOOL_IN_MEMORY:
            self._spool.seek(0)
            return self._spool.read()
        return None

    def close(self) -> None:
        self._spool.close()


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def read_source(source: str, stdin: BinaryIO, *, what: str) -> bytes:
    """The bytes of ``@``-style source ``source`` (a file name, or ``-`` for stdin), in memory."""
    if source == "-":
        try:
            return stdin.read()
        except OSError as exc:
            raise ReadError(f"cannot read standard input for {what}: {exc.strerror or exc}", "check the input") from None
    try:
        with open(source, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ReadError(
            f"cannot read {source} for {what}: {exc.strerror or exc}", "check the file name and permissions"
        ) from None


def open_source(source: str, stdin: BinaryIO) -> Body:
    """A streamable body for ``@file`` / ``-T file`` (``-`` is stdin, spooled)."""
    if source == "-":
        return SpooledBody(stdin)
    try:
        st = os.stat(source)
    except OSError as exc:
        raise ReadError(f"cannot read {source}: {exc.strerror or exc}", "check the file name and permissions") from None
    if _is_regular(st.st_mode):
        return FileBody(source)
    with open(source, "rb") as f:  # a pipe or device: spool it like stdin
        return SpooledBody(f, source)
