"""The transport's settings and callbacks: value types only (no I/O, no requests).

:class:`TransportOptions` (one option set's connection settings) and
:class:`RetryPolicy` (curl's ``--retry`` family) are defined in
:mod:`sigcurl.spec` and re-exported here; :class:`Hooks` says how the
transport reports what it does and asks its caller to re-sign differently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sigcurl.curlopts import HttpRequest
from sigcurl.spec import RetryPolicy as RetryPolicy  # defined once, with the other specs
from sigcurl.spec import TransportOptions as TransportOptions

if TYPE_CHECKING:
    from sigcurl.transport.aws_retry_state import ClientState
    from sigcurl.transport.response import Response

DEFAULT_CONNECT_TIMEOUT = 60.0  # no network step may hang forever: connect...
DEFAULT_READ_TIMEOUT = 300.0  # ...and silence between two reads

#: sign(request, trusted) -> (url, headers) to send; ``trusted`` is False for a
#: hop to a host the user did not name (then nothing secret may be added).
SignFn = Callable[[HttpRequest, bool], tuple[str, list[tuple[str, str]]]]

#: (host, port) -> (address, port) of --resolve / --connect-to; an empty host or
#: a port 0 matches any (curl's empty parts), an empty address keeps the host.
ResolveTable = tuple[tuple[str, int, str, int], ...]


class Hooks(NamedTuple):
    """How the transport tells its caller what it is doing, and asks it to re-sign differently.

    * ``log``: one ``-v`` line (without ``* `` and newline);
    * ``correct_clock(server_time)``: sign from now on as of the server's
      clock; False when the caller cannot (``--date`` fixes the time);
    * ``correct_region(region)``: sign from now on for ``region``; returns
      the previous region, or None when that is not a correction (not S3,
      SigV4a, already that region);
    * ``redirected(response)``: a redirect response that is being followed
      (its headers are shown with ``-i`` and ``-v``, as curl does);
    * ``aws_client``: the run's retry quota and ``adaptive`` rate limiter for
      the request's service and region (the AWS CLI's standard and adaptive
      modes), or None.
    """

    log: Callable[[str], None] | None = None
    correct_clock: Callable[[datetime], bool] | None = None
    correct_region: Callable[[str], str | None] | None = None
    redirected: Callable[[Response], None] | None = None
    aws_client: ClientState | None = None

    def say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


def find_header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (any case), or None."""
    lname = name.lower()
    for n, v in headers:
        if n.lower() == lname:
            return v
    return None
