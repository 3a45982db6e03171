"""What the batch tests (``tests/test_batch*.py``) share: the options of a signed API call, URLs on
a server, and server handlers (echo the path, fail on some paths, answer the first one slowly).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from .server import RecordedRequest, Response, VerifyingServer

API = ["--service", "execute-api", "--region", "us-east-1"]


def echo_path(r: RecordedRequest) -> Response:
    return Response(body=f"<{r.path}>\n".encode())


def all_verified(server: VerifyingServer) -> None:
    assert server.requests
    for r in server.requests:
        assert r.ok, r.verification.reason


def urls(server: VerifyingServer, n: int, prefix: str = "/item/") -> list[str]:
    return [server.url + f"{prefix}{i}" for i in range(n)]


def fail_on(paths: Sequence[str]) -> Any:
    def handler(r: RecordedRequest) -> Response:
        if r.path in paths:
            return Response.aws_error("NoSuchKey", "The specified key does not exist.", status=404)
        return echo_path(r)

    return handler


def slow_first(n: int, size: int) -> Any:
    """Earlier URLs answer later, so completion order is the reverse of the order given."""
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def handler(r: RecordedRequest) -> Response:
        i = int(r.path.rsplit("/", 1)[1])
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.02 * (n - i))
        with lock:
            active["now"] -= 1
        block = bytes([ord("a") + i % 26])
        return Response(body=block * size + b"\n")

    handler.active = active  # type: ignore[attr-defined]
    return handler
