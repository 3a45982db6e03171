"""A hostile loopback HTTP/1.1 server for tests: it misbehaves on purpose, on a script.

:class:`HostileServer` binds 127.0.0.1 on an ephemeral port and answers each
request with the next :class:`Act` of its script (or the default act).  Acts
write raw bytes to the socket, so they can do what a well-behaved server
never does:

* :func:`reply` with ``drip=(piece, interval)``: the head and body sent a
  few bytes at a time; ``stall``: seconds of silence after the status line
  (headers stalled) ; ``chunked``: chunked transfer coding.
* :func:`close_idle`: read the request and close without a word, or
  answer it and close the kept-alive connection (dropped while idle).
* :func:`echo_secrets`: an S3-style ``SignatureDoesNotMatch`` error whose
  body and headers echo the request head and every given secret raw,
  URL-encoded, as hex (lower and upper case, bare and S3's space-separated
  ``<CanonicalRequestBytes>`` form) and as base64 at every alignment.
* :func:`redirect`: a 301/307 to another bucket or port (S3's
  ``x-amz-bucket-region`` and ``PermanentRedirect`` body included).
* body makers: :func:`deep_json`, :func:`big_json`, :func:`escapes_json`,
  :func:`deep_xml`, :func:`big_xml`.

Everything is bounded: the accept loop polls a stop flag, every socket has
a timeout (``io_timeout``), a connection serves at most ``MAX_REQUESTS``,
request heads over ``MAX_HEAD`` bytes are cut, and sleeps end at ``stop()``.
Each request's raw head is kept in ``requests``.
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from urllib.parse import quote

__all__ = [
    "Act", "HostileServer", "big_json", "big_xml", "close_idle", "deep_json", "deep_xml", "echo_secrets",
    "encodings", "escapes_json", "redirect", "reply",
]

MAX_HEAD = 1 << 16
MAX_REQUESTS = 100
MAX_BODY = 64 << 20


class Conn:
    """One accepted connection, as an act sees it."""

    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server
        self.buffered = b""

    def read_head(self) -> bytes:
        """The request head (up to the blank line; empty when the peer closed); the body is drained."""
        data = self.buffered
        while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
            piece = self.sock.recv(65536)
            if not piece:
                return b""
            data += piece
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = min(int(value), MAX_BODY)
        while len(rest) < length:
            piece = self.sock.recv(65536)
            if not piece:
                break
            rest += piece
        self.buffered = rest[length:]
        return head

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def sleep(self, seconds: float) -> None:
        """Wait, but never past the server's stop."""
        if self.server.stopping.wait(seconds):
            raise ConnectionAbortedError("server stopping")


#: An act answers one request (``head`` is its raw head); it returns whether to keep the connection.
Act = Callable[[Conn, bytes], bool]


def _head(status: int, reason: str, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{n}: {v}" for n, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(
    status: int = 200,
    body: bytes | Iterable[bytes] = b"",
    headers: Sequence[tuple[str, str]] = (),
    *,
    content_type: str | None = None,
    reason: str = "Hostile",
    chunked: bool = False,
    drip: tuple[int, float] | None = None,
    stall: float = 0.0,
    close: bool = False,
) -> Act:
    """An answer; ``drip=(piece, interval)`` sends it ``piece`` bytes at a time, ``stall`` waits after the status line."""

    def act(conn: Conn, head: bytes) -> bool:
        hdrs = list(headers)
        if content_type:
            hdrs.append(("Content-Type", content_type))
        pieces: Iterable[bytes] = [body] if isinstance(body, bytes) else body
        if chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
        else:
            whole = b"".join(pieces)
            pieces = [whole]
            hdrs.append(("Content-Length", str(len(whole))))
        if close:
            hdrs.append(("Connection", "close"))
        raw_head = _head(status, reason, hdrs)
        line, _, rest = raw_head.partition(b"\r\n")
        send = _dripper(conn, drip)
        send(line + b"\r\n")
        if stall:
            conn.sleep(stall)
        send(rest)
        if not head.startswith(b"HEAD "):
            for piece in pieces:
                if piece:
                    send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                send(b"0\r\n\r\n")
        return not close

    return act


def _dripper(conn: Conn, drip: tuple[int, float] | None) -> Callable[[bytes], None]:
    if drip is None:
        return conn.send
    size, interval = drip

    def send(data: bytes) -> None:
        for i in range(0, len(data), size):
            conn.send(data[i : i + size])
            conn.sleep(interval)

    return send


def close_idle(then: Act | None = None) -> Act:
    """Close the connection: at once without answering, or after answering with ``then`` (whose
    ``Connection: keep-alive`` the client believed: the next request on it finds it closed)."""

    def act(conn: Conn, head: bytes) -> bool:
        if then is not None:
            then(conn, head)
        return False

    return act


def encodings(secret: str) -> list[bytes]:
    """``secret`` in every form a server may echo it: raw, URL-encoded, hex and base64 (every alignment)."""
    raw = secret.encode()
    encoded = quote(secret, safe="")
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)
    forms = [raw, encoded.encode(), lower.encode(),
             raw.hex().encode(), raw.hex().upper().encode(), raw.hex(" ").encode(), raw.hex(" ").upper().encode()]
    for k in range(3):
        forms.append(base64.b64encode(b"<" * k + raw + b">").replace(b"=", b""))
        forms.append(base64.urlsafe_b64encode(b"!" * k + raw))
    return forms


