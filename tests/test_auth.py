"""``sigcurl.SigV4Auth`` end to end: requests -> loopback server -> verified with botocore.

The server records each raw request (request line, headers, body, with
chunked framing decoded) and verifies it as an AWS service would: it takes
the signed header names and scope from ``Authorization``, rebuilds the
request from what arrived on the wire, and computes the signature with
botocore's canonicalisation (an independent implementation).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.auth
import pytest
import requests
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

import sigcurl
from sigcurl.auth import SigV4Auth

CREDS = sigcurl.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token+=")
WHEN = datetime(2024, 5, 17, 9, 3, 7, tzinfo=timezone.utc)
S3 = {"s3", "s3-object-lambda", "s3-outposts", "s3express"}


def verify(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> str | None:
    """None when the request's SigV4 signature is right, else the reason."""
    found = {n.lower(): v for n, v in headers}
    authz = found.get("authorization")
    if authz is None:
        return "no Authorization header"
    if sum(n.lower() == "x-amz-date" for n, _ in headers) != 1:
        return "X-Amz-Date is not sent exactly once"
    fields = dict(part.strip().split("=", 1) for part in authz.split(" ", 1)[1].split(","))
    access_key, date, region, service, _ = fields["Credential"].split("/")
    signed_names = fields["SignedHeaders"].split(";")
    boto = BotoCredentials(access_key, CREDS.secret_key, CREDS.session_token)
    signer = (botocore.auth.S3SigV4Auth if service in S3 else botocore.auth.SigV4Auth)(boto, service, region)
    req = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        if name.lower() in signed_names:
            req.headers[name] = value
    req.context["timestamp"] = found["x-amz-date"]
    payload = found.get("x-amz-content-sha256")
    if payload is not None and payload != "UNSIGNED-PAYLOAD" and payload != sha256(body).hexdigest():
        return "the body does not match X-Amz-Content-SHA256"
    creq = signer.canonical_request(req)
    expected = signer.signature(signer.string_to_sign(req, creq), req)
    if expected != fields["Signature"]:
        return f"signature mismatch; server's canonical request:\n{creq}"
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep the test output quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._body()
        headers = list(self.headers.items())
        if self.path.startswith(("/redirect", "/elsewhere")):
            self.server.seen.append({"path": self.path, "headers": headers, "body": body, "error": None})
            self.send_response(302)
            port = self.server.server_address[1]
            self.send_header("Location", "/target" if self.path.startswith("/redirect") else f"http://localhost:{port}/target")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        error = verify(self.command, f"http://{self.headers['Host']}{self.path}", headers, body)
        self.server.seen.append({"path": self.path, "headers": headers, "body": body, "error": error})
        payload = json.dumps({"ok": error is None, "error": error}).encode()
        self.send_response(200 if error is None else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    seen: list[dict[str, Any]]


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.seen = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture()
def base(server: _Server) -> str:
    server.seen.clear()
    return f"http://127.0.0.1:{server.server_address[1]}"


def _auth(service: str = "execute-api", **kw: Any) -> SigV4Auth:
    return SigV4Auth(CREDS, "eu-west-1", service, clock=lambda: WHEN, **kw)


def _ok(response: requests.Response) -> dict[str, Any]:
    data = response.json()
    assert response.status_code == 200, data["error"]
    return data  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", ["execute-api", "s3"])
def test_get_with_awkward_path_and_query(base: str, server: _Server, service: str) -> None:
    params = [("b", "two words"), ("a", "x+y"), ("a", "é/:="), ("empty", "")]
    r = requests.get(f"{base}/some path/ü%2Fx//./k", params=params, auth=_auth(service))
    _ok(r)
    seen = server.seen[-1]
    # what went on the wire is exactly the signer's URL
    assert f"{base}{seen['path']}" == r.request.url
    assert dict(seen["headers"])["X-Amz-Security-Token"] == CREDS.session_token


@pytest.mark.parametrize("service", ["execute-api", "s3"])
@pytest.mark.parametrize("body", [b'{"TableName": "t"}', '{"name": "Zoë ☃"}', b""])
def test_post_bodies(base: str, server: _Server, service: str, body: bytes | str) -> None:
    r = requests.post(f"{base}/items", data=body, headers={"Content-Type": "application/json"},
                      auth=_auth(service))
    _ok(r)
    raw = body.encode() if isinstance(body, str) else body
    assert server.seen[-1]["body"] == raw


def test_s3_stream_is_unsigned_payload(base: str, server: _Server) -> None:
    data = b"x" * 300_000
    r = requests.put(f"{base}/bucket/key", data=io.BytesIO(data), auth=_auth("s3"))
    _ok(r)
    seen = server.seen[-1]
    assert dict(seen["headers"])["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    assert seen["body"] == data


def test_s3_generator_streams_unsigned(base: str, server: _Server) -> None:
    r = requests.put(f"{base}/bucket/key", data=(b"chunk%d" % i for i in range(5)), auth=_auth("s3"))
    _ok(r)
    assert server.seen[-1]["body"] == b"chunk0chunk1chunk2chunk3chunk4"


def test_non_s3_seekable_file_is_hashed_and_rewound(base: str, server: _Server) -> None:
    data = b"0123456789" * 50_000
    stream = io.BytesIO(data)
    r = requests.post(f"{base}/upload", data=stream, auth=_auth())
    _ok(r)
    assert server.seen[-1]["body"] == data
    assert "X-Amz-Content-SHA256" not in dict(server.seen[-1]["headers"])


def test_non_s3_generator_is_read_and_hashed(base: str, server: _Server) -> None:
    r = requests.post(f"{base}/upload", data=(s for s in ["ab", "cd", "é"]), auth=_auth())
    _ok(r)
    seen = server.seen[-1]
    assert seen["body"] == "abcdé".encode()
    assert dict(seen["headers"])["Content-Length"] == str(len("abcdé".encode()))


def test_unsigned_payload_option(base: str, server: _Server) -> None:
    r = requests.post(f"{base}/x", data=b"body", auth=_auth(unsigned_payload=True))
    _ok(r)
    assert dict(server.seen[-1]["headers"])["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"


def test_session_auth_and_refreshing_credentials(base: str, server: _Server) -> None:
    calls: list[int] = []

    def provider() -> sigcurl.Credentials:
        calls.append(1)
        return CREDS

    with requests.Session() as session:
        session.auth = SigV4Auth(provider, "us-east-1", "execute-api")  # real clock
        for i in range(3):
            _ok(session.get(f"{base}/n/{i}", params={"i": str(i)}))
    assert len(calls) == 3


def test_clock_sets_the_signing_time(base: str, server: _Server) -> None:
    _ok(requests.get(f"{base}/", auth=_auth()))
    assert dict(server.seen[-1]["headers"])["X-Amz-Date"] == "20240517T090307Z"


def test_redirect_is_not_followed_with_stale_credentials(base: str, server: _Server) -> None:
    r = requests.get(f"{base}/redirect", auth=_auth())
    first, second = server.seen[-2], server.seen[-1]
    assert first["path"] == "/redirect" and second["path"] == "/target"
    sent = {n.lower() for n, _ in second["headers"]}
    assert not sent & {"authorization", "x-amz-security-token"}
    assert r.status_code == 403  # unsigned: the server refuses, nothing leaked
    r = requests.get(f"{base}/redirect", auth=_auth(), allow_redirects=False)
    assert r.status_code == 302


def test_redirect_to_another_host_does_not_keep_the_signed_host(base: str, server: _Server) -> None:
    # requests copies the request's headers to follow a redirect; the Host the
    # signer added must not go with it, or the next hop is sent to the new
    # address with the old host's name.
    port = server.server_address[1]
    requests.get(f"{base}/elsewhere", auth=_auth())
    second = dict(server.seen[-1]["headers"])
    assert server.seen[-1]["path"] == "/target"
    assert second["Host"] == f"localhost:{port}"
    assert not {n.lower() for n in second} & {"authorization", "x-amz-date", "x-amz-security-token"}


def test_redirect_keeps_a_host_header_the_caller_set(base: str, server: _Server) -> None:
    requests.get(f"{base}/elsewhere", auth=_auth(), headers={"Host": "api.example.com"})
    assert dict(server.seen[-1]["headers"])["Host"] == "api.example.com"


def test_infers_region_and_service_from_host() -> None:
    auth = SigV4Auth(CREDS, clock=lambda: WHEN)
    scope = auth._scope_for("https://abc.execute-api.eu-west-1.amazonaws.com/prod")
    assert (scope.region, scope.service, scope.algorithm) == ("eu-west-1", "execute-api", "sigv4")
    prepared = requests.Request("GET", "https://dynamodb.us-west-2.amazonaws.com/").prepare()
    auth(prepared)
    assert "/us-west-2/dynamodb/aws4_request" in prepared.headers["Authorization"]
    with pytest.raises(ValueError, match="service"):
        auth(requests.Request("GET", "http://127.0.0.1:9/").prepare())


def test_secrets_not_in_repr() -> None:
    text = repr(_auth())
    assert CREDS.secret_key not in text and CREDS.session_token not in text  # type: ignore[operator]


def test_import_sigcurl_does_not_import_requests() -> None:
    code = "import sys, sigcurl; sigcurl.sign; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = "import sys, sigcurl; sigcurl.SigV4Auth; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_verifier_rejects_a_wrong_signature(base: str, server: _Server) -> None:
    """The loopback server really checks: a wrong secret is refused."""
    bad = sigcurl.Credentials(CREDS.access_key, "not-the-secret", CREDS.session_token)
    r = requests.get(f"{base}/x", params={"a": "b"}, auth=SigV4Auth(bad, "eu-west-1", "execute-api"))
    assert r.status_code == 403 and "signature mismatch" in r.json()["error"]
