"""Independent verification of AWS request signatures, for the test harness only.

This module owns the "is this request correctly signed?" question asked by the
loopback server in :mod:`support.server`.  It deliberately shares no code with
``sigcurl``: the canonical request of SigV4 and SigV4a is built with botocore's
``SigV4Auth`` / ``S3SigV4Auth`` canonicalisation (fed an ``AWSRequest`` rebuilt
from the raw request-target), while key derivation, the SigV4a ECDSA check, the
aws-chunked chunk/trailer signature chain and the trailing checksums are
written here with ``hmac``/``hashlib``/``cryptography``.

Rules applied (AWS SigV4 documentation, "Create a canonical request"):

* Service ``s3`` (from the credential scope): the raw path is used as is (no
  normalisation, single encoding) -- botocore ``S3SigV4Auth``.
* Other services: the raw (already encoded) path is normalised (``.``/``..``
  removed, ``//`` collapsed) and encoded again -- botocore ``SigV4Auth``.
* Query: every ``key=value`` pair of the raw query is percent-decoded (``+`` is
  a literal plus) and re-encoded with the RFC 3986 unreserved set, then sorted;
  repeated keys are kept (botocore ``_canonical_query_string_params`` fed a
  list of pairs, which is what an AWS endpoint does with the wire query).
* Headers: exactly those named in ``SignedHeaders``, values trimmed and inner
  whitespace collapsed, duplicates joined with ``,`` in received order.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "AwsChunk",
    "BodyInfo",
    "Key",
    "Verification",
    "EMPTY_SHA256",
    "chunk_string_to_sign",
    "derive_sigv4a_private_key",
    "derive_sigv4a_public_numbers",
    "parse_aws_chunked",
    "sigv4_signing_key",
    "trailer_string_to_sign",
    "verify_request",
]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
V4_ALGORITHM = "AWS4-HMAC-SHA256"
V4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256"
STREAMING_V4 = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_V4_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_V4A = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
STREAMING_V4A_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
STREAMING_MODES = frozenset(
    {STREAMING_V4, STREAMING_V4_TRAILER, STREAMING_V4A, STREAMING_V4A_TRAILER, STREAMING_UNSIGNED_TRAILER}
)
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
# Order n of the NIST P-256 group (SEC 2, section 2.4.2).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX = re.compile(r"^[0-9a-f]+$")
MAX_CHUNK_LINE = 4096
MAX_TRAILER_LINES = 64
CHECKSUM_ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")


@dataclass(frozen=True)
class Key:
    """A credential the server accepts: secret looked up by access key id."""

    access_key: str
    secret_key: str
    session_token: str | None = None


@dataclass
class AwsChunk:
    """One frame of an ``aws-chunked`` body as received."""

    size: int
    signature: str | None
    sha256: str


@dataclass
class BodyInfo:
    """What the server saw of a request body (after HTTP transfer decoding).

    ``data``/``payload`` are ``None`` when the body was larger than the
    server's storage limit; sizes and SHA-256 digests are always present.
    For a non aws-chunked body ``payload`` is the body itself.
    """

    size: int = 0
    sha256: str = EMPTY_SHA256
    data: bytes | None = b""
    aws_chunked: bool = False
    chunks: list[AwsChunk] = field(default_factory=list)
    trailers: list[tuple[str, str]] = field(default_factory=list)
    payload_size: int = 0
    payload_sha256: str = EMPTY_SHA256
    payload: bytes | None = b""
    checksums: dict[str, str] = field(default_factory=dict)
    framing_error: str | None = None


@dataclass
class Verification:
    """Result of verifying one request.

    ``ok`` is the verdict and ``reason`` says why (``"ok"`` when it passed).
    ``code`` is the AWS error code a real endpoint would answer with.
    ``canonical_request``/``string_to_sign`` are what this verifier computed
    (``None`` if it did not get that far).
    """

    ok: bool = False
    reason: str = "not verified"
    code: str = "AccessDenied"
    mode: str = "none"  # "header" | "query" | "none"
    algorithm: str | None = None
    access_key: str | None = None
    credential_scope: str | None = None
    region: str | None = None
    service: str | None = None
    amz_date: str | None = None
    signed_headers: list[str] = field(default_factory=list)
    signature: str | None = None
    expected_signature: str | None = None
    canonical_request: str | None = None
    string_to_sign: str | None = None
    payload_mode: str | None = None
    chunks_verified: int = 0
    chunk_strings_to_sign: list[str] = field(default_factory=list)
    trailer_string_to_sign: str | None = None
    checksums_verified: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class VerifyError(Exception):
    """A verification failure carrying the AWS error code a server would use."""

    def __init__(self, reason: str, code: str = "SignatureDoesNotMatch") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


# --------------------------------------------------------------------------
# Key derivation and primitive signing (own code, not sigcurl's)
# --------------------------------------------------------------------------


def _hmac(key: bytes, msg: str | bytes) -> bytes:
    return hmac.new(key, msg.encode("utf-8") if isinstance(msg, str) else msg, hashlib.sha256).digest()


def sigv4_signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4 signing key: HMAC chain over date, region, service, ``aws4_request``."""
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


