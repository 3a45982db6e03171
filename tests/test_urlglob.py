"""curl's URL globbing: expansion rules, -o #N names, -g, and transfers through the server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from sigcurl.errors import BadURLError
from sigcurl.urlglob import expand, has_glob, output_name
from support.server import VerifyingServer


def urls(pattern: str) -> list[str]:
    return [u for u, _ in expand(pattern)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param("https://h/{a,b,c}", ["https://h/a", "https://h/b", "https://h/c"], id="set"),
        pytest.param("https://h/[1-3]", ["https://h/1", "https://h/2", "https://h/3"], id="range"),
        pytest.param("https://h/[08-10]", ["https://h/08", "https://h/09", "https://h/10"], id="zero-padded"),
        pytest.param("https://h/[0-10:5]", ["https://h/0", "https://h/5", "https://h/10"], id="step"),
        pytest.param("https://h/[a-c]", ["https://h/a", "https://h/b", "https://h/c"], id="letters"),
        pytest.param("https://h/{x,y}/[1-2]", ["https://h/x/1", "https://h/x/2", "https://h/y/1", "https://h/y/2"], id="leftmost-slowest"),
        pytest.param("https://ec2.{us-east-1,eu-west-1}.amazonaws.com/",
                     ["https://ec2.us-east-1.amazonaws.com/", "https://ec2.eu-west-1.amazonaws.com/"], id="host"),
        pytest.param("https://h/\\[1-2\\]", ["https://h/[1-2]"], id="escaped"),
        pytest.param("https://h/{a\\,b,c}", ["https://h/a,b", "https://h/c"], id="escaped-comma"),
        pytest.param("http://[::1]:8080/[1-2]", ["http://[::1]:8080/1", "http://[::1]:8080/2"], id="ipv6-host-kept"),
        pytest.param("https://h/plain", ["https://h/plain"], id="no-glob"),
    ],
)
def test_expand(pattern: str, expected: list[str]) -> None:
    assert urls(pattern) == expected


@pytest.mark.parametrize("pattern", [
    "https://h/[1-", "https://h/{a,b", "https://h/a]", "https://h/[3-1]", "https://h/[x]", "https://h/[1-5:0]", "https://h/[a-Z]",
    "https://h/[1-9999999]",
])
def test_bad_patterns(pattern: str) -> None:
    assert has_glob(pattern)
    with pytest.raises(BadURLError):
        list(expand(pattern))


def test_ipv6_alone_is_not_a_glob() -> None:
    assert not has_glob("http://[::1]:9000/bucket/key")
    assert not has_glob("https://sts.amazonaws.com/")


def test_output_names() -> None:
    assert output_name("item_#1_#2.json", ("a", "7")) == "item_a_7.json"
    assert output_name("x#3", ("a",)) == "x#3"
    assert output_name("plain", ("a",)) == "plain"


def test_glob_through_the_command(server: VerifyingServer, tmp_path: Path) -> None:
    env = base_env(tmp_path)
    out = str(tmp_path / "item_#1.json")
    result = run(["-s", "--service", "execute-api", "-o", out, server.url + "/items/[1-3]"], env)
    assert result.exit_code == 0, result.stderr
    assert [r.path for r in server.requests] == ["/items/1", "/items/2", "/items/3"]
    assert all(r.ok for r in server.requests)
    for n in (1, 2, 3):
        assert json.loads((tmp_path / f"item_{n}.json").read_bytes())["target"] == f"/items/{n}"


def test_globoff_sends_brackets_literally(server: VerifyingServer, tmp_path: Path) -> None:
    result = run(["-g", "--service", "s3", server.url + "/b/[1-3]"], base_env(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 1 and server.last.ok
    assert server.last.path == "/b/%5B1-3%5D"


def test_bad_glob_is_one_line_exit_3(tmp_path: Path) -> None:
    result = run(["--service", "s3", "--sign-only", "https://h/[1-"], base_env(tmp_path))
    assert result.exit_code == 3
    assert result.stderr.startswith("sigcurl: ") and "--globoff" in result.stderr
