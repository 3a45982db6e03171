"""Several transfers per invocation, against the verifying loopback server.

Several URLs, ``--next`` option sets, ``-o`` per URL, ``-w`` per transfer,
``-K`` files, ``--url-query``, ``-O``, connections reused.  Every request the
server receives is verified by an independent signer.  Failures, ``--parallel``
and what transfers share are in ``test_batch_*.py``.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cli_helpers import base_env, run
from cli_helpers import run_injected as invoke

from support.batch import API, all_verified, echo_path, urls
from support.server import RecordedRequest, Response, VerifyingServer


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def _signature(r: RecordedRequest) -> str:
    auth = r.header("Authorization") or ""
    return auth.rpartition("Signature=")[2]


# --- several URLs, one set of options ----------------------------------------------------


def test_several_urls_in_order_on_one_connection(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = echo_path
    result = run([*API, *urls(server, 5), "-H", "X-Trace: 1"], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(5))
    assert [r.path for r in server.requests] == [f"/item/{i}" for i in range(5)]
    assert all(r.header("X-Trace") == "1" for r in server.requests)  # options apply to every URL
    all_verified(server)
    assert server.connection_count == 1  # keep-alive across URLs


def test_same_url_signed_afresh_each_time(server: VerifyingServer, env: dict[str, str]) -> None:
    """Each transfer is signed with its own date: a ticking clock gives distinct signatures."""
    server.handler = echo_path
    server.clock_tolerance = None
    ticks = iter(range(1000))
    start = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    out = io.BytesIO()
    result = invoke([*API, *[server.url + "/same"] * 4], env, now=lambda: start + timedelta(seconds=next(ticks)), stdout=out)
    assert result == 0
    dates = [r.header("X-Amz-Date") for r in server.requests]
    assert len(set(dates)) == 4
    assert len({_signature(r) for r in server.requests}) == 4
    all_verified(server)


def test_url_order_mixes_positional_and_url_option(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = echo_path
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    result = run([*API, "-o", str(a), server.url + "/1", "--url", server.url + "/2", "-o", str(b), server.url + "/3"], env)
    assert result.exit_code == 0, result.stderr
    assert a.read_bytes() == b"</1>\n"
    assert b.read_bytes() == b"</2>\n"  # the second -o goes with the second URL, given by --url
    assert result.stdout == b"</3>\n"  # URLs without an -o write to stdout


def test_output_dir_and_create_dirs(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = echo_path
    out = tmp_path / "out"
    args = [*API, "--output-dir", str(out), "--create-dirs"]
    for i in range(3):
        args += ["-o", f"sub{i}/body.txt", server.url + f"/x/{i}"]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    for i in range(3):
        assert (out / f"sub{i}" / "body.txt").read_bytes() == f"</x/{i}>\n".encode()
    assert result.stdout == b""


def test_more_outputs_than_urls_warns(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    result = run([*API, "-o", str(tmp_path / "a"), "-o", str(tmp_path / "b"), server.url + "/"], env)
    assert result.exit_code == 0
    assert "more -o/--output than URLs" in result.stderr


def test_write_out_per_transfer(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = lambda r: Response(status=404 if r.path.endswith("missing") else 200, body=b"b")
    result = run([*API, "-w", " %{http_code} %{url_effective}\n", server.url + "/a", server.url + "/missing"], env)
    assert result.stdout.decode() == f"b 200 {server.url}/a\nb 404 {server.url}/missing\n"


# --- --next --------------------------------------------------------------------------------


def test_next_starts_a_new_set_of_options(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = echo_path
    result = run(
        [*API, "-H", "X-Set: one", server.url + "/a", "--next", *API, "-X", "POST", "-d", "k=v", server.url + "/b"], env
    )
    assert result.exit_code == 0, result.stderr
    first, second = server.requests
    assert (first.method, first.header("X-Set"), first.body) == ("GET", "one", b"")
    assert (second.method, second.header("X-Set"), second.body) == ("POST", None, b"k=v")
    all_verified(server)
    assert server.connection_count == 1  # option sets with the same connection options share the pool


def test_next_without_url_is_a_usage_error(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run([*API, server.url + "/a", "--next", "-H", "X: 1"], env)
    assert result.exit_code == 2
    assert "no URL given in option set 2" in result.stderr
    assert server.request_count == 0


def test_global_options_apply_to_every_set(server: VerifyingServer, env: dict[str, str]) -> None:
    """-s given in the second set silences the first set's error too (curl's global options)."""
    result = run([*API, "http://127.0.0.1:9/refused", "--next", *API, "-s", server.url + "/b"], env)
    assert result.exit_code == 7
    assert result.stderr == ""


# --- -K config files ------------------------------------------------------------------------------


def test_config_file_with_many_urls(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = echo_path
    cfg = tmp_path / "requests.cfg"
    lines = ["# generated by a script", "service = execute-api", 'header = "X-From: config file"']
    lines += [f'url = "{server.url}/cfg/{i}"' for i in range(50)]
    lines += ["next", "service = execute-api", "request = DELETE", f"url = {server.url}/cfg/last"]
    cfg.write_text("\n".join(lines) + "\n")
    result = run(["-K", str(cfg)], env)
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 51
    assert all(r.header("X-From") == "config file" for r in server.requests[:50])
    last = server.requests[-1]
    assert (last.method, last.path, last.header("X-From")) == ("DELETE", "/cfg/last", None)
    all_verified(server)
    assert server.connection_count == 1


def test_config_from_stdin(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = echo_path
    cfg = f"url = {server.url}/a\nurl = {server.url}/b\n".encode()
    result = run([*API, "-K", "-"], env, stdin=cfg)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"</a>\n</b>\n"


def test_bad_config_file_line(env: dict[str, str], tmp_path: Path) -> None:
    cfg = tmp_path / "bad.cfg"
    cfg.write_text('url = "http://127.0.0.1/\n')
    result = run(["-K", str(cfg)], env)
    assert result.exit_code == 2
    assert f"{cfg}:1: missing closing quote" in result.stderr


def test_missing_config_file(env: dict[str, str], tmp_path: Path) -> None:
    result = run(["-K", str(tmp_path / "nope")], env)
    assert result.exit_code == 26
    assert "cannot read config file" in result.stderr


# --- --url-query -------------------------------------------------------------------------------------


def test_url_query(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = echo_path
    f = tmp_path / "v.txt"
    f.write_text("from file")
    result = run(
        [*API, "--url-query", "name=a b&c", "--url-query", "+raw=%2F", "--url-query", f"file@{f}",
         server.url + "/q?z=0", server.url + "/r"],
        env,
    )
    assert result.exit_code == 0, result.stderr
    first, second = server.requests
    assert first.query == "z=0&name=a%20b%26c&raw=%2F&file=from%20file"
    assert second.query == "name=a%20b%26c&raw=%2F&file=from%20file"
    all_verified(server)


def test_url_query_with_get_data(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run([*API, "-G", "-d", "k=v", "--url-query", "x=1", server.url + "/p"], env)
    assert result.exit_code == 0, result.stderr
    assert sorted(server.last.query.split("&")) == ["k=v", "x=1"]
    all_verified(server)


# --- -O / --remote-name ---------------------------------------------------------------


def test_remote_name_single_url(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    result = run(["-O", "--service", "s3", "--output-dir", str(tmp_path), server.url + "/bucket/report%20v1.json?x=1"], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b""
    assert json.loads((tmp_path / "report%20v1.json").read_bytes())["ok"] is True


def test_remote_name_pairs_in_order_with_o(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "named.json"
    args = ["-s", "--service", "s3", "--output-dir", str(tmp_path),
            "-O", server.url + "/b/first.json", "-o", str(out), server.url + "/b/second.json", "-sO", server.url + "/b/third.json"]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "first.json").read_bytes())["target"] == "/b/first.json"
    assert json.loads(out.read_bytes())["target"] == "/b/second.json"
    assert json.loads((tmp_path / "third.json").read_bytes())["target"] == "/b/third.json"
    assert result.stdout == b""


def test_remote_name_all(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    args = ["--remote-name-all", "--service", "s3", "--output-dir", str(tmp_path), server.url + "/b/a.txt", server.url + "/b/b.txt"]
    result = run(args, env)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "a.txt").exists() and (tmp_path / "b.txt").exists()


def test_remote_name_needs_a_file_name(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run(["-O", "--service", "s3", server.url + "/bucket/"], env)
    assert result.exit_code == 23
    assert result.stderr.startswith("sigcurl: ") and "-o FILE" in result.stderr
