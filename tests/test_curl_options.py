"""curl's options with curl's meaning: the same argv through sigcurl and the system's curl, compared.

Each comparison sends one argv to the loopback verifying server twice: once
with ``sigcurl``, once with ``curl`` (skipped when there is none), and
compares what the server received (method, path, query, body, the headers
that are not the signature's or the User-Agent), what was written (stdout,
files) and the exit code.  sigcurl's requests must also verify (botocore).
The AWS syntax (``--aws-sigv4``, ``-u``) is checked the same way: curl 7.88
signs ``aws:amz:REGION:SERVICE`` requests the server verifies too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from cli_helpers import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, Result, base_env, run

from support.server import RecordedRequest, Response, VerifyingServer

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


# -- curl's AWS syntax -------------------------------------------------------------------------


@needs_curl
def test_aws_sigv4_and_user_send_what_curl_sends(server: VerifyingServer, tmp_path: Path) -> None:
    server.handler = ranged
    _, _, mine, theirs = both(server, [*AWS, "-d", "a=1", "-H", "X-Custom: 1", "{url}/items?x=1"], tmp_path)
    assert mine[0].ok and theirs[0].ok  # curl's own --aws-sigv4 verifies too: the same request, signed
    assert "/us-east-1/execute-api/aws4_request" in (mine[0].header("Authorization") or "")


@needs_curl
def test_session_token_header_is_signed_as_the_credentials_token(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    server.handler = ranged
    _, _, mine, theirs = both(server, [*AWS, "-H", f"x-amz-security-token: {SESSION_TOKEN}", "{url}/t"], tmp_path)
    assert mine[0].ok and theirs[0].ok
    assert mine[0].header_all("X-Amz-Security-Token") == [SESSION_TOKEN]
    assert "x-amz-security-token" in (mine[0].header("Authorization") or "")


@needs_curl
def test_credentials_in_a_config_file_as_curl_reads_them(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    server.handler = ranged
    config = (f'aws-sigv4 = "aws:amz:us-east-1:execute-api"\nuser = "{ACCESS_KEY}:{SECRET_KEY}"\n'
              f'header = "x-amz-security-token: {SESSION_TOKEN}"\n').encode()
    _, _, mine, theirs = both(server, ["-K", "cfg", "-d", "a=1", "{url}/k"], tmp_path, setup={"cfg": config})
    assert mine[0].ok and theirs[0].ok and mine[0].header("X-Amz-Security-Token") == SESSION_TOKEN


def test_user_with_a_token_part(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    result = sigcurl(["--aws-sigv4", "aws:amz", "-u", f"{ACCESS_KEY}:{SECRET_KEY}:{SESSION_TOKEN}", "-v", server.url_for("/t")],
                     tmp_path, AWS_ACCESS_KEY_ID="AKIAOTHER", AWS_SECRET_ACCESS_KEY="other")
    assert result.exit_code == 0, result.stderr
    assert server.last.ok and server.last.header("X-Amz-Security-Token") == SESSION_TOKEN
    assert SECRET_KEY not in result.stderr and SESSION_TOKEN not in result.stderr


@pytest.mark.parametrize("provider", ["aws:amz", "AWS:AMZ", "aws:amz::", "aws:amz:us-east-1", "aws:amz:us-east-1:execute-api"])
def test_missing_parts_are_inferred(server: VerifyingServer, tmp_path: Path, provider: str) -> None:
    result = sigcurl(["--aws-sigv4", provider, "-u", f"{ACCESS_KEY}:{SECRET_KEY}", server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert server.last.ok and "/us-east-1/execute-api/" in (server.last.header("Authorization") or "")


def test_aws_sigv4_without_user_uses_the_credential_chain(server: VerifyingServer, tmp_path: Path) -> None:
    result = sigcurl(["--aws-sigv4", "aws:amz:us-east-1:execute-api", server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert server.last.ok and ACCESS_KEY in (server.last.header("Authorization") or "")


@pytest.mark.parametrize(("argv", "words"), [
    (["-u", "a:b"], "does not send Basic auth"),
    (["--aws-sigv4", "osc:osc", "-u", "a:b"], "AWS only"),
    (["--aws-sigv4", "aws", "-u", "a:b"], "aws:amz"),
    (["--aws-sigv4", "aws:amz:us-east-1:s3:x"], "more than four parts"),
    (["--aws-sigv4", "aws:amz:US-EAST-1"], "--aws-sigv4 region"),
    (["--aws-sigv4", "aws:amz", "-u", "justakey"], "KEY:SECRET"),
    (["--aws-sigv4", "aws:amz", "-u", "a:b", "--access-key", "c"], "cannot be combined"),
    (["--aws-sigv4", "aws:amz:eu-west-1", "--region", "us-east-1"], "disagree"),
])
def test_aws_syntax_usage_errors(tmp_path: Path, argv: list[str], words: str) -> None:
    result = run([*argv, "http://127.0.0.1:9/"], base_env(tmp_path))
    assert result.exit_code == 2
    assert words in result.stderr and result.stderr.count("\n") == 1


def test_secret_of_user_never_echoed(tmp_path: Path) -> None:
    result = run(["--aws-sigv4", "aws:amz", "-u", "AKID:se cret", "http://127.0.0.1:9/"], base_env(tmp_path))
    assert result.exit_code == 2 and "se cret" not in result.stderr


def test_trace_redacts_secrets(server: VerifyingServer, tmp_path: Path) -> None:
    server.add_key(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    server.queue(Response(200, body=f"echo {SESSION_TOKEN}".encode()))
    result = sigcurl(["--aws-sigv4", "aws:amz", "-u", f"{ACCESS_KEY}:{SECRET_KEY}:{SESSION_TOKEN}", "--trace-ascii", "t.txt",
                      "-o", "out", server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    trace = (tmp_path / "t.txt").read_text()
    assert "=> Send header" in trace and "<= Recv header" in trace and "<= Recv data" in trace
    assert SECRET_KEY not in trace and SESSION_TOKEN not in trace and "Signature=<redacted>" in trace


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


# -- mutual TLS --------------------------------------------------------------------------------


@pytest.fixture
def mtls_server() -> VerifyingServer:
    """An HTTPS verifying server that requires a client certificate from its own CA."""
    srv = VerifyingServer(tls=True, name="mtls_server").start()
    assert srv._ssl is not None and srv.ca is not None
    srv._ssl.verify_mode = ssl.CERT_REQUIRED
    srv.ca.configure_trust(srv._ssl)
    yield srv  # type: ignore[misc]
    srv.stop()


@pytest.mark.parametrize("tls", [[], ["--tlsv1.2"], ["--tls-max", "1.2"], ["--tlsv1.3"]])
def test_mutual_tls(mtls_server: VerifyingServer, tmp_path: Path, tls: list[str]) -> None:
    client = mtls_server.ca.issue_cert("client@example.com")
    client.cert_chain_pems[0].write_to_path(str(tmp_path / "client.pem"))
    client.private_key_pem.write_to_path(str(tmp_path / "client.key"))
    base = ["--cacert", str(mtls_server.ca_bundle), *tls, mtls_server.url_for("/m")]
    result = sigcurl(["--cert", "client.pem", "--key", "client.key", *base], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert mtls_server.last.ok
    refused = sigcurl(base, tmp_path)
    # the server's alert comes during the handshake (TLS 1.2: 35) or right after it, while sending or receiving (TLS 1.3)
    assert refused.exit_code in (35, 55, 56), refused.stderr
    if CURL is not None:
        assert curl(["--cert", "client.pem", "--key", "client.key", "-o", "/dev/null", *base], tmp_path).exit_code == 0
        assert curl(["-o", "/dev/null", *base], tmp_path).exit_code in (35, 55, 56)


def test_encrypted_key_needs_its_password(mtls_server: VerifyingServer, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    client = mtls_server.ca.issue_cert("client@example.com")
    key = serialization.load_pem_private_key(client.private_key_pem.bytes(), None)
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(b"s3cret"))
    (tmp_path / "both.pem").write_bytes(encrypted + client.cert_chain_pems[0].bytes())
    base = ["--cacert", str(mtls_server.ca_bundle), mtls_server.url_for("/m")]
    assert sigcurl(["--cert", "both.pem:s3cret", *base], tmp_path).exit_code == 0
    assert sigcurl(["--cert", "both.pem", "--pass", "s3cret", *base], tmp_path).exit_code == 0
    wrong = sigcurl(["--cert", "both.pem", "--pass", "nope", *base], tmp_path)
    assert wrong.exit_code == 58 and "nope" not in wrong.stderr


def test_capath(tls_server: VerifyingServer, tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(str(tls_server.ca_bundle), certs / "ca.pem")
    try:
        subprocess.run(["openssl", "rehash", str(certs)], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("openssl rehash is not available")
    result = sigcurl(["--capath", str(certs), tls_server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert sigcurl([tls_server.url_for("/")], tmp_path).exit_code == 60


# -- --sign-format ------------------------------------------------------------------------------


@needs_curl
@pytest.mark.parametrize("body", [[], ["-d", "a=1&b=it's"], ["--data-binary", "@data.bin"], ["-X", "PUT", "--data-binary", "@-"],
                                  ["--json", '{"k": "v w"}']])
def test_exported_curl_command_runs(server: VerifyingServer, tmp_path: Path, body: list[str]) -> None:
    (tmp_path / "data.bin").write_bytes(bytes(range(256)))
    path = "/a/./b/x%20y[1]?q=1"
    result = sigcurl(["--sign-format", "curl", "-g", *body, server.url + path], tmp_path)
    assert result.exit_code == 0, result.stderr
    comment, command = result.stdout.decode().splitlines()
    assert comment.startswith("# signed request, valid until ")
    assert "--globoff" in command and "--path-as-is" in command
    proc = subprocess.run(["sh", "-c", command.replace("curl ", f"{CURL} -s ", 1)], cwd=tmp_path, capture_output=True,
                          input=b"", timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert server.last.ok, server.last.verification.reason
    assert server.last.target == path
    if "@data.bin" in body:
        assert server.last.body == bytes(range(256))


def test_exported_json(tmp_path: Path) -> None:
    (tmp_path / "up.bin").write_bytes(b"x" * 10)
    result = sigcurl(["--service", "s3", "--sign-format", "json", "-T", "up.bin", "https://b.s3.amazonaws.com/k",
                      "https://b.s3.amazonaws.com/k2"], tmp_path)
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o["url"] for o in lines] == ["https://b.s3.amazonaws.com/k", "https://b.s3.amazonaws.com/k2"]
    first = lines[0]
    assert first["method"] == "PUT" and first["body"] == {"file": "up.bin", "length": 10}
    assert "aws-chunked" not in json.dumps(first)  # exported: the body's SHA-256 is signed
    assert first["headers"]["X-Amz-Content-SHA256"] != "UNSIGNED-PAYLOAD"


def test_sign_only_separates_requests_with_a_blank_line(tmp_path: Path) -> None:
    result = sigcurl(["--sign-only", "https://h.example/a", "https://h.example/b"], tmp_path)
    blocks = result.stdout.decode().split("\n\n")
    assert len(blocks) == 2 and blocks[1].startswith("GET /b HTTP/1.1")


def test_exporting_aws_chunked_is_refused(tmp_path: Path) -> None:
    (tmp_path / "up.bin").write_bytes(b"x")
    argv = ["--service", "s3", "--sign-format", "curl", "--aws-chunked", "-T", "up.bin", "https://b.s3.amazonaws.com/k"]
    result = sigcurl(argv, tmp_path)
    assert result.exit_code == 2 and "cannot be exported" in result.stderr
