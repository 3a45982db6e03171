"""Several transfers per invocation, against the verifying loopback server.

Several URLs, ``--next`` option sets, ``-o`` per URL, ``-w`` per transfer,
``--parallel`` (whole outputs, in order), ``-K`` files, ``--url-query``,
failures in the middle of a batch (exit status, summary, ``--fail-early``),
credentials resolved once, connections reused.  Every request the server
receives is verified by an independent signer.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, run, run_process
from cli_helpers import run_injected as invoke

import sigcurl.credentials
from support.server import RecordedRequest, Response, VerifyingServer

API = ["--service", "execute-api", "--region", "us-east-1"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def _echo_path(r: RecordedRequest) -> Response:
    return Response(body=f"<{r.path}>\n".encode())


def _all_verified(server: VerifyingServer) -> None:
    assert server.requests
    for r in server.requests:
        assert r.ok, r.verification.reason


def _signature(r: RecordedRequest) -> str:
    auth = r.header("Authorization") or ""
    return auth.rpartition("Signature=")[2]


def urls(server: VerifyingServer, n: int, prefix: str = "/item/") -> list[str]:
    return [server.url + f"{prefix}{i}" for i in range(n)]


# --- several URLs, one set of options ----------------------------------------------------


def test_several_urls_in_order_on_one_connection(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _echo_path
    result = run([*API, *urls(server, 5), "-H", "X-Trace: 1"], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(5))
    assert [r.path for r in server.requests] == [f"/item/{i}" for i in range(5)]
    assert all(r.header("X-Trace") == "1" for r in server.requests)  # options apply to every URL
    _all_verified(server)
    assert server.connection_count == 1  # keep-alive across URLs


def test_same_url_signed_afresh_each_time(server: VerifyingServer, env: dict[str, str]) -> None:
    """Each transfer is signed with its own date: a ticking clock gives distinct signatures."""
    server.handler = _echo_path
    server.clock_tolerance = None
    ticks = iter(range(1000))
    start = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    out = io.BytesIO()
    result = invoke([*API, *[server.url + "/same"] * 4], env, now=lambda: start + timedelta(seconds=next(ticks)), stdout=out)
    assert result == 0
    dates = [r.header("X-Amz-Date") for r in server.requests]
    assert len(set(dates)) == 4
    assert len({_signature(r) for r in server.requests}) == 4
    _all_verified(server)


def test_url_order_mixes_positional_and_url_option(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = _echo_path
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    result = run([*API, "-o", str(a), server.url + "/1", "--url", server.url + "/2", "-o", str(b), server.url + "/3"], env)
    assert result.exit_code == 0, result.stderr
    assert a.read_bytes() == b"</1>\n"
    assert b.read_bytes() == b"</2>\n"  # the second -o goes with the second URL, given by --url
    assert result.stdout == b"</3>\n"  # URLs without an -o write to stdout


def test_output_dir_and_create_dirs(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = _echo_path
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
    server.handler = _echo_path
    result = run(
        [*API, "-H", "X-Set: one", server.url + "/a", "--next", *API, "-X", "POST", "-d", "k=v", server.url + "/b"], env
    )
    assert result.exit_code == 0, result.stderr
    first, second = server.requests
    assert (first.method, first.header("X-Set"), first.body) == ("GET", "one", b"")
    assert (second.method, second.header("X-Set"), second.body) == ("POST", None, b"k=v")
    _all_verified(server)
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


# --- failures in the middle -----------------------------------------------------------------


def _fail_on(paths: Sequence[str]) -> Any:
    def handler(r: RecordedRequest) -> Response:
        if r.path in paths:
            return Response.aws_error("NoSuchKey", "The specified key does not exist.", status=404)
        return _echo_path(r)

    return handler


def test_failure_in_the_middle(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/item/2"])
    result = run(["-f", *API, *urls(server, 5)], env)
    assert result.exit_code == 22
    assert server.request_count == 5  # later transfers still run
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in (0, 1, 3, 4))
    summary = result.stderr[result.stderr.index("1 of 5 transfers failed"):]
    lines = summary.strip().splitlines()
    assert len(lines) == 2
    assert f"[3/5] {server.url}/item/2: (22)" in lines[1]


def test_exit_status_is_the_last_failure(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/item/1"])
    result = run(["-f", *API, *urls(server, 3), "http://127.0.0.1:9/refused", server.url + "/ok"], env)
    assert result.exit_code == 7  # connection refused came after the 404
    assert "2 of 5 transfers failed" in result.stderr
    assert server.request_count == 4


def test_fail_early_stops_at_the_first_failure(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/item/1"])
    result = run(["-f", "--fail-early", *API, *urls(server, 3), "http://127.0.0.1:9/refused"], env)
    assert result.exit_code == 22
    assert server.request_count == 2
    assert "1 of 4 transfers failed" in result.stderr
    assert "2 transfers not run (--fail-early)" in result.stderr


def test_single_failed_transfer_has_no_summary(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/x"])
    result = run(["-f", *API, server.url + "/x"], env)
    assert result.exit_code == 22
    assert "transfers failed" not in result.stderr


def test_silent_hides_the_summary_show_error_keeps_it(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/item/0"])
    assert run(["-sf", *API, *urls(server, 2)], env).stderr == ""
    assert "1 of 2 transfers failed" in run(["-sSf", *API, *urls(server, 2)], env).stderr


# --- --parallel -------------------------------------------------------------------------------


def _slow_first(n: int, size: int) -> Any:
    """Earlier URLs answer later, so completion order is the reverse of the order given."""
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def handler(r: RecordedRequest) -> Response:
        i = int(r.path.rsplit("/", 1)[1])
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.02 * (n - i))
        with lock:
            active["now"] -= 1
        block = bytes([ord("a") + i % 26])
        return Response(body=block * size + b"\n")

    handler.active = active  # type: ignore[attr-defined]
    return handler


def test_parallel_outputs_whole_and_in_order(server: VerifyingServer, env: dict[str, str]) -> None:
    n, size = 12, 300_000
    server.handler = _slow_first(n, size)
    result = run(["-Z", *API, *urls(server, n), "-w", "%{url_effective}\n"], env)
    assert result.exit_code == 0, result.stderr
    expected = b"".join(bytes([ord("a") + i]) * size + b"\n" + f"{server.url}/item/{i}\n".encode() for i in range(n))
    assert result.stdout == expected  # never interleaved, in the order given
    assert server.handler.active["max"] > 1  # type: ignore[attr-defined]  # really concurrent
    _all_verified(server)


def test_parallel_max_bounds_concurrency_and_connections(server: VerifyingServer, env: dict[str, str]) -> None:
    n = 16
    server.handler = _slow_first(n, 10)
    result = run(["--parallel", "--parallel-max", "3", *API, *urls(server, n)], env)
    assert result.exit_code == 0, result.stderr
    assert server.handler.active["max"] <= 3  # type: ignore[attr-defined]
    assert server.connection_count <= 3 < server.request_count
    _all_verified(server)


def test_parallel_outputs_to_files(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = _echo_path
    args = ["-Z", *API]
    for i in range(6):
        args += ["-o", str(tmp_path / f"{i}.out"), server.url + f"/f/{i}"]
    result = run([*args, server.url + "/stdout"], env)
    assert result.exit_code == 0, result.stderr
    for i in range(6):
        assert (tmp_path / f"{i}.out").read_bytes() == f"</f/{i}>\n".encode()
    assert result.stdout == b"</stdout>\n"


def test_parallel_failure_in_the_middle(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/item/3"])
    result = run(["-Z", "-f", *API, *urls(server, 8)], env)
    assert result.exit_code == 22
    assert server.request_count == 8
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(8) if i != 3)
    assert "1 of 8 transfers failed" in result.stderr
    assert result.stderr.count("(22)") == 1


def test_parallel_fail_early_stops_starting_transfers(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _fail_on(["/item/0"])
    result = run(["-Z", "--parallel-max", "1", "-f", "--fail-early", *API, *urls(server, 10)], env)
    assert result.exit_code == 22
    assert server.request_count < 10
    assert " not run (--fail-early)" in result.stderr


def test_parallel_progress_on_a_terminal(server: VerifyingServer, env: dict[str, str]) -> None:
    """With stderr on a terminal, one progress display for the whole run; stdout stays the bodies."""
    server.handler = _echo_path
    out, err = io.BytesIO(), io.StringIO()
    code = invoke(["-Z", *API, *urls(server, 5)], env, stdout=out, stderr=err, stderr_isatty=True)
    assert code == 0
    assert out.getvalue() == b"".join(f"</item/{i}>\n".encode() for i in range(5))
    assert "5/5" in err.getvalue()


# --- -K config files ------------------------------------------------------------------------------


def test_config_file_with_many_urls(server: VerifyingServer, env: dict[str, str], tmp_path: Path) -> None:
    server.handler = _echo_path
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
    _all_verified(server)
    assert server.connection_count == 1


def test_config_from_stdin(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _echo_path
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
    server.handler = _echo_path
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
    _all_verified(server)


def test_url_query_with_get_data(server: VerifyingServer, env: dict[str, str]) -> None:
    result = run([*API, "-G", "-d", "k=v", "--url-query", "x=1", server.url + "/p"], env)
    assert result.exit_code == 0, result.stderr
    assert sorted(server.last.query.split("&")) == ["k=v", "x=1"]
    _all_verified(server)


# --- credentials ----------------------------------------------------------------------------------------


def test_credentials_resolved_once(server: VerifyingServer, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = sigcurl.credentials.resolve_credentials

    def counting(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(sigcurl.credentials, "resolve_credentials", counting)
    result = run([*API, *urls(server, 6), "--next", *API, *urls(server, 2, "/next/")], env)
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    _all_verified(server)


def test_credentials_refreshed_when_they_expire(server: VerifyingServer, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Temporary credentials close to expiry are resolved again mid-run (every transfer still verifies)."""
    from sigcurl.credentials import REFRESH_WINDOW_SECONDS, ResolvedCredentials
    from sigcurl.signer.types import Credentials

    clock = {"now": datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)}
    calls: list[datetime] = []

    def short_lived(**_: Any) -> ResolvedCredentials:
        calls.append(clock["now"])
        creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)
        return ResolvedCredentials(creds, "test", expiry=clock["now"] + timedelta(seconds=REFRESH_WINDOW_SECONDS + 110))

    def advance(r: RecordedRequest) -> Response:
        clock["now"] += timedelta(seconds=40)
        return _echo_path(r)

    monkeypatch.setattr(sigcurl.credentials, "resolve_credentials", short_lived)
    server.handler = advance
    server.clock_tolerance = None
    code = invoke([*API, *urls(server, 8)], env, now=lambda: clock["now"], stdout=io.BytesIO())
    assert code == 0
    assert server.request_count == 8
    # refreshed within the refresh window of expiry: 110 s of use, 40 s per transfer: a new resolution every 3 transfers
    assert len(calls) == 3
    _all_verified(server)


