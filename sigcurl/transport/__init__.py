"""Sending signed requests: exact wire bytes, retries, redirects, corrections, curl's exit codes.

The package, by layer:

* :mod:`~sigcurl.transport.options` - the settings and hooks (value types);
* :mod:`~sigcurl.transport.policy` - pure decisions after each attempt
  (retry, follow, re-sign for the server's clock or the bucket's region);
* :mod:`~sigcurl.transport.errors` - network exceptions as curl's exit codes, by type;
* :mod:`~sigcurl.transport.response` - a response whose body streams;
* :mod:`~sigcurl.transport.wire` - the requests session: exact URL and
  headers, TLS/proxy settings, timeouts, this session's --resolve mapping;
* :mod:`~sigcurl.transport.send` - :class:`Transport`, the loop that applies the policy;
* :mod:`~sigcurl.transport.credential_http` - the credential providers' HTTP
  client with the user's TLS and proxy settings.

The names below are importable from ``sigcurl.transport``; the HTTP stack
(``requests``) is imported only when one of the modules that need it is
first used, so the pure policy can be imported on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sigcurl.transport.options import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    Hooks,
    RetryPolicy,
    SignFn,
    TransportOptions,
)
from sigcurl.transport.redirects import redirect_request

if TYPE_CHECKING:
    from sigcurl.transport.credential_http import credential_client
    from sigcurl.transport.errors import map_exception
    from sigcurl.transport.response import Response
    from sigcurl.transport.send import Transport

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT", "DEFAULT_READ_TIMEOUT", "Hooks", "Response", "RetryPolicy", "SignFn", "Transport",
    "TransportOptions", "credential_client", "map_exception", "redirect_request",
]

_LAZY = {
    "Transport": "sigcurl.transport.send",
    "Response": "sigcurl.transport.response",
    "map_exception": "sigcurl.transport.errors",
    "credential_client": "sigcurl.transport.credential_http",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
