"""Tests of the test harness itself: the verifying loopback server must be right and strict.

Requests are signed by botocore / awscrt (or taken from the official vectors)
and sent with ``http.client`` or a raw socket, so the wire is exactly
controlled; nothing here imports sigcurl.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from support.server import RecordedRequest, Response, VerifyingServer, generate_body
from support.verifier import (
    EMPTY_SHA256,
    chunk_string_to_sign,
    derive_sigv4a_private_key,
    derive_sigv4a_public_numbers,
    sigv4_signing_key,
    trailer_string_to_sign,
)

VECTORS = Path(__file__).parent / "vectors"
S3_EXAMPLES = json.loads((VECTORS / "s3-examples.json").read_text())
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDS = Credentials(AKID, SECRET)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def send(
    srv: VerifyingServer,
    method: str,
    target: str,
    headers: list[tuple[str, str]] | dict[str, str],
    body: bytes = b"",
    conn: http.client.HTTPConnection | None = None,
    timeout: float = 10,
) -> tuple[int, http.client.HTTPResponse, bytes]:
    """Send exactly this request line, these headers and this body; return status, response, body."""
    own = conn is None
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    for k, v in items:
        conn.putheader(k, v)
    if body and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in items):
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body or None)
    resp = conn.getresponse()
    data = resp.read()
    if own:
        conn.close()
    return resp.status, resp, data


def raw_exchange(srv: VerifyingServer, data: bytes, timeout: float = 10) -> bytes:
    """Write raw bytes, read until the server has answered one response (Connection: close)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        while True:
            piece = sock.recv(65536)
            if not piece:
                return out
            out += piece


def signed(
    srv: VerifyingServer,
    method: str,
    target: str,
    *,
    service: str = "service",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    presign: bool = False,
    creds: Credentials = CREDS,
    expires: int = 300,
) -> tuple[str, list[tuple[str, str]]]:
    """Sign with botocore (S3 rules for service s3); return the wire target and headers."""
    all_headers = {"Host": srv.host, **(headers or {})}
    req = AWSRequest(method=method, url=srv.url + target, data=body, headers=all_headers)
    s3 = service == "s3"
    if presign:
        (S3SigV4QueryAuth if s3 else SigV4QueryAuth)(creds, service, "us-east-1", expires).add_auth(req)
    else:
        (S3SigV4Auth if s3 else SigV4Auth)(creds, service, "us-east-1").add_auth(req)
    wire_target = req.url[len(srv.url):]
    return wire_target, list(req.headers.items())


def assert_ok(record: RecordedRequest) -> None:
    assert record.verification.ok, (record.verification.reason, record.verification.canonical_request)


def assert_rejected(record: RecordedRequest, fragment: str) -> None:
    assert not record.verification.ok
    assert fragment in record.verification.reason, record.verification.reason


# --------------------------------------------------------------------------
# botocore-signed requests verify; tampered ones do not
# --------------------------------------------------------------------------

PATHS = [
    "/",
    "/plain/object.txt",
    "/with%20space/",
    "/%E1%88%B4/unicode",
    "/a%2Fb",
    "/a/../b/./c",
    "/x//y/",
    "/a+b",
    "/tilde~-_.",
]
QUERIES = ["", "?a=1", "?b=2&a=1&a=0", "?k=&j", "?q=a%2Bb&q=a%20b&z=%E2%82%AC"]


