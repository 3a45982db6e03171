"""How an upload's payload is signed, and S3 signed streaming (``aws-chunked``).

:func:`plan_upload` picks, per request, how the body is covered by the
signature, so that nobody has to know the payload-hash names:

============================  ==============================================
case                          what is sent
============================  ==============================================
S3, body from a file (``-T``  ``aws-chunked``, single pass: each 1 MiB chunk
FILE, ``@FILE``, stdin        signed as it is read (chained from the seed
redirected from a file)       signature), with an ``x-amz-checksum-crc32``
                              trailer signed last
                              (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER``;
                              SigV4a: ``STREAMING-AWS4-ECDSA-P256-SHA256-
                              PAYLOAD-TRAILER``).  ``--checksum none``:
                              ``...-PAYLOAD`` with no trailer.
S3 + ``--unsigned-payload``   HTTPS: ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``
from a file                   (TLS protects the bytes, the trailing checksum
                              is verified by S3); HTTP: ``UNSIGNED-PAYLOAD``.
S3, stdin from a pipe         spooled while hashed (SHA-256 and the
                              checksum in the same pass, S3 needs the
                              length), then streamed; checksum as a header.
anything else                 the body's SHA-256 (a first pass over the
                              file, in chunks), then streamed; with
                              ``--checksum ALGO`` a header, same pass.
============================  ==============================================

``--aws-chunked`` / ``--no-aws-chunked`` force or forbid the first row (for
S3-compatible stores that do not accept ``aws-chunked``).

:class:`AwsChunkedBody` is the wire encoder: its exact ``length`` is known
before anything is read (:func:`sigcurl.signer.chunks.encoded_length`), it
is bound to the seed signature after each signing (so a retry or a redirect
re-encodes with fresh chunk signatures), and it produces ~1 MiB writes from
a background reader, so reading, hashing and sending overlap.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sigcurl.body import CHUNK, Body, prefetch
from sigcurl.checksums import VALUE_LENGTH, Checksum, given_checksum, is_fast
from sigcurl.errors import UsageError
from sigcurl.signer.chunks import ChunkSigner, encode_signed, encode_unsigned, encoded_length
from sigcurl.signer.types import (
    STREAMING_ECDSA_PAYLOAD,
    STREAMING_ECDSA_PAYLOAD_TRAILER,
    STREAMING_PAYLOAD,
    STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER,
    UNSIGNED_PAYLOAD,
)

if TYPE_CHECKING:
    from sigcurl.curlopts import HttpRequest
    from sigcurl.signer.types import Credentials, SignedRequest

#: aws-chunked chunk size: one 1 MiB read is one signed chunk and one write.
CHUNK_SIZE = CHUNK
#: The checksum of streamed S3 uploads unless ``--checksum`` says otherwise.
DEFAULT_CHECKSUM = "crc32"
#: Above this size a slow pure-Python CRC earns a notice.
SLOW_CHECKSUM_NOTICE = 8 << 20


class Mode(Enum):
    """How the payload is covered by the signature."""

    HASHED = "hashed"  # x-amz-content-sha256 / payload hash = SHA-256 of the body (a first pass)
    UNSIGNED = "unsigned"  # UNSIGNED-PAYLOAD
    SIGNED_CHUNKS = "signed-chunks"  # STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] (or ECDSA)
    UNSIGNED_TRAILER = "unsigned-trailer"  # STREAMING-UNSIGNED-PAYLOAD-TRAILER


@dataclass(frozen=True, slots=True)
class UploadPlan:
    """The choice made for one request body."""

    mode: Mode
    checksum: str | None  # algorithm of the x-amz-checksum-* header or trailer
    notice: str | None = None  # a line for stderr (slow checksum)


def choose(
    body: Body, *, service: str, scheme: str, algorithm: str, unsigned: bool,
    checksum: str | None, aws_chunked: bool | None, given: bool = False,
) -> UploadPlan:
    """The upload plan for ``body`` (see the module's table).

    ``checksum`` is the ``--checksum`` value (None when not given, ``"none"``
    to send none); ``aws_chunked`` is ``--aws-chunked`` (True), ``--no-aws-chunked``
    (False) or neither (None); ``given``: the request already has an
    ``x-amz-checksum-*`` header of the user's, which S3 checks, so without
    ``--checksum`` sigcurl adds none of its own (S3 refuses two).
    """
    explicit = checksum is not None
    algo = None if checksum in (None, "none") else checksum.lower()
    s3 = service == "s3"
    if aws_chunked and not s3:
        raise UsageError("--aws-chunked is for S3 uploads", "add --service s3, or drop --aws-chunked")
    if aws_chunked is None:
        aws_chunked = s3 and isinstance(body, Body) and body.streamable and body.marker is None and _known_length(body)
    if given and not explicit:
        mode = Mode.SIGNED_CHUNKS if aws_chunked and not unsigned else Mode.UNSIGNED if unsigned else Mode.HASHED
        return UploadPlan(mode, None, None)
    if aws_chunked:
        if not explicit:
            algo = DEFAULT_CHECKSUM
        if unsigned:
            if scheme == "https" or algo is not None and explicit:
                mode = Mode.UNSIGNED_TRAILER
                algo = algo or DEFAULT_CHECKSUM
            else:
                mode, algo = Mode.UNSIGNED, None
        else:
            mode = Mode.SIGNED_CHUNKS
    else:
        mode = Mode.UNSIGNED if unsigned else Mode.HASHED
        if not explicit and s3 and body.streamable:
            algo = DEFAULT_CHECKSUM  # a pipe to S3: the checksum rides in the same pass
        if mode is Mode.UNSIGNED and not explicit:
            algo = None
    notice = None
    if algo and not is_fast(algo):
        notice = (
            f"sigcurl: computing {algo} in pure Python (slow, a few MB/s) — "
            "install awscrt for a fast one, or use --checksum crc32"
        )
    return UploadPlan(mode, algo, notice)


def _known_length(body: Body) -> bool:
    from sigcurl.body import SpooledBody

    return not isinstance(body, SpooledBody)


def marker_for(mode: Mode, algorithm: str, trailer: bool) -> str:
    """The ``x-amz-content-sha256`` value of an aws-chunked mode."""
    if mode is Mode.UNSIGNED_TRAILER:
        return STREAMING_UNSIGNED_PAYLOAD_TRAILER
    if algorithm == "sigv4a":
        return STREAMING_ECDSA_PAYLOAD_TRAILER if trailer else STREAMING_ECDSA_PAYLOAD
    return STREAMING_PAYLOAD_TRAILER if trailer else STREAMING_PAYLOAD


class AwsChunkedBody(Body):
    """A payload framed as ``aws-chunked``; chunk signatures follow the seed signature.

    ``length`` is the exact Content-Length on the wire; the payload's own
    length travels in ``x-amz-decoded-content-length``.
    """

    def __init__(
        self, payload: Body, *, signed: bool, algorithm: str, checksum: str | None, chunk_size: int = CHUNK_SIZE
    ) -> None:
        self.payload = payload
        self.signed = signed
        self.algorithm = algorithm
        self.checksum = checksum
        self.chunk_size = chunk_size
        self.marker = marker_for(Mode.SIGNED_CHUNKS if signed else Mode.UNSIGNED_TRAILER, algorithm, checksum is not None)
        self.streamable = payload.streamable
        if signed and algorithm == "sigv4a":
            from sigcurl.signer.sigv4a import CHUNK_SIGNATURE_LENGTH

            self.signature_length = CHUNK_SIGNATURE_LENGTH
        else:
            self.signature_length = 64
        trailer = len(f"x-amz-checksum-{checksum}:") + VALUE_LENGTH[checksum] + 2 if checksum else 0
        self.decoded_length = payload.length
        self.length = encoded_length(
            payload.length, chunk_size, signed=signed, trailer_length=trailer, signature_length=self.signature_length
        )
        self._seed: tuple[SignedRequest, Credentials, str, str, str] | None = None
        #: the trailing checksum's value, once the body has been sent
        self.trailer_value: str | None = None

    def headers(self, existing: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """``existing`` headers with those aws-chunked needs (before signing)."""
        drop = {"content-encoding", "x-amz-decoded-content-length", "x-amz-trailer", "content-length", "x-amz-content-sha256"}
        encodings = [v for n, v in existing if n.lower() == "content-encoding" and v.strip()]
        out = [(n, v) for n, v in existing if n.lower() not in drop]
        out.append(("Content-Encoding", ",".join(["aws-chunked", *encodings])))
        out.append(("X-Amz-Decoded-Content-Length", str(self.decoded_length)))
        if self.checksum:
            out.append(("X-Amz-Trailer", f"x-amz-checksum-{self.checksum}"))
        return out

    def bind(self, signed: SignedRequest, credentials: Credentials, region: str, service: str, algorithm: str) -> None:
        """Continue the chunk signatures from this (fresh) seed signature."""
        self._seed = (signed, credentials, region, service, algorithm)

    def _new_signer(self) -> ChunkSigner:
        """A chunk signer at the start of the chain (every pass re-encodes from the seed)."""
        if self._seed is None:
            raise AssertionError("AwsChunkedBody.bind() must be called after signing the seed request")
        signed, credentials, region, service, algorithm = self._seed
        if algorithm == "sigv4a":
            from sigcurl.signer.sigv4a import chunk_signer_for

            return chunk_signer_for(signed, credentials)
        return ChunkSigner.for_request(signed, credentials, region, service)

    def sha256(self) -> str:
        raise AssertionError("an aws-chunked body is signed with its marker, not its hash")

    def encode(self) -> Iterator[bytes]:
        """The framed body, piece by piece (header, data, CRLF...)."""
        check = Checksum(self.checksum) if self.checksum else None

        def payload() -> Iterator[bytes]:
            for chunk in self.payload.chunks(self.chunk_size):
                if check is not None:
                    check.update(chunk)
                yield chunk

        def trailers() -> list[tuple[str, str]]:
            assert check is not None
            self.trailer_value = check.value()
            return [(check.header, self.trailer_value)]

        trailer_fn = trailers if check is not None else None
        if self.signed:
            return encode_signed(payload(), self._new_signer(), trailer_fn)
        return encode_unsigned(payload(), trailer_fn)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """Whole frames joined into writes of about ``size`` bytes, built by a background reader."""
        return prefetch(_coalesce(self.encode(), size))

    def close(self) -> None:
        self.payload.close()


def _coalesce(pieces: Iterator[bytes], size: int) -> Iterator[bytes]:
    buf: list[bytes] = []
    held = 0
    for piece in pieces:
        buf.append(piece)
        held += len(piece)
        if held >= size:
            yield b"".join(buf)
            buf, held = [], 0
    if buf:
        yield b"".join(buf)


class UnsignedBody(Body):
    """A body sent as is under ``UNSIGNED-PAYLOAD`` (no hashing pass)."""

    def __init__(self, payload: Body) -> None:
        self.payload = payload
        self.length = payload.length
        self.marker = UNSIGNED_PAYLOAD
        self.streamable = payload.streamable

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        return self.payload.chunks(size)

    def in_memory(self) -> bytes | None:
        return self.payload.in_memory()

    def close(self) -> None:
        self.payload.close()


def plan_upload(
    req: HttpRequest, *, service: str, algorithm: str, unsigned: bool, checksum: str | None,
    aws_chunked: bool | None,
) -> tuple[HttpRequest, UploadPlan | None]:
    """``req`` ready to sign: its body wrapped and headers added as the plan says."""
    body = req.body
    if body is None:  # (--checksum and --aws-chunked without a body are refused by sigcurl.options)
        return req, None
    scheme = req.url.split("://", 1)[0].lower()
    given = given_checksum(req.headers) is not None
    plan = choose(body, service=service, scheme=scheme, algorithm=algorithm, unsigned=unsigned,
                  checksum=checksum, aws_chunked=aws_chunked, given=given)
    headers = list(req.headers)
    if plan.mode in (Mode.SIGNED_CHUNKS, Mode.UNSIGNED_TRAILER):
        chunked = AwsChunkedBody(body, signed=plan.mode is Mode.SIGNED_CHUNKS, algorithm=algorithm, checksum=plan.checksum)
        return req._replace(headers=chunked.headers(headers), body=chunked), plan
    if plan.checksum:
        _, value = body.digests(plan.checksum)
        name = f"x-amz-checksum-{plan.checksum}"
        headers = [(n, v) for n, v in headers if n.lower() != name] + [(name, value or "")]
    if plan.mode is Mode.UNSIGNED:
        return req._replace(headers=headers, body=UnsignedBody(body)), plan
    return req._replace(headers=headers), plan
