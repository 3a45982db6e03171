"""``--sign-format``: the exported curl command runs with the system's curl and is verified, the
JSON export, --sign-only's requests separated by a blank line, aws-chunked bodies refused.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from support.curl_compare import CURL, needs_curl, sigcurl
from support.server import VerifyingServer

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
