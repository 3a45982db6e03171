"""What ``sigcurl --whoami`` prints: which source supplied the credentials, never the secret."""

from __future__ import annotations

from datetime import datetime, timezone

from sigcurl.credentials._types import ResolvedCredentials, format_timestamp


def _remaining(expiry: datetime, now: datetime) -> str:
    seconds = int((expiry - now).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"


def whoami_lines(resolved: ResolvedCredentials, region: str | None, *, now: datetime | None = None) -> list[str]:
    """Lines describing *resolved*: source, profile, access key id, token presence, expiry, region.

    The secret key and the session token are never included (only whether a
    token is present).
    """
    now = now or datetime.now(timezone.utc)
    creds = resolved.credentials
    lines = [
        f"source:      {resolved.source}",
        f"profile:     {resolved.profile or '(none)'}",
        f"access key:  {creds.access_key}",
        f"token:       {'yes (temporary credentials)' if creds.session_token else 'no (long-term keys)'}",
    ]
    if resolved.expiry is not None:
        lines.append(f"expires:     {format_timestamp(resolved.expiry)} ({_remaining(resolved.expiry, now)})")
    else:
        lines.append("expires:     never (or not known)")
    none = "(none configured: a host that names no region is signed for us-east-1; pass --region or set AWS_REGION)"
    lines.append(f"region:      {region or none}")
    return lines