_V4A_KEYS: dict[tuple[str, str], int] = {}


def derive_sigv4a_private_key(access_key: str, secret: str) -> int:
    """SigV4a private scalar from the credentials (NIST SP 800-108 counter-mode KDF).

    HMAC-SHA256 keyed with ``"AWS4A" + secret`` over ``0x00000001 ||
    "AWS4-ECDSA-P256-SHA256" || 0x00 || access key || counter || 0x00000100``;
    the first counter (from 1) whose value k0 <= n - 2 gives d = k0 + 1.
    """
    cached = _V4A_KEYS.get((access_key, secret))
    if cached is not None:
        return cached
    key = ("AWS4A" + secret).encode("utf-8")
    for counter in range(1, 255):
        msg = (
            b"\x00\x00\x00\x01"
            + V4A_ALGORITHM.encode("ascii")
            + b"\x00"
            + access_key.encode("utf-8")
            + bytes([counter])
            + b"\x00\x00\x01\x00"
        )
        k0 = int.from_bytes(_hmac(key, msg), "big")
        if k0 <= P256_ORDER - 2:
            _V4A_KEYS[(access_key, secret)] = k0 + 1
            return k0 + 1
    raise ValueError("SigV4a key derivation did not converge")  # pragma: no cover


def derive_sigv4a_public_numbers(access_key: str, secret: str) -> ec.EllipticCurvePublicNumbers:
    """Public point (X, Y) of the SigV4a key pair for these credentials."""
    d = derive_sigv4a_private_key(access_key, secret)
    return ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers()


def _v4a_public_key(access_key: str, secret: str) -> ec.EllipticCurvePublicKey:
    d = derive_sigv4a_private_key(access_key, secret)
    return ec.derive_private_key(d, ec.SECP256R1()).public_key()


