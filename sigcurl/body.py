"""Request bodies: in memory, streamed from a file, or spooled from stdin.

A :class:`Body` knows its length, hashes itself in one pass (in 1 MiB
chunks, never holding a file in memory), and can be read again from the
start for every attempt (retries and redirects re-send the same bytes).

* :class:`BytesBody`: ``-d`` data and other small bodies built in memory.
* :class:`FileBody`: a regular file (``-T FILE``, ``--data-binary @FILE``),
  or standard input when it is redirected from a regular file (read with
  ``pread`` from its current offset, so nothing is copied).
* :class:`SpooledBody`: a pipe (``-T -`` from ``pg_dump | ...``), copied
  once to a spool while it is hashed: in memory up to 8 MiB, then an
  anonymous temporary file that the operating system removes when it is
  closed or the process dies (Ctrl-C and ``kill`` included).  The spool is
  filled on first use, so the checksum wanted (known only once the service
  is) is computed in the same pass as the SHA-256.

Bodies may carry a fixed ``marker`` (the ``x-amz-content-sha256`` value of
an aws-chunked body, :mod:`sigcurl.streaming`) and are told the seed
signature through :meth:`Body.bind` after each signing.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from sigcurl.errors import ReadError
from sigcurl.signer.types import EMPTY_SHA256

if TYPE_CHECKING:
    import tempfile

    from sigcurl.signer.types import Credentials, SignedRequest

CHUNK = 1 << 20  # 1 MiB reads and socket writes: fast, and small for memory
SPOOL_IN_MEMORY = 8 << 20  # stdin stays in memory up to 8 MiB, then spills to disk
PREFETCH_DEPTH = 3  # chunks read ahead by the background reader (3 MiB at most)


class Body:
    """A request body that can be hashed and read more than once."""

    length: int
    #: A fixed payload hash (``STREAMING-...``) instead of the SHA-256 of the bytes.
    marker: str | None = None
    #: True for bodies read from a file or a pipe (not built in memory).
    streamable: bool = False
    _sha256: str | None = None
    _checksums: dict[str, str] | None = None

    def sha256(self) -> str:
        """Hex SHA-256 of the whole body (computed once, in chunks)."""
        if self._sha256 is None:
            self.digests(None)
        assert self._sha256 is not None
        return self._sha256

    def digests(self, checksum: str | None) -> tuple[str, str | None]:
        """(hex SHA-256, base64 ``x-amz-checksum-<checksum>`` or None), in one pass."""
        cached = (self._checksums or {}).get(checksum or "")
        if self._sha256 is not None and (checksum is None or cached is not None):
            return self._sha256, cached
        h = hashlib.sha256()
        c = None
        if checksum:
            from sigcurl.checksums import Checksum

            c = Checksum(checksum)
        for chunk in prefetch(self.chunks()):
            h.update(chunk)
            if c is not None:
                c.update(chunk)
        self._sha256 = h.hexdigest()
        if c is None:
            return self._sha256, None
        self._checksums = {**(self._checksums or {}), checksum or "": c.value()}
        return self._sha256, c.value()

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The body from its start, in chunks of at most ``size`` bytes."""
        raise NotImplementedError

    def in_memory(self) -> bytes | None:
        """The bytes, when the body is held in memory (else None)."""
        return None

    def bind(self, signed: SignedRequest, credentials: Credentials, region: str, service: str, algorithm: str) -> None:
        """Called after each signing of the request that carries this body (no-op here)."""

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
    """A regular file, read from disk on each pass.

    With ``fd`` (standard input redirected from a file), the bytes from
    ``offset`` to the end are read with ``pread``, which leaves the shared
    file position alone and can be repeated.
    """

    streamable = True

    def __init__(self, path: str, *, fd: int | None = None, offset: int = 0, length: int | None = None) -> None:
        self.path = path
        self.fd = fd
        self.offset = offset
        try:
            st = os.fstat(fd) if fd is not None else os.stat(path)
        except OSError as exc:
            raise ReadError(f"cannot read {path}: {exc.strerror or exc}", "check the file name and permissions") from None
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(f"{path} is not a regular file", "give a file, or '-' for standard input")
        self.length = max(st.st_size - offset, 0) if length is None else length  # a range: a multipart upload's part

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        try:
            if self.fd is not None:
                yield from self._pread_chunks(self.fd, size)
                return
            with open(self.path, "rb", buffering=0) as f:
                remaining = self.length
                while remaining > 0:
                    chunk = f.read(min(size, remaining))
                    if not chunk:
                        raise ReadError(f"{self.path} shrank while it was being sent", "do not change the file during the upload")
                    remaining -= len(chunk)
                    yield chunk
        except OSError as exc:
            raise ReadError(f"cannot read {self.path}: {exc.strerror or exc}", "check the file name and permissions") from None

    def _pread_chunks(self, fd: int, size: int) -> Iterator[bytes]:
        pos, end = self.offset, self.offset + self.length
        while pos < end:
            chunk = os.pread(fd, min(size, end - pos), pos)
            if not chunk:
                raise ReadError(f"{self.path} shrank while it was being sent", "do not change the file during the upload")
            pos += len(chunk)
            yield chunk


