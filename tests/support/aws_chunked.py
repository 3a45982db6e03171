"""aws-chunked bodies and trailing checksums: the framing parser, the chunk and trailer signature chain, x-amz-checksum-*.

Written from the S3 documentation ("Signature calculations for the
Authorization header: transferring payload in multiple chunks", "Checking
object integrity"), with ``hmac``/``hashlib``/``zlib`` and awscrt's CRCs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import Callable, Sequence
from typing import Protocol

from .sigkeys import v4a_verify
from .verdicts import (
    EMPTY_SHA256,
    STREAMING_MODES,
    STREAMING_UNSIGNED_TRAILER,
    V4A_ALGORITHM,
    AwsChunk,
    BodyInfo,
    Key,
    Verification,
    VerifyError,
    get_all,
    one,
)

MAX_CHUNK_LINE = 4096
MAX_TRAILER_LINES = 64


def chunk_string_to_sign(
    algorithm: str, amz_date: str, scope: str, previous: str, chunk_sha256: str
) -> str:
    """String to sign of one aws-chunked frame (``<algorithm>-PAYLOAD``)."""
    return "\n".join([algorithm + "-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256, chunk_sha256])


def trailer_string_to_sign(algorithm: str, amz_date: str, scope: str, previous: str, trailer_sha256: str) -> str:
    """String to sign of the trailing headers (``<algorithm>-TRAILER``)."""
    return "\n".join([algorithm + "-TRAILER", amz_date, scope, previous, trailer_sha256])


class Checksum:
    """Incremental x-amz-checksum-* value (base64 of the big-endian digest)."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        self._crc = 0
        self._hash: hashlib._Hash | None = None
        if algorithm in ("sha1", "sha256"):
            self._hash = hashlib.new(algorithm)
        elif algorithm in ("crc32c", "crc64nvme"):
            import awscrt.checksums  # only needed for these two

            self._crt: Callable[[bytes, int], int] = getattr(awscrt.checksums, algorithm)
        elif algorithm != "crc32":
            raise ValueError(f"unsupported checksum algorithm {algorithm!r}")

    def update(self, data: bytes | memoryview) -> None:
        """Feed more payload bytes."""
        if self._hash is not None:
            self._hash.update(data)
        elif self.algorithm == "crc32":
            self._crc = zlib.crc32(data, self._crc)
        else:
            self._crc = self._crt(bytes(data), self._crc)

    def value(self) -> str:
        """The base64 value as sent in ``x-amz-checksum-<algorithm>``."""
        if self._hash is not None:
            raw = self._hash.digest()
        else:
            raw = self._crc.to_bytes(8 if self.algorithm == "crc64nvme" else 4, "big")
        return base64.b64encode(raw).decode("ascii")


class _Reader(Protocol):
    def read(self, n: int) -> bytes: ...

    def readline(self, limit: int) -> bytes: ...


class _Sink(Protocol):
    def update(self, data: bytes) -> None: ...


def parse_aws_chunked(reader: _Reader, payload: _Sink, body: BodyInfo, piece: int = 1 << 16) -> None:
    """Decode ``<hex-size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n`` ... ``0...\\r\\n``,
    then trailer lines and a final ``\\r\\n`` (S3 "Signature calculations for
    the Authorization header: transferring payload in multiple chunks").

    Decoded data goes to ``payload``; frames and trailers are recorded in
    ``body``.  A framing error is recorded in ``body.framing_error`` (the
    caller drains whatever is left).
    """
    while True:
        line = reader.readline(MAX_CHUNK_LINE)
        if not line.endswith(b"\r\n"):
            body.framing_error = f"chunk header not terminated by CRLF: {line[:80]!r}"
            return
        head = line[:-2].decode("latin-1")
        size_text, _, ext = head.partition(";")
        try:
            if not size_text or size_text.strip() != size_text:
                raise ValueError
            size = int(size_text, 16)
        except ValueError:
            body.framing_error = f"bad chunk size {size_text!r}"
            return
        signature: str | None = None
        if ext:
            name, eq, value = ext.partition("=")
            if name != "chunk-signature" or not eq:
                body.framing_error = f"unexpected chunk extension {ext!r}"
                return
            signature = value
        digest = hashlib.sha256()
        remaining = size
        while remaining:
            data = reader.read(min(piece, remaining))
            if not data:
                body.framing_error = f"body ended inside a {size}-byte chunk"
                return
            remaining -= len(data)
            digest.update(data)
            payload.update(data)
        body.chunks.append(AwsChunk(size, signature, digest.hexdigest()))
        if size == 0:
            break
        if reader.read(2) != b"\r\n":
            body.framing_error = f"chunk {len(body.chunks)} data not followed by CRLF"
            return
    for _ in range(MAX_TRAILER_LINES):
        line = reader.readline(MAX_CHUNK_LINE)
        if line == b"\r\n":
            return
        if not line.endswith(b"\r\n") or b":" not in line:
            body.framing_error = f"bad trailer line {line[:80]!r}"
            return
        name, _, value = line[:-2].decode("utf-8", "replace").partition(":")
        body.trailers.append((name, value))
    body.framing_error = "too many trailer lines"


