"""Signing and sending requests for the harness's own tests (``tests/test_support_server_*.py``).

Requests are signed by botocore (AWS's example keys) and sent with
``http.client`` or a raw socket, so the wire is exactly controlled; the
assertions read the server's verdict on one recorded request.
"""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .server import RecordedRequest, VerifyingServer

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
S3_EXAMPLES = json.loads((VECTORS / "s3-examples.json").read_text())
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDS = Credentials(AKID, SECRET)


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


def replace_header(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k.lower() == name.lower() else v) for k, v in headers]