class SpooledBody(Body):
    """A stream (a pipe on stdin) copied once to a spool while it is hashed.

    The copy happens on first use (:meth:`digests`, :attr:`length` or
    :meth:`chunks`); ``digests(checksum)`` called first computes the
    checksum in the same pass.
    """

    streamable = True

    def __init__(self, stream: BinaryIO, name: str = "standard input") -> None:
        self.name = name
        self._stream: BinaryIO | None = stream
        self._spool: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._length = 0

    @property
    def length(self) -> int:  # type: ignore[override]
        self._fill(None)
        return self._length

    def _fill(self, checksum: str | None) -> str | None:
        if self._stream is None:
            return None
        stream, self._stream = self._stream, None
        import tempfile  # only when stdin is spooled: costs start-up otherwise

        # tempfile's first use probes its directory with a file it creates and removes; done now, before the
        # first byte is read, rather than when the spool rolls over to disk mid-read, where a Ctrl-C could
        # end the process between the two and leave the probe's file behind
        tempfile.gettempdir()
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="sigcurl-")  # noqa: SIM115
        self._spool = spool
        h = hashlib.sha256()
        c = None
        if checksum:
            from sigcurl.checksums import Checksum

            c = Checksum(checksum)
        length = 0
        try:
            # Reading the pipe (a background thread) overlaps hashing and spooling.
            for chunk in prefetch(iter(lambda: stream.read(CHUNK), b"")):
                h.update(chunk)
                if c is not None:
                    c.update(chunk)
                spool.write(chunk)
                length += len(chunk)
        except OSError as exc:
            spool.close()
            raise ReadError(f"cannot read {self.name}: {exc.strerror or exc}", "check the input") from None
        except BaseException:
            spool.close()  # Ctrl-C while spooling: the spool goes at once
            raise
        self._length = length
        self._sha256 = h.hexdigest()
        if c is not None:
            self._checksums = {checksum or "": c.value()}
            return c.value()
        return None

    def digests(self, checksum: str | None) -> tuple[str, str | None]:
        if self._stream is not None:
            value = self._fill(checksum)
            assert self._sha256 is not None
            return self._sha256, value
        return super().digests(checksum)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        self._fill(None)
        assert self._spool is not None
        self._spool.seek(0)
        while True:
            chunk = self._spool.read(size)
            if not chunk:
                return
            yield chunk

    def take_stream(self) -> BinaryIO | None:
        """The stream itself, unread, for a reader that needs no spool (an S3 multipart upload); None once read."""
        stream, self._stream = self._stream, None
        return stream

    def in_memory(self) -> bytes | None:
        if self.length <= SPOOL_IN_MEMORY:
            assert self._spool is not None
            self._spool.seek(0)
            return self._spool.read()
        return None

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_DONE = object()


def prefetch(chunks: Iterable[bytes], depth: int = PREFETCH_DEPTH) -> Iterator[bytes]:
    """``chunks`` produced by a background thread, at most ``depth`` ahead.

    Reading a file, hashing (hashlib and zlib release the GIL on large
    buffers) and framing then overlap with the consumer's work (hashing or
    sending), on a second core when there is one.  Memory stays bounded by
    ``depth`` chunks; closing the iterator early stops the producer.
    """
    import queue
    import threading

    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put(_Failure(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="sigcurl-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()


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


def stdin_body(stdin: BinaryIO) -> Body:
    """Standard input as a body: read in place when it is a regular file, else spooled."""
    try:
        fd = stdin.fileno()
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            try:  # the buffered position (bytes already read into Python's buffer count as read)
                offset = stdin.tell()
            except (OSError, ValueError):
                offset = os.lseek(fd, 0, os.SEEK_CUR)
            return FileBody("standard input", fd=fd, offset=offset)
    except (AttributeError, OSError, ValueError):
        pass
    return SpooledBody(stdin)


def open_source(source: str, stdin: BinaryIO) -> Body:
    """A streamable body for ``@file`` / ``-T file`` (``-`` is stdin)."""
    if source == "-":
        return stdin_body(stdin)
    try:
        st = os.stat(source)
    except OSError as exc:
        raise ReadError(f"cannot read {source}: {exc.strerror or exc}", "check the file name and permissions") from None
    if stat.S_ISREG(st.st_mode):
        return FileBody(source)
    try:
        f = open(source, "rb")  # noqa: SIM115 - a pipe or device: spooled like stdin
    except OSError as exc:
        raise ReadError(f"cannot read {source}: {exc.strerror or exc}", "check the file name and permissions") from None
    return SpooledBody(f, source)
