"""The wire layer's settings, per session: --resolve/--connect-to, and the credential calls' TLS and proxy.

* ``--resolve`` and ``--connect-to`` belong to one option set's session: a
  later ``--next`` set, and the credential providers' calls, connect as if
  the mapping were not there (curl: the mapping is an option of its set);
* ``--connect-to`` accepts curl's empty parts (``::ADDRESS:PORT`` sends
  every host there), looked up as curl does: host and port, host, port, any;
* the credential providers' client (``sigcurl.transport.credential_client``)
  verifies TLS with ``--cacert``/``-k`` and goes through ``-x`` as the
  user's request does, but never through a proxy for metadata endpoints.

STS is played by the verifying loopback server, which checks the AssumeRole
signature independently and answers with credentials it then accepts.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import ACCESS_KEY, base_env, run
from credentials_fixtures import FakeServer, Recorded

from sigcurl.credentials import resolve_credentials
from sigcurl.errors import CredentialSourceError, HTTPFailure
from sigcurl.transport import TransportOptions, credential_client
from sigcurl.transport.credential_http import is_metadata_host
from sigcurl.transport.wire import lookup
from support.server import Response, VerifyingServer

ROLE = "arn:aws:iam::123456789012:role/reader"
ASSUMED_KEY, ASSUMED_SECRET, ASSUMED_TOKEN = "ASIAASSUMEDEXAMPLE01", "assumedSECRET/example/000000000000000000", "tok"
ASSUME_ROLE_XML = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><Credentials><AccessKeyId>{ASSUMED_KEY}</AccessKeyId>
<SecretAccessKey>{ASSUMED_SECRET}</SecretAccessKey><SessionToken>{ASSUMED_TOKEN}</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/reader/me</Arn></AssumedRoleUser>
</AssumeRoleResult></AssumeRoleResponse>""".encode()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


# -- --resolve / --connect-to ----------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path)


def test_resolve_does_not_leak_into_the_next_option_set(server: VerifyingServer, env: dict[str, str]) -> None:
    port = _port(server.url)
    url = f"http://foo.invalid:{port}/k"
    alone = run(["--service", "s3", url], env)
    assert alone.exit_code == 6  # the reference: without the mapping the host does not resolve
    result = run(["--service", "s3", "--resolve", f"foo.invalid:{port}:127.0.0.1", url,
                  "--next", "--service", "s3", url], env)
    assert server.request_count == 1 and server.last.header("Host") == f"foo.invalid:{port}" and server.last.ok
    assert result.exit_code == 6, result.stderr  # the second set connects as it would alone
    assert "could not resolve host foo.invalid" in result.stderr


def test_connect_to_with_empty_host_and_port_sends_every_host_there(server: VerifyingServer,
                                                                    env: dict[str, str]) -> None:
    port = _port(server.url)
    for url in ("http://anything.invalid/a", f"http://other.invalid:{port + 1}/b"):
        result = run(["--service", "s3", "--connect-to", f"::127.0.0.1:{port}", url], env)
        assert result.exit_code == 0, result.stderr
        assert server.last.header("Host") == url.split("/")[2] and server.last.ok  # Host stays the URL's


LOOKUP_ROWS = [
    # table, host, port, expected (curl's order: host+port, host, port, anything)
    ((("a", 80, "1.1.1.1", 0),), "a", 80, ("1.1.1.1", 0)),
    ((("a", 80, "1.1.1.1", 0),), "A", 80, ("1.1.1.1", 0)),
    ((("a", 80, "1.1.1.1", 0),), "a", 443, None),
    ((("a", 0, "2.2.2.2", 9),), "a", 443, ("2.2.2.2", 9)),
    ((("", 443, "3.3.3.3", 0),), "b", 443, ("3.3.3.3", 0)),
    ((("", 0, "4.4.4.4", 1),), "b", 1, ("4.4.4.4", 1)),
    ((("", 0, "4", 1), ("", 443, "3", 0), ("a", 0, "2", 0), ("a", 443, "1", 0)), "a", 443, ("1", 0)),
    ((("", 0, "4", 1), ("", 443, "3", 0), ("a", 0, "2", 0)), "a", 443, ("2", 0)),
    ((("", 0, "4", 1), ("", 443, "3", 0)), "a", 443, ("3", 0)),
    ((("", 0, "4", 1),), "a", 443, ("4", 1)),
]


@pytest.mark.parametrize(("table", "host", "port", "expected"), LOOKUP_ROWS)
def test_mapping_lookup_order(table: Any, host: str, port: int, expected: Any) -> None:
    mapping = {(h.lower(), p): (a, ap) for h, p, a, ap in table}
    assert lookup(mapping, host, port) == expected


def test_resolve_does_not_reach_credential_calls(server: VerifyingServer) -> None:
    port = _port(server.url)
    client = credential_client(TransportOptions(resolve=(("sts.invalid", port, "127.0.0.1", port),)))
    with pytest.raises(HTTPFailure) as caught:
        client("POST", f"http://sts.invalid:{port}/", data=b"Action=GetCallerIdentity", timeout=5.0)
    assert caught.value.kind == "connect" and server.request_count == 0


