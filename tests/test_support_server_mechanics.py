"""The verifying server's mechanics: recording (raw target, headers, connection reuse), scripted
responses and handlers, redirects, date skew, faults (drop, truncate, delay, stall), large
bodies streamed not stored, TLS.

Nothing here imports sigcurl.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import ssl
import time

import pytest
from botocore.credentials import Credentials

from support.harness import AKID, assert_ok, send, signed
from support.server import Response, VerifyingServer, generate_body

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
