"""Loopback HTTP/1.1 test server that records requests and verifies their AWS signatures.

This module owns the end-to-end test harness server: a threaded HTTP/1.1
server (optionally TLS, with a throw-away ``trustme`` CA) bound to 127.0.0.1
on an ephemeral port.  For every request it records the method, the raw
request-target, the headers exactly as received, the body (or only its size
and SHA-256 above a storage limit), the connection id, and the verdict of an
independent signature verifier (:mod:`support.verifier`, botocore plus
test-only code -- never ``sigcurl``).  Answers come from a programmable script
of :class:`Response` objects (queue, handler or default), including faults:
delays, dropped connections, truncated bodies, redirects, skewed ``Date``
headers and generated multi-GiB bodies.

The parts live beside it: :mod:`support.listener` (sockets, threads, TLS),
:mod:`support.recording` (reading requests, :class:`RecordedRequest`),
:mod:`support.responses` (:class:`Response`, generated bodies, rejections);
their public names are importable from here too.

Import: ``tests/conftest.py`` puts the
``tests/`` directory on ``sys.path``, so test modules write
``from support.server import Response, VerifyingServer``.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .listener import Drop, LoopbackListener
from .recording import MAX_HEADERS, MAX_LINE, RecordedRequest, decode, read_body
from .responses import REASONS, Response, generate_body, header_items, rejection
from .verifier import Key, verify_request

__all__ = [
    "EXAMPLE_KEYS",
    "RecordedRequest",
    "Response",
    "VerifyingServer",
    "assert_verified",
    "generate_body",
]

#: AWS's documented example credentials (SigV4 test suite / S3 documentation).
EXAMPLE_KEYS: tuple[Key, ...] = (
    Key("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    Key("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
)

DEFAULT_STORE_LIMIT = 64 << 20


class VerifyingServer(LoopbackListener):
    """Threaded loopback HTTP/1.1 server with request recording and signature verification.

    Use as a context manager (or ``start()``/``stop()``).  Public knobs:
    ``handler`` (``RecordedRequest -> Response``), :meth:`queue`,
    ``reject_bad_signatures`` (answer 403 with an AWS-style error when the
    signature is bad, including the canonical request and string to sign),
    ``clock_tolerance`` (seconds, ``None`` disables date checks),
    ``clock_offset`` / :meth:`freeze_clock` (the server's notion of now),
    ``store_body_limit`` (bytes; larger bodies are only hashed/counted),
    ``normalize_paths`` and ``presign_token_signed`` (verifier options for
    non-default signing settings).
    """

    def __init__(
        self,
        *,
        tls: bool = False,
        keys: Iterable[Key] = EXAMPLE_KEYS,
        clock_tolerance: float | None = 300.0,
        store_body_limit: int = DEFAULT_STORE_LIMIT,
        io_timeout: float = 15.0,
        name: str = "server",
        tls_names: Sequence[str] = (),
    ) -> None:
        super().__init__(tls=tls, io_timeout=io_timeout, name=name, tls_names=tls_names)
        self.keys: dict[str, Key] = {k.access_key: k for k in keys}
        self.handler: Callable[[RecordedRequest], Response] | None = None
        self.reject_bad_signatures = False
        self.clock_tolerance = clock_tolerance
        self.clock_offset = 0.0
        self.store_body_limit = store_body_limit
        self.normalize_paths = True
        self.presign_token_signed = True
        self._frozen: float | None = None
        self._requests: list[RecordedRequest] = []
        self._queue: deque[Response] = deque()
        self._cond = threading.Condition(self._lock)

    # -- public API --------------------------------------------------------

    def add_key(self, access_key: str, secret: str, session_token: str | None = None) -> None:
        """Accept these credentials (a registered token must then be sent and match)."""
        self.keys[access_key] = Key(access_key, secret, session_token)

    def queue(self, *responses: Response, **kwargs: Any) -> None:
        """Queue scripted answers (FIFO; used before ``handler``/default).

        ``server.queue(Response(500), Response(200))`` or, for one answer,
        ``server.queue(status=503, body=b"busy")``.
        """
        items = list(responses) + ([Response(**kwargs)] if kwargs else [])
        with self._lock:
            self._queue.extend(items)

    def now(self) -> float:
        """The server's clock (epoch seconds), used for date checks and ``Date``."""
        return self._frozen if self._frozen is not None else time.time() + self.clock_offset

    def freeze_clock(self, when: float | str | None) -> None:
        """Fix the server's clock at an epoch or ``YYYYMMDDTHHMMSSZ`` (``None`` unfreezes)."""
        if isinstance(when, str):
            import calendar

            when = float(calendar.timegm(time.strptime(when, "%Y%m%dT%H%M%SZ")))
        self._frozen = when

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of the recorded requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many requests were recorded."""
        with self._lock:
            return len(self._requests)

    @property
    def last(self) -> RecordedRequest:
        """The most recent request (AssertionError if none)."""
        reqs = self.requests
        assert reqs, f"{self.name}: no request received"
        return reqs[-1]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until ``count`` requests are recorded (AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{self.name}: {len(self._requests)} of {count} requests after {timeout}s"
                self._cond.wait(left)
            return list(self._requests)

    def assert_all_verified(self) -> None:
        """AssertionError listing every request whose signature did not verify."""
        bad = [f"#{r.index} {r.method} {r.target}: {r.verification.reason}" for r in self.requests if not r.ok]
        assert not bad, "signature verification failed:\n" + "\n".join(bad)

    # -- one request -------------------------------------------------------

    def _serve_one(self, conn: socket.socket, rfile: Any, addr: tuple[str, int], conn_id: int, n: int) -> bool:
        """Read, record, verify and answer one request; False to close the connection."""
        line = rfile.readline(MAX_LINE)
        for _ in range(8):  # tolerate stray empty lines between requests
            if line not in (b"\r\n", b"\n"):
                break
            line = rfile.readline(MAX_LINE)
        if not line:
            return False
        received_at = time.time()
        raw_head = bytearray(line)
        request_line = line.rstrip(b"\r\n")
        # Split the method at the first space and the version at the last (targets may hold spaces).
        method_b, _, rest = request_line.partition(b" ")
        raw_target, _, version_b = rest.rpartition(b" ")
        if not method_b or not raw_target or not version_b.startswith(b"HTTP/"):
            self._send_simple(conn, 400, b"bad request line")
            return False
        headers: list[tuple[str, str]] = []
        for _ in range(MAX_HEADERS + 1):
            hline = rfile.readline(MAX_LINE)
            if not hline.endswith(b"\n"):
                raise ConnectionError("connection closed in the headers")
            raw_head += hline
            if hline in (b"\r\n", b"\n"):
                break
            text = decode(hline.rstrip(b"\r\n"))
            if text[:1] in (" ", "\t") and headers:  # obs-fold continuation
                name, value = headers[-1]
                headers[-1] = (name, (value + " " + text.strip()).strip())
                continue
            name, colon, value = text.partition(":")
            if not colon:
                self._send_simple(conn, 400, b"bad header line")
                return False
            headers.append((name, value.strip(" \t")))
        else:
            self._send_simple(conn, 431, b"too many headers")
            return False

        method = method_b.decode("ascii", "replace")
        version = version_b.decode("ascii", "replace")
        lower = [(k.lower(), v) for k, v in headers]
        te = ",".join(v for k, v in lower if k == "transfer-encoding").lower()
        chunked = "chunked" in te
        cl_values = [v for k, v in lower if k == "content-length"]
        length = int(cl_values[0]) if cl_values and not chunked else None
        if any(k == "expect" and v.lower() == "100-continue" for k, v in lower):
            conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

        body = read_body(rfile, lower, length, chunked, self.store_body_limit)
        verification = verify_request(
            method=method,
            target=decode(raw_target),
            headers=headers,
            body=body,
            keys=dict(self.keys),
            now=self.now(),
            clock_tolerance=self.clock_tolerance,
            normalize_paths=self.normalize_paths,
            presign_token_signed=self.presign_token_signed,
        )
        with self._cond:
            record = RecordedRequest(
                index=len(self._requests),
                connection_id=conn_id,
                connection_request_index=n,
                received_at=received_at,
                method=method,
                target=decode(raw_target),
                raw_target=bytes(raw_target),
                http_version=version,
                headers=headers,
                raw_head=bytes(raw_head),
                body_info=body,
                verification=verification,
                tls=self._ssl is not None,
                client_address=addr,
            )
            self._requests.append(record)
            self._cond.notify_all()

        response = self._choose_response(record)
        keep_alive = version == "HTTP/1.1" and not any(
            k == "connection" and "close" in v.lower() for k, v in lower
        )
        return self._send(conn, record, response, keep_alive)

    def _choose_response(self, record: RecordedRequest) -> Response:
        if self.reject_bad_signatures and not record.ok:
            return rejection(record.verification)
        with self._lock:
            queued = self._queue.popleft() if self._queue else None
        if queued is not None:
            return queued
        if self.handler is not None:
            try:
                return self.handler(record)
            except Exception as exc:  # report handler bugs as 500 and keep them visible
                self.errors.append(f"handler raised {type(exc).__name__}: {exc}")
                return Response(500, body=f"handler raised {exc!r}".encode())
        return Response.json(
            {"ok": True, "index": record.index, "method": record.method, "target": record.target,
             "signature_ok": record.ok, "reason": record.verification.reason}
        )

    def _send(self, conn: socket.socket, record: RecordedRequest, response: Response, keep_alive: bool) -> bool:
        if response.delay:
            self._sleep(response.delay)
        if response.drop:
            raise Drop()
        headers = header_items(response.headers)
        names = {k.lower() for k, _ in headers}
        body = response.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        length = response.content_length
        if isinstance(body, (bytes, bytearray, memoryview)):
            if length is None:
                length = len(body)
            pieces: Iterable[bytes] = [bytes(body)] if body else []
        else:
            pieces = body
        streamed_chunked = length is None
        keep_alive = keep_alive and not response.close and response.truncate is None
        if "date" not in names:
            headers.append(("Date", email.utils.formatdate(self.now() + response.date_skew, usegmt=True)))
        if "content-length" not in names and "transfer-encoding" not in names:
            headers.append(("Transfer-Encoding", "chunked") if streamed_chunked else ("Content-Length", str(length)))
        if not keep_alive and "connection" not in names:
            headers.append(("Connection", "close"))
        reason = response.reason if response.reason is not None else REASONS.get(response.status, "Unknown")
        head = f"HTTP/1.1 {response.status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        conn.sendall(head.encode("latin-1"))
        if response.stall:
            self._sleep(response.stall)
        no_body = record.method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200
        if not no_body:
            budget = response.truncate
            for piece in pieces:
                if budget is not None:
                    piece = piece[:budget]
                    budget -= len(piece)
                if piece:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if streamed_chunked else piece)
                if budget == 0 or self._stopping.is_set():
                    break
            if streamed_chunked and response.truncate is None:
                conn.sendall(b"0\r\n\r\n")
        if response.truncate is not None:
            raise Drop()
        return keep_alive


def assert_verified(server: VerifyingServer) -> None:
    """Every request ``server`` received passed the independent signature check."""
    for r in server.requests:
        assert r.ok, r.verification.reason
