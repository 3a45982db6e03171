"""Warnings for a ``--region`` or ``--service`` botocore's data does not know, with the closest known names.

Kept apart so :mod:`sigcurl.options` imports only this (and
:mod:`sigcurl.endpoints`, which host inference imports anyway).
"""

from __future__ import annotations

from collections.abc import Callable


def warn_unknown_names(region: str | None, service: str | None, warn: Callable[[str], None] | None) -> None:
    """Pass each line of :func:`unknown_names` to ``warn`` (None: ``-s`` or no warnings wanted)."""
    if warn is not None:
        for line in unknown_names(region, service):
            warn(f"sigcurl: warning: {line}")


def unknown_names(region: str | None, service: str | None) -> list[str]:
    """Warnings for a ``--region`` or ``--service`` botocore's data does not know, with the closest
    known names (not errors: a name newer than the data is signed as given)."""
    if region is None and service is None:
        return []
    from sigcurl import endpoints  # host inference imports it anyway

    lines = []
    for flag, value, known, names in (
        ("--region", region, endpoints.is_known_region, endpoints.KNOWN_REGIONS),
        ("--service", service, endpoints.is_known_service, endpoints.known_services()),
    ):
        if value is None or known(value):
            continue
        near = endpoints.closest(value, names)
        what = "region" if flag == "--region" else "signing name"
        hint = "it is signed as given" if not near else "did you mean " + (
            near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}") + "?"
        lines.append(f"{flag} {value} is not a {what} sigcurl knows; {hint}")
    return lines
