"""Shared pytest fixtures: loopback servers, the credential tests' home and STS, botocore's data.

This file also puts the ``tests/`` directory on
``sys.path`` so helpers import as ``from support.server import Response,
VerifyingServer`` from any test module.

Verifying servers (each a fresh :class:`support.server.VerifyingServer`, started
before and stopped after the test, bound to 127.0.0.1 on an ephemeral port, with
AWS's example keys AKIDEXAMPLE and AKIAIOSFODNN7EXAMPLE pre-loaded):

* ``server``: plain HTTP;
* ``other_server``: a second plain HTTP server (cross-host redirects);
* ``tls_server``: HTTPS with a throw-away CA, bundle at ``tls_server.ca_bundle``.

Credentials (helpers in ``tests/credentials_fixtures.py``):

* ``aws_home``: a temp HOME (also in ``os.environ``, every AWS_* removed) and a
  minimal environment (:class:`credentials_fixtures.AwsHome`);
* ``moto_url``: a real moto server for the whole session;
* ``sts``: a counting, signature-checking proxy to it (``AWS_ENDPOINT_URL_STS``).

botocore's data, loaded once per session (per worker) because it is slow:

* ``botocore_loader``: one ``botocore.loaders.Loader`` (it caches what it loads);
* ``botocore_models``: every service's ``service-2`` model, by service name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from credentials_fixtures import AwsHome, StsProxy  # noqa: E402

from support.hostile import HostileServer  # noqa: E402
from support.server import VerifyingServer  # noqa: E402

# --- verifying servers ------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[VerifyingServer]:
    """A plain-HTTP verifying server."""
    with VerifyingServer(name="server") as srv:
        yield srv


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A loopback server playing a hostile or broken AWS (``tests/support/hostile.py``)."""
    with HostileServer() as srv:
        yield srv


@pytest.fixture
def other_server() -> Iterator[VerifyingServer]:
    """A second plain-HTTP verifying server (a different host:port)."""
    with VerifyingServer(name="other_server") as srv:
        yield srv


@pytest.fixture
def tls_server() -> Iterator[VerifyingServer]:
    """An HTTPS verifying server; trust ``tls_server.ca_bundle``."""
    with VerifyingServer(tls=True, name="tls_server") as srv:
        yield srv


# --- credentials: an isolated home, STS through moto -----------------------------------


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsHome:
    """A temp HOME (also set in os.environ) and a minimal environment with IMDS disabled."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    return AwsHome(home, env)


@pytest.fixture
def moto_s3() -> Iterator[str]:
    """A moto server of its own for one test, on 127.0.0.1 (its S3 starts empty)."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """A real moto server on 127.0.0.1 (ephemeral port) for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def sts(moto_url: str, aws_home: AwsHome) -> Iterator[StsProxy]:
    """A counting, signature-checking proxy to moto; AWS_ENDPOINT_URL_STS points at it."""
    proxy = StsProxy(moto_url)
    with proxy.server:
        aws_home.env["AWS_ENDPOINT_URL_STS"] = proxy.url
        yield proxy


# --- botocore's data, loaded once ------------------------------------------------------


@pytest.fixture(scope="session")
def botocore_loader() -> Any:
    """One botocore data loader for the session (it caches every file it loads)."""
    loaders = pytest.importorskip("botocore.loaders")
    return loaders.Loader()


@pytest.fixture(scope="session")
def botocore_models(botocore_loader: Any) -> dict[str, dict[str, Any]]:
    """Every service's ``service-2`` model from botocore's data, by service name."""
    return {
        name: botocore_loader.load_service_model(name, "service-2")
        for name in botocore_loader.list_available_services("service-2")
    }
