"""TLS verified by default, CA bundles from flags and the environment, proxies, NO_PROXY, timeouts.

The ``tls_server`` fixture serves HTTPS with a throw-away CA (trustme);
its bundle is ``tls_server.ca_bundle``.  ``other_server`` plays an HTTP
proxy: it records the absolute-form target (or the CONNECT) it receives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env, keys_env, run_process
from cli_helpers import invoke as invoke_cli
from click.testing import Result

from sigcurl.transport import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, Transport, TransportOptions
from support.server import VerifyingServer

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CA_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE")
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def run(tmp_path: Path) -> Any:
    def invoke(*argv: str, env: dict[str, str] | None = None) -> Result:
        environ: dict[str, str | None] = {**base_env(tmp_path), **{k: None for k in CA_VARS + PROXY_VARS}, **(env or {})}
        return invoke_cli(["--service", "s3", *argv], environ)

    return invoke


def one_error(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("sigcurl:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_unknown_ca_fails_with_60(tls_server: VerifyingServer, run: Any) -> None:
    result = run(tls_server.url_for("/k"))
    assert result.exit_code == 60
    assert "could not be verified" in one_error(result) and "--cacert" in one_error(result)
    assert tls_server.request_count == 0  # nothing signed was sent


def test_cacert_verifies(tls_server: VerifyingServer, run: Any) -> None:
    result = run("--cacert", str(tls_server.ca_bundle), tls_server.url_for("/k"))
    assert result.exit_code == 0, result.stderr
    assert tls_server.last.ok and tls_server.last.tls


@pytest.mark.parametrize("var", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_bundle_from_the_environment(tls_server: VerifyingServer, run: Any, var: str) -> None:
    result = run(tls_server.url_for("/k"), env={var: str(tls_server.ca_bundle)})
    assert result.exit_code == 0, result.stderr
    assert tls_server.last.ok


def test_ssl_cert_dir_from_the_environment(tls_server: VerifyingServer, run: Any, tmp_path: Path) -> None:
    from support.certdir import hashed_ca_dir

    certs = hashed_ca_dir(tls_server.ca_bundle, tmp_path)
    result = run(tls_server.url_for("/k"), env={"SSL_CERT_DIR": str(certs)})
    assert result.exit_code == 0, result.stderr


def test_wrong_bundle_still_fails(tls_server: VerifyingServer, tls_other: Any, run: Any) -> None:
    result = run("--cacert", tls_other, tls_server.url_for("/k"))
    assert result.exit_code == 60


@pytest.fixture
def tls_other(tmp_path: Path) -> str:
    import trustme

    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


def test_insecure_skips_verification(tls_server: VerifyingServer, run: Any) -> None:
    result = run("-k", tls_server.url_for("/k"))
    assert result.exit_code == 0, result.stderr
    assert tls_server.last.ok


def test_cacert_flag_beats_a_wrong_environment(tls_server: VerifyingServer, run: Any, tls_other: str) -> None:
    result = run("--cacert", str(tls_server.ca_bundle), tls_server.url_for("/k"), env={"REQUESTS_CA_BUNDLE": tls_other})
    assert result.exit_code == 0, result.stderr


def test_unreadable_cacert_exits_77(tls_server: VerifyingServer, run: Any, tmp_path: Path) -> None:
    result = run("--cacert", str(tmp_path / "missing.pem"), tls_server.url_for("/k"))
    assert result.exit_code == 77
    assert "--cacert" in one_error(result)


def test_plain_http_to_a_tls_port_is_a_clear_error(tls_server: VerifyingServer, run: Any) -> None:
    result = run("-m", "5", tls_server.url_for("/k").replace("https://", "http://"))
    assert result.exit_code in (52, 56), result.stderr
    one_error(result)


# --- proxies -------------------------------------------------------------------------------


def test_proxy_flag_is_used(server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    result = run("-x", other_server.url, server.url_for("/via/proxy"))
    assert result.exit_code == 0, result.stderr
    assert other_server.last.target == server.url_for("/via/proxy")  # absolute-form: it went through the proxy
    assert server.request_count == 0


def test_proxy_from_the_environment_and_no_proxy(server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    run(server.url_for("/a"), env={"http_proxy": other_server.url})
    assert other_server.request_count == 1 and server.request_count == 0
    result = run(server.url_for("/b"), env={"http_proxy": other_server.url, "NO_PROXY": "127.0.0.1"})
    assert result.exit_code == 0
    assert server.request_count == 1 and server.last.ok
    assert other_server.request_count == 1


def test_upper_case_http_proxy_is_ignored_for_http_as_curl_does(
    server: VerifyingServer, other_server: VerifyingServer, run: Any
) -> None:
    result = run(server.url_for("/direct"), env={"HTTP_PROXY": other_server.url})
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 1 and other_server.request_count == 0


def test_noproxy_flag_bypasses_the_proxy(server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    result = run("-x", other_server.url, "--noproxy", "127.0.0.1", server.url_for("/direct"))
    assert result.exit_code == 0
    assert server.request_count == 1 and other_server.request_count == 0


def test_empty_proxy_flag_ignores_the_proxy_variables(server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    result = run("-x", "", server.url_for("/direct"), env={"HTTP_PROXY": other_server.url, "http_proxy": other_server.url})
    assert result.exit_code == 0, result.stderr
    assert server.request_count == 1 and other_server.request_count == 0


def test_https_goes_through_the_proxy_with_connect(tls_server: VerifyingServer, other_server: VerifyingServer, run: Any) -> None:
    result = run("-m", "5", "--cacert", str(tls_server.ca_bundle), tls_server.url_for("/k"),
                 env={"HTTPS_PROXY": other_server.url})
    assert other_server.last.method == "CONNECT"
    assert other_server.last.target == tls_server.host
    assert other_server.last.header("Authorization") is None  # the signed request travels inside the tunnel only
    assert result.exit_code != 0  # this fake proxy does not really tunnel
    one_error(result)


def test_unreachable_proxy_exits_7(server: VerifyingServer, run: Any) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    result = run("-x", f"127.0.0.1:{port}", server.url_for("/k"))
    assert result.exit_code == 7
    assert "proxy" in one_error(result)


# --- timeouts ------------------------------------------------------------------------------------


def test_every_network_step_has_a_timeout() -> None:
    transport = Transport(TransportOptions())
    try:
        connect, read = transport._timeout(None)
        assert connect == DEFAULT_CONNECT_TIMEOUT and read == DEFAULT_READ_TIMEOUT
        connect, read = Transport(TransportOptions(connect_timeout=2.5))._timeout(None)
        assert connect == 2.5 and read == DEFAULT_READ_TIMEOUT
        import time

        connect, read = transport._timeout(time.monotonic() + 1.0)
        assert connect is not None and read is not None and connect <= 1.0 and read <= 1.0
    finally:
        transport.close()


def test_insecure_in_a_real_process_prints_no_warning(tls_server: VerifyingServer, tmp_path: Path) -> None:
    # this process's environment, AWS_* kept, CA and proxy variables removed
    env = keys_env(tmp_path, AWS_EC2_METADATA_DISABLED="true", **{k: None for k in CA_VARS + PROXY_VARS})
    result = run_process(["-k", "--service", "s3", tls_server.url_for("/k")], env, timeout=30, keep_aws=True)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    result = run_process(["--service", "s3", tls_server.url_for("/k")], env, timeout=30, keep_aws=True)
    assert result.exit_code == 60
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("sigcurl: TLS certificate")
