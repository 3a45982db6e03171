"""curl's TLS client options: mutual TLS with --cert/--key (under each TLS version option) against a
loopback verifying server that requires a client certificate, an encrypted key and its password,
--capath.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from support.certdir import hashed_ca_dir
from support.curl_compare import CURL, curl, sigcurl
from support.server import VerifyingServer

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
    certs = hashed_ca_dir(tls_server.ca_bundle, tmp_path)
    result = sigcurl(["--capath", str(certs), tls_server.url_for("/")], tmp_path)
    assert result.exit_code == 0, result.stderr
    assert sigcurl([tls_server.url_for("/")], tmp_path).exit_code == 60
