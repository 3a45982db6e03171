"""Shared pytest fixtures: loopback servers that record and verify signed requests.

This file also puts the ``tests/`` directory on
``sys.path`` so helpers import as ``from support.server import Response,
VerifyingServer`` from any test module.

Fixtures (each a fresh :class:`support.server.VerifyingServer`, started before
and stopped after the test, bound to 127.0.0.1 on an ephemeral port, with
AWS's example keys AKIDEXAMPLE and AKIAIOSFODNN7EXAMPLE pre-loaded):

* ``server``: plain HTTP;
* ``other_server``: a second plain HTTP server (cross-host redirects);
* ``tls_server``: HTTPS with a throw-away CA, bundle at ``tls_server.ca_bundle``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from credentials_fixtures import aws_home, moto_url, sts  # noqa: E402, F401 - fixtures for every test module

from support.server import VerifyingServer  # noqa: E402


@pytest.fixture
def server() -> Iterator[VerifyingServer]:
    """A plain-HTTP verifying server."""
    with VerifyingServer(name="server") as srv:
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
