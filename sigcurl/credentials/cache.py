"""On-disk cache of temporary credentials, in the AWS CLI's layout.

Files live in ``~/.aws/cli/cache/<key>.json`` where ``<key>`` is the SHA-1 of
a JSON description of the request (for AssumeRole exactly the AWS CLI's:
the sorted JSON of RoleArn, ExternalId, SerialNumber, DurationSeconds and
an explicit RoleSessionName), so sigcurl and the AWS CLI reuse each other's
entries.  Each file holds ``{"Credentials": {"AccessKeyId",
"SecretAccessKey", "SessionToken", "Expiration"}}``; files are written
atomically with mode 0600 in a 0700 directory.  An entry is reused until
:data:`~sigcurl.credentials._types.REFRESH_WINDOW_SECONDS` (15 minutes)
before it expires (a third of the lifetime for roles asked for less than 45
minutes, so even 15-minute sessions are reused); an unreadable or corrupt entry is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sigcurl.credentials._types import (
    REFRESH_WINDOW_SECONDS,
    check_credentials,
    format_timestamp,
    home_dir,
    is_expired,
    parse_timestamp,
)
from sigcurl.errors import CredentialSourceError
from sigcurl.signer.types import Credentials

#: Cache files larger than this are corrupt by definition.
MAX_CACHE_FILE_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class CachedCredentials:
    """A cache hit: the credentials and their expiry."""

    credentials: Credentials
    expiry: datetime


def cache_key(args: Mapping[str, Any], *, compact: bool = False) -> str:
    """SHA-1 hex of the sorted JSON of *args* (``compact`` = no spaces, the SSO form)."""
    separators = (",", ":") if compact else (", ", ": ")
    text = json.dumps(dict(args), sort_keys=True, separators=separators)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def assume_role_cache_key(
    role_arn: str,
    *,
    role_session_name: str | None = None,
    external_id: str | None = None,
    mfa_serial: str | None = None,
    duration_seconds: int | None = None,
) -> str:
    """The AWS CLI's cache key for an AssumeRole (or AssumeRoleWithWebIdentity) call.

    A generated session name is left out, as the CLI does, so the key is stable.
    """
    args: dict[str, Any] = {"RoleArn": role_arn}
    if role_session_name is not None:
        args["RoleSessionName"] = role_session_name
    if external_id is not None:
        args["ExternalId"] = external_id
    if mfa_serial is not None:
        args["SerialNumber"] = mfa_serial
    if duration_seconds is not None:
        args["DurationSeconds"] = duration_seconds
    return cache_key(args)


@dataclass(frozen=True, slots=True)
class CredentialCache:
    """A directory of cached temporary credentials."""

    directory: str

    @classmethod
    def default(cls, environ: Mapping[str, str]) -> CredentialCache:
        """The AWS CLI's cache directory, ``~/.aws/cli/cache``."""
        return cls(os.path.join(home_dir(environ), ".aws", "cli", "cache"))

    def path(self, key: str) -> str:
        """The file for *key*."""
        safe = key.replace(":", "_").replace("/", "_").replace(os.sep, "_")
        return os.path.join(self.directory, safe + ".json")

    def load(self, key: str, now: datetime, window: float = REFRESH_WINDOW_SECONDS) -> CachedCredentials | None:
        """The entry for *key* when present, well formed and more than *window* seconds from expiry."""
        try:
            with open(self.path(key), "rb") as fh:
                raw = fh.read(MAX_CACHE_FILE_BYTES + 1)
            if len(raw) > MAX_CACHE_FILE_BYTES:
                return None
            data = json.loads(raw.decode("utf-8"))
            creds = data["Credentials"]
            access_key = creds["AccessKeyId"]
            secret_key = creds["SecretAccessKey"]
            token = creds.get("SessionToken")
            expiry = parse_timestamp(creds["Expiration"])
            if not (isinstance(access_key, str) and isinstance(secret_key, str) and access_key and secret_key):
                return None
            if token is not None and not isinstance(token, str):
                return None
            if expiry is None or is_expired(expiry, now, window):
                return None
            found = check_credentials(Credentials(access_key, secret_key, token or None), "the cache")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError,
                CredentialSourceError):
            return None  # a corrupt entry is ignored (and replaced by the next store), as the AWS CLI does
        return CachedCredentials(found, expiry)

    def store(self, key: str, credentials: Credentials, expiry: datetime, extra: Mapping[str, Any] | None = None) -> None:
        """Write an entry atomically (0600 file in a 0700 directory); failures are ignored.

        A cache that cannot be written only costs a later STS call, so it
        never fails the request.
        """
        body: dict[str, Any] = dict(extra or {})
        body["Credentials"] = {
            "AccessKeyId": credentials.access_key,
            "SecretAccessKey": credentials.secret_key,
            "SessionToken": credentials.session_token,
            "Expiration": format_timestamp(expiry),
        }
        try:
            if not os.path.isdir(self.directory):
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
            try:
                os.chmod(self.directory, 0o700)
            except OSError:
                pass
            write_private_json(self.path(key), body)
        except OSError:
            return


def write_private_json(path: str, data: Mapping[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically, readable by its owner only (0600): a temporary
    file in the same directory, synced, then renamed over ``path``; removed again on any failure."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