def _v4a_verify(key: Key, signature_hex: str, string_to_sign: str) -> bool:
    try:
        der = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    try:
        _v4a_public_key(key.access_key, key.secret_key).verify(
            der, string_to_sign.encode("utf-8"), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        return False
    return True


def chunk_string_to_sign(
    algorithm: str, amz_date: str, scope: str, previous: str, chunk_sha256: str
) -> str:
    """String to sign of one aws-chunked frame (``<algorithm>-PAYLOAD``)."""
    return "\n".join([algorithm + "-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256, chunk_sha256])


def trailer_string_to_sign(algorithm: str, amz_date: str, scope: str, previous: str, trailer_sha256: str) -> str:
    """String to sign of the trailing headers (``<algorithm>-TRAILER``)."""
    return "\n".join([algorithm + "-TRAILER", amz_date, scope, previous, trailer_sha256])


# --------------------------------------------------------------------------
# Checksums and the aws-chunked framing
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Canonical request via botocore
# --------------------------------------------------------------------------


class _CanonicalMixin:
    """Feeds botocore exactly the signed headers and a precomputed payload hash."""

    signed: list[tuple[str, str]]
    payload_hash: str
    normalize_paths: bool

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name, value in self.signed:
            headers[name] = value
        return headers

    def payload(self, request: AWSRequest) -> str:
        return self.payload_hash


class _PlainCanonical(_CanonicalMixin, SigV4Auth):
    def _normalize_url_path(self, path: str) -> str:
        if self.normalize_paths:
            return str(SigV4Auth._normalize_url_path(self, path))
        from urllib.parse import quote

        return quote(path or "/", safe="/~")


class _S3Canonical(_CanonicalMixin, S3SigV4Auth):
    pass


def _split_target(target: str) -> tuple[str, str]:
    if target.startswith(("http://", "https://")):  # absolute-form
        rest = target.split("://", 1)[1]
        slash = rest.find("/")
        target = rest[slash:] if slash >= 0 else "/"
    path, _, query = target.partition("?")
    return path, query


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Decoded ``(key, value)`` pairs of a raw query; ``+`` stays a plus."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((unquote(k), unquote(v)))
    return pairs


def canonical_request(
    *,
    method: str,
    target: str,
    signed: list[tuple[str, str]],
    params: Sequence[tuple[str, str]],
    payload_hash: str,
    s3: bool,
    normalize_paths: bool = True,
) -> str:
    """Canonical request computed by botocore for the raw target and headers."""
    path, _ = _split_target(target)
    creds = Credentials("unused", "unused")
    auth: _CanonicalMixin
    auth = _S3Canonical(creds, "s3", "us-east-1") if s3 else _PlainCanonical(creds, "service", "us-east-1")
    auth.signed = signed
    auth.payload_hash = payload_hash
    auth.normalize_paths = normalize_paths
    request = AWSRequest(method=method, url="http://verifier.invalid" + (path or "/"))
    request.params = list(params)
    # The payload hash always comes from payload(): botocore would otherwise
    # read X-Amz-Content-SHA256 from request.headers, which we leave empty.
    return str(auth.canonical_request(request))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# The verifier
# --------------------------------------------------------------------------


def _parse_amz_date(value: str) -> float:
    if not _AMZ_DATE.match(value):
        raise VerifyError(f"malformed X-Amz-Date {value!r}", "AccessDenied")
    return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))


def _get_all(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    lname = name.lower()
    return [v for n, v in headers if n.lower() == lname]


def _one(values: list[str], what: str) -> str:
    if len(values) != 1:
        code = "AuthorizationQueryParametersError" if what.startswith("X-Amz-") else "InvalidRequest"
        raise VerifyError(f"{what} present {len(values)} times (need exactly once)", code)
    return values[0]


def verify_request(
    *,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: BodyInfo,
    keys: Mapping[str, Key],
    now: float,
    clock_tolerance: float | None = 300.0,
    normalize_paths: bool = True,
    presign_token_signed: bool = True,
) -> Verification:
    """Verify the SigV4/SigV4a signature (header or presigned query) of one request.

    Never raises for a bad request: the verdict is in the returned
    :class:`Verification`.
    """
    result = Verification()
    try:
        _verify(result, method, target, headers, body, keys, now, clock_tolerance, normalize_paths, presign_token_signed)
    except VerifyError as exc:
        result.ok = False
        result.reason = exc.reason
        result.code = exc.code
    else:
        result.ok = True
        result.reason = "ok"
        result.code = ""
    return result


def _verify(
    result: Verification,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: BodyInfo,
    keys: Mapping[str, Key],
    now: float,
    tolerance: float | None,
    normalize_paths: bool,
    presign_token_signed: bool,
) -> None:
    path, query = _split_target(target)
    pairs = query_pairs(query)
    auth_values = _get_all(headers, "authorization")
    query_signature = [v for k, v in pairs if k == "X-Amz-Signature"]
    if auth_values and query_signature:
        raise VerifyError("both an Authorization header and X-Amz-Signature", "InvalidArgument")
    if auth_values:
        result.mode = "header"
        auth = _one(auth_values, "Authorization header")
        algorithm, _, rest = auth.partition(" ")
        fields: dict[str, str] = {}
        for item in rest.split(","):
            k, eq, v = item.strip().partition("=")
            if not eq or k in fields:
                raise VerifyError(f"malformed Authorization header component {item.strip()!r}", "AuthorizationHeaderMalformed")
            fields[k] = v
        if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
            raise VerifyError(f"Authorization header needs Credential, SignedHeaders, Signature; got {sorted(fields)}", "AuthorizationHeaderMalformed")
        credential, signed_list, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
        amz_date = _one(_get_all(headers, "x-amz-date"), "X-Amz-Date header")
        region_set = _get_all(headers, "x-amz-region-set")
        params = pairs
    elif query_signature:
        result.mode = "query"
        def param(name: str) -> str:
            return _one([v for k, v in pairs if k == name], name)
        algorithm = param("X-Amz-Algorithm")
        credential = param("X-Amz-Credential")
        signed_list = param("X-Amz-SignedHeaders")
        signature = param("X-Amz-Signature")
        amz_date = param("X-Amz-Date")
        expires_text = param("X-Amz-Expires")
        region_set = [v for k, v in pairs if k == "X-Amz-Region-Set"]
        params = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
        if not presign_token_signed:
            params = [(k, v) for k, v in params if k != "X-Amz-Security-Token"]
    else:
        raise VerifyError("request is not signed (no Authorization header, no X-Amz-Signature)", "AccessDenied")

    result.algorithm = algorithm
    result.signature = signature
    result.amz_date = amz_date
    if algorithm not in (V4_ALGORITHM, V4A_ALGORITHM):
        raise VerifyError(f"unsupported algorithm {algorithm!r}", "AuthorizationHeaderMalformed")
    v4a = algorithm == V4A_ALGORITHM

    # Credential = <key>/<date>/<region>/<service>/aws4_request (SigV4a: no region).
    parts = credential.split("/")
    if len(parts) != (4 if v4a else 5) or parts[-1] != "aws4_request":
        raise VerifyError(f"malformed credential {credential!r}", "AuthorizationHeaderMalformed")
    access_key, scope_date = parts[0], parts[1]
    region = None if v4a else parts[2]
    service = parts[-2]
    scope = "/".join(parts[1:])
    result.access_key, result.credential_scope, result.region, result.service = access_key, scope, region, service
    key = keys.get(access_key)
    if key is None:
        raise VerifyError(f"unknown access key id {access_key!r}", "InvalidAccessKeyId")

    # Date: format, agreement with the scope, and the server's clock.
    when = _parse_amz_date(amz_date)
    if scope_date != amz_date[:8]:
        raise VerifyError(f"credential scope date {scope_date} != X-Amz-Date {amz_date}", "AuthorizationHeaderMalformed")
    if result.mode == "query":
        if not expires_text.isdigit() or not 1 <= int(expires_text) <= MAX_PRESIGN_EXPIRES:
            raise VerifyError(f"X-Amz-Expires {expires_text!r} not in 1..{MAX_PRESIGN_EXPIRES}", "AuthorizationQueryParametersError")
        if tolerance is not None:
            if when - now > tolerance:
                raise VerifyError(f"presigned X-Amz-Date {amz_date} is {when - now:.0f}s in the future", "RequestTimeTooSkewed")
            if now > when + int(expires_text):
                raise VerifyError(f"presigned URL expired {now - when - int(expires_text):.0f}s ago", "AccessDenied")
    elif tolerance is not None and abs(when - now) > tolerance:
        raise VerifyError(
            f"X-Amz-Date {amz_date} is {when - now:+.0f}s from the server clock (tolerance {tolerance:g}s)",
            "RequestTimeTooSkewed",
        )

    # SignedHeaders: lowercase, sorted, unique, includes host, all present.
    names = signed_list.split(";")
    result.signed_headers = names
    if names != sorted(set(names)) or any(n != n.lower() or not n for n in names):
        raise VerifyError(f"SignedHeaders {signed_list!r} is not lowercase, sorted and unique", "AuthorizationHeaderMalformed")
    if "host" not in names:
        raise VerifyError("host is not a signed header", "AuthorizationHeaderMalformed")
    if result.mode == "header" and "authorization" in names:
        raise VerifyError("authorization cannot be a signed header", "AuthorizationHeaderMalformed")
    signed: list[tuple[str, str]] = []
    for name in names:
        values = _get_all(headers, name)
        if not values:
            raise VerifyError(f"signed header {name!r} is not in the request", "AccessDenied")
        signed.extend((name, v) for v in values)
    if v4a:
        if not region_set:
            raise VerifyError("SigV4a request without X-Amz-Region-Set", "AuthorizationHeaderMalformed")
        if result.mode == "header" and "x-amz-region-set" not in names:
            raise VerifyError("x-amz-region-set is not signed", "AuthorizationHeaderMalformed")

    # Session token.
    if key.session_token is not None:
        sent = _get_all(headers, "x-amz-security-token") if result.mode == "header" else [
            v for k, v in pairs if k == "X-Amz-Security-Token"
        ]
        if sent != [key.session_token]:
            raise VerifyError("session token missing or different from the registered one", "InvalidToken")

    # Payload hash (x-amz-content-sha256) and what goes last in the canonical request.
    content_sha = _get_all(headers, "x-amz-content-sha256")
    s3 = service == "s3"
    if content_sha:
        declared = _one(content_sha, "x-amz-content-sha256 header")
        payload_hash = declared
        if declared in STREAMING_MODES:
            if not body.aws_chunked:
                raise VerifyError(f"x-amz-content-sha256 {declared} but the body is not aws-chunked", "InvalidRequest")
        elif declared != UNSIGNED_PAYLOAD:
            if not _HEX64.match(declared):
                raise VerifyError(f"x-amz-content-sha256 {declared!r} is not a SHA-256 hex digest", "InvalidArgument")
            if declared != body.sha256:
                raise VerifyError(f"x-amz-content-sha256 {declared} != SHA-256 of the body {body.sha256}", "XAmzContentSHA256Mismatch")
    elif s3 and result.mode == "query":
        payload_hash = UNSIGNED_PAYLOAD
    elif s3:
        raise VerifyError("S3 request without x-amz-content-sha256", "InvalidRequest")
    else:
        payload_hash = body.sha256
    result.payload_mode = payload_hash if payload_hash in STREAMING_MODES or payload_hash == UNSIGNED_PAYLOAD else "sha256"

    creq = canonical_request(
        method=method,
        target=target,
        signed=signed,
        params=params,
        payload_hash=payload_hash,
        s3=s3,
        normalize_paths=normalize_paths,
    )
    result.canonical_request = creq
    sts = "\n".join([algorithm, amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    result.string_to_sign = sts

    if v4a:
        if not _v4a_verify(key, signature, sts):
            raise VerifyError("SigV4a ECDSA signature does not verify with the derived public key")
        signing_key = b""
    else:
        signing_key = sigv4_signing_key(key.secret_key, scope_date, region or "", service)
        expected = hmac.new(signing_key, sts.encode("utf-8"), hashlib.sha256).hexdigest()
        result.expected_signature = expected
        if not hmac.compare_digest(expected, signature):
            raise VerifyError("signature does not match")

    # Body-level checks: trailing/flexible checksums, aws-chunked signatures.
    if body.aws_chunked:
        _verify_streaming(result, key, signing_key, payload_hash, headers, body, algorithm, amz_date, scope, signature)
    _verify_header_checksums(result, headers, body)


def _verify_streaming(
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

    decoded = _get_all(headers, "x-amz-decoded-content-length")
    if decoded:
        if _one(decoded, "x-amz-decoded-content-length") != str(body.payload_size):
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
            good = _v4a_verify(key, sig, sts)
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
            good = _v4a_verify(key, sig, sts)
        else:
            good = hmac.compare_digest(hmac.new(signing_key, sts.encode(), hashlib.sha256).hexdigest(), sig)
        if not good:
            raise VerifyError("trailer signature does not match")
    elif sig_lines:
        raise VerifyError("x-amz-trailer-signature in an unsigned-payload stream", "InvalidRequest")
    declared = [n.strip().lower() for v in _get_all(headers, "x-amz-trailer") for n in v.split(",")]
    sent = [n.strip().lower() for n, _ in data_lines]
    if sorted(declared) != sorted(sent):
        raise VerifyError(f"x-amz-trailer declares {declared} but trailers sent are {sent}", "InvalidRequest")
    for name, value in data_lines:
        _check_checksum(result, name.strip().lower(), value.strip(), body)


def _check_checksum(result: Verification, name: str, value: str, body: BodyInfo) -> None:
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


def _verify_header_checksums(result: Verification, headers: Sequence[tuple[str, str]], body: BodyInfo) -> None:
    for name, value in headers:
        lname = name.lower()
        if lname.startswith("x-amz-checksum-"):
            _check_checksum(result, lname, value.strip(), body)
