"""Differential runs: the same command line through the system's curl and through sigcurl.

Both commands run as child processes, each in its own empty working
directory (with the same input files), against one loopback
:class:`~support.server.VerifyingServer` that records every request.  A
:class:`Run` keeps what a script would notice: the exit code, stdout, the
first line of stderr, the files written, and the requests the server
received, normalised so that only real differences remain (the signature's
headers, the default ``User-Agent``, the ``Date`` the server sent and a
multipart boundary are replaced by placeholders).

Command lines are written once, with placeholders: ``$URL`` (the server's
base URL), ``$PORT``, ``$HOST``.  Credentials: curl signs with
``--aws-sigv4 aws:amz:REGION:SERVICE --user KEY:SECRET``; sigcurl gets the
same scope through :data:`SIGCURL_AUTH` (one place: when sigcurl accepts
curl's syntax, point it at :data:`CURL_AUTH`) and the keys in its
environment.  The scope is given at the start of every option set, since
``--next`` starts afresh in both tools.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .server import EXAMPLE_KEYS, RecordedRequest, Response, VerifyingServer

REGION, SERVICE = "us-east-1", "execute-api"
KEY = EXAMPLE_KEYS[0]
CURL = os.environ.get("SIGCURL_TEST_CURL", "curl")

#: How curl is told to sign.
CURL_AUTH: tuple[str, ...] = ("--aws-sigv4", f"aws:amz:{REGION}:{SERVICE}", "--user", f"{KEY.access_key}:{KEY.secret_key}")
#: How sigcurl is told to sign (the keys are in its environment).  The one line to change for curl's syntax.
SIGCURL_AUTH: tuple[str, ...] = ("--service", SERVICE, "--region", REGION)

#: Request headers that differ by design: the signature's, and curl's ``Expect: 100-continue``
#: (a transport handshake for uploads, not part of the request).
SIGNATURE_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "expect"})
DEFAULT_AGENTS = re.compile(r"^(curl/[\d.]+|sigcurl/\S+)$")
_DATE = re.compile(rb"(?i)(date\"?: ?\[?\"?)[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")
_BOUNDARY = re.compile(r"boundary=(-+[0-9a-fA-F]+)")
_SIGCURL_ROOT = str(Path(__file__).resolve().parents[2])
#: curl writes the ``--user`` credentials into ``%{url_effective}`` and ``%{redirect_url}``;
#: sigcurl never writes a secret (README, "Differences from curl").
_USERINFO = re.compile(rb"(https?://)[^/@\s\"]+:[^/@\s\"]+@")


@dataclass
class Request:
    """One request as the server saw it, normalised for comparison."""

    method: str
    target: str
    headers: list[tuple[str, str]]  # lower-case names, sorted; signature headers dropped
    body: bytes | None


@dataclass
class Run:
    """What one tool did with one command line."""

    tool: str
    exit_code: int
    stdout: bytes
    stderr: str
    files: dict[str, bytes]
    requests: list[Request] = field(default_factory=list)
    raw: list[RecordedRequest] = field(default_factory=list)

    @property
    def error_lines(self) -> list[str]:
        """stderr's lines that are not curl's progress meter."""
        return [line for line in self.stderr.splitlines() if line.startswith(("curl:", "sigcurl:"))]


def normalise(r: RecordedRequest) -> Request:
    """``r`` with what differs by design replaced: signature headers, default User-Agent, multipart boundary."""
    boundary = None
    headers = []
    for name, value in r.headers:
        lname = name.lower()
        if lname in SIGNATURE_HEADERS:
            continue
        if lname == "user-agent" and DEFAULT_AGENTS.match(value):
            value = "<default>"
        m = _BOUNDARY.search(value) if lname == "content-type" else None
        if m:
            boundary = m.group(1)
            value = value.replace(boundary, "<boundary>")
        headers.append((lname, value))
    body = r.body
    if boundary and body is not None:
        body = body.replace(boundary.encode(), b"<boundary>")
    return Request(r.method, r.target, sorted(headers), body)


def expand(argv: Sequence[str], server: VerifyingServer) -> list[str]:
    """The placeholders of a command line filled in for ``server``."""
    return [a.replace("$URL", server.url).replace("$PORT", str(server.port)).replace("$HOST", "127.0.0.1") for a in argv]


def with_auth(argv: Sequence[str], auth: Sequence[str]) -> list[str]:
    """``auth`` at the start of every option set (``--next`` starts afresh in curl and in sigcurl)."""
    out = [*auth]
    for a in argv:
        out.append(a)
        if a in ("--next", "-:"):
            out.extend(auth)
    return out


def environment(home: Path) -> dict[str, str]:
    """A clean environment: no proxies, no AWS configuration, the example keys for sigcurl."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update({
        "HOME": str(home), "AWS_ACCESS_KEY_ID": KEY.access_key, "AWS_SECRET_ACCESS_KEY": KEY.secret_key,
        "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": _SIGCURL_ROOT, "NO_COLOR": "1",
    })
    return env


