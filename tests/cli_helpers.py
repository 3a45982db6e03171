"""Running the real sigcurl command in tests: the one place that does it.

* :func:`invoke`: in-process through click's ``CliRunner`` (click's Result,
  with ``exception``/``exc_info`` for tests that look at them);
* :func:`run`: in-process, every AWS_* variable not given removed (our Result);
* :func:`run_isolated`: :func:`run` with AWS's example keys and a home of its own;
* :func:`run_with_env`: in-process with an injected :class:`~sigcurl.environment.Env`
  (clock, streams, terminals), bypassing click's process-level set-up;
* :func:`run_process`: ``python -m sigcurl`` as a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from click.testing import CliRunner
from click.testing import Result as ClickResult

from sigcurl.cli import cli, group_opts, run_options
from sigcurl.environment import Env

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKENvalue+/=="


class Result(NamedTuple):
    """How one run ended (unpacks as ``code, stdout, stderr``)."""

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


def invoke(args: Sequence[str], env: Mapping[str, str | None], *, input: bytes | None = None,
           catch_exceptions: bool = True) -> ClickResult:
    """Run the command in-process with ``env`` laid over the process environment (None removes a variable)."""
    return CliRunner().invoke(cli, list(args), env=dict(env), input=input, catch_exceptions=catch_exceptions)


def run(args: Sequence[str], env: Mapping[str, str | None], stdin: bytes | None = None) -> Result:
    """Run the command in-process; AWS_* variables not in ``env`` are removed."""
    full: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(("AWS_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"))
    }
    full.update(env)
    result = invoke(args, full, input=stdin, catch_exceptions=False)
    return Result(result.exit_code, result.stdout_bytes, result.stderr)


def run_isolated(args: Sequence[str], home: Path, stdin: bytes | None = None) -> Result:
    """:func:`run` with AWS's example keys and no AWS configuration (both files absent)."""
    return run(args, base_env(home, AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(home / "none")), stdin)


def run_with_env(args: Sequence[str], env: Env) -> int:
    """Parse ``args`` as the command does and run them with an injected environment; the exit status."""
    ctx = cli.make_context("sigcurl", list(args))
    groups = [group_opts(ctx, dict(ctx.params)), *ctx.meta.get("sigcurl.groups", [])]
    return run_options(groups, env)


def run_process(args: Sequence[str], env: Mapping[str, str], stdin: bytes | None = None, timeout: float = 60) -> Result:
    """Run ``python -m sigcurl`` as a child process (pipes for stdout/stderr)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    full.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "sigcurl", *args], input=stdin or b"", capture_output=True, env=full, timeout=timeout
    )
    return Result(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))
