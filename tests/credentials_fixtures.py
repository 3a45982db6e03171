"""Helpers for the credential tests: an isolated home, loopback fake endpoints, STS via moto.

* :class:`AwsHome` - a temp HOME with ``~/.aws`` files and an explicit,
  minimal environment (instance metadata disabled unless a test enables it).
* :class:`FakeServer` - a threaded HTTP server on 127.0.0.1 whose answers
  come from a Python function; records every request.
* :class:`StsProxy` - a counting proxy in front of a real moto server that
  also checks each AssumeRole signature with an independent SigV4 computation.

The fixtures built on them (``aws_home``, ``moto_url``, ``sts``) live in
``tests/conftest.py``: tests take them as arguments and import only the
helpers and constants from here.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

#: Static keys used as source credentials in the tests (and their secrets,
#: which must never appear in any message).
SOURCE_KEY = "AKIASOURCEEXAMPLE001"
SOURCE_SECRET = "sourceSECRETdoNOTleak/0000000000000000000"
SECRETS = {SOURCE_SECRET: SOURCE_KEY}


@dataclass
class Recorded:
    """One request a FakeServer received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Recorded], "tuple[int, dict[str, str], bytes]"]


class FakeServer:
    """A loopback HTTP server answering with ``handler(request) -> (status, headers, body)``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                rec = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                outer.requests.append(rec)
                status, headers, payload = outer.handler(rec)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@dataclass
class AwsHome:
    """An isolated home directory and environment for one test."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def aws(self) -> Path:
        return self.home / ".aws"

    def write(self, config: str | None = None, credentials: str | None = None) -> None:
        self.aws.mkdir(exist_ok=True)
        if config is not None:
            (self.aws / "config").write_text(config)
        if credentials is not None:
            (self.aws / "credentials").write_text(credentials)

    def cache_files(self) -> list[Path]:
        d = self.aws / "cli" / "cache"
        return sorted(d.glob("*.json")) if d.is_dir() else []


def _independent_sigv4_ok(rec: Recorded, secret: str) -> bool:
    """Recompute the SigV4 signature of a form POST to / (test-only, not sigcurl's code)."""
    auth = rec.headers.get("authorization", "")
    try:
        cred = auth.split("Credential=")[1].split(",")[0]
        signed = auth.split("SignedHeaders=")[1].split(",")[0].strip()
        sig = auth.split("Signature=")[1].strip()
    except IndexError:
        return False
    _, date, region, service, _ = cred.split("/")
    names = signed.split(";")
    canonical_headers = "".join(f"{n}:{' '.join(rec.headers[n].split())}\n" for n in names)
    path = urlsplit(rec.path).path or "/"
    creq = "\n".join([rec.method, path, "", canonical_headers, signed, hashlib.sha256(rec.body).hexdigest()])
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", rec.headers["x-amz-date"], scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), "sha256").digest()
    return hmac.compare_digest(hmac.new(k, sts.encode(), "sha256").hexdigest(), sig)


class StsProxy:
    """Forwards to moto, counting calls per Action and checking AssumeRole signatures."""

    def __init__(self, moto_url: str) -> None:
        self.moto_url = moto_url
        self.calls: list[str] = []
        self.bad_signatures = 0
        self.secrets: dict[str, str] = {SOURCE_KEY: SOURCE_SECRET}
        self.server = FakeServer(self._handle)

    def _handle(self, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        import requests

        action = dict(parse_qsl(rec.body.decode())).get("Action", "?")
        self.calls.append(action)
        if action == "AssumeRole":
            key = rec.headers.get("authorization", "").split("Credential=")[-1].split("/")[0]
            secret = self.secrets.get(key)
            if secret is not None and not _independent_sigv4_ok(rec, secret):
                self.bad_signatures += 1
                body = (b'<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>'
                        b'<Message>bad signature</Message></Error></ErrorResponse>')
                return 403, {"Content-Type": "text/xml"}, body
        fwd = {k: v for k, v in rec.headers.items() if k not in ("host", "content-length", "connection")}
        resp = requests.post(self.moto_url + "/", data=rec.body, headers=fwd, timeout=10)
        # Learn the keys moto hands out so chained AssumeRole calls are verified too.
        import re

        m = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId><SecretAccessKey>([^<]+)<", resp.content)
        if m:
            self.secrets[m.group(1).decode()] = m.group(2).decode()
        return resp.status_code, {"Content-Type": resp.headers.get("Content-Type", "text/xml")}, resp.content

    @property
    def url(self) -> str:
        return self.server.url

    def count(self, action: str) -> int:
        return sum(1 for c in self.calls if c == action)


def assert_no_secret(text: str, *secrets: str) -> None:
    """Fail when any of *secrets* (or the default test secret) occurs in *text*."""
    for secret in (*secrets, SOURCE_SECRET):
        assert secret not in text, "a secret leaked into a message"
