"""Which service, region and algorithm a request is signed for: the one precedence rule.

Used by the command's transfers, ``--whoami`` and the library's
:class:`sigcurl.SigV4Auth` alike.  Pure: the configured region (environment,
then profile) is passed in as a function, called only when nothing before
it decides, so the files are read only when needed.

Precedence (SPEC section 3 and 4):

* service: ``--service``, else what the host says (:mod:`sigcurl.endpoints`),
  else an error asking for ``--service``;
* algorithm: SigV4a with ``--sigv4a``, ``--region-set``, or a host that
  needs it (S3 Multi-Region Access Points); SigV4 otherwise;
* region (SigV4): ``--region``, else the host's, else the configured
  region (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's ``region``),
  else ``us-east-1`` (``assumed_region`` says so, for ``-v``);
* region set (SigV4a): ``--region-set``, else the configured region set
  (``AWS_SIGV4A_SIGNING_REGION_SET``, the profile's
  ``sigv4a_signing_region_set``: the AWS CLI's setting), else ``--region``,
  else ``*``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from sigcurl.errors import SigningConfigError

if TYPE_CHECKING:
    from sigcurl.endpoints import Endpoint

DEFAULT_REGION = "us-east-1"
SIGV4, SIGV4A = "sigv4", "sigv4a"


class Scope(NamedTuple):
    """What one request is signed for."""

    service: str
    region: str  # the region, or the region set with SigV4a
    algorithm: str  # SIGV4 or SIGV4A
    endpoint: Endpoint | None  # what the host said (None: not an AWS host sigcurl knows)
    assumed_region: bool = False  # nothing said which region: us-east-1 was assumed


def resolve_scope(
    host: str,
    *,
    service: str | None = None,
    region: str | None = None,
    sigv4a: bool = False,
    region_set: str | None = None,
    configured_region: Callable[[], str | None] = lambda: None,
    configured_region_set: Callable[[], str | None] = lambda: None,
) -> Scope:
    """The scope for a request to ``host`` (``[userinfo@]host[:port]``; the signed Host).

    ``service``, ``region``, ``sigv4a`` and ``region_set`` are the user's
    explicit choices (flags or constructor arguments), already checked.
    Raises :class:`~sigcurl.errors.SigningConfigError` when no service can be told.
    """
    from sigcurl.endpoints import infer_endpoint

    bare = host.rpartition("@")[2]
    endpoint = infer_endpoint(bare)
    name = service or (endpoint.service if endpoint is not None else None)
    if name is None:
        raise SigningConfigError(
            f"cannot tell which AWS service {bare} is", "pass --service NAME (e.g. --service execute-api, --service s3)"
        )
    if sigv4a or region_set or (endpoint is not None and endpoint.sigv4a):
        return Scope(name, region_set or configured_region_set() or region or "*", SIGV4A, endpoint)
    chosen = region or (endpoint.region if endpoint is not None else None) or configured_region()
    if chosen:
        return Scope(name, chosen, SIGV4, endpoint)
    return Scope(name, DEFAULT_REGION, SIGV4, endpoint, assumed_region=True)
