"""Running the real sigcurl command in tests: the one place that does it.

Environments:

* :func:`base_env`: AWS's example keys, a home of its own, no AWS config, no
  instance metadata, no proxy (tests add or override variables);
* :func:`keys_env`: only the example keys and the home (for tests that choose the rest);
* :func:`process_env`: a child process's whole environment built from one.

In-process:

* :func:`invoke`: through click's ``CliRunner`` (click's Result,
  with ``exception``/``exc_info`` for tests that look at them);
* :func:`run`: :func:`invoke` with every AWS_* variable not given removed (our Result);
* :func:`run_isolated`: :func:`run` with AWS's example keys and a home of its own;
* :func:`run_with_env`: with an injected :class:`~sigcurl.environment.Env`
  (clock, streams, terminals), bypassing click's process-level set-up;
  :func:`run_injected` builds that Env from an environment and a few choices.
  (To give a fake clock to :func:`invoke`/:func:`run` instead, see
  ``support.clock.patch_env_clock``.)

As a child process (``python -m sigcurl``):

* :func:`run_process`: run to the end, output captured;
* :func:`start_process`: a ``subprocess.Popen`` for tests that feed, read or
  signal the process while it runs.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple, TextIO

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


def keys_env(home: Path, **extra: str | None) -> dict[str, str | None]:
    """Only AWS's example keys and ``home`` as HOME (with ``extra``; None removes a variable)."""
    return {"HOME": str(home), "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, **extra}


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


def run_injected(
    args: Sequence[str], environ: Mapping[str, str], *, now: Callable[[], datetime] | None = None,
    stdin: BinaryIO | None = None, stdout: BinaryIO | None = None, stderr: TextIO | None = None,
    stdout_isatty: bool = False, stderr_isatty: bool = False,
) -> int:
    """:func:`run_with_env` with an Env made of ``environ`` (used as given), in-memory streams unless given, and ``now``."""
    env = Env(
        stdin=stdin or io.BytesIO(), stdout=stdout or io.BytesIO(), stderr=stderr or io.StringIO(),
        stdout_isatty=stdout_isatty, stderr_isatty=stderr_isatty, environ=environ,
    )
    return run_with_env(args, env if now is None else env._replace(now=now))


def process_env(env: Mapping[str, str | None], *, keep_aws: bool = False) -> dict[str, str]:
    """This process's environment without its AWS_* variables (unless ``keep_aws``), ``env`` laid over it (None removes)."""
    full = {k: v for k, v in os.environ.items() if keep_aws or not k.startswith("AWS_")}
    for name, value in env.items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    return full


def _argv(args: Sequence[str | bytes], python_options: Sequence[str]) -> list[str | bytes]:
    return [sys.executable, *python_options, "-m", "sigcurl", *args]


def start_process(args: Sequence[str | bytes], env: Mapping[str, str | None], *, keep_aws: bool = False,
                  python_options: Sequence[str] = (), **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``python -m sigcurl`` in :func:`process_env`'s environment; ``popen`` chooses its streams etc."""
    return subprocess.Popen(_argv(args, python_options), env=process_env(env, keep_aws=keep_aws), **popen)


def run_process(args: Sequence[str | bytes], env: Mapping[str, str | None], stdin: bytes | IO[bytes] | None = None,
                timeout: float = 60, *, keep_aws: bool = False, python_options: Sequence[str] = ()) -> Result:
    """Run ``python -m sigcurl`` as a child process in :func:`process_env`'s environment (pipes for stdout/stderr).

    ``stdin`` is bytes written to a pipe (none: an empty pipe) or an open file the child reads itself.
    """
    argv, full = _argv(args, python_options), process_env(env, keep_aws=keep_aws)
    if stdin is None or isinstance(stdin, bytes):
        proc = subprocess.run(argv, input=stdin or b"", capture_output=True, env=full, timeout=timeout)
    else:
        proc = subprocess.run(argv, stdin=stdin, capture_output=True, env=full, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))