@pytest.mark.parametrize("service", ["service", "s3"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("query", QUERIES)
def test_botocore_header_signed_requests_verify(server: VerifyingServer, service: str, path: str, query: str) -> None:
    target, headers = signed(server, "POST", path + query, service=service, body=b"payload")
    status, _, body = send(server, "POST", target, headers, b"payload")
    record = server.last
    assert_ok(record)
    assert status == 200 and json.loads(body)["signature_ok"] is True
    assert record.target == path + query  # raw, undecoded
    assert record.body == b"payload"
    creq = record.verification.canonical_request
    assert creq is not None
    canonical_uri = creq.split("\n")[1]
    if service == "s3":
        assert canonical_uri == path  # S3: as sent, single encoding, no normalisation
    else:
        assert "%25" in canonical_uri or "%" not in path  # double encoding
        assert ".." not in canonical_uri and "//" not in canonical_uri


@pytest.mark.parametrize("service", ["service", "s3"])
@pytest.mark.parametrize("path", ["/", "/with%20space/x", "/a%2Fb", "/%E1%88%B4", "/a+b"])
def test_botocore_presigned_requests_verify(server: VerifyingServer, service: str, path: str) -> None:
    target, headers = signed(server, "GET", path + "?list-type=2&prefix=a%20b", service=service, presign=True)
    assert "X-Amz-Signature=" in target
    send(server, "GET", target, headers)
    record = server.last
    assert_ok(record)
    assert record.verification.mode == "query"
    assert record.verification.canonical_request.endswith("UNSIGNED-PAYLOAD" if service == "s3" else EMPTY_SHA256)


def test_session_token_is_required_and_checked(server: VerifyingServer) -> None:
    creds = Credentials("ASIATESTKEY", "testsecret", "the-token")
    server.add_key("ASIATESTKEY", "testsecret", "the-token")
    target, headers = signed(server, "GET", "/t", creds=creds)
    assert ("X-Amz-Security-Token", "the-token") in headers
    send(server, "GET", target, headers)
    assert_ok(server.last)
    target, headers = signed(server, "GET", "/t", creds=creds, presign=True)
    send(server, "GET", target, headers)
    assert_ok(server.last)
    # A different (correctly signed) token is refused.
    target, headers = signed(server, "GET", "/t", creds=Credentials("ASIATESTKEY", "testsecret", "other"))
    send(server, "GET", target, headers)
    assert_rejected(server.last, "session token")


def _replace(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k.lower() == name.lower() else v) for k, v in headers]


@pytest.mark.parametrize("service", ["service", "s3"])
def test_tampering_is_rejected(server: VerifyingServer, service: str) -> None:
    target, headers = signed(
        server, "PUT", "/bucket/key?acl=1", service=service, body=b"body", headers={"X-Amz-Meta-A": "1"}
    )
    send(server, "PUT", target, headers, b"body")
    assert_ok(server.last)
    # changed path / query
    send(server, "PUT", target.replace("/key", "/kez"), headers, b"body")
    assert_rejected(server.last, "signature does not match")
    send(server, "PUT", target.replace("acl=1", "acl=2"), headers, b"body")
    assert_rejected(server.last, "signature does not match")
    # changed signed header value
    send(server, "PUT", target, _replace(headers, "X-Amz-Meta-A", "2"), b"body")
    assert_rejected(server.last, "signature does not match")
    # changed body (S3: x-amz-content-sha256 no longer matches; others: payload hash)
    send(server, "PUT", target, headers, b"bodY")
    assert_rejected(server.last, "x-amz-content-sha256" if service == "s3" else "signature does not match")
    # changed date
    stamp = dict(headers)["X-Amz-Date"]
    send(server, "PUT", target, _replace(headers, "X-Amz-Date", stamp[:-3] + ("58Z" if not stamp.endswith("58Z") else "57Z")), b"body")
    assert_rejected(server.last, "does not match")
    # a signed header removed
    send(server, "PUT", target, [(k, v) for k, v in headers if k != "X-Amz-Meta-A"], b"body")
    assert_rejected(server.last, "signed header 'x-amz-meta-a'")
    # wrong secret, unknown key
    target2, headers2 = signed(server, "PUT", "/bucket/key", service=service, creds=Credentials(AKID, "wrong"))
    send(server, "PUT", target2, headers2)
    assert_rejected(server.last, "signature does not match")
    target3, headers3 = signed(server, "PUT", "/bucket/key", service=service, creds=Credentials("AKIDNOBODY", "x"))
    send(server, "PUT", target3, headers3)
    assert_rejected(server.last, "unknown access key")
    assert server.last.verification.code == "InvalidAccessKeyId"


def test_unsigned_request_and_presign_tamper(server: VerifyingServer) -> None:
    send(server, "GET", "/", {"Host": server.host})
    assert_rejected(server.last, "not signed")
    target, headers = signed(server, "GET", "/obj?x=1", service="s3", presign=True)
    send(server, "GET", target + "&extra=1", headers)
    assert_rejected(server.last, "signature does not match")
    send(server, "GET", target.replace("X-Amz-Expires=300", "X-Amz-Expires=301"), headers)
    assert_rejected(server.last, "signature does not match")


def test_clock_checks(server: VerifyingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.auth

    old = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: old)
    target, headers = signed(server, "GET", "/")
    send(server, "GET", target, headers)
    assert_rejected(server.last, "from the server clock")
    assert server.last.verification.code == "RequestTimeTooSkewed"
    # A presigned URL from an hour ago that expired after 300 s.
    target, headers = signed(server, "GET", "/", presign=True, expires=300)
    send(server, "GET", target, headers)
    assert_rejected(server.last, "expired")
    # The same requests pass once the server's clock agrees (clock_offset), or checks are off.
    server.clock_offset = -3600
    send(server, "GET", target, headers)
    assert_ok(server.last)
    server.clock_offset = 0
    server.clock_tolerance = None
    send(server, "GET", target, headers)
    assert_ok(server.last)


def test_non_canonical_query_encoding_on_the_wire_is_canonicalised(server: VerifyingServer) -> None:
    """The server decodes and re-encodes the query as an AWS endpoint does: %7E -> ~, + -> %2B."""
    target, headers = signed(server, "GET", "/?a=~&b=%2B")
    wire = target.replace("a=~", "a=%7e").replace("b=%2B", "b=+")
    send(server, "GET", wire, headers)
    assert_ok(server.last)
    assert server.last.verification.canonical_request.split("\n")[2] == "a=~&b=%2B"
    assert server.last.target == wire


# --------------------------------------------------------------------------
# official vectors (aws-c-auth SigV4 and SigV4a suites), sent raw
# --------------------------------------------------------------------------


def _cases(suite: str) -> list[Any]:
    root = VECTORS / suite
    return [
        pytest.param(d, mode, id=f"{d.name}-{mode}")
        for d in sorted(p for p in root.iterdir() if p.is_dir())
        for mode in ("header", "query")
        if (d / f"{mode}-signed-request.txt").exists()
    ]


def _wire(text: bytes) -> bytes:
    """Vector request file (LF, maybe folded, maybe a body) -> HTTP/1.1 bytes with Connection: close."""
    head, sep, body = text.partition(b"\n\n")
    lines = head.split(b"\n")
    out = [lines[0]]
    has_length = False
    for line in lines[1:]:
        out.append(line)
        has_length |= line.lower().startswith(b"content-length:")
    if body and not has_length:
        out.append(b"Content-Length: %d" % len(body))
    out.append(b"Connection: close")
    return b"\r\n".join(out) + b"\r\n\r\n" + body


def _setup_from_context(srv: VerifyingServer, case: Path) -> dict[str, Any]:
    ctx = json.loads((case / "context.json").read_text())
    creds = ctx["credentials"]
    token = creds.get("token") if ctx.get("omit_session_token") is not True else None
    srv.add_key(creds["access_key_id"], creds["secret_access_key"], token)
    srv.freeze_clock(ctx["timestamp"].replace("-", "").replace(":", ""))
    srv.normalize_paths = ctx.get("normalize", True)
    srv.presign_token_signed = not ctx.get("omit_session_token", False)
    return ctx


@pytest.mark.parametrize("case, mode", _cases("aws-c-auth-v4"))
def test_aws_c_auth_v4_vectors_verify(server: VerifyingServer, case: Path, mode: str) -> None:
    _setup_from_context(server, case)
    raw_exchange(server, _wire((case / f"{mode}-signed-request.txt").read_bytes()))
    record = server.last
    assert_ok(record)
    assert record.verification.canonical_request == (case / f"{mode}-canonical-request.txt").read_text()
    assert record.verification.string_to_sign == (case / f"{mode}-string-to-sign.txt").read_text()
    # Flip one signature digit: rejected.
    text = (case / f"{mode}-signed-request.txt").read_bytes()
    sig = (case / f"{mode}-signature.txt").read_bytes().strip()
    bad = sig[:-1] + (b"0" if sig[-1:] != b"0" else b"1")
    raw_exchange(server, _wire(text.replace(sig, bad)))
    assert_rejected(server.last, "signature does not match")


@pytest.mark.parametrize("case, mode", _cases("aws-c-auth-v4a"))
def test_aws_c_auth_v4a_vectors_verify(server: VerifyingServer, case: Path, mode: str) -> None:
    _setup_from_context(server, case)
    text = (case / f"{mode}-signed-request.txt").read_bytes()
    raw_exchange(server, _wire(text))
    record = server.last
    assert_ok(record)
    assert record.verification.algorithm == "AWS4-ECDSA-P256-SHA256"
    assert record.verification.canonical_request == (case / f"{mode}-canonical-request.txt").read_text()
    assert record.verification.string_to_sign == (case / f"{mode}-string-to-sign.txt").read_text()
    # Same DER signature over a changed request: rejected.
    tampered = text.replace(b"example.amazonaws.com", b"example.amazonaws.org", 1)
    raw_exchange(server, _wire(tampered))
    assert_rejected(server.last, "ECDSA")


def test_sigv4a_key_derivation_matches_vectors() -> None:
    data = json.loads((VECTORS / "aws-c-auth-v4a" / "key-derivation-vectors.json").read_text())
    for v in data["vectors"]:
        numbers = derive_sigv4a_public_numbers(v["access_key_id"], v["secret_access_key"])
        assert (format(numbers.x, "064x"), format(numbers.y, "064x")) == (v["X"], v["Y"])
        if "private_key" in v:
            assert format(derive_sigv4a_private_key(v["access_key_id"], v["secret_access_key"]), "064x") == v["private_key"]
    public = json.loads((VECTORS / "aws-c-auth-v4a" / "get-vanilla" / "public-key.json").read_text())
    numbers = derive_sigv4a_public_numbers(AKID, SECRET)
    assert format(numbers.x, "064x") == public["X"]


@pytest.mark.parametrize("presign", [False, True])
@pytest.mark.parametrize("service", ["service", "s3"])
def test_awscrt_signed_sigv4a_requests_verify(server: VerifyingServer, presign: bool, service: str) -> None:
    import botocore.auth  # noqa: F401  (botocore.crt.auth needs it imported first)
    from botocore.crt import auth as crt_auth

    names = {
        (False, "service"): "CrtSigV4AsymAuth",
        (False, "s3"): "CrtS3SigV4AsymAuth",
        (True, "service"): "CrtSigV4AsymQueryAuth",
        (True, "s3"): "CrtS3SigV4AsymQueryAuth",
    }
    cls = getattr(crt_auth, names[(presign, service)])
    req = AWSRequest(method="GET", url=server.url + "/a%20b/c?x=1&y=%E2%82%AC", headers={"Host": server.host})
    (cls(CREDS, service, "us-east-1,us-west-2", 300) if presign else cls(CREDS, service, "us-east-1,us-west-2")).add_auth(req)
    send(server, "GET", req.url[len(server.url):], list(req.headers.items()))
    assert_ok(server.last)
    assert server.last.verification.algorithm == "AWS4-ECDSA-P256-SHA256"
    # Any change breaks the ECDSA check.
    send(server, "GET", req.url[len(server.url):].replace("x=1", "x=2"), list(req.headers.items()))
    assert_rejected(server.last, "ECDSA")


# --------------------------------------------------------------------------
# S3 documentation examples, including aws-chunked streaming
# --------------------------------------------------------------------------


def _example(name: str) -> dict[str, Any]:
    return next(e for e in S3_EXAMPLES["examples"] if e["name"] == name)


def _body(spec: Any) -> bytes:
    if spec is None:
        return b""
    if isinstance(spec, str):
        return spec.encode()
    return spec["byte"].encode() * spec["length"]


def test_own_signing_key_matches_s3_documentation() -> None:
    key = sigv4_signing_key(S3_EXAMPLES["credentials"]["secret_access_key"], "20130524", "us-east-1", "s3")
    assert key.hex() == S3_EXAMPLES["signing_key_hex"]


@pytest.mark.parametrize("name", ["get-object", "put-object", "get-bucket-lifecycle", "list-objects", "presigned-get-object"])
def test_s3_documentation_examples_verify(server: VerifyingServer, name: str) -> None:
    ex = _example(name)
    server.freeze_clock(S3_EXAMPLES["timestamp"])
    inp, exp = ex["input"], ex["expected"]
    # The wire carries the canonical (encoded) URI; S3 uses it verbatim.
    target = inp["canonical_uri"] + inp["path"][len(inp["path"].split("?")[0]):]
    if ex["signing"] == "query":
        target = exp["url"].split("amazonaws.com", 1)[1]
    headers = list(map(tuple, inp["headers"]))
    if ex["signing"] == "header":
        headers.append(("Authorization", exp["authorization"]))
    send(server, inp["method"], target, headers, _body(inp["body"]))
    v = server.last.verification
    assert_ok(server.last)
    assert v.canonical_request == exp["canonical_request"]
    assert v.string_to_sign == exp["string_to_sign"]
    assert v.expected_signature == exp["signature"]


def _chunked_wire(ex: dict[str, Any], *, corrupt: int | None = None) -> bytes:
    exp = ex["expected"]
    out = b""
    for i, chunk in enumerate(exp["chunks"]):
        data = _body(chunk["data"])
        if corrupt == i and data:
            data = b"b" + data[1:]
        out += chunk["encoded_prefix"].encode() + data + (b"\r\n" if data else b"")
    out += exp["trailer"]["encoded"].encode() if "trailer" in exp else b"\r\n"
    return out


@pytest.mark.parametrize("name", ["put-object-chunked", "put-object-chunked-trailer"])
def test_s3_streaming_examples_verify(server: VerifyingServer, name: str) -> None:
    ex = _example(name)
    server.freeze_clock(S3_EXAMPLES["timestamp"])
    inp, exp = ex["input"], ex["expected"]
    wire = _chunked_wire(ex)
    headers = [tuple(h) for h in inp["headers"] if h[0].lower() != "content-length"]
    headers += [("Content-Length", str(len(wire))), ("Authorization", exp["seed"]["authorization"])]
    if "encoded_content_length" in exp:
        assert len(wire) == exp["encoded_content_length"]
    send(server, "PUT", inp["path"], headers, wire)
    record = server.last
    v = record.verification
    assert_ok(record)
    assert v.canonical_request == exp["seed"]["canonical_request"]
    assert v.chunks_verified == len(exp["chunks"])
    assert v.chunk_strings_to_sign == [c["string_to_sign"] for c in exp["chunks"]]
    assert record.payload == _body(inp["body"]) and record.body == wire
    assert [c.signature for c in record.body_info.chunks] == [c["signature"] for c in exp["chunks"]]
    if "trailer" in exp:
        assert v.trailer_string_to_sign == exp["trailer"]["string_to_sign"]
        assert v.checksums_verified == ["crc32c"]

    # A changed data byte breaks that chunk's signature.
    send(server, "PUT", inp["path"], headers, _chunked_wire(ex, corrupt=1))
    assert_rejected(server.last, "chunk 2 (1024 bytes) signature does not match")
    # A chunk missing entirely breaks the decoded length.
    short = wire.replace(exp["chunks"][1]["encoded_prefix"].encode() + b"a" * 1024 + b"\r\n", b"")
    send(server, "PUT", inp["path"], _replace(headers, "Content-Length", str(len(short))), short)
    # (content-length is signed in one example: then the seed signature already fails)
    signed_length = "content-length" in exp["seed"]["signed_headers"].split(";")
    assert_rejected(server.last, "signature does not match" if signed_length else "x-amz-decoded-content-length")


def test_s3_trailer_with_wrong_checksum_or_signature_is_rejected(server: VerifyingServer) -> None:
    ex = _example("put-object-chunked-trailer")
    server.freeze_clock(S3_EXAMPLES["timestamp"])
    inp, exp = ex["input"], ex["expected"]
    headers = [tuple(h) for h in inp["headers"]] + [("Authorization", exp["seed"]["authorization"])]
    for old, new in [(b"sOO8/Q==", b"AAAAAA=="), (exp["trailer"]["signature"][:8].encode(), b"00000000")]:
        wire = _chunked_wire(ex).replace(old, new)
        send(server, "PUT", inp["path"], headers + [("Content-Length", str(len(wire)))], wire)
        assert_rejected(server.last, "trailer signature does not match")


def test_trailer_string_to_sign_matches_aws_c_auth() -> None:
    ex = _example("aws-c-auth-trailing-headers-after-chunked")
    canonical = "".join(f"{k}:{v}\n" for k, v in ex["input"]["trailers"])
    assert canonical == ex["expected"]["canonical_trailers"]
    sts = trailer_string_to_sign(
        "AWS4-HMAC-SHA256",
        S3_EXAMPLES["timestamp"],
        S3_EXAMPLES["credential_scope"],
        ex["input"]["previous_signature"],
        hashlib.sha256(canonical.encode()).hexdigest(),
    )
    assert sts == ex["expected"]["string_to_sign"]
    key = bytes.fromhex(S3_EXAMPLES["signing_key_hex"])
    assert hmac.new(key, sts.encode(), hashlib.sha256).hexdigest() == ex["expected"]["signature"]


def _stream_headers(srv: VerifyingServer, mode: str, payload: bytes, extra: dict[str, str], service: str = "s3") -> tuple[str, list[tuple[str, str]]]:
    headers = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Content-SHA256": mode,
        "X-Amz-Decoded-Content-Length": str(len(payload)),
        **extra,
    }
    req = AWSRequest(method="PUT", url=srv.url + "/bucket/key", headers={"Host": srv.host, **headers})
    SigV4Auth(CREDS, service, "us-east-1").add_auth(req)  # honours the given x-amz-content-sha256
    return "/bucket/key", list(req.headers.items())


