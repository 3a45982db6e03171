"""The value every credential provider returns, and small shared helpers.

:class:`ResolvedCredentials` pairs the keys with where they came from, so
``sigcurl --whoami`` and error messages can say which source won.  The
helpers here (time parsing, home directory, path expansion) use only the
standard library: this module is imported on the environment-variable path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from sigcurl.errors import CredentialSourceError
from sigcurl.signer.types import Credentials

#: Temporary credentials are refreshed (not reused from the cache) once fewer
#: than this many seconds remain before they expire.  Fifteen minutes is the
#: AWS CLI's advisory refresh window, so a request signed with cached
#: credentials never meets an expiry mid-flight.
REFRESH_WINDOW_SECONDS = 15 * 60


class ResolvedCredentials(NamedTuple):
    """Credentials and the source that supplied them.

    ``source`` is a human description ("environment", "profile dev in
    /home/u/.aws/credentials", "assume-role arn:... via profile dev", ...).
    ``expiry`` is an aware UTC datetime for temporary credentials, else None.
    ``profile`` is the profile the chain resolved, when one was involved.
    """

    credentials: Credentials
    source: str
    expiry: datetime | None = None
    profile: str | None = None


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


_ISO_PATTERN = (
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*"
    r"(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(value: object) -> datetime | None:
    """Parse an AWS timestamp (ISO 8601, ``...Z``, ``...UTC``, epoch seconds) to aware UTC.

    Returns None when the value cannot be understood; a naive time is UTC.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(float(value), timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    m = re.match(_ISO_PATTERN, value.strip(), re.IGNORECASE)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        dt = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
        if zone and zone.upper() not in ("Z", "UTC", "GMT"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
            dt = dt - timedelta(minutes=offset)  # 0001-01-01T00:00:00+01:00 is before the calendar: None
    except (ValueError, OverflowError):
        return None
    return dt.replace(tzinfo=timezone.utc)


def format_timestamp(value: datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def home_dir(environ: Mapping[str, str]) -> str:
    """The user's home directory, from ``HOME`` in *environ* when set."""
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return home if home else os.path.expanduser("~")


_VAR_PATTERN = r"\$(\w+)|\$\{([^}]*)\}"


def expand_path(path: str, environ: Mapping[str, str]) -> str:
    """Expand ``$VAR``/``${VAR}`` and a leading ``~`` using *environ* (as botocore does)."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return environ.get(name, m.group(0))

    path = re.sub(_VAR_PATTERN, repl, path)
    if path == "~" or path.startswith("~/") or path.startswith("~" + os.sep):
        path = home_dir(environ) + path[1:]
    return path


def short_path(path: str, environ: Mapping[str, str]) -> str:
    """*path* with the home directory shown as ``~`` (for one-line messages)."""
    home = home_dir(environ).rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home) :]
    return path


#: The names of the three values in messages, when the source has no names of its own.
VALUE_NAMES = ("the access key id", "the secret access key", "the session token")


def check_credentials(credentials: Credentials, where: str, names: tuple[str, str, str] = VALUE_NAMES) -> Credentials:
    """``credentials`` when every value is usable text, else a CredentialSourceError naming the value and ``where``.

    Values must be strings without control characters: a trailing CR (a
    ``.env`` file with Windows line endings) would otherwise reach an HTTP
    header and fail there, with the signed header in the message.  The
    message names the variable, key or file, never the value.
    """
    values = (credentials.access_key, credentials.secret_key, credentials.session_token)
    for name, value in zip(names, values, strict=True):
        if value is None and name == names[2]:
            continue
        if not isinstance(value, str):
            raise CredentialSourceError(f"{name} from {where} is not text", f"check {where}")
        bad = next((c for c in value if c < " " or c == "\x7f"), None)
        if bad is not None:
            what = {"\r": "a carriage return (a file with Windows line endings?)", "\n": "a line break",
                    "\t": "a tab"}.get(bad, f"the control character U+{ord(bad):04X}")
            raise CredentialSourceError(f"{name} from {where} contains {what}",
                                        f"remove it from {where} (e.g. with tr -d '\\r'), then try again")
    return credentials


def is_expired(expiry: datetime | None, now: datetime, window: float = REFRESH_WINDOW_SECONDS) -> bool:
    """True when *expiry* is within *window* seconds of *now* (or past it)."""
    if expiry is None:
        return False
    return (expiry - now).total_seconds() < window
