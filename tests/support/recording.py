"""What the test server records: a request's body read off the wire (sized, hashed, checksummed) and :class:`RecordedRequest`.

The body is read once as it arrives (Content-Length or chunked), teed into
a :class:`Digest` that counts, hashes, checksums and stores it up to a
limit; aws-chunked bodies are decoded by :mod:`support.verifier`'s framing
parser into a second digest for the payload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .aws_chunked import Checksum, parse_aws_chunked
from .canonical import query_pairs
from .verdicts import CHECKSUM_ALGORITHMS, STREAMING_MODES, BodyInfo, Verification

MAX_LINE = 65536
MAX_HEADERS = 256
READ_PIECE = 1 << 16


@dataclass
class RecordedRequest:
    """Everything the server saw of one request, and the verifier's verdict."""

    index: int
    connection_id: int
    connection_request_index: int
    received_at: float
    method: str
    target: str
    raw_target: bytes
    http_version: str
    headers: list[tuple[str, str]]
    raw_head: bytes
    body_info: BodyInfo
    verification: Verification
    tls: bool
    client_address: tuple[str, int]

    @property
    def path(self) -> str:
        """Raw path part of the target (before ``?``)."""
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        """Raw query part of the target (after ``?``)."""
        return self.target.partition("?")[2]

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Percent-decoded query pairs, in order, repeated keys kept."""
        return query_pairs(self.query)

    def header(self, name: str, default: str | None = None) -> str | None:
        """First value of header ``name`` (case-insensitive)."""
        values = self.header_all(name)
        return values[0] if values else default

    def header_all(self, name: str) -> list[str]:
        """All values of header ``name`` in received order."""
        lname = name.lower()
        return [v for n, v in self.headers if n.lower() == lname]

    @property
    def body(self) -> bytes | None:
        """Body bytes after HTTP transfer decoding (``None`` if over the storage limit)."""
        return self.body_info.data

    @property
    def payload(self) -> bytes | None:
        """Decoded payload: the aws-chunked data, else the body itself."""
        return self.body_info.payload

    @property
    def ok(self) -> bool:
        """Whether the signature verified."""
        return self.verification.ok


def decode(raw: bytes) -> str:
    """UTF-8 if valid, else latin-1 (lossless for bytes)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Digest:
    """Sink: counts, hashes, optionally stores (up to a limit) and checksums."""

    def __init__(self, store_limit: int, algorithms: Iterable[str] = ()) -> None:
        self.size = 0
        self.sha = hashlib.sha256()
        self.limit = store_limit
        self.buf: bytearray | None = bytearray() if store_limit > 0 else None
        self.checksums = {a: Checksum(a) for a in algorithms}

    def update(self, data: bytes) -> None:
        self.size += len(data)
        self.sha.update(data)
        if self.buf is not None:
            if self.size <= self.limit:
                self.buf += data
            else:
                self.buf = None
        for c in self.checksums.values():
            c.update(data)

    def stored(self) -> bytes | None:
        return bytes(self.buf) if self.buf is not None else None


class BodyStream:
    """Reads one message body (Content-Length or chunked) from the connection, teeing it to a sink."""

    def __init__(self, rfile: Any, length: int | None, chunked: bool, sink: Digest) -> None:
        self._rfile = rfile
        self._remaining = length or 0
        self._chunked = chunked
        self._chunk_left = 0
        self._eof = not chunked and not length
        self._buf = bytearray()
        self._sink = sink

    def _raw(self, n: int) -> bytes:
        if self._eof:
            return b""
        if not self._chunked:
            data = self._rfile.read(min(n, self._remaining))
            if not data:
                raise ConnectionError("connection closed inside the request body")
            self._remaining -= len(data)
            self._eof = self._remaining == 0
        else:
            if self._chunk_left == 0:
                line = self._rfile.readline(MAX_LINE)
                if not line.endswith(b"\n"):
                    raise ConnectionError("bad or missing chunk size line")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    for _ in range(MAX_HEADERS):  # trailer section
                        if self._rfile.readline(MAX_LINE) in (b"\r\n", b"\n", b""):
                            break
                    self._eof = True
                    return b""
                self._chunk_left = size
            data = self._rfile.read(min(n, self._chunk_left))
            if not data:
                raise ConnectionError("connection closed inside a chunk")
            self._chunk_left -= len(data)
            if self._chunk_left == 0 and self._rfile.readline(MAX_LINE) not in (b"\r\n", b"\n"):
                raise ConnectionError("chunk data not followed by CRLF")
        self._sink.update(data)
        return data

    def read(self, n: int) -> bytes:
        if self._buf:
            data = bytes(self._buf[:n])
            del self._buf[:n]
            return data
        return self._raw(n)

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self._buf and len(self._buf) < limit:
            data = self._raw(READ_PIECE)
            if not data:
                break
            self._buf += data
        end = self._buf.find(b"\n")
        cut = min(limit, end + 1 if end >= 0 else len(self._buf))
        line = bytes(self._buf[:cut])
        del self._buf[:cut]
        return line

    def drain(self) -> None:
        self._buf.clear()
        while self._raw(READ_PIECE):
            pass


def read_body(rfile: Any, lower: list[tuple[str, str]], length: int | None, chunked: bool, store_limit: int) -> BodyInfo:
    """Read one request body, decoding aws-chunked framing; sizes, hashes, checksums and (up to ``store_limit``) bytes."""
    encodings = [e.strip().lower() for k, v in lower if k == "content-encoding" for e in v.split(",")]
    content_sha = [v.strip() for k, v in lower if k == "x-amz-content-sha256"]
    aws_chunked = "aws-chunked" in encodings or any(v in STREAMING_MODES for v in content_sha)
    algorithms = {k[len("x-amz-checksum-"):] for k, _ in lower if k.startswith("x-amz-checksum-")}
    algorithms |= {
        n.strip().lower()[len("x-amz-checksum-"):]
        for k, v in lower
        if k == "x-amz-trailer"
        for n in v.split(",")
        if n.strip().lower().startswith("x-amz-checksum-")
    }
    algorithms &= set(CHECKSUM_ALGORITHMS)
    if "crc32c" in algorithms or "crc64nvme" in algorithms:
        try:
            import awscrt.checksums  # noqa: F401
        except ImportError:
            algorithms -= {"crc32c", "crc64nvme"}
    raw = Digest(store_limit, () if aws_chunked else algorithms)
    stream = BodyStream(rfile, length, chunked, raw)
    info = BodyInfo(aws_chunked=aws_chunked)
    if aws_chunked:
        payload = Digest(store_limit, algorithms)
        parse_aws_chunked(stream, payload, info)
    else:
        payload = raw
    stream.drain()
    info.size, info.sha256, info.data = raw.size, raw.sha.hexdigest(), raw.stored()
    info.payload_size, info.payload_sha256, info.payload = payload.size, payload.sha.hexdigest(), payload.stored()
    info.checksums = {a: c.value() for a, c in payload.checksums.items()}
    return info
