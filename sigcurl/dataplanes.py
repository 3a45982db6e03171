"""Data-plane host forms: the hand-written table in :mod:`sigcurl._dataplanes`, matched.

This module owns reading that table: :func:`match` says which row a host is
and what to sign it with.  A row is tried only when one of its key labels is
in the host, and its pattern is compiled the first time it is tried, so the
table costs nothing at import and a few dictionary look-ups per host.
"""

# No ``from __future__ import annotations`` here: NamedTuple would compile each
# string annotation at import (about a millisecond for these two classes).
import re
from typing import NamedTuple

from sigcurl._dataplanes import PAYLOAD_SHA256, ROWS

__all__ = ["PAYLOAD_SHA256", "DataPlane", "Match", "match", "rows", "signing_names"]

_REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
_SUFFIX = r"(?:amazonaws\.com(?:\.cn)?|api\.aws)"
_LABEL = r"[a-z0-9-]+"


class DataPlane(NamedTuple):
    """One documented host form (see :mod:`sigcurl._dataplanes` for the fields)."""

    family: str
    form: str
    keys: tuple[str, ...]
    pattern: str
    service: str
    region: str | None
    sigv4a: bool
    headers: tuple[tuple[str, str], ...]
    note: str
    doc: str


class Match(NamedTuple):
    """A host matched to a row: the row, the region read from the host (if any),
    and the endpoint prefix of an interface VPC endpoint host (else None)."""

    row: DataPlane
    region: str | None
    prefix: str | None


_ROWS: tuple[DataPlane, ...] = tuple(DataPlane(*row) for row in ROWS)
_BY_KEY: dict[str, tuple[int, ...]] = {}
for _i, _row in enumerate(_ROWS):
    for _key in _row.keys:
        _BY_KEY[_key] = (*_BY_KEY.get(_key, ()), _i)
del _i, _row, _key
_COMPILED: dict[int, re.Pattern[str]] = {}


def rows() -> tuple[DataPlane, ...]:
    """Every row, in table order."""
    return _ROWS


def signing_names() -> frozenset[str]:
    """The signing names the table uses."""
    return frozenset(row.service for row in _ROWS if row.service)


def _compiled(i: int) -> re.Pattern[str]:
    pattern = _COMPILED.get(i)
    if pattern is None:
        text = _ROWS[i].pattern.replace("{R}", _REGION).replace("{S}", _SUFFIX).replace("{L}", _LABEL)
        pattern = _COMPILED[i] = re.compile(text)
    return pattern


def match(host: str, labels: list[str] | None = None) -> Match | None:
    """The first row whose pattern matches ``host`` (lower case, no port, no
    trailing dot), or None.  ``labels`` is ``host.split(".")`` if the caller has it."""
    found: tuple[int, ...] = ()
    for label in labels if labels is not None else host.split("."):
        rows_for = _BY_KEY.get(label)
        if rows_for is not None:
            found += rows_for
    if not found:
        return None
    for i in sorted(set(found)) if len(found) > 1 else found:
        m = _compiled(i).fullmatch(host)
        if m is not None:
            groups = m.groupdict()
            return Match(_ROWS[i], groups.get("region"), groups.get("svc"))
    return None
