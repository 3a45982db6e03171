"""sigcurl against the system's curl (7.88): the same command lines, compared where scripts notice.

Each case runs once through curl (``--aws-sigv4``) and once through sigcurl
against the same recording loopback server (:mod:`support.curldiff`), and
compares the requests the server received (method, target, body, headers
other than the signature's and the default User-Agent), stdout, the files
written and the exit code.  sigcurl's requests must also verify (botocore).

A case marked ``curl_difference(row, fields)`` is a deliberate difference:
``row`` is quoted from the README's "Differences from curl" table, and
``fields`` are the things that differ — they must differ (so the table
stays true), everything else must still match.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.curldiff import Run, run_closing, run_tool
from support.server import VerifyingServer

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the system's curl is the reference")

README = Path(__file__).resolve().parents[1] / "README.md"

FILES: dict[str, bytes | str] = {
    "file.txt": b"h i\nj&k\r\n",
    "file.json": b'{"TableName": "t"}\n',
    "upload.bin": bytes(range(256)) * 4,
    "headers.txt": "X-From-File: 1\nX-Second: two words\n",
    "conf.txt": 'url = "$URL/k"\ndata = "a=1"\nheader = "X-Conf: yes"\n-s\n',
}


def differs(row: str, *fields: str) -> pytest.MarkDecorator:
    """A deliberate difference: the README table row (quoted) and what differs."""
    return pytest.mark.curl_difference(row=row, fields=fields)


QUERY_ROW = "`--data-urlencode` with `-G`, and `--url-query`, write a space as `%20`"
PIPE_ROW = "`-T -` from a pipe is read whole before sending"
SLASH_ROW = "`http:/host` and `http//host` are refused"
SPACE_ROW = "other services' paths as typed"

CASES = [
    # -- data: every kind, in command-line order ---------------------------------------------
    pytest.param(["-d", "a=1", "--data-raw", "b=2", "--data-urlencode", "c=3 3", "--data-binary", "d=4", "-d", "e=5", "$URL/p"],
                 id="data-order"),
    pytest.param(["--data-urlencode", "=x y+z/&~-._!*()é", "--data-urlencode", "q@file.txt", "--data-urlencode", "@file.txt",
                  "--data-urlencode", "plain name=v w", "$URL/p"], id="data-urlencode-forms"),
    pytest.param(["-d", "@file.txt", "$URL/p"], id="data-file-strips-newlines"),
    pytest.param(["--data-binary", "@file.txt", "$URL/p"], id="data-binary-file"),
    pytest.param(["--data-raw", "@file.txt", "$URL/p"], id="data-raw-at"),
    pytest.param(["-d", "@-", "$URL/p"], id="data-stdin"),
    pytest.param(["-d", "", "$URL/p"], id="data-empty"),
    pytest.param(["--json", '{"a":1}', "$URL/j"], id="json"),
    pytest.param(["--json", "@file.json", "--json", "", "$URL/j"], id="json-file"),
    pytest.param(["-G", "-d", "a=1", "-d", "b=2", "$URL/g?z=0"], id="get-data"),
    pytest.param(["-G", "--data-urlencode", "q=x y", "$URL/g"], id="get-urlencode",
                 marks=differs(QUERY_ROW, "target", "stdout")),
    pytest.param(["--url-query", "a=b c", "--url-query", "+raw=1", "$URL/q"], id="url-query",
                 marks=differs(QUERY_ROW, "target", "stdout")),
    pytest.param(["-F", "a=1", "-F", "f=@file.txt", "--form-string", "b=@x", "-F", "t=<file.txt", "$URL/f"], id="form"),
    pytest.param(["-F", "f=@upload.bin;type=application/x-test;filename=x.bin", "$URL/f"], id="form-type-filename"),
    # -- methods and headers -------------------------------------------------------------------
    pytest.param(["$URL/a?x=1&y=2"], id="get"),
    pytest.param(["-X", "PUT", "-d", "x=1", "$URL/m"], id="put-data"),
    pytest.param(["-X", "DELETE", "$URL/m"], id="delete"),
    pytest.param(["-X", "PATCH", "--data-binary", "abc", "$URL/m"], id="patch"),
    pytest.param(["-H", "X-Custom: v", "-H", "X-Other:  a b ", "$URL/h"], id="header-set"),
    pytest.param(["-H", "Accept:", "$URL/h"], id="header-remove"),
    pytest.param(["-H", "X-Empty;", "$URL/h"], id="header-empty"),
    pytest.param(["-H", "@headers.txt", "$URL/h"], id="header-file"),
    pytest.param(["-A", "agent/1.0", "$URL/h"], id="user-agent"),
    pytest.param(["-H", "Content-Type: application/x-amz-json-1.1", "-d", "{}", "$URL/h"], id="header-replaces-default"),
    # -- uploads -------------------------------------------------------------------------------------
    pytest.param(["-T", "upload.bin", "$URL/up/"], id="upload-dir"),
    pytest.param(["-T", "upload.bin", "$URL/up/name"], id="upload"),
    pytest.param(["-T", "-", "$URL/up/stdin"], id="upload-stdin", marks=differs(PIPE_ROW, "headers")),
    # -- output ----------------------------------------------------------------------------------
    pytest.param(["-I", "$URL/a"], id="head"),
    pytest.param(["-i", "$URL/headers"], id="include"),
    pytest.param(["-o", "out.txt", "$URL/a"], id="output"),
    pytest.param(["-O", "$URL/dir/name.txt"], id="remote-name"),
    pytest.param(["-o", "a.txt", "$URL/1", "-o", "b.txt", "$URL/2", "$URL/3"], id="outputs-in-order"),
    pytest.param(["-s", "$URL/status/404"], id="error-body"),
    pytest.param(["-f", "$URL/status/404"], id="fail"),
    pytest.param(["-f", "-i", "$URL/status/500"], id="fail-include"),
    pytest.param(["--fail-with-body", "$URL/status/404"], id="fail-with-body"),
    pytest.param(["-s", "-S", "http://127.0.0.1:1/"], id="connect-refused"),
    # -- redirects ---------------------------------------------------------------------------------
    pytest.param(["$URL/r302"], id="redirect-body-without-L"),
    pytest.param(["-i", "$URL/r301"], id="redirect-include-without-L"),
    pytest.param(["-L", "$URL/r302"], id="follow"),
    pytest.param(["-L", "-i", "$URL/chain2"], id="follow-include"),
    pytest.param(["-L", "-d", "x=1", "$URL/r302"], id="follow-post-302"),
    pytest.param(["-L", "-d", "x=1", "$URL/r307"], id="follow-post-307"),
    pytest.param(["-L", "-d", "x=1", "$URL/r303"], id="follow-post-303"),
    pytest.param(["-L", "--max-redirs", "1", "$URL/chain3"], id="max-redirs"),
    pytest.param(["-L", "$URL/loop", "--max-redirs", "3"], id="redirect-loop"),
    # -- -w (the values that do not depend on time) -------------------------------------------
    pytest.param(["-o", "o.txt", "-w", "%{http_code} %{response_code} %{content_type} %{size_download} %{method} %{scheme} "
                  "%{http_version} %{num_headers} %{urlnum} %{exitcode} %{remote_ip} %{remote_port} %{local_ip} %{num_connects} "
                  "%{filename_effective} %{ssl_verify_result} %{url} %{url_effective} %{size_upload} %{errormsg}|%{referer}|"
                  "%{redirect_url}|%{num_redirects}%%\\n", "-d", "x=1", "$URL/w"], id="write-out"),
    pytest.param(["-L", "-s", "-o", "/dev/null", "-w", "%{num_redirects} %{url_effective} %{http_code} %{method} %{size_upload}",
                  "-d", "x=1", "$URL/chain2"], id="write-out-redirects"),
    pytest.param(["-w", "[%{redirect_url}] %{size_download} %{size_header}", "$URL/r301"], id="write-out-redirect-url"),
    pytest.param(["-o", "/dev/null", "-w", "%header{content-type}|%header{x-a}|%{header_json}", "$URL/headers"], id="write-out-headers"),
    pytest.param(["-s", "-w", "%{onerror}failed %{exitcode} %{http_code} %{size_download}", "http://127.0.0.1:1/x"],
                 id="write-out-onerror"),
    pytest.param(["-w", "%{urlnum} ", "$URL/1", "$URL/2", "-o", "/dev/null"], id="write-out-urlnum"),
    pytest.param(["-s", "-w", "%{stderr}to stderr %{http_code}", "$URL/a"], id="write-out-stderr"),
    # -- --connect-to, --resolve -----------------------------------------------------------------
    pytest.param(["--connect-to", "::127.0.0.1:$PORT", "http://example.com/c"], id="connect-to-any"),
    pytest.param(["--connect-to", "example.com::127.0.0.1:$PORT", "http://example.com/c"], id="connect-to-host"),
    pytest.param(["--connect-to", ":80:127.0.0.1:$PORT", "http://example.com/c"], id="connect-to-port"),
    pytest.param(["--connect-to", "example.com:80:127.0.0.1:$PORT", "http://example.com/c"], id="connect-to-full"),
    pytest.param(["--connect-to", "example.com:80::$PORT", "http://127.0.0.1/c"], id="connect-to-no-match"),
    pytest.param(["--connect-to", "other.com::127.0.0.1:$PORT", "--connect-to", "::127.0.0.1:$PORT", "http://example.com/c"],
                 id="connect-to-order"),
    pytest.param(["--resolve", "example.com:$PORT:127.0.0.1", "http://example.com:$PORT/r"], id="resolve"),
    # -- config files, option sets, globs ---------------------------------------------------------
    pytest.param(["-K", "conf.txt"], id="config-file"),
    pytest.param(["$URL/1", "--next", "-d", "x=1", "$URL/2"], id="next"),
    pytest.param(["$URL/g/[1-3]", "$URL/{a,b}"], id="glob"),
    pytest.param(["-g", "$URL/lit[1]"], id="globoff"),
    # -- malformed URLs and protocols -------------------------------------------------------
    pytest.param(["://host/x"], id="url-no-scheme"),
    pytest.param(["http://host:99999/"], id="url-bad-port"),
    pytest.param(["http://ho st/"], id="url-space-in-host"),
    pytest.param(["http://[::1/"], id="url-bad-bracket"),
    pytest.param(["foo://x/"], id="url-unsupported"),
    pytest.param(["http:/127.0.0.1:$PORT/x"], id="url-one-slash", marks=differs(SLASH_ROW, "exit_code", "requests", "stdout")),
    pytest.param(["$URL/a b"], id="url-space-in-path", marks=differs(SPACE_ROW, "exit_code", "requests", "stdout")),
]


def _readme_rows() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("#### Differences from curl")
    end = text.index("\n#", start + 1)
    return [line for line in text[start:end].splitlines() if line.startswith("| ") and not line.startswith("| sigcurl |")]


REQUEST_PARTS = frozenset({"target", "headers", "body"})


def _aspects(run: Run) -> dict[str, object]:
    return {"exit_code": run.exit_code, "requests": run.requests, "stdout": run.stdout, "files": run.files}


@pytest.fixture
def answering(server: VerifyingServer) -> Iterator[VerifyingServer]:
    from support.curldiff import routes

    server.handler = routes()
    yield server


@pytest.mark.parametrize("argv", CASES)
def test_same_as_curl(argv: list[str], answering: VerifyingServer, request: pytest.FixtureRequest) -> None:
    curl = run_tool("curl", argv, answering, files=FILES, stdin=b"from stdin\n")
    ours = run_tool("sigcurl", argv, answering, files=FILES, stdin=b"from stdin\n")
    assert "Traceback" not in ours.stderr, ours.stderr
    assert all(r.ok for r in ours.raw if r.header("Authorization")), [r.verification.reason for r in ours.raw]
    mark = request.node.get_closest_marker("curl_difference")
    different = set(mark.kwargs["fields"]) if mark else set()
    if mark:
        assert any(mark.kwargs["row"] in row for row in _readme_rows()), f"no README row for {mark.kwargs['row']!r}"
    expected, got = _aspects(curl), _aspects(ours)
    parts = different & REQUEST_PARTS  # what differs inside the requests; the rest of them must match
    for aspect in expected:
        if aspect in different or aspect == "requests" and parts:
            continue
        assert got[aspect] == expected[aspect], f"{aspect}: sigcurl {got[aspect]!r}\n   curl {expected[aspect]!r}\nstderr: {ours.stderr}"
    if parts:
        assert len(ours.requests) == len(curl.requests)
        assert any(getattr(m, p) != getattr(t, p) for m, t in zip(ours.requests, curl.requests, strict=True) for p in parts)
        same = ("method", "target", "headers", "body")
        for mine, theirs in zip(ours.requests, curl.requests, strict=True):
            assert [getattr(mine, p) for p in same if p not in parts] == [getattr(theirs, p) for p in same if p not in parts]
    for aspect in different - REQUEST_PARTS:
        assert got[aspect] != expected[aspect], f"{aspect} is the same as curl's: the difference is gone"
    if ours.exit_code:  # an error is one line, as curl's is
        assert len(ours.error_lines) <= 1 or "transfers failed" in ours.stderr, ours.stderr


# -- timing variables: numbers, measured ---------------------------------------------------------------

TIMES = ("time_namelookup", "time_connect", "time_appconnect", "time_pretransfer", "time_starttransfer", "time_redirect", "time_total")


@pytest.mark.parametrize("extra", [["$URL/a"], ["-L", "$URL/chain2"], ["-d", "x=1", "$URL/p"]], ids=["get", "redirects", "post"])
def test_timings_are_numbers_in_curls_order(extra: list[str], answering: VerifyingServer) -> None:
    fmt = " ".join(f"%{{{t}}}" for t in TIMES) + " %{speed_download} %{speed_upload}"
    for tool in ("curl", "sigcurl"):
        run = run_tool(tool, ["-s", "-o", "/dev/null", "-w", fmt, *extra], answering)
        assert run.exit_code == 0, run.stderr
        words = run.stdout.decode().split()
        assert len(words) == len(TIMES) + 2
        assert all(re.fullmatch(r"\d+\.\d{6}", w) for w in words[: len(TIMES)]), (tool, words)
        t = dict(zip(TIMES, map(float, words[: len(TIMES)]), strict=True))
        assert t["time_appconnect"] == 0.0  # plain HTTP
        assert t["time_namelookup"] <= t["time_connect"] <= t["time_pretransfer"] <= t["time_starttransfer"] <= t["time_total"], (tool, t)
        assert t["time_starttransfer"] > 0.0
        assert (t["time_redirect"] > 0.0) == ("-L" in extra), (tool, t)
        assert all(w.isdigit() for w in words[len(TIMES):])


def test_starttransfer_includes_the_servers_wait(answering: VerifyingServer) -> None:
    from support.server import Response

    for tool in ("curl", "sigcurl"):
        answering.queue(Response(body=b"late", delay=0.3))
        run = run_tool(tool, ["-s", "-o", "/dev/null", "-w", "%{time_pretransfer} %{time_starttransfer}", "$URL/slow"], answering)
        pre, start = map(float, run.stdout.split())
        assert start - pre >= 0.3, (tool, pre, start)  # the first byte cannot come before the server answers


def test_json_has_curls_keys_and_values(answering: VerifyingServer) -> None:
    argv = ["-s", "-L", "-o", "out.txt", "-w", "%{json}", "-d", "x=1", "$URL/chain2"]
    curl = json.loads(run_tool("curl", argv, answering).stdout)
    ours = json.loads(run_tool("sigcurl", argv, answering).stdout)
    assert list(ours) == list(curl)  # the same keys, in curl's order
    volatile = {"curl_version", "local_port", "size_request"} | {k for k in curl if k.startswith(("time_", "speed_"))}
    assert {k: v for k, v in ours.items() if k not in volatile} == {k: v for k, v in curl.items() if k not in volatile}
    assert all(isinstance(ours[k], (int, float)) for k in volatile - {"curl_version"})
    assert ours["curl_version"].startswith("sigcurl/")


def test_json_after_a_connection_failure(answering: VerifyingServer) -> None:
    argv = ["-s", "-w", "%{json}", "http://127.0.0.1:1/x"]
    curl = json.loads(run_tool("curl", argv, answering).stdout)
    ours = json.loads(run_tool("sigcurl", argv, answering).stdout)
    assert list(ours) == list(curl)
    volatile = {"curl_version", "errormsg", "time_namelookup", "time_total"}
    assert {k: v for k, v in ours.items() if k not in volatile} == {k: v for k, v in curl.items() if k not in volatile}
    assert ours["errormsg"] and curl["errormsg"]


# -- a reader that goes away (| head -c 1) ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["-s", "-i", "$URL/a"], id="include-small"),
        pytest.param(["-i", "$URL/a"], id="include-small-not-silent"),
        pytest.param(["-s", "-I", "$URL/a"], id="head"),
        pytest.param(["-s", "$URL/big"], id="big"),
        pytest.param(["-s", "-i", "$URL/big"], id="big-include"),
        pytest.param(["-sS", "$URL/big"], id="big-show-error"),
        pytest.param(["-s", "$URL/big", "$URL/big", "$URL/a"], id="several-silent"),
        pytest.param(["-sS", "$URL/a", "$URL/big", "$URL/a"], id="several-show-error",
                     marks=differs("is said once per run", "error_lines")),
        pytest.param(["-s", "-Z", "$URL/big", "$URL/big"], id="parallel"),
    ],
)
def test_closed_stdout(argv: list[str], answering: VerifyingServer, request: pytest.FixtureRequest) -> None:
    curl = run_closing("curl", argv, answering)
    ours = run_closing("sigcurl", argv, answering)
    assert ours.exit_code == curl.exit_code, (ours.exit_code, curl.exit_code, ours.stderr)
    assert ours.stdout == curl.stdout
    assert "Exception ignored" not in ours.stderr and "Traceback" not in ours.stderr, ours.stderr
    silent = "-s" in argv
    assert len(ours.error_lines) == (0 if silent or not ours.exit_code else 1), ours.stderr
    if request.node.get_closest_marker("curl_difference"):
        assert len(curl.error_lines) > 1
        assert any("is said once per run" in row for row in _readme_rows())
    else:
        assert len(ours.error_lines) == len(curl.error_lines), (ours.stderr, curl.stderr)
