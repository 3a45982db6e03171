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
    except ValueError:
        return None
    if zone and zone.upper() not in ("Z", "UTC", "GMT"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))

        return (dt - timedelta(minutes=offset)).replace(tzinfo=timezone.utc)
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


def is_expired(expiry: datetime | None, now: datetime, window: float = REFRESH_WINDOW_SECONDS) -> bool:
    """True when *expiry* is within *window* seconds of *now* (or past it)."""
    if expiry is None:
        return False
    return (expiry - now).total_seconds() < window
