"""What the transfers of one invocation share: credentials resolved once (and refreshed when they
expire), the clock correction, stdin's data; as a real process with many URLs; and one URL never
imports the batch machinery.  Every request the server receives is verified by an independent signer.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, run, run_process
from cli_helpers import run_injected as invoke

import sigcurl.credentials
from support.batch import API, all_verified, echo_path, urls
from support.server import RecordedRequest, Response, VerifyingServer


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


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
    all_verified(server)


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
        return echo_path(r)

    monkeypatch.setattr(sigcurl.credentials, "resolve_credentials", short_lived)
    server.handler = advance
    server.clock_tolerance = None
    code = invoke([*API, *urls(server, 8)], env, now=lambda: clock["now"], stdout=io.BytesIO())
    assert code == 0
    assert server.request_count == 8
    # refreshed within the refresh window of expiry: 110 s of use, 40 s per transfer: a new resolution every 3 transfers
    assert len(calls) == 3
    all_verified(server)


# --- a real process ---------------------------------------------------------------------------------------


def test_process_many_urls(server: VerifyingServer, env: dict[str, str]) -> None:
    server.handler = echo_path
    result = run_process([*API, "-sZ", *urls(server, 20)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(20))
    all_verified(server)


def test_stdin_data_goes_to_every_url(server: VerifyingServer, env: dict[str, str]) -> None:
    """curl reads ``-d @-`` once and sends it with every URL of the set."""
    result = run([*API, "-d", "@-", server.url + "/a", server.url + "/b"], env, stdin=b"payload\n")
    assert result.exit_code == 0, result.stderr
    assert [r.body for r in server.requests] == [b"payload", b"payload"]
    all_verified(server)


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
        return echo_path(r)

    server.handler = handler
    result = run([*API, *urls(server, 4)], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == b"".join(f"</item/{i}>\n".encode() for i in range(4))
    assert server.request_count == 5
    assert [r.ok for r in server.requests] == [False, True, True, True, True]
