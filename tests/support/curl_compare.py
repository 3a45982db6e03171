"""One argv through sigcurl and through the system's curl, side by side (``tests/test_curl_options*.py``).

:func:`both` sends the argv to the loopback verifying server twice, once with
``sigcurl``, once with ``curl``, and returns both results and what the server
received; :func:`seen` is a request without the signature's headers (and
:func:`undated` without the date), for comparing the two.  :func:`ranged` is
a handler honouring ``Range`` and ``If-None-Match``; :data:`AWS` is curl's
AWS syntax for AWS's example keys.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, Result, base_env, run

from .server import RecordedRequest, Response, VerifyingServer

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="no system curl")
DATA = b"0123456789abcdefghij"
SIGNATURE_HEADERS = {"authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "user-agent"}
AWS = ["--aws-sigv4", "aws:amz:us-east-1:execute-api", "-u", f"{ACCESS_KEY}:{SECRET_KEY}"]


def ranged(req: RecordedRequest) -> Response:
    """DATA, honouring a single ``Range: bytes=A-B`` (416 past the end) and ``If-None-Match``."""
    etag = '"e1"'
    if req.header("If-None-Match") == etag:
        return Response(304, headers=[("ETag", etag)])
    if req.path == "/missing":
        return Response(404, body=b"no\n")
    rng = req.header("Range")
    if not rng or req.path == "/norange":
        return Response(200, headers=[("ETag", etag), ("Content-Type", "application/octet-stream")], body=DATA)
    first, _, last = rng.removeprefix("bytes=").partition("-")
    start = int(first) if first else len(DATA) - int(last)
    end = int(last) if first and last else len(DATA) - 1
    if start >= len(DATA):
        return Response(416, headers=[("Content-Range", f"bytes */{len(DATA)}")])
    return Response(206, headers=[("Content-Range", f"bytes {start}-{end}/{len(DATA)}")], body=DATA[start : end + 1])


def sigcurl(args: Sequence[str], tmp_path: Path, **env: str) -> Result:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return run(["--service", "execute-api", "--region", "us-east-1", *args], base_env(tmp_path, **env))
    finally:
        os.chdir(cwd)


def curl(args: Sequence[str], tmp_path: Path) -> Result:
    assert CURL is not None
    proc = subprocess.run([CURL, "-s", *args], capture_output=True, cwd=tmp_path, timeout=30,
                          env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "NO_PROXY": "*"})
    return Result(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))


def seen(req: RecordedRequest) -> tuple[str, str, bytes | None, list[tuple[str, str]]]:
    """What is compared: method, target, body, headers other than the signature's, lower-cased and sorted."""
    headers = sorted((n.lower(), v) for n, v in req.headers if n.lower() not in SIGNATURE_HEADERS)
    return req.method, req.target, req.body, headers


def undated(data: bytes | None) -> bytes | None:
    """``data`` with the server's ``Date:`` header values blanked (the two runs may straddle a second)."""
    return None if data is None else re.sub(rb"(?im)^(Date: )[^\r\n]*", rb"\1-", data)


def both(server: VerifyingServer, args: Sequence[str], tmp_path: Path, *, files: Sequence[str] = (),
         setup: dict[str, bytes] | None = None) -> tuple[Result, Result, list[RecordedRequest], list[RecordedRequest]]:
    """Run ``args`` with sigcurl, then with curl, each in a fresh directory; the results and requests of each."""
    out = []
    for name, runner in (("sigcurl", sigcurl), ("curl", curl)):
        where = tmp_path / name
        where.mkdir()
        for fname, content in (setup or {}).items():
            (where / fname).write_bytes(content)
        before = server.request_count
        result = runner([a.replace("{url}", server.url) for a in args], where)
        reqs = server.requests[before:]
        contents = {f: (where / f).read_bytes() if (where / f).exists() else None for f in files}
        out.append((result, reqs, contents))
    (mine, my_reqs, my_files), (theirs, their_reqs, their_files) = out
    assert mine.exit_code == theirs.exit_code, (mine.stderr, theirs.stderr)
    assert undated(mine.stdout) == undated(theirs.stdout)
    assert {f: undated(c) for f, c in my_files.items()} == {f: undated(c) for f, c in their_files.items()}
    assert [seen(r) for r in my_reqs] == [seen(r) for r in their_reqs]
    assert all(r.ok for r in my_reqs), [r.verification.reason for r in my_reqs]
    return mine, theirs, my_reqs, their_reqs
