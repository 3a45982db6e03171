"""Independent verification of AWS request signatures, for the test harness only.

This module owns the "is this request correctly signed?" question asked by the
loopback server in :mod:`support.server`.  It deliberately shares no code with
``sigcurl``: the canonical request of SigV4 and SigV4a is built with botocore's
``SigV4Auth`` / ``S3SigV4Auth`` canonicalisation (fed an ``AWSRequest`` rebuilt
from the raw request-target), while key derivation, the SigV4a ECDSA check, the
aws-chunked chunk/trailer signature chain and the trailing checksums are
written here with ``hmac``/``hashlib``/``cryptography``.

The parts live beside it (their public names are importable from here too):
:mod:`support.verdicts` (constants, :class:`Key`, :class:`BodyInfo`,
:class:`Verification`), :mod:`support.sigkeys` (SigV4 and SigV4a keys),
:mod:`support.canonical` (the canonical request via botocore) and
:mod:`support.aws_chunked` (streaming bodies, trailers, checksums).

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

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence

from .aws_chunked import (
    Checksum,
    chunk_string_to_sign,
    parse_aws_chunked,
    trailer_string_to_sign,
    verify_header_checksums,
    verify_streaming,
)
from .canonical import canonical_request, query_pairs, split_target
from .sigkeys import derive_sigv4a_private_key, derive_sigv4a_public_numbers, sigv4_signing_key, v4a_verify
from .verdicts import (
    CHECKSUM_ALGORITHMS,
    EMPTY_SHA256,
    STREAMING_MODES,
    UNSIGNED_PAYLOAD,
    V4_ALGORITHM,
    V4A_ALGORITHM,
    AwsChunk,
    BodyInfo,
    Key,
    Verification,
    VerifyError,
    get_all,
    one,
)

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
    "CHECKSUM_ALGORITHMS",
    "STREAMING_MODES",
    "Checksum",
    "VerifyError",
    "canonical_request",
    "query_pairs",
]

MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _parse_amz_date(value: str) -> float:
    if not _AMZ_DATE.match(value):
        raise VerifyError(f"malformed X-Amz-Date {value!r}", "AccessDenied")
    return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))



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
    path, query = split_target(target)
    pairs = query_pairs(query)
    auth_values = get_all(headers, "authorization")
    query_signature = [v for k, v in pairs if k == "X-Amz-Signature"]
    if auth_values and query_signature:
        raise VerifyError("both an Authorization header and X-Amz-Signature", "InvalidArgument")
    if auth_values:
        result.mode = "header"
        auth = one(auth_values, "Authorization header")
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
        amz_date = one(get_all(headers, "x-amz-date"), "X-Amz-Date header")
        region_set = get_all(headers, "x-amz-region-set")
        params = pairs
    elif query_signature:
        result.mode = "query"
        def param(name: str) -> str:
            return one([v for k, v in pairs if k == name], name)
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
        values = get_all(headers, name)
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
        sent = get_all(headers, "x-amz-security-token") if result.mode == "header" else [
            v for k, v in pairs if k == "X-Amz-Security-Token"
        ]
        if sent != [key.session_token]:
            raise VerifyError("session token missing or different from the registered one", "InvalidToken")

    # Payload hash (x-amz-content-sha256) and what goes last in the canonical request.
    content_sha = get_all(headers, "x-amz-content-sha256")
    s3 = service == "s3"
    if content_sha:
        declared = one(content_sha, "x-amz-content-sha256 header")
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
        if not v4a_verify(key, signature, sts):
            raise VerifyError("SigV4a ECDSA signature does not verify with the derived public key")
        result.expected_signature = signature  # ECDSA has no one expected value: the one given verified
        signing_key = b""
    else:
        signing_key = sigv4_signing_key(key.secret_key, scope_date, region or "", service)
        expected = hmac.new(signing_key, sts.encode("utf-8"), hashlib.sha256).hexdigest()
        result.expected_signature = expected
        if not hmac.compare_digest(expected, signature):
            raise VerifyError("signature does not match")

    # Body-level checks: trailing/flexible checksums, aws-chunked signatures.
    if body.aws_chunked:
        verify_streaming(result, key, signing_key, payload_hash, headers, body, algorithm, amz_date, scope, signature)
    verify_header_checksums(result, headers, body)

