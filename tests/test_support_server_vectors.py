"""The verifying server accepts the official SigV4 and SigV4a vectors (aws-c-auth's suites, sent raw)
and what awscrt signs with SigV4a; its SigV4a key derivation matches the vectors'.

Nothing here imports sigcurl.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSRequest

from support.harness import AKID, CREDS, SECRET, VECTORS, assert_ok, assert_rejected, raw_exchange, send
from support.server import VerifyingServer
from support.verifier import (
    derive_sigv4a_private_key,
    derive_sigv4a_public_numbers,
)

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
