"""curl's options with curl's meaning: the same argv through sigcurl and the system's curl, compared.

Each comparison sends one argv to the loopback verifying server twice: once
with ``sigcurl``, once with ``curl`` (skipped when there is none), and
compares what the server received (method, path, query, body, the headers
that are not the signature's or the User-Agent), what was written (stdout,
files) and the exit code.  sigcurl's requests must also verify (botocore).
Here: requests, files (-o, -O, -C, -D, --etag-*), outputs and option errors;
curl's AWS syntax, TLS client options and ``--sign-format`` are in
``test_curl_options_*.py`` (the comparison itself in ``support/curl_compare.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.curl_compare import AWS, DATA, both, needs_curl, ranged, sigcurl
from support.server import RecordedRequest, Response, VerifyingServer

# -- the options, compared with curl -----------------------------------------------------------


@needs_curl
@pytest.mark.parametrize("args", [
    ["-r", "0-4", "{url}/d"],
    ["-r", "-5", "{url}/d"],
    ["-C", "5", "{url}/d"],
    ["-C", "-", "{url}/d"],
    ["-e", "https://example.com/from", "{url}/d"],
    ["-e", "https://example.com/from;auto", "{url}/d"],
    ["--referer", ";auto", "{url}/d"],
    ["--http1.1", "{url}/d"],
    ["--data-ascii", "a=1", "{url}/d"],
    ["--no-progress-meter", "-#", "{url}/d"],
    ["-D", "-", "-o", "/dev/null", "{url}/d"],
    ["--etag-save", "-", "{url}/d"],
    ["--etag-compare", "nothere", "{url}/d"],
    ["-f", "--remove-on-error", "-o", "out", "{url}/missing"],
    ["--fail-early", "-f", "{url}/missing", "{url}/d"],
])
def test_same_as_curl(server: VerifyingServer, tmp_path: Path, args: list[str]) -> None:
    server.handler = ranged
    both(server, [*AWS, *args], tmp_path, files=["out"])


def redirecting(req: RecordedRequest) -> Response:
    """/r redirects to /d; the rest as :func:`ranged`."""
    return Response(302, headers=[("Location", "/d")]) if req.path == "/r" else ranged(req)


@needs_curl
@pytest.mark.parametrize(("args", "setup", "files"), [
    (["-L", "-D", "-", "-o", "/dev/null", "{url}/r"], None, []),  # every hop's head
    (["-L", "-D", "h", "-o", "out", "{url}/r"], None, ["h", "out"]),
    (["-I", "-D", "h", "{url}/d"], None, ["h"]),
    (["-i", "-D", "-", "{url}/d"], None, []),  # -D and -i on stdout: each header line twice, as curl writes them
    (["-I", "-D", "-", "{url}/d"], None, []),
    (["-i", "-D", "-", "-L", "{url}/r"], None, []),
    (["-i", "-D", "-", "-o", "o", "{url}/d"], None, ["o"]),
    (["-i", "-D", "-", "-C", "-", "-o", "o", "{url}/d"], {"o": DATA}, ["o"]),  # 416: -i's head appended, as curl does
    (["-i", "-D", "-", "-C", "3", "{url}/norange"], None, []),  # 200 to a Range: heads written, then exit 33
    (["-C", "-", "-O", "{url}/d"], {"d": b"0123"}, ["d"]),
    (["-C", "5", "-o", "f", "{url}/d"], {"f": b"abc"}, ["f"]),  # an explicit offset appends whatever the file holds
    (["-C", "5", "-o", "f", "{url}/d"], None, ["f"]),
    (["-C", "-", "-o", "f", "{url}/d"], {"f": b""}, ["f"]),
    (["-C", "-", "-r", "1-2", "{url}/d"], None, []),  # offset 0: -r is sent
    (["-r", "2-3", "-o", "f", "{url}/d"], {"f": b"abcdef"}, ["f"]),
    (["-r", "0-1", "-r", "3-4", "{url}/d"], None, []),
    (["-e", "https://x/", "-L", "{url}/r"], None, []),
    (["--data-ascii", "@f", "{url}/d"], {"f": b"a=1\nb=2\n"}, []),
    (["--etag-save", "e", "-o", "out", "{url}/missing"], None, ["e", "out"]),
    (["-f", "--etag-save", "e", "{url}/missing"], None, ["e"]),
    (["--etag-compare", "e", "--etag-save", "e", "{url}/d"], {"e": b'"e1"\n'}, ["e"]),
    (["--remove-on-error", "-f", "-C", "-", "-o", "f", "{url}/missing"], {"f": b"01"}, ["f"]),
    (["-C", "0", "-o", "f", "{url}/d"], {"f": b"abc"}, ["f"]),  # offset 0: no resume, the file is rewritten
    (["-C", "0", "-r", "2-3", "-o", "f", "{url}/d"], {"f": b"abc"}, ["f"]),
    (["-r", "3", "{url}/d"], None, []),  # no dash: curl asks for "3-"
    (["-r", "3,5", "{url}/d"], None, []),
    (["-r", "3x", "{url}/d"], None, []),
    (["--etag-compare", "e", "{url}/d"], {"e": b""}, []),  # If-None-Match: ""
    (["--etag-compare", "e", "{url}/d"], {"e": b'  "e1"  \nxx\n'}, []),  # lines joined, as curl reads the file
    (["--etag-compare", "e", "{url}/d"], {"e": b'"e\r\nxx\n1"\n'}, []),
    (["--etag-compare", "e", "{url}/d"], {"e": b'"e\r1"\n'}, []),
])
def test_same_files_as_curl(server: VerifyingServer, tmp_path: Path, args: list[str], setup: dict[str, bytes] | None,
                            files: list[str]) -> None:
    server.handler = redirecting
    both(server, [*AWS, *args], tmp_path, files=files, setup=setup)


def statuses(req: RecordedRequest) -> Response:
    """/empty (200), /e404, /304 without a body, /cut (a body cut short); the rest as :func:`redirecting`."""
    bodiless = {"/empty": 200, "/e404": 404, "/304": 304}
    if req.path in bodiless:
        return Response(bodiless[req.path], body=b"")
    if req.path == "/cut":
        return Response(200, body=b"part", content_length=100, truncate=4)
    return redirecting(req)


@needs_curl
@pytest.mark.parametrize("args", [
    ["-o", "f", "{url}/empty"],  # a body-less success: the file is created (emptied)
    ["-o", "f", "{url}/e404"],
    ["-f", "-o", "f", "{url}/missing"],  # failed before the body: the file is left as it was
    ["-o", "f", "{url}/304"],  # 304: left as it was (the --etag-compare idiom)
    ["-i", "-o", "f", "{url}/304"],
    ["--etag-compare", "e", "--etag-save", "e", "-o", "f", "{url}/d"],
    ["-o", "f", "http://127.0.0.1:9/"],
    ["--remove-on-error", "-f", "-o", "f", "{url}/missing"],  # removes only a file it wrote
    ["--remove-on-error", "-o", "f", "{url}/cut"],
    ["--remove-on-error", "-C", "-", "-o", "f", "{url}/norange"],  # the file as long as the 200: already whole
    ["--remove-on-error", "-C", "3", "-o", "f", "{url}/norange"],  # -C opens the file at once: removed
    ["--remove-on-error", "-C", "3", "-f", "-o", "f", "{url}/missing"],
    ["-o", "d/f", "--create-dirs", "-f", "{url}/missing"],  # the directories are made at once
    ["-D", "h", "--etag-save", "e", "-o", "f", "http://127.0.0.1:9/"],  # -D and --etag-save files made before sending
    ["-D", "h", "--etag-save", "e", "{url}/d", "http://127.0.0.1:9/"],
    ["-D", "h", "--etag-save", "e", "-f", "{url}/missing"],
])
def test_output_files_as_curl(server: VerifyingServer, tmp_path: Path, args: list[str]) -> None:
    server.handler = statuses
    setup = {"e": b'"e1"\n', "f": DATA, "h": DATA}
    both(server, [*AWS, *args], tmp_path, files=["f", "d/f", "e", "h"], setup=setup)
    assert (tmp_path / "sigcurl" / "d").exists() == (tmp_path / "curl" / "d").exists()


@needs_curl
@pytest.mark.parametrize(("args", "before", "after"), [
    (["-C", "-", "-o", "f", "{url}/d"], b"01234", DATA),  # resumed: Range bytes=5-, appended
    (["-C", "-", "-o", "f", "{url}/d"], DATA, DATA),  # already whole: 416, exit 0, unchanged
    (["-C", "-", "-o", "f", "{url}/norange"], b"012", b"012"),  # 200 to a Range: exit 33, unchanged
    (["-C", "-", "-o", "f", "{url}/d"], None, DATA),  # no file yet: no Range
])
def test_continue_at_resumes_a_file_as_curl(server: VerifyingServer, tmp_path: Path, args: list[str],
                                            before: bytes | None, after: bytes) -> None:
    server.handler = ranged
    mine, _, _, _ = both(server, [*AWS, *args], tmp_path, files=["f"], setup={"f": before} if before is not None else None)
    assert (tmp_path / "sigcurl" / "f").read_bytes() == after
    assert mine.exit_code == (33 if "norange" in args[-1] else 0)


@needs_curl
def test_dump_header_and_etag_files(server: VerifyingServer, tmp_path: Path) -> None:
    server.handler = ranged
    both(server, [*AWS, "-D", "h", "--etag-save", "e", "-o", "out", "{url}/d"], tmp_path, files=["e", "out"])
    assert (tmp_path / "sigcurl" / "e").read_bytes() == b'"e1"\n'
    head = (tmp_path / "sigcurl" / "h").read_bytes()
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    both(server, [*AWS, "--etag-compare", "e", "-o", "out2", "{url}/d"], tmp_path / "sigcurl", files=["out2"])


def test_etag_compare_sends_if_none_match(server: VerifyingServer, tmp_path: Path) -> None:
    server.handler = ranged
    (tmp_path / "e").write_bytes(b'"e1"\n')
    result = sigcurl(["--etag-compare", "e", server.url_for("/d")], tmp_path)
    assert result.exit_code == 0 and result.stdout == b""
    assert server.last.header("If-None-Match") == '"e1"' and server.last.ok


@needs_curl
def test_remove_on_error_after_a_truncated_body(server: VerifyingServer, tmp_path: Path) -> None:
    server.handler = lambda req: Response(200, body=b"part", content_length=100, truncate=4)
    mine, _, _, _ = both(server, [*AWS, "--remove-on-error", "-o", "out", "{url}/d"], tmp_path, files=["out"])
    assert mine.exit_code == 18 and not (tmp_path / "sigcurl" / "out").exists()


def test_stderr_to_a_file(server: VerifyingServer, tmp_path: Path) -> None:
    result = sigcurl(["--stderr", "err.txt", "-v", server.url_for("/")], tmp_path)
    assert result.exit_code == 0 and result.stderr == ""
    assert "> GET / HTTP/1.1" in (tmp_path / "err.txt").read_text()


@pytest.mark.parametrize(("argv", "code"), [
    (["--http2"], 2), (["--http3"], 2), (["--tls-max", "1.4"], 2), (["--tlsv1.3", "--tls-max", "1.2"], 2),
    (["-C", "x"], 2), (["--cert-type", "P12", "--cert", "c.p12"], 58), (["--cert", "missing.pem"], 58),
    (["--capath", "nodir"], 77), (["--etag-compare", "missing"], 26), (["--key", "k.pem"], 2),
])
def test_option_errors(tmp_path: Path, argv: list[str], code: int) -> None:
    result = sigcurl([*argv, "https://127.0.0.1:9/"], tmp_path)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("sigcurl: ") and result.stderr.count("\n") == 1
