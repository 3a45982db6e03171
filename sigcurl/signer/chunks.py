"""Chunk signing for S3 ``aws-chunked`` uploads (signed streaming).

After the seed request is signed with ``x-amz-content-sha256`` set to a
``STREAMING-*`` marker, every chunk carries a signature chained from the
previous one:

    AWS4-HMAC-SHA256-PAYLOAD\\n<amz-date>\\n<scope>\\n<previous signature>\\n
    <sha256 of "">\\n<sha256 of chunk>

and an optional trailer (``x-amz-checksum-*``) is signed as

    AWS4-HMAC-SHA256-TRAILER\\n<amz-date>\\n<scope>\\n<previous signature>\\n
    <sha256 of the trailer lines>

Wire framing: ``<hex size>;chunk-signature=<sig>\\r\\n<data>\\r\\n`` per chunk,
then ``0;chunk-signature=<sig>\\r\\n`` and either ``\\r\\n`` or the trailer
lines, ``x-amz-trailer-signature:<sig>\\r\\n`` and ``\\r\\n``.  Unsigned
trailers (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``) frame chunks as
``<hex size>\\r\\n<data>\\r\\n``.  Everything here is pure: the caller feeds
chunks and writes the frames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence

from sigcurl.signer.keys import signature_function
from sigcurl.signer.types import EMPTY_SHA256, Credentials, SignedRequest

CRLF = b"\r\n"


class ChunkSigner:
    """Signs the chunks and trailer of one aws-chunked body, in order.

    The previous signature is chained without any ``*`` padding (SigV4a
    chunk signatures are padded to a fixed width on the wire; SigV4 hex
    signatures never contain ``*``).
    """

    __slots__ = ("_algorithm", "_amz_date", "_previous", "_scope", "_sign")

    def __init__(
        self,
        *,
        amz_date: str,
        scope: str,
        seed_signature: str,
        signature_of: Callable[[str], str],
        algorithm: str = "AWS4-HMAC-SHA256",
    ) -> None:
        self._algorithm = algorithm
        self._amz_date = amz_date
        self._scope = scope
        self._previous = seed_signature
        self._sign = signature_of

    @classmethod
    def for_request(
        cls, signed: SignedRequest, credentials: Credentials, region: str, service: str
    ) -> ChunkSigner:
        """The chunk signer that continues a SigV4 seed request ``signed``."""
        return cls(
            amz_date=signed.amz_date,
            scope=signed.credential_scope,
            seed_signature=signed.signature,
            signature_of=signature_function(credentials.secret_key, signed.amz_date[:8], region, service),
        )

    def chunk_string_to_sign(self, chunk: bytes) -> str:
        """The string to sign for the next chunk (without advancing)."""
        digest = hashlib.sha256(chunk).hexdigest() if chunk else EMPTY_SHA256
        return (
            f"{self._algorithm}-PAYLOAD\n{self._amz_date}\n{self._scope}\n"
            f"{self._previous.rstrip('*')}\n{EMPTY_SHA256}\n{digest}"
        )

    def sign_chunk(self, chunk: bytes) -> str:
        """Sign the next chunk (the empty final chunk included); chain its signature."""
        self._previous = self._sign(self.chunk_string_to_sign(chunk))
        return self._previous

    def trailer_string_to_sign(self, trailer: bytes) -> str:
        """The string to sign for the trailer lines (each ``name:value\\n``)."""
        digest = hashlib.sha256(trailer).hexdigest()
        previous = self._previous.rstrip("*")
        return f"{self._algorithm}-TRAILER\n{self._amz_date}\n{self._scope}\n{previous}\n{digest}"

    def sign_trailer(self, trailer: bytes) -> str:
        """Sign the trailer lines; returns the trailer signature."""
        self._previous = self._sign(self.trailer_string_to_sign(trailer))
        return self._previous


def trailer_lines(trailers: Sequence[tuple[str, str]]) -> bytes:
    """The trailer as signed: ``name:value\\n`` for each trailing header."""
    return "".join(f"{name}:{value}\n" for name, value in trailers).encode()


def encode_signed(
    chunks: Iterable[bytes],
    signer: ChunkSigner,
    trailers: Callable[[], Sequence[tuple[str, str]]] | None = None,
) -> Iterator[bytes]:
    """Frame and sign ``chunks`` (non-empty) as an aws-chunked body, final chunk included.

    ``trailers`` is called after the last chunk (so checksums computed while
    streaming are complete) and returns the trailing headers to sign and send.
    """
    for chunk in chunks:
        if not chunk:
            continue
        sig = signer.sign_chunk(chunk)
        yield b"%x;chunk-signature=%s\r\n" % (len(chunk), sig.encode())
        yield chunk
        yield CRLF
    sig = signer.sign_chunk(b"")
    yield b"0;chunk-signature=%s\r\n" % sig.encode()
    if trailers is None:
        yield CRLF
        return
    items = trailers()
    lines = trailer_lines(items)
    trailer_sig = signer.sign_trailer(lines)
    wire = b"".join(f"{n}:{v}\r\n".encode() for n, v in items)
    yield wire + b"x-amz-trailer-signature:%s\r\n\r\n" % trailer_sig.encode()


def encode_unsigned(
    chunks: Iterable[bytes], trailers: Callable[[], Sequence[tuple[str, str]]] | None = None
) -> Iterator[bytes]:
    """Frame ``chunks`` as aws-chunked without chunk signatures (unsigned-payload trailer)."""
    for chunk in chunks:
        if not chunk:
            continue
        yield b"%x\r\n" % len(chunk)
        yield chunk
        yield CRLF
    yield b"0\r\n"
    items = trailers() if trailers is not None else ()
    yield b"".join(f"{n}:{v}\r\n".encode() for n, v in items) + CRLF


def encoded_length(
    payload_length: int, chunk_size: int, *, signed: bool = True, trailer_length: int = 0,
    signature_length: int = 64,
) -> int:
    """The Content-Length of an aws-chunked body of ``payload_length`` bytes.

    ``trailer_length`` is the wire length of the trailer lines (each
    ``name:value\\r\\n``), without the trailer-signature line and final CRLF.
    ``signature_length`` is 64 for SigV4 (hex HMAC); SigV4a signatures vary.
    """
    def frame(size: int) -> int:
        head = len(f"{size:x}")
        if signed:
            head += len(";chunk-signature=") + signature_length
        return head + 2 + size + (2 if size else 0)

    full, rest = divmod(payload_length, chunk_size)
    total = full * frame(chunk_size) + (frame(rest) if rest else 0) + frame(0)
    if trailer_length:
        total += trailer_length
        if signed:
            total += len("x-amz-trailer-signature:") + signature_length + 2
    return total + 2
