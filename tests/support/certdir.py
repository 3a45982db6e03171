"""A CA directory in OpenSSL's hashed layout (``--capath``, ``SSL_CERT_DIR``) holding the test server's CA."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def hashed_ca_dir(ca_bundle: str | Path, where: Path) -> Path:
    """``where/certs`` with the CA and its hash link (``openssl rehash``); the test is skipped without openssl."""
    certs = where / "certs"
    certs.mkdir()
    shutil.copy(str(ca_bundle), certs / "ca.pem")
    try:
        subprocess.run(["openssl", "rehash", str(certs)], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("openssl rehash is not available")
    return certs