def echo_secrets(secrets: Sequence[str], status: int = 403, *, drip: tuple[int, float] | None = None,
                 chunked: bool = True, padding: int = 0) -> Act:
    """S3's ``SignatureDoesNotMatch``: the request head echoed (also as ``<CanonicalRequestBytes>`` hex),
    every secret in every encoding in the body and in headers; ``padding`` bytes before them (so the
    secrets come after any first part of the body that is read whole)."""

    def act(conn: Conn, head: bytes) -> bool:
        parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>',
                 b"<Message>The request signature we calculated does not match the signature you provided.</Message>",
                 b"<Padding>" + b"p" * padding + b"</Padding>",
                 b"<CanonicalRequest>" + head.replace(b"&", b"&amp;").replace(b"<", b"&lt;") + b"</CanonicalRequest>",
                 b"<CanonicalRequestBytes>" + head.hex(" ").encode() + b"</CanonicalRequestBytes>"]
        for secret in secrets:
            for form in encodings(secret):
                parts.append(b"<Echo>" + form + b"</Echo>")
        parts.append(b"</Error>")
        headers = [(f"X-Echo-{i}", form.decode()) for secret in secrets for i, form in enumerate(encodings(secret))]
        body = b"".join(parts)
        pieces = [body[i : i + 4096] for i in range(0, len(body), 4096)] if chunked else body
        return reply(status, pieces, headers, content_type="application/xml", chunked=chunked, drip=drip)(conn, head)

    return act


def redirect(location: str, status: int = 301, *, region: str | None = None, bucket: str = "other-bucket") -> Act:
    """A redirect to ``location`` (another bucket or port); with ``region``, S3's PermanentRedirect shape."""
    headers = [("Location", location)]
    body = b""
    if region:
        headers.append(("x-amz-bucket-region", region))
        body = (f"<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be "
                f"addressed using the specified endpoint.</Message><Bucket>{bucket}</Bucket>"
                f"<Endpoint>{location.split('://', 1)[-1].split('/', 1)[0]}</Endpoint></Error>").encode()
    return reply(status, body, headers, content_type="application/xml" if body else None)


# --- bodies ------------------------------------------------------------------------


def deep_json(depth: int) -> bytes:
    """``depth`` nested arrays with a value inside: ``[[[...1...]]]``."""
    return b"[" * depth + b"1" + b"]" * depth


def big_json(size: int) -> bytes:
    """A JSON object of about ``size`` bytes: many small records, as an API listing looks."""
    record = b'{"Key": "photos/2024/img-000001.jpg", "Size": 123456, "ETag": "\\"d41d8cd98f\\"", "Tags": [1, 2.5, true, null]}'
    count = max(1, size // (len(record) + 2))
    return b'{"Contents": [' + b", ".join([record] * count) + b"]}"


def escapes_json(count: int) -> bytes:
    """A JSON string of ``count`` escapes of every kind (and ANSI/terminal control characters, escaped)."""
    unit = b'\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u001b[31m \\u0007 \\ud83d\\ude00 '
    return b'{"s": "' + unit * count + b'"}'


def deep_xml(depth: int) -> bytes:
    """``depth`` nested elements."""
    return b"<a>" * depth + b"x" + b"</a>" * depth


def big_xml(size: int) -> bytes:
    """An S3 ListBucketResult of about ``size`` bytes."""
    record = b"<Contents><Key>photos/2024/img-000001.jpg</Key><Size>123456</Size><ETag>&quot;d41d8&quot;</ETag></Contents>"
    count = max(1, size // len(record))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>' + record * count + b"</ListBucketResult>"


# --- the server ----------------------------------------------------------------------


class HostileServer:
    """A scripted, misbehaving server on 127.0.0.1 (a context manager)."""

    def __init__(self, default: Act | None = None, io_timeout: float = 10.0) -> None:
        self.default = default or reply(200, b"ok", content_type="text/plain")
        self.io_timeout = io_timeout
        self.script: deque[Act] = deque()
        self.requests: list[bytes] = []
        self.connections = 0
        self.dropped = threading.Event()  # set when the client closed a connection before an act had finished
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept_loop, name="hostile-accept", daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url_for(self, target: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{target}"

    def queue(self, *acts: Act) -> None:
        with self._lock:
            self.script.extend(acts)

    def stop(self) -> None:
        self.stopping.set()
        self._listener.close()
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # wakes a thread waiting for a request that never comes
                except OSError:
                    pass
        deadline = time.monotonic() + 5
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _next(self) -> Act:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.add(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), name="hostile-conn", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(self.io_timeout)
        conn = Conn(sock, self)
        try:
            for _ in range(MAX_REQUESTS):
                head = conn.read_head()
                if not head or self.stopping.is_set():
                    return
                with self._lock:
                    self.requests.append(head)
                if not self._next()(conn, head):
                    return
        except ConnectionAbortedError:
            pass  # the server stopping
        except OSError:
            self.dropped.set()
        except Exception as exc:  # a bug in the harness: keep it visible
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._open.discard(sock)
            sock.close()


def chunks_of(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` in ``size``-byte pieces."""
    for i in range(0, len(data), size):
        yield data[i : i + size]
