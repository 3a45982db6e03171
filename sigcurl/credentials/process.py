"""``credential_process``: run the profile's command and read JSON credentials from its stdout.

The output must be JSON ``{"Version": 1, "AccessKeyId", "SecretAccessKey",
"SessionToken"?, "Expiration"?}``.  The command is split like a shell
would (no shell is run), inherits stdin so it can prompt on a terminal, and
has its stderr discarded: it may hold secrets, and sigcurl never echoes it.
A non-zero exit, a timeout, output over :data:`MAX_OUTPUT_BYTES` or output
that is not that JSON is a CredentialSourceError naming the profile and the
file.  Its credentials are never written to disk (the AWS CLI does not cache
them either): the command runs once per sigcurl run.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
from typing import TYPE_CHECKING

from sigcurl.credentials._types import ResolvedCredentials, check_credentials, parse_timestamp
from sigcurl.errors import CredentialSourceError

if TYPE_CHECKING:
    from sigcurl.credentials.chain import Resolver

#: Output larger than this is not credentials; the process is killed.
MAX_OUTPUT_BYTES = 64 * 1024
#: How long the command may run (it may be waiting for a browser login).
TIMEOUT_SECONDS = 120.0


def from_process(r: Resolver, name: str, command: str) -> ResolvedCredentials:
    """Run the credential_process *command* of profile *name*."""
    from sigcurl.signer.types import Credentials

    where = r.files.where(name)
    label = f"credential_process of profile {name} in {where}"
    fix = "run the profile's credential_process command yourself to see its error"
    try:
        argv = shlex.split(command)
    except ValueError:
        raise CredentialSourceError(f"credential_process of profile {name} ({where}) has unbalanced quotes",
                                    f"fix the quoting in {where}") from None
    if not argv:
        raise CredentialSourceError(f"credential_process of profile {name} ({where}) is empty", f"fix {where}")
    status, out, reason = _run(argv, dict(r.environ))
    if reason:
        raise CredentialSourceError(f"credential_process of profile {name} ({where}) {reason}", fix)
    if status != 0:
        raise CredentialSourceError(f"credential_process of profile {name} ({where}) exited with status {status}", fix)

    def bad(why: str) -> CredentialSourceError:
        return CredentialSourceError(f"credential_process of profile {name} ({where}) printed {why}", fix)

    try:
        data = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad("something that is not JSON") from None
    if not isinstance(data, dict):
        raise bad("JSON that is not an object")
    if data.get("Version") != 1:
        raise bad("JSON without \"Version\": 1 (the only version supported)")
    access_key, secret_key = data.get("AccessKeyId"), data.get("SecretAccessKey")
    token = data.get("SessionToken")
    if not isinstance(access_key, str) or not access_key or not isinstance(secret_key, str) or not secret_key:
        raise bad("JSON without AccessKeyId and SecretAccessKey")
    if token is not None and not isinstance(token, str):
        raise bad("a SessionToken that is not a string")
    expiry = None
    if data.get("Expiration") is not None:
        expiry = parse_timestamp(data["Expiration"])
        if expiry is None:
            raise bad("an Expiration that is not an ISO 8601 time")
    creds = check_credentials(Credentials(access_key, secret_key, token or None), label,
                              ("AccessKeyId", "SecretAccessKey", "SessionToken"))
    if expiry is not None and expiry <= r.now:
        raise bad(f"credentials that expired at {expiry:%Y-%m-%d %H:%M:%S} UTC")
    return ResolvedCredentials(creds, label, expiry, name)


def _run(argv: list[str], env: dict[str, str]) -> tuple[int, bytes, str | None]:
    """Run *argv*; return (exit status, stdout, failure reason or None). Never reads more than the cap."""
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    except OSError as exc:
        return -1, b"", f"could not be started ({exc.strerror or type(exc).__name__})"
    chunks: list[bytes] = []
    state = {"total": 0, "too_big": False}
    assert proc.stdout is not None
    fd = proc.stdout.fileno()

    def reader() -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            state["total"] += len(chunk)
            if state["total"] > MAX_OUTPUT_BYTES:
                state["too_big"] = True
                proc.kill()
                return
            chunks.append(chunk)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(TIMEOUT_SECONDS)
    timed_out = thread.is_alive()
    if timed_out:
        proc.kill()
        thread.join(5)
    try:
        status = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        status = -9
    proc.stdout.close()
    if timed_out:
        return status, b"", f"did not finish within {int(TIMEOUT_SECONDS)} s"
    if state["too_big"]:
        return status, b"", f"printed more than {MAX_OUTPUT_BYTES} bytes"
    return status, b"".join(chunks), None