@pytest.mark.parametrize("algorithm", ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"])
def test_unsigned_trailer_stream_over_http_chunked(server: VerifyingServer, algorithm: str) -> None:
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER, inside HTTP Transfer-Encoding: chunked; checksum checked."""
    import awscrt.checksums

    payload = bytes(range(256)) * 300
    if algorithm == "crc32":
        raw = zlib.crc32(payload).to_bytes(4, "big")
    elif algorithm in ("crc32c", "crc64nvme"):
        raw = getattr(awscrt.checksums, algorithm)(payload).to_bytes(8 if algorithm == "crc64nvme" else 4, "big")
    else:
        raw = hashlib.new(algorithm, payload).digest()
    value = base64.b64encode(raw).decode()
    name = f"x-amz-checksum-{algorithm}"
    frames = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (payload[:50000], payload[50000:]))
    aws_body = frames + b"0\r\n" + f"{name}:{value}\r\n\r\n".encode()
    target, headers = _stream_headers(server, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", payload, {"X-Amz-Trailer": name})
    http_chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (aws_body[:7], aws_body[7:])) + b"0\r\n\r\n"
    send(server, "PUT", target, headers + [("Transfer-Encoding", "chunked")], http_chunked)
    record = server.last
    assert_ok(record)
    assert record.payload == payload and record.verification.checksums_verified == [algorithm]
    bad = aws_body.replace(value.encode(), base64.b64encode(b"\0" * len(raw)))
    send(server, "PUT", target, headers + [("Content-Length", str(len(bad)))], bad)
    assert_rejected(server.last, f"{name} ")


def test_own_sigv4a_streaming_upload_verifies(server: VerifyingServer) -> None:
    """SigV4a seed (awscrt) + chunk signatures made here with cryptography; chain checked."""
    import botocore.auth  # noqa: F401
    from botocore.crt.auth import CrtS3SigV4AsymAuth

    payload = b"z" * 70000
    headers = {
        "Host": server.host,
        "Content-Encoding": "aws-chunked",
        "X-Amz-Content-SHA256": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "X-Amz-Decoded-Content-Length": str(len(payload)),
    }
    class StreamingSeed(CrtS3SigV4AsymAuth):  # type: ignore[misc]
        def _get_existing_sha256(self, request: AWSRequest) -> str:
            return str(request.headers["X-Amz-Content-SHA256"])  # keep the STREAMING marker

    req = AWSRequest(method="PUT", url=server.url + "/bucket/key", headers=headers)
    StreamingSeed(CREDS, "s3", "*").add_auth(req)
    auth = req.headers["Authorization"]
    seed = auth.rsplit("Signature=", 1)[1]
    amz_date = req.headers["X-Amz-Date"]
    scope = auth.split("Credential=", 1)[1].split(",")[0].split("/", 1)[1]
    private = ec.derive_private_key(derive_sigv4a_private_key(AKID, SECRET), ec.SECP256R1())
    previous, wire = seed, b""
    for piece in (payload[:65536], payload[65536:], b""):
        sts = chunk_string_to_sign("AWS4-ECDSA-P256-SHA256", amz_date, scope, previous, hashlib.sha256(piece).hexdigest())
        sig = private.sign(sts.encode(), ec.ECDSA(hashes.SHA256())).hex()
        wire += b"%x;chunk-signature=%s\r\n" % (len(piece), sig.ljust(144, "*").encode()) + piece + (b"\r\n" if piece else b"")
        previous = sig
    wire += b"\r\n"
    send(server, "PUT", "/bucket/key", list(req.headers.items()), wire)
    assert_ok(server.last)
    assert server.last.verification.chunks_verified == 3


# --------------------------------------------------------------------------
# recording, connections, scripted responses and faults
# --------------------------------------------------------------------------


def test_records_raw_target_headers_and_connection_reuse(server: VerifyingServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    for i in range(3):
        send(server, "GET", f"/x%2Fy?a=b%20c&i={i}", [("Host", server.host), ("X-Dup", "1"), ("x-dup", " 2 ")], conn=conn)
    conn.close()
    send(server, "GET", "/", {"Host": server.host})
    reqs = server.requests
    assert [r.connection_id for r in reqs[:3]] == [reqs[0].connection_id] * 3
    assert [r.connection_request_index for r in reqs[:3]] == [1, 2, 3]
    assert reqs[3].connection_id != reqs[0].connection_id and server.connection_count == 2
    assert reqs[0].target == "/x%2Fy?a=b%20c&i=0" and reqs[0].raw_target == b"/x%2Fy?a=b%20c&i=0"
    assert reqs[0].headers[1:] == [("X-Dup", "1"), ("x-dup", "2")]
    assert reqs[0].header_all("x-dup") == ["1", "2"]
    assert b"x-dup:  2 \r\n" in reqs[0].raw_head
    assert reqs[0].query_pairs == [("a", "b c"), ("i", "0")]
    assert reqs[0].received_at <= reqs[1].received_at and server.request_count == 4


def test_queue_handler_and_default(server: VerifyingServer) -> None:
    server.queue(Response(503, body=b"busy"), Response.json({"a": 1}, status=201))
    server.queue(status=404, body="gone", headers={"X-Test": "t"})
    results = [send(server, "GET", "/", {"Host": server.host}) for _ in range(4)]
    assert [r[0] for r in results] == [503, 201, 404, 200]
    assert results[0][2] == b"busy" and json.loads(results[1][2]) == {"a": 1}
    assert results[2][1].getheader("X-Test") == "t"
    assert json.loads(results[3][2])["index"] == 3
    server.handler = lambda req: Response(202, body=req.method.encode())
    assert send(server, "DELETE", "/", {"Host": server.host})[2] == b"DELETE"
    server.handler = lambda req: 1 / 0  # type: ignore[return-value, arg-type]
    assert send(server, "GET", "/", {"Host": server.host})[0] == 500 and server.errors


def test_redirect_to_other_server(server: VerifyingServer, other_server: VerifyingServer) -> None:
    server.queue(Response.redirect(other_server.url_for("/elsewhere"), status=307))
    status, resp, _ = send(server, "GET", "/", {"Host": server.host})
    assert status == 307 and resp.getheader("Location") == other_server.url + "/elsewhere"
    assert other_server.port != server.port and other_server.request_count == 0


def test_date_skew_and_reject_bad_signatures(server: VerifyingServer) -> None:
    server.queue(Response(date_skew=-3600))
    _, resp, _ = send(server, "GET", "/", {"Host": server.host})
    skew = time.time() - 3600 - __import__("email.utils").utils.parsedate_to_datetime(resp.getheader("Date")).timestamp()
    assert abs(skew) < 5
    server.reject_bad_signatures = True
    server.clock_offset = 3600  # server clock an hour ahead: a fresh signature looks skewed
    target, headers = signed(server, "GET", "/", service="s3")
    status, resp, body = send(server, "GET", target, headers)
    assert status == 403 and b"<Code>RequestTimeTooSkewed</Code>" in body
    assert abs(__import__("email.utils").utils.parsedate_to_datetime(resp.getheader("Date")).timestamp() - time.time() - 3600) < 5
    server.clock_offset = 0
    target, headers = signed(server, "GET", "/", service="s3", creds=Credentials(AKID, "nope"))
    status, _, body = send(server, "GET", target, headers)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body and b"<CanonicalRequest>GET\n/\n" in body


def test_drop_truncate_delay_and_stall(server: VerifyingServer) -> None:
    server.queue(Response(drop=True))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        send(server, "GET", "/", {"Host": server.host})
    server.queue(Response(body=b"0123456789", truncate=4))
    with pytest.raises(http.client.IncompleteRead) as info:
        send(server, "GET", "/", {"Host": server.host})
    assert info.value.partial == b"0123"
    server.queue(Response(delay=2))
    with pytest.raises(socket.timeout):
        send(server, "GET", "/", {"Host": server.host}, timeout=0.3)
    server.queue(Response(body=b"late", stall=0.3))
    started = time.monotonic()
    assert send(server, "GET", "/", {"Host": server.host})[2] == b"late" and time.monotonic() - started >= 0.3
    assert server.request_count == 4


def test_large_bodies_are_streamed_not_stored(server: VerifyingServer) -> None:
    size = 48 << 20
    server.store_body_limit = 1 << 20
    server.queue(Response.generated(size), Response(body=generate_body(3 << 20, b"ab")))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/big", headers={"Host": server.host})
    resp = conn.getresponse()
    digest, total = hashlib.sha256(), 0
    while piece := resp.read(1 << 20):
        digest.update(piece)
        total += len(piece)
    assert total == size and resp.getheader("Content-Length") == str(size)
    conn.request("GET", "/chunked", headers={"Host": server.host})
    resp = conn.getresponse()
    assert resp.getheader("Transfer-Encoding") == "chunked" and resp.read() == b"ab" * (3 << 19)
    # Upload 8 MiB, signed: hashed and verified, not kept.
    body = b"q" * (8 << 20)
    target, headers = signed(server, "PUT", "/up", service="s3", body=body)
    send(server, "PUT", target, headers, body, conn=conn)
    record = server.last
    assert_ok(record)
    assert record.body is None and record.body_info.size == len(body)
    assert record.body_info.sha256 == hashlib.sha256(body).hexdigest()
    conn.close()


def test_tls_server(tls_server: VerifyingServer) -> None:
    assert tls_server.url.startswith("https://127.0.0.1:") and tls_server.ca_bundle
    ctx = ssl.create_default_context(cafile=tls_server.ca_bundle)
    conn = http.client.HTTPSConnection("127.0.0.1", tls_server.port, timeout=5, context=ctx)
    target, headers = signed(tls_server, "GET", "/secure?x=1")
    send(tls_server, "GET", target, headers, conn=conn)
    send(tls_server, "GET", target, headers, conn=conn)
    conn.close()
    first, second = tls_server.requests
    assert first.tls and first.connection_id == second.connection_id
    assert_ok(first)
    # An untrusting client fails the handshake; the server keeps serving.
    with pytest.raises(ssl.SSLError):
        http.client.HTTPSConnection("127.0.0.1", tls_server.port, timeout=5, context=ssl.create_default_context()).request("GET", "/")
    assert tls_server.request_count == 2
