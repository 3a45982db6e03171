"""The verifying server accepts what botocore signs (headers and presigned, with session tokens)
and rejects every tampering, unsigned request and bad clock.

Requests are signed by botocore and sent with ``http.client`` or a raw
socket, so the wire is exactly controlled; nothing here imports sigcurl.
"""

from __future__ import annotations

import datetime
import json

import pytest
from botocore.credentials import Credentials

from support.harness import AKID, assert_ok, assert_rejected, replace_header, send, signed
from support.server import VerifyingServer
from support.verifier import (
    EMPTY_SHA256,
)

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
    send(server, "PUT", target, replace_header(headers, "X-Amz-Meta-A", "2"), b"body")
    assert_rejected(server.last, "signature does not match")
    # changed body (S3: x-amz-content-sha256 no longer matches; others: payload hash)
    send(server, "PUT", target, headers, b"bodY")
    assert_rejected(server.last, "x-amz-content-sha256" if service == "s3" else "signature does not match")
    # changed date
    stamp = dict(headers)["X-Amz-Date"]
    send(server, "PUT", target, replace_header(headers, "X-Amz-Date", stamp[:-3] + ("58Z" if not stamp.endswith("58Z") else "57Z")), b"body")
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
