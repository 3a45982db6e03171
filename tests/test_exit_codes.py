"""Every row of the README's exit-code table, produced by a real run.

The table is read from README.md ("### Exit codes"): a row without a case
here fails (:func:`test_every_row_has_a_case`), and so does a case for a code
the table does not list.  Each case runs the real command (in-process, or as
a process where a signal or a broken socket matters) against a loopback
server or a local input, and checks the code and that stderr says so in one
``sigcurl: <what> — <how to fix>`` line.  Where the system's curl can run
the same command line (the same URL and options, with curl's own signing),
:func:`test_curl_exits_the_same` runs it too and expects the same code.

Name resolution never leaves the machine: names ending in ``.invalid`` are
refused by a patched ``socket.getaddrinfo`` (in-process runs only), as a
resolver would refuse them.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from cli_helpers import Result, base_env, run, run_process, start_process
from test_event_streams_cli import BEDROCK, EVENTSTREAM, exception
from test_hostile_more import closing_listener, drip_body

from support.hostile import Conn, HostileServer, close_idle, redirect, reply
from support.server import VerifyingServer

README = Path(__file__).resolve().parents[1] / "README.md"
SIGN = ["--service", "execute-api", "--region", "us-east-1"]
MiB = 1 << 20


def readme_codes() -> dict[int, str]:
    """The exit-code table of the README: code -> meaning."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*(.+?)\s*\|\s*$", section, re.MULTILINE)
    assert rows, "the README's exit-code table was not found"
    return {int(code): meaning for code, meaning in rows}


class Ctx(NamedTuple):
    """What a case may use: a hostile server, a verifying TLS server, a home, the environment."""

    hostile: HostileServer
    tls: VerifyingServer
    home: Path
    env: dict[str, str]


Case = Callable[[Ctx], Result]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def short_body(conn: Conn, head: bytes) -> bool:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nonly ten b")
    return False


def bad_length(conn: Conn, head: bytes) -> bool:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\nContent-Type: text/plain\r\n\r\nhello")
    return False