def command(tool: str) -> list[str]:
    """The words that start ``tool``."""
    return [CURL] if tool == "curl" else [sys.executable, "-m", "sigcurl"]


def run_tool(tool: str, argv: Sequence[str], server: VerifyingServer, *, files: Mapping[str, bytes | str] = (),
             stdin: bytes = b"", timeout: float = 60) -> Run:
    """Run ``tool`` with ``argv`` (placeholders filled in, signing options added) in a fresh directory."""
    with tempfile.TemporaryDirectory(prefix=f"curldiff-{tool}-") as tmp:
        cwd = Path(tmp) / "cwd"
        cwd.mkdir()
        inputs = _write_inputs(cwd, files, server)
        before = len(server.requests)
        words = with_auth(expand(argv, server), CURL_AUTH if tool == "curl" else SIGCURL_AUTH)
        proc = subprocess.run([*command(tool), *words], cwd=cwd, input=stdin, capture_output=True,
                              env=environment(Path(tmp)), timeout=timeout)
        recorded = server.requests[before:]
        written = {str(p.relative_to(cwd)): p.read_bytes() for p in sorted(cwd.rglob("*"))
                   if p.is_file() and str(p.relative_to(cwd)) not in inputs}
    stdout = _USERINFO.sub(rb"\1", _DATE.sub(rb"\1<date>", proc.stdout))
    return Run(tool, proc.returncode, stdout, proc.stderr.decode("utf-8", "replace"),
               written, [normalise(r) for r in recorded], recorded)


def run_closing(tool: str, argv: Sequence[str], server: VerifyingServer, *, keep: int = 1, timeout: float = 60) -> Run:
    """Run ``tool`` with its stdout read for ``keep`` bytes and then closed (``| head -c 1``)."""
    with tempfile.TemporaryDirectory(prefix=f"curldiff-{tool}-") as tmp:
        words = with_auth(expand(argv, server), CURL_AUTH if tool == "curl" else SIGCURL_AUTH)
        proc = subprocess.Popen([*command(tool), *words], cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=environment(Path(tmp)))
        assert proc.stdout is not None and proc.stderr is not None
        first = os.read(proc.stdout.fileno(), keep)  # exactly `keep` bytes at most, as head -c does
        proc.stdout.close()
        err = proc.stderr.read()
        code = proc.wait(timeout)
    return Run(tool, code, first, err.decode("utf-8", "replace"), {})


def _write_inputs(cwd: Path, files: Mapping[str, bytes | str], server: VerifyingServer) -> set[str]:
    for name, content in dict(files).items():
        path = cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data.replace(b"$URL", server.url.encode()).replace(b"$PORT", str(server.port).encode()))
    return set(dict(files))


def routes(big: int = 4 << 20) -> Callable[[RecordedRequest], Response]:
    """The server's answers, by path (the same for both tools, so every answer is deterministic).

    ``/r301`` ... ``/r308`` redirect to ``/final`` with a short body; ``/chainN``
    redirects N times; ``/loop`` forever; ``/status/CODE`` answers CODE with an
    AWS-style error body; ``/big`` is ``big`` bytes; ``/headers`` has repeated
    headers; anything else answers ``METHOD TARGET`` and the body's length.
    """

    def answer(r: RecordedRequest) -> Response:
        path = r.path
        if path.startswith("/r3") and path[2:5].isdigit():
            return Response.redirect("/final", status=int(path[2:5]), body=b"moved\n",
                                     headers=[("Content-Type", "text/plain")])
        if path.startswith("/chain") and path[6:].isdigit():
            n = int(path[6:])
            return Response.redirect(f"/chain{n - 1}" if n > 1 else "/final", body=b"")
        if path == "/loop":
            return Response.redirect("/loop")
        if path.startswith("/status/"):
            code = int(path[8:])
            return Response.aws_error("NotFound" if code == 404 else "InternalError", f"status {code}", status=code)
        if path == "/big":
            return Response.generated(big, block=b"0123456789abcdef", headers=[("Content-Type", "application/octet-stream")])
        if path == "/headers":
            return Response(headers=[("X-A", "1"), ("x-a", "2"), ("Content-Type", "text/plain; charset=utf-8")], body=b"h\n")
        size = len(r.body or b"")
        return Response(headers=[("Content-Type", "text/plain")], body=f"{r.method} {r.target} {size}\n".encode())

    return answer