# -- credential calls: --cacert, -k, -x ------------------------------------------------------------------


def _sts_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    env = base_env(tmp_path, AWS_ENDPOINT_URL_STS=endpoint, AWS_REGION="us-east-1")
    env.pop("NO_PROXY")
    return env


def _assume(env: dict[str, str], options: TransportOptions) -> Any:
    return resolve_credentials(role_arn=ROLE, role_session_name="me", environ=env, http=credential_client(options))


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                 "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_sts_call_verifies_tls_with_cacert(tls_server: VerifyingServer, tmp_path: Path, no_proxy_env: None) -> None:
    env = _sts_env(tmp_path, tls_server.url)
    with pytest.raises(CredentialSourceError) as caught:
        _assume(env, TransportOptions())  # the test CA is not trusted by default
    assert "STS AssumeRole" in caught.value.what and "could not be verified" in caught.value.what
    assert "--cacert" in caught.value.what
    tls_server.queue(Response(200, headers={"Content-Type": "text/xml"}, body=ASSUME_ROLE_XML))
    got = _assume(env, TransportOptions(cacert=tls_server.ca_bundle))
    assert got.credentials.access_key == ASSUMED_KEY
    assume = tls_server.last
    assert assume.method == "POST" and assume.ok  # signed by sigcurl, verified by the server
    assert b"Action=AssumeRole" in (assume.body or b"")


def test_sts_call_with_insecure(tls_server: VerifyingServer, tmp_path: Path, no_proxy_env: None) -> None:
    env = _sts_env(tmp_path, tls_server.url)
    tls_server.queue(Response(200, headers={"Content-Type": "text/xml"}, body=ASSUME_ROLE_XML))
    assert _assume(env, TransportOptions(insecure=True)).credentials.access_key == ASSUMED_KEY


def _recording_proxy() -> FakeServer:
    """A plain-HTTP forward proxy that answers every request itself (and records the absolute URL asked for)."""

    def answer(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/xml"}, ASSUME_ROLE_XML

    return FakeServer(answer)


def test_sts_call_goes_through_the_proxy(tmp_path: Path, no_proxy_env: None) -> None:
    env = _sts_env(tmp_path, "http://sts.example.invalid")
    with _recording_proxy() as proxy:
        got = _assume(env, TransportOptions(proxy=proxy.url))
        assert got.credentials.access_key == ASSUMED_KEY
        assert [r.path for r in proxy.requests] == ["http://sts.example.invalid/"]
        assert proxy.requests[0].headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")


def test_noproxy_and_proxy_off_for_metadata(server: VerifyingServer, tmp_path: Path, no_proxy_env: None) -> None:
    with _recording_proxy() as proxy:
        client = credential_client(TransportOptions(proxy=proxy.url, noproxy="127.0.0.1"))
        assert client("GET", server.url_for("/x"), timeout=5.0).status == 200
        client = credential_client(TransportOptions(proxy=proxy.url))
        assert client("GET", server.url_for("/y"), timeout=5.0, use_proxies=False).status == 200
        assert proxy.requests == [] and [r.path for r in server.requests] == ["/x", "/y"]


@pytest.mark.parametrize(
    ("host", "metadata"),
    [("169.254.169.254", True), ("169.254.170.2", True), ("169.254.170.23", True), ("[fd00:ec2::254]", True),
     ("fd00:ec2::23", True), ("fe80::1", True), ("127.0.0.1", False), ("sts.amazonaws.com", False), ("", False)],
)
def test_metadata_hosts_never_use_a_proxy(host: str, metadata: bool) -> None:
    assert is_metadata_host(host) is metadata


def test_link_local_url_bypasses_the_proxy_even_when_asked(no_proxy_env: None) -> None:
    # Decided without a connection (the tests reach nothing but loopback addresses).
    client = credential_client(TransportOptions(proxy="http://127.0.0.1:3128"))
    assert client.settings("http://169.254.169.254/latest/api/token", use_proxies=True)["proxies"] == {}
    assert client.settings("http://[fd00:ec2::254]/latest/api/token", use_proxies=True)["proxies"] == {}
    assert client.settings("http://127.0.0.1:9/x", use_proxies=False)["proxies"] == {}
    proxied = client.settings("https://sts.us-east-1.amazonaws.com/", use_proxies=True)["proxies"]
    assert proxied == {"http": "http://127.0.0.1:3128", "https": "http://127.0.0.1:3128"}


def test_credential_client_caps_the_body(server: VerifyingServer) -> None:
    server.queue(Response.generated(2 * 1024 * 1024))
    with pytest.raises(HTTPFailure) as caught:
        credential_client(TransportOptions())("GET", server.url_for("/big"), timeout=5.0, use_proxies=False)
    assert caught.value.kind == "too-large"


def test_unreachable_endpoint_is_a_connect_failure() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(HTTPFailure) as caught:
        credential_client(TransportOptions())("GET", f"http://127.0.0.1:{port}/", timeout=2.0)
    assert caught.value.kind == "connect" and caught.value.detail == f"cannot connect to http://127.0.0.1:{port}"
