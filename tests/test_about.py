"""``sigcurl -V/--version``: curl -V's layout, with versions from the installed distributions' metadata."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

import sigcurl

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_names_sigcurl_python_and_each_library(flag: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sigcurl", flag], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(ROOT)), stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    first, *rest = proc.stdout.splitlines()
    py = sys.version_info
    assert first.startswith(f"sigcurl {sigcurl.__version__} (python {py.major}.{py.minor}.{py.micro}) ")
    for name in ("click", "requests", "rich", "cryptography"):
        assert f" {name}/{version(name)}" in first
    features = [line for line in rest if line.startswith("Features: ")]
    assert len(features) == 1
    assert {"SigV4", "SigV4a", "aws-chunked", "presign"} <= set(features[0].split()[1:])
    assert re.fullmatch(r"Protocols: http https", rest[1])


def test_version_is_defined_once() -> None:
    """pyproject.toml takes the version from sigcurl/_version.py (no second copy to drift)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text and 'version = { attr = "sigcurl._version.__version__" }' in text
    assert not re.search(r'^version\s*=\s*"', text, re.M)