def verify_streaming(
    result: Verification,
    key: Key,
    signing_key: bytes,
    payload_hash: str,
    headers: Sequence[tuple[str, str]],
    body: BodyInfo,
    algorithm: str,
    amz_date: str,
    scope: str,
    seed: str,
) -> None:
    """Check an aws-chunked body: framing, the chunk signature chain from ``seed``, the trailer and its signature."""
    if body.framing_error:
        raise VerifyError(f"aws-chunked framing: {body.framing_error}", "IncompleteBody")
    if payload_hash not in STREAMING_MODES:
        raise VerifyError(f"aws-chunked body but x-amz-content-sha256 is {payload_hash!r}", "InvalidRequest")
    if result.mode != "header":
        raise VerifyError("aws-chunked streaming needs header signing", "InvalidRequest")
    signed_chunks = payload_hash != STREAMING_UNSIGNED_TRAILER
    with_trailer = payload_hash.endswith("-TRAILER")
    if payload_hash.startswith("STREAMING-AWS4-ECDSA") != (algorithm == V4A_ALGORITHM) and signed_chunks:
        raise VerifyError(f"{payload_hash} does not match algorithm {algorithm}", "InvalidRequest")

    decoded = get_all(headers, "x-amz-decoded-content-length")
    if decoded:
        if one(decoded, "x-amz-decoded-content-length") != str(body.payload_size):
            raise VerifyError(f"x-amz-decoded-content-length {decoded[0]} != decoded size {body.payload_size}", "IncompleteBody")
    elif signed_chunks:
        raise VerifyError("missing x-amz-decoded-content-length", "MissingContentLength")

    previous = seed
    for index, chunk in enumerate(body.chunks, 1):
        if not signed_chunks:
            if chunk.signature is not None:
                raise VerifyError(f"chunk {index} carries a signature in an unsigned-payload stream", "InvalidRequest")
            continue
        if chunk.signature is None:
            raise VerifyError(f"chunk {index} has no chunk-signature", "SignatureDoesNotMatch")
        sig = chunk.signature.rstrip("*")  # SigV4a signatures may be padded with '*'
        sts = chunk_string_to_sign(algorithm, amz_date, scope, previous, chunk.sha256)
        if len(result.chunk_strings_to_sign) < 1000:
            result.chunk_strings_to_sign.append(sts)
        if algorithm == V4A_ALGORITHM:
            good = v4a_verify(key, sig, sts)
        else:
            good = hmac.compare_digest(hmac.new(signing_key, sts.encode(), hashlib.sha256).hexdigest(), sig)
        if not good:
            raise VerifyError(f"chunk {index} ({chunk.size} bytes) signature does not match")
        result.chunks_verified += 1
        previous = sig

    trailers = body.trailers
    if not with_trailer:
        if trailers:
            raise VerifyError(f"trailers sent with {payload_hash}", "InvalidRequest")
        return
    sig_lines = [v for n, v in trailers if n.strip().lower() == "x-amz-trailer-signature"]
    data_lines = [(n, v) for n, v in trailers if n.strip().lower() != "x-amz-trailer-signature"]
    if signed_chunks:
        if len(sig_lines) != 1 or trailers[-1][0].strip().lower() != "x-amz-trailer-signature":
            raise VerifyError("signed trailer must end with exactly one x-amz-trailer-signature", "SignatureDoesNotMatch")
        canonical = "".join(f"{n.strip().lower()}:{v.strip()}\n" for n, v in data_lines)
        sts = trailer_string_to_sign(
            algorithm, amz_date, scope, previous, hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        )
        result.trailer_string_to_sign = sts
        sig = sig_lines[0].strip().rstrip("*")
        if algorithm == V4A_ALGORITHM:
            good = v4a_verify(key, sig, sts)
        else:
            good = hmac.compare_digest(hmac.new(signing_key, sts.encode(), hashlib.sha256).hexdigest(), sig)
        if not good:
            raise VerifyError("trailer signature does not match")
    elif sig_lines:
        raise VerifyError("x-amz-trailer-signature in an unsigned-payload stream", "InvalidRequest")
    declared = [n.strip().lower() for v in get_all(headers, "x-amz-trailer") for n in v.split(",")]
    sent = [n.strip().lower() for n, _ in data_lines]
    if sorted(declared) != sorted(sent):
        raise VerifyError(f"x-amz-trailer declares {declared} but trailers sent are {sent}", "InvalidRequest")
    for name, value in data_lines:
        check_checksum(result, name.strip().lower(), value.strip(), body)


def check_checksum(result: Verification, name: str, value: str, body: BodyInfo) -> None:
    """Compare one ``x-amz-checksum-*`` value with what was computed over the payload."""
    if not name.startswith("x-amz-checksum-"):
        return
    algorithm = name[len("x-amz-checksum-"):]
    if algorithm in ("type", "algorithm"):
        return
    computed = body.checksums.get(algorithm)
    if computed is None:
        raise VerifyError(f"cannot check {name}: algorithm not computed/supported", "InvalidRequest")
    if computed != value:
        raise VerifyError(f"{name} {value} != computed {computed}", "BadDigest")
    result.checksums_verified.append(algorithm)


def verify_header_checksums(result: Verification, headers: Sequence[tuple[str, str]], body: BodyInfo) -> None:
    """Check every ``x-amz-checksum-*`` header."""
    for name, value in headers:
        lname = name.lower()
        if lname.startswith("x-amz-checksum-"):
            check_checksum(result, lname, value.strip(), body)
