"""The reliability tests' fixtures: the command run in-process with the example key, on a fake clock.

Imported by name into each reliability test module (pytest finds fixtures in the module's namespace).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import base_env
from cli_helpers import invoke as invoke_cli
from click.testing import Result

from support.clock import FakeClock, patch_env_clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    patch_env_clock(monkeypatch, fake)
    return fake


@pytest.fixture
def run(tmp_path: Path, clock: FakeClock) -> Any:
    """run(*argv, env=None, input=None) -> click Result (credentials of the example key)."""

    def invoke(*argv: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
        return invoke_cli(list(argv), {**base_env(tmp_path), **(env or {})}, input=input)

    return invoke