# --- a real process ---------------------------------------------------------------------------------------


def test_process_many_urls(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = _echo_path
    result = run_process([*API, "-sZ", *urls(server, 20)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(20))
    _all_verified(server)


def test_stdin_data_goes_to_every_url(server: VerifyingServer, env: dict[str, str]) -> None:
    """curl reads ``-d @-`` once and sends it with every URL of the set."""
    result = run([*API, "-d", "@-", server.url + "/a", server.url + "/b"], env, stdin=b"payload\n")
    assert result.exit_code == 0, result.stderr
    assert [r.body for r in server.requests] == [b"payload", b"payload"]
    _all_verified(server)


def test_parallel_verbose_output_kept_whole(server: VerifyingServer, env: dict[str, str]) -> None:
    """Each transfer's -v lines reach stderr as one block: request, then its response, then the next transfer."""
    n = 6
    server.handler = _slow_first(n, 10)
    result = run(["-Zv", *API, *urls(server, n)], env)
    assert result.exit_code == 0, result.stderr
    marks = [line for line in result.stderr.splitlines() if line.startswith(("> GET", "< HTTP"))]
    expected = []
    for i in range(n):
        expected += [f"> GET /item/{i} HTTP/1.1", "< HTTP/1.1 200 OK"]
    assert marks == expected


@pytest.mark.parametrize("args", [["--help"], ["--sign-only", "https://sts.amazonaws.com/"]])
def test_one_url_does_not_import_the_batch_machinery(env: dict[str, str], args: list[str]) -> None:
    result = run_process(args, env, python_options=("-X", "importtime"))
    assert result.exit_code == 0, result.stderr[-500:]
    assert "sigcurl.argv" not in result.stderr
    assert "sigcurl.urlglob" not in result.stderr
    assert "sigcurl.config_file" not in result.stderr


def test_clock_correction_is_shared_by_later_transfers(server: VerifyingServer, env: dict[str, str]) -> None:
    """A skew error corrects the clock for the whole run: only the first transfer is re-signed."""
    server.clock_offset = 2 * 3600

    def handler(r: RecordedRequest) -> Response:
        if not r.ok and "server clock" in r.verification.reason:
            return Response.aws_error("RequestTimeTooSkewed", "The difference is too large.", status=403)
        return _echo_path(r)

    server.handler = handler
    result = run([*API, *urls(server, 4)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(4))
    assert server.request_count == 5
    assert [r.ok for r in server.requests] == [False, True, True, True, True]


def test_parallel_more_transfers_than_the_window(server: VerifyingServer, env: dict[str, str]) -> None:
    """More URLs than the submission window (2 workers: 18 queued at a time): all run, output in order."""
    n = 45
    server.handler = lambda r: Response(body=f"<{r.path}>\n".encode(), delay=0.01 if r.path.endswith("/0") else 0.0)
    result = run(["-Z", "--parallel-max", "2", *API, *urls(server, n)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(n))
    assert server.request_count == n
    _all_verified(server)


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
