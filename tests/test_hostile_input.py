"""Hostile input: every bad argument, file, header, flag or config gets one line and a documented exit code.

Table-driven cases pin the message and code of each kind of bad input; a
hypothesis test throws thousands of random argument vectors at the command
in-process (``--sign-only``, so nothing touches the network) and checks
that nothing ever escapes as a traceback; a subprocess test checks that
Ctrl-C during a slow response exits 130 and leaves no temporary file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from cli_helpers import base_env, invoke, run_process, start_process
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigcurl.errors import ExitCode
from support.clock import FakeClock, env_clock
from support.server import Response, VerifyingServer

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DOCUMENTED = {int(code) for code in ExitCode} - {int(ExitCode.INTERNAL)}
WORK = Path(tempfile.mkdtemp(prefix="sigcurl-hostile-"))
(WORK / "body.txt").write_bytes(b"a=1\nb=2\n")
(WORK / "binary.bin").write_bytes(bytes(range(256)))
(WORK / "headers.txt").write_bytes(b"X-One: 1\r\nX-Bad\xff: \xfe\n\n: novalue\nX-Two: 2\n")
(WORK / "format.txt").write_bytes(b"%{http_code}\\n\xff")
ENV = base_env(WORK)


def run(*argv: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
    return invoke(list(argv), {**ENV, **(env or {})}, input=input)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("sigcurl:") and not line.startswith("sigcurl: warning:")]


def assert_one_clear_line(result: Result, code: int, *fragments: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.stderr
    assert result.exit_code == code, (result.exit_code, result.stderr)
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr
    assert " — " in lines[0], lines[0]  # "<what> — <fix>"
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


U = "http://127.0.0.1:9/k"
S = ("--sign-only", "--service", "s3")


@pytest.mark.parametrize(
    ("argv", "code", "fragment"),
    [
        pytest.param([*S, "http://"], 3, "no host", id="url-no-host"),
        pytest.param([*S, "http://[::1/"], 3, "unmatched '['", id="url-unbalanced-bracket"),
        pytest.param([*S, "-g", "http://[::1/"], 3, "bad host", id="url-unbalanced-bracket-globoff"),
        pytest.param([*S, "http://a b/"], 3, "bad host", id="url-space-in-host"),
        pytest.param([*S, "http://a:0/"], 3, "bad port", id="url-port-zero"),
        pytest.param([*S, "http://a:99999/"], 3, "bad port", id="url-port-range"),
        pytest.param([*S, "ftp://a/"], 1, "unsupported protocol", id="url-scheme"),
        pytest.param([*S, ""], 3, "empty URL", id="url-empty"),
        pytest.param([*S, "-d", f"@{WORK}/missing", U], 26, "cannot read", id="data-missing-file"),
        pytest.param([*S, "-d", f"@{WORK}", U], 26, "", id="data-directory"),
        pytest.param([*S, "-T", f"{WORK}/missing", U], 26, "cannot read", id="upload-missing-file"),
        pytest.param([*S, "-H", f"@{WORK}/missing", U], 26, "cannot read", id="header-file-missing"),
        pytest.param([*S, "-H", "X-A: b\r\nX-Injected: 1", U], 2, "line break", id="header-crlf"),
        pytest.param([*S, "-H", "X-A: b\nc", U], 2, "line break", id="header-lf"),
        pytest.param([*S, "-H", "X A: b", U], 2, "bad header name", id="header-space-in-name"),
        pytest.param([*S, "-H", "X(A): b", U], 2, "bad header name", id="header-non-token"),
        pytest.param([*S, "-H", "X-Huge: " + "a" * 70_000, U], 2, "too long", id="header-huge"),
        pytest.param([*S, "-A", "agent\r\nX-Evil: 1", U], 2, "User-Agent", id="user-agent-crlf"),
        pytest.param([*S, "-X", "GET\r\nX-Evil: 1", U], 2, "bad -X", id="method-crlf"),
        pytest.param([*S, "-X", "G T", U], 2, "bad -X", id="method-space"),
        pytest.param([*S, "--date", "yesterday", U], 2, "bad --date", id="date-garbage"),
        pytest.param([*S, "--date", "2015-13-45T00:00:00Z", U], 2, "bad --date", id="date-impossible"),
        pytest.param([*S, "--date", "0001-01-01T00:00:00+14:00", U], 2, "out of range", id="date-overflow"),
        pytest.param(["--presign", "--service", "s3", "--expires", "0", U], 2, "out of range", id="expires-zero"),
        pytest.param(["--presign", "--service", "s3", "--expires", "604801", U], 2, "out of range", id="expires-over-7-days"),
        pytest.param(["--presign", "--service", "s3", "--expires", "-5", U], 2, "out of range", id="expires-negative"),
        pytest.param(["--presign", "--service", "s3", "--expires", "lots", U], 2, "--expires", id="expires-not-a-number"),
        pytest.param(["--sign-only", "--service", "S3!", U], 2, "bad --service", id="service-chars"),
        pytest.param(["--sign-only", "--service", "s3", "--region", "us east 1", U], 2, "bad --region", id="region-chars"),
        pytest.param(["--sign-only", "--service", "s3", "--region", "", U], 2, "", id="region-empty"),
        pytest.param(["--sign-only", U], 90, "--service", id="unknown-host-no-service"),
        pytest.param([*S, "-m", "nan", U], 2, "finite", id="max-time-nan"),
        pytest.param([*S, "-m", "-1", U], 2, "negative", id="max-time-negative"),
        pytest.param([*S, "-m", "1e20", U], 2, "too large", id="max-time-overflow"),
        pytest.param([*S, "--connect-timeout", "99999999999", U], 2, "too large", id="connect-timeout-overflow"),
        pytest.param([*S, "--retry", "-1", U], 2, "--retry", id="retry-negative"),
        pytest.param([*S, "--no-such-option", U], 2, "no-such-option", id="unknown-option"),
        pytest.param([*S, "--access-key", "AK\nID", "--secret-key", "s", U], 2, "--access-key", id="access-key-newline"),
        pytest.param([*S, "--access-key", "AKID", "--secret-key", "s", "--session-token", "to\r\nken", U], 2,
                     "--session-token", id="session-token-crlf"),
        pytest.param([*S, "--profile", "missing", U], 92, "missing", id="profile-missing"),
        pytest.param([*S, "--presign", U], 2, "cannot be combined", id="presign-and-sign-only"),
        pytest.param(["--sign-only"], 2, "no URL", id="no-url"),
    ],
)
def test_bad_input_gets_one_line_and_a_documented_code(argv: list[str], code: int, fragment: str) -> None:
    assert_one_clear_line(run(*argv), code, fragment)


@pytest.mark.parametrize("position", [0, 1, 3, 4])
def test_invalid_utf8_anywhere_in_argv(position: int) -> None:
    argv = ["--sign-only", "--service", "s3", "-H", "X-A: b", U]
    argv[position] = argv[position] + os.fsdecode(b"\xff\xfe")  # how Python passes undecodable argv bytes
    assert_one_clear_line(run(*argv), 2, "not valid UTF-8")


def test_invalid_utf8_in_a_header_file_and_a_format_file() -> None:
    result = run(*S, "-H", f"@{WORK}/headers.txt", "-w", f"@{WORK}/format.txt", U)
    assert "Traceback" not in result.stderr
    assert result.exit_code in DOCUMENTED
    assert len(error_lines(result)) <= 1


def test_invalid_utf8_argv_in_a_real_process() -> None:
    run_process(["--sign-only", "--service", "s3", b"http://127.0.0.1:9/\xff".decode("latin-1")], ENV, timeout=30, keep_aws=True)
    # latin-1 text is valid UTF-8 once encoded; now real undecodable bytes:
    result = run_process([b"--sign-only", b"--service", b"s3", b"http://127.0.0.1:9/\xff\xfe"], ENV, timeout=30, keep_aws=True)
    assert result.exit_code == 2
    assert result.stderr.startswith("sigcurl: argument 4 is not valid UTF-8 — ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "config",
    [
        "[default\nregion = us-east-1\n",
        "region = us-east-1\n",
        "[default]\nthis line has no equals sign\n",
        "[profile p]\ncredential_process = \n",
        "\xff\xfe\x00garbage",
    ],
    ids=["unclosed-section", "no-section", "bad-line", "empty-process", "binary"],
)
def test_malformed_config_file(tmp_path: Path, config: str) -> None:
    (tmp_path / "config").write_bytes(config.encode("utf-8", "surrogateescape") if config.isascii() else config.encode("latin-1"))
    env = {"AWS_CONFIG_FILE": str(tmp_path / "config"), "AWS_PROFILE": "p", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    result = run("--sign-only", "--service", "s3", U, env=env)
    assert "Traceback" not in result.stderr
    assert result.exit_code in (ExitCode.NO_CREDENTIALS, ExitCode.CREDENTIAL_SOURCE), result.stderr
    assert len(error_lines(result)) == 1, result.stderr


# --- random argument vectors --------------------------------------------------------------

OPTIONS_WITH_VALUES = [
    "-X", "-H", "-d", "--data-binary", "--data-raw", "--data-urlencode", "--json", "-T", "-A", "--max-redirs",
    "-m", "--connect-timeout", "--retry", "--retry-delay", "--retry-max-time", "-w", "--region", "--service",
    "--region-set", "--expires", "--date", "--sign-host", "--access-key", "--secret-key", "--session-token",
    "--cacert", "-x", "--noproxy", "--resolve", "--connect-to", "--checksum", "-F",
]
FLAGS = [
    "-G", "-I", "-i", "-s", "-S", "-v", "-f", "--fail-with-body", "-L", "--location-trusted", "-k", "--compressed",
    "--sigv4a", "--unsigned-payload", "--presign", "--debug-signature", "--pretty", "--raw", "--color", "--no-color",
    "--retry-all-errors", "--aws-chunked", "--no-aws-chunked",
]
VALUES = [
    "", "-", "@-", f"@{WORK}/body.txt", f"@{WORK}/binary.bin", f"@{WORK}/missing", f"@{WORK}/headers.txt",
    f"{WORK}/body.txt", "X-A: b", "X-A:", "X-A;", "Host: evil", "a\r\nb", "0", "-1", "1e309", "nan", "3",
    "s3", "execute-api", "us-east-1", "*", "2015-08-30T12:36:00Z", "20150830T123600Z", "%{http_code}\\n",
    "%{header_json}", "name=@file", "k=v", '{"a": 1}', "127.0.0.1:9:127.0.0.1", "crc32", "ÿ", "☃",
    "http://127.0.0.1:9/", "https://bucket.s3.amazonaws.com/key", "http://[::1]:9/x?y=%zz#frag",
]


def _safe_text(text: str) -> str:
    """Random text that cannot name a real file or device, or an option."""
    if text.startswith(("@", "/", "-", "~", ".")):
        return "x" + text
    return text


random_value = st.one_of(st.sampled_from(VALUES), st.text(max_size=40).map(_safe_text))
random_url = st.one_of(
    st.sampled_from(["http://127.0.0.1:9/k", "https://sts.amazonaws.com/", "http://127.0.0.1:9/a b?c=d e",
                     "https://bucket.s3.eu-west-1.amazonaws.com/k%2Fx", "127.0.0.1:9", "http://u:p@127.0.0.1:9/"]),
    st.text(max_size=60).map(_safe_text),
)
option_pair = st.tuples(st.sampled_from(OPTIONS_WITH_VALUES), random_value).map(list)
flag = st.sampled_from(FLAGS).map(lambda f: [f])
argv_strategy = st.tuples(st.lists(st.one_of(option_pair, flag), max_size=8), random_url).map(
    lambda t: ["--sign-only", *[a for part in t[0] for a in part], t[1]]
)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=argv_strategy)
def test_random_argv_never_crashes(argv: list[str]) -> None:
    result = run(*argv, input=b"stdin body")
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exc_info)
    assert "Traceback" not in result.stderr, argv
    assert result.exit_code in DOCUMENTED, (argv, result.exit_code, result.stderr)
    assert len(error_lines(result)) <= 1, (argv, result.stderr)
    if result.exit_code != 0 and "-s" not in argv:
        assert error_lines(result) or "Usage:" in result.stdout, (argv, result.stderr)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=st.lists(st.one_of(option_pair, flag), max_size=6).map(lambda parts: [a for p in parts for a in p]))
def test_random_options_against_a_closed_port(argv: list[str]) -> None:
    with env_clock(FakeClock()):  # --retry must not really wait
        result = run("--service", "s3", "-m", "2", *argv, "http://127.0.0.1:9/k", input=b"")
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exc_info)
    assert "Traceback" not in result.stderr
    assert result.exit_code in DOCUMENTED, (argv, result.exit_code, result.stderr)



# --- Ctrl-C ------------------------------------------------------------------------------


def test_ctrl_c_exits_130_cleanly_and_leaves_no_temporary_files(server: VerifyingServer, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    server.queue(Response(200, body=b"too late", delay=10.0))
    proc = start_process(
        ["--service", "s3", "--part-size", "16M", "-T", "-", server.url_for("/bucket/key")], {**ENV, "TMPDIR": str(tmp), "HOME": str(tmp_path)},
        keep_aws=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(b"x" * (9 << 20))  # more than the in-memory spool holds
    proc.stdin.close()
    proc.stdin = None  # communicate() must not flush it again
    server.wait_for_requests(1, timeout=20)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert err.decode().strip().splitlines()[-1].startswith("sigcurl: interrupted — ")
    assert b"Traceback" not in err
    assert list(tmp.iterdir()) == []