def _interrupt(ctx: Ctx, sig: int) -> Result:
    """A run waiting for a server that never answers, sent ``sig`` once it is waiting."""
    ctx.hostile.queue(reply(200, b"late", stall=30))
    proc = start_process([*SIGN, ctx.hostile.url_for("/wait")], ctx.env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(300):  # the request has arrived: the process is waiting for the answer
            if ctx.hostile.requests or proc.poll() is not None:
                break
            threading.Event().wait(0.05)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return Result(proc.returncode, out, err.decode("utf-8", "replace"))


def _upload_cut(ctx: Ctx) -> Result:
    big = ctx.home / "big.bin"
    big.write_bytes(os.urandom(MiB) * 32)
    stop = threading.Event()
    listener, thread = closing_listener(stop)
    try:
        return run_process(["-T", str(big), *SIGN, f"http://127.0.0.1:{listener.getsockname()[1]}/up"], ctx.env)
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _internal(ctx: Ctx) -> Result:
    """A bug, injected: what the user sees of any exception sigcurl did not foresee."""
    sitedir = ctx.home / "bug"
    sitedir.mkdir(exist_ok=True)
    (sitedir / "sitecustomize.py").write_text(
        "import sigcurl.driver\n"
        "def run(*args, **kwargs):\n"
        "    raise KeyError('an injected bug')\n"
        "sigcurl.driver.run = run\n"
    )
    path = os.pathsep.join([str(sitedir), os.environ.get("PYTHONPATH", str(Path(__file__).resolve().parents[1]))])
    return run_process([*SIGN, ctx.hostile.url_for("/")], {**ctx.env, "PYTHONPATH": path})


def _credential_process_fails(ctx: Ctx) -> Result:
    (ctx.home / "config").write_text("[profile broken]\ncredential_process = false\n")
    return run(["--profile", "broken", *SIGN, ctx.hostile.url_for("/")], ctx.env)


def _no_credentials(ctx: Ctx) -> Result:
    env = {k: v for k, v in ctx.env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    return run([*SIGN, ctx.hostile.url_for("/")], env)


def _event_stream_error(ctx: Ctx) -> Result:
    ctx.hostile.queue(reply(200, exception("ThrottlingException", "slow down"), EVENTSTREAM))
    return run([*BEDROCK, ctx.hostile.url_for("/model/m/converse-stream")], ctx.env)


def _resume_refused(ctx: Ctx) -> Result:
    (ctx.home / "part").write_bytes(b"01234")
    ctx.hostile.queue(reply(200, b"0123456789", content_type="text/plain"))
    return run(["-C", "-", "-o", str(ctx.home / "part"), *SIGN, ctx.hostile.url_for("/file")], ctx.env)


def _bad_gzip(ctx: Ctx) -> Result:
    ctx.hostile.queue(reply(200, gzip.compress(b"hello")[:12] + b"not gzip at all", [("Content-Encoding", "gzip")]))
    return run(["--compressed", *SIGN, ctx.hostile.url_for("/gz")], ctx.env)


#: One case per row: how to make sigcurl exit with that code.
CASES: dict[int, Case] = {
    0: lambda c: (c.hostile.queue(reply(200, b"ok")), run([*SIGN, c.hostile.url_for("/")], c.env))[1],
    1: lambda c: run([*SIGN, "nosuch://127.0.0.1/file"], c.env),
    2: lambda c: run(["--no-such-option", *SIGN, c.hostile.url_for("/")], c.env),
    3: lambda c: run([*SIGN, "http://127.0.0.1:99999999/"], c.env),
    5: lambda c: run(["-x", "http://proxy.invalid:3128", *SIGN, c.hostile.url_for("/")], {**c.env, "NO_PROXY": ""}),
    6: lambda c: run([*SIGN, "http://nosuchhost.invalid/"], c.env),
    7: lambda c: run([*SIGN, f"http://127.0.0.1:{free_port()}/"], c.env),
    8: lambda c: (c.hostile.queue(bad_length), run([*SIGN, c.hostile.url_for("/")], c.env))[1],
    18: lambda c: (c.hostile.queue(short_body), run([*SIGN, c.hostile.url_for("/")], c.env))[1],
    22: lambda c: (c.hostile.queue(reply(404, b"no")), run(["-f", *SIGN, c.hostile.url_for("/")], c.env))[1],
    23: lambda c: (c.hostile.queue(reply(200, b"ok")),
                   run(["-o", str(c.home / "no" / "such" / "dir" / "out"), *SIGN, c.hostile.url_for("/")], c.env))[1],
    26: lambda c: run(["-T", str(c.home / "missing.bin"), *SIGN, c.hostile.url_for("/")], c.env),
    28: lambda c: (c.hostile.queue(reply(200, b"late", stall=30)), run(["-m", "1", *SIGN, c.hostile.url_for("/")], c.env))[1],
    33: _resume_refused,
    35: lambda c: run([*SIGN, f"https://127.0.0.1:{c.hostile.port}/"], c.env),
    47: lambda c: (c.hostile.queue(*[redirect(c.hostile.url_for(f"/r{i}"), 302) for i in range(4)]),
                   run(["-L", "--max-redirs", "2", *SIGN, c.hostile.url_for("/r")], c.env))[1],
    52: lambda c: (c.hostile.queue(close_idle()), run([*SIGN, c.hostile.url_for("/")], c.env))[1],
    55: _upload_cut,
    56: lambda c: (c.hostile.queue(reply(200, b"ok", [(f"X-H{i}", "v" * 1000) for i in range(400)])),
                   run([*SIGN, c.hostile.url_for("/")], c.env))[1],
    58: lambda c: run(["--cert", str(c.home / "missing.pem"), "--cacert", str(c.tls.ca_bundle), *SIGN, c.tls.url_for("/")], c.env),
    60: lambda c: run([*SIGN, c.tls.url_for("/")], c.env),
    61: _bad_gzip,
    77: lambda c: run(["--cacert", str(c.home / "missing-ca.pem"), *SIGN, c.tls.url_for("/")], c.env),
    90: lambda c: run([c.hostile.url_for("/")], c.env),
    91: _no_credentials,
    92: _credential_process_fails,
    93: _internal,
    94: _event_stream_error,
    130: lambda c: _interrupt(c, signal.SIGINT),
    143: lambda c: _interrupt(c, signal.SIGTERM),
}

#: Cases whose command line the system's curl can run as is (URL and options; curl signs with its own options).
CURL_ARGS: dict[int, Callable[[Ctx], list[str]]] = {
    1: lambda c: ["nosuch://127.0.0.1/file"],
    3: lambda c: ["http://127.0.0.1:99999999/"],
    7: lambda c: [f"http://127.0.0.1:{free_port()}/"],
    8: lambda c: (c.hostile.queue(bad_length), [c.hostile.url_for("/")])[1],
    18: lambda c: (c.hostile.queue(short_body), [c.hostile.url_for("/")])[1],
    22: lambda c: (c.hostile.queue(reply(404, b"no")), ["-f", c.hostile.url_for("/")])[1],
    26: lambda c: ["-T", str(c.home / "missing.bin"), c.hostile.url_for("/")],
    28: lambda c: (c.hostile.queue(reply(200, b"late", stall=30)), ["-m", "1", c.hostile.url_for("/")])[1],
    35: lambda c: [f"https://127.0.0.1:{c.hostile.port}/"],
    47: lambda c: (c.hostile.queue(*[redirect(c.hostile.url_for(f"/r{i}"), 302) for i in range(4)]),
                   ["-L", "--max-redirs", "2", c.hostile.url_for("/r")])[1],
    52: lambda c: (c.hostile.queue(close_idle()), [c.hostile.url_for("/")])[1],
    56: lambda c: (c.hostile.queue(reply(200, b"ok", [(f"X-H{i}", "v" * 1000) for i in range(400)])), [c.hostile.url_for("/")])[1],
    60: lambda c: [c.tls.url_for("/")],
    61: lambda c: (c.hostile.queue(reply(200, gzip.compress(b"hello")[:12] + b"not gzip at all", [("Content-Encoding", "gzip")])),
                   ["--compressed", c.hostile.url_for("/gz")])[1],
    77: lambda c: ["--cacert", str(c.home / "missing-ca.pem"), c.tls.url_for("/")],
}


#: Other paths to the same rows (the issue's list of codes that differed from the table).
MORE_PATHS: dict[str, tuple[int, Case]] = {
    "redirect-to-ftp": (1, lambda c: (c.hostile.queue(redirect("ftp://127.0.0.1/f", 302)),
                                      run(["-L", *SIGN, c.hostile.url_for("/")], c.env))[1]),
    "redirect-to-file": (1, lambda c: (c.hostile.queue(redirect("file:///etc/passwd", 302)),
                                       run(["-L", *SIGN, c.hostile.url_for("/")], c.env))[1]),
    "bad-location": (3, lambda c: (c.hostile.queue(redirect("http://[oops/", 302)),
                                   run(["-L", *SIGN, c.hostile.url_for("/")], c.env))[1]),
    "crlf-in-host": (3, lambda c: run([*SIGN, "http://exa%0d%0ample.invalid/"], c.env)),
    "two-lengths": (8, lambda c: (c.hostile.queue(reply(200, b"hello", [("Content-Length", "3")])),
                                  run([*SIGN, c.hostile.url_for("/")], c.env))[1]),
    "dripped-body": (28, lambda c: (c.hostile.queue(drip_body()),
                                    run_process(["-m", "2", *SIGN, c.hostile.url_for("/")], c.env, timeout=60))[1]),
}


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ctx]:
    real = socket.getaddrinfo

    def offline(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, (str, bytes)) and (host.decode() if isinstance(host, bytes) else host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    with HostileServer() as hostile, VerifyingServer(tls=True, name="tls") as tls:
        yield Ctx(hostile, tls, tmp_path, base_env(tmp_path))


def test_every_row_has_a_case_and_every_case_a_row() -> None:
    assert sorted(readme_codes()) == sorted(CASES)


@pytest.mark.parametrize("code", sorted(readme_codes()))
def test_the_row_is_what_sigcurl_exits_with(ctx: Ctx, code: int) -> None:
    assert code in CASES, f"README row {code} ({readme_codes()[code]}) has no case here"
    result = CASES[code](ctx)
    assert result.exit_code == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("sigcurl:")]
    if code == 0:
        assert not lines, result.stderr
    else:
        assert len(lines) == 1 and " — " in lines[0], result.stderr


@pytest.mark.parametrize("name", sorted(MORE_PATHS))
def test_other_paths_to_a_row(ctx: Ctx, name: str) -> None:
    code, case = MORE_PATHS[name]
    assert code in readme_codes()
    result = case(ctx)
    assert result.exit_code == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("sigcurl:")]
    assert len(lines) == 1 and " — " in lines[0] and "Traceback" not in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="the system's curl is the reference")
@pytest.mark.parametrize("code", sorted(CURL_ARGS))
def test_curl_exits_the_same(ctx: Ctx, code: int) -> None:
    argv = CURL_ARGS[code](ctx)
    curl = subprocess.run(["curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", "AKIDEXAMPLE:secret",
                           *argv], capture_output=True, timeout=60, env={**os.environ, "NO_PROXY": "*"})
    assert curl.returncode == code, curl.stderr
