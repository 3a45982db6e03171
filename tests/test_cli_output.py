"""End-to-end, what the command shows of a response: -i/-I, -o, -w, pipes and terminals
(exact bytes, pretty-printing, colour), -v's redaction, --compressed and --help's groups.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import SECRET_KEY, SESSION_TOKEN, base_env, run, run_process

from support.server import Response, VerifyingServer, assert_verified
from support.terminal import run_in_pty


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def test_head_and_include(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-I", server.url], env)
    assert server.last.method == "HEAD"
    assert result.stdout.startswith(b"HTTP/1.1 200")
    result = run(["--service", "execute-api", "-i", server.url], env)
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Type: application/json" in head
    assert json.loads(body)["ok"] is True
    assert_verified(server)


def test_output_file_only(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "sub" / "o.json"
    result = run(["--service", "execute-api", "--create-dirs", "-o", str(out), server.url], env)
    assert result.exit_code == 0
    assert result.stdout == b""
    assert json.loads(out.read_bytes())["ok"] is True


def test_write_out(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b"hello", headers=[("Content-Type", "text/plain"), ("X-Thing", "1")]))
    fmt = "%{http_code} %{size_download} %{content_type} %{url_effective}|%{header_json}\\n"
    result = run(["-s", "--service", "execute-api", "-w", fmt, server.url + "/w"], env)
    body, _, out = result.stdout.partition(b" ")
    assert result.stdout.startswith(b"hello200 5 text/plain " + (server.url + "/w").encode() + b"|")
    headers = json.loads(result.stdout.split(b"|", 1)[1])
    assert headers["x-thing"] == ["1"]
    assert result.stdout.endswith(b"\n")
    time_total = run(["-s", "--service", "execute-api", "-w", "%{time_total}", "-o", "/dev/null", server.url], env)
    assert float(time_total.stdout) >= 0


# --- stdout/stderr for pipes and terminals ---------------------------------------------------


def test_pipe_gets_exact_bytes(server: VerifyingServer, env: dict[str, str]) -> None:
    body = bytes(range(256)) * 1000
    server.queue(Response(body=body, headers=[("Content-Type", "application/octet-stream")]))
    result = run_process(["--service", "s3", server.url + "/b/k"], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == body
    assert result.stderr == ""


def test_pipe_json_not_reformatted(server: VerifyingServer, env: dict[str, str]) -> None:
    raw = b'{"a":1,"b":[1,2]}'
    server.queue(Response(body=raw, headers=[("Content-Type", "application/json")]))
    assert run(["--service", "execute-api", server.url], env).stdout == raw


def test_pretty_forced_json_and_xml(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b'{"a":1,"b":[1,2]}', headers=[("Content-Type", "application/json")]))
    out = run(["--pretty", "--no-color", "--service", "execute-api", server.url], env).stdout
    assert out == b'{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}\n'
    server.queue(Response(body=b"<a><b>1</b></a>", headers=[("Content-Type", "application/xml")]))
    out = run(["--pretty", "--no-color", "--service", "s3", server.url], env).stdout
    assert b"<a>\n  <b>1</b>\n</a>" in out


def test_terminal_pretty_prints_json_in_colour(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b'{"name":"x","n":[1,2]}', headers=[("Content-Type", "application/json")]))
    code, out = run_in_pty(["--service", "execute-api", server.url], env)
    assert code == 0
    assert b"\x1b[" in out  # highlighted
    assert b'"name"' in out and b"\n" in out


def test_terminal_refuses_binary(server: VerifyingServer, env: dict[str, str]) -> None:
    server.queue(Response(body=b"\x00\x01\x02binary", headers=[("Content-Type", "application/octet-stream")]))
    code, out = run_in_pty(["--service", "s3", server.url], env)
    assert code == 23
    assert b"binary output" in out and b"\x00\x01\x02" not in out


def test_verbose_redacts(server: VerifyingServer, env: dict[str, str]) -> None:
    server.add_key("AKIDEXAMPLE", SECRET_KEY, SESSION_TOKEN)
    env = dict(env, AWS_SESSION_TOKEN=SESSION_TOKEN)
    result = run(["-v", "--service", "execute-api", server.url], env)
    assert "> GET / HTTP/1.1" in result.stderr
    assert "Signature=<redacted>" in result.stderr
    assert "X-Amz-Security-Token: <redacted>" in result.stderr
    assert "< HTTP/1.1 200 OK" in result.stderr
    assert SESSION_TOKEN not in result.stderr and SECRET_KEY not in result.stderr
    assert server.last.ok


def test_write_out_unknown_variable_warns(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["--service", "execute-api", "-o", "/dev/null", "-w", "[%{nope}%{http_code}]", server.url], env)
    assert result.stdout == b"[200]"
    assert "unknown --write-out variable %{nope}" in result.stderr
    quiet = run(["-s", "--service", "execute-api", "-o", "/dev/null", "-w", "%{nope}", server.url], env)
    assert (quiet.stdout, quiet.stderr) == (b"", "")


def test_compressed_decodes_and_counts_bytes_received(server: VerifyingServer, env: dict[str, str]) -> None:
    import gzip

    payload = b'{"items": ' + b"[1, 2, 3], " * 200 + b"}"
    packed = gzip.compress(payload)
    server.queue(Response(body=packed, headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")]))
    result = run(["-s", "--compressed", "--service", "execute-api", "-w", "\\n%{size_download}", server.url], env)
    body, _, size = result.stdout.rpartition(b"\n")
    assert body == payload
    assert int(size) == len(packed)
    assert "gzip" in (server.last.header("Accept-Encoding") or "")


def test_help_is_grouped(env: dict[str, str]) -> None:
    out = run(["--help"], env).stdout.decode()
    sections = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert sections[0].startswith("Usage: sigcurl [OPTIONS] URL...")
    assert [s for s in sections if s.endswith(":") and s != "Examples:"] == [
        "Curl options:", "Transfers:", "Signing:", "Credentials:", "Output:", "About:",
    ]
    assert "\n  URL...\n" not in out


def test_repeated_headers_are_shown_as_sent(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-v", "--service", "execute-api", "-H", "X-A: 1", "-H", "X-A: 2", server.url], env)
    assert server.last.header_all("X-A") == ["1,2"]
    assert "> X-A: 1,2" in result.stderr and "> X-A: 1\n" not in result.stderr
    assert server.last.ok
    signed = run(["--sign-only", "--service", "execute-api", "-H", "X-A: 1", "-H", "X-A: 2", server.url], env)
    assert "X-A: 1,2" in signed.stdout.decode()


def test_write_out_file_is_read_before_sending(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    result = run(["--service", "execute-api", "-d", "x", "-w", f"@{tmp_path}/missing", server.url], env)
    assert result.exit_code == 26
    assert server.request_count == 0
    fmt = tmp_path / "fmt"
    fmt.write_text("%{http_code}")
    assert run(["-s", "-o", "/dev/null", "--service", "execute-api", "-w", f"@{fmt}", server.url], env).stdout == b"200"


def test_write_out_json_has_numbers(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-s", "-o", "/dev/null", "--service", "execute-api", "-w", "%{json}", server.url], env)
    info = json.loads(result.stdout)
    assert info["http_code"] == 200 and isinstance(info["size_download"], int) and isinstance(info["time_total"], float)
    assert info["exitcode"] == 0 and info["errormsg"] is None
