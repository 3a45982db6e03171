"""Running the real sigcurl command in tests: in-process (CliRunner) or as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from sigcurl.cli import cli

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKENvalue+/=="


@dataclass
class Result:
    exit_code: int
    stdout: bytes
    stderr: str


def base_env(home: Path, **extra: str) -> dict[str, str]:
    """An isolated environment with AWS's example keys and no AWS config."""
    env = {
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "*",
    }
    env.update(extra)
    return env


def run(args: Sequence[str], env: Mapping[str, str], stdin: bytes | None = None) -> Result:
    """Run the command in-process; AWS_* variables not in ``env`` are removed."""
    full = {k: None for k in os.environ if k.startswith(("AWS_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"))}
    full.update(env)
    runner = CliRunner()
    result = runner.invoke(cli, list(args), env=full, input=stdin, catch_exceptions=False)
    return Result(result.exit_code, result.stdout_bytes, result.stderr)


def run_process(args: Sequence[str], env: Mapping[str, str], stdin: bytes | None = None, timeout: float = 60) -> Result:
    """Run ``python -m sigcurl`` as a child process (pipes for stdout/stderr)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "sigcurl", *args], input=stdin or b"", capture_output=True, env=full, timeout=timeout
    )
    return Result(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))
