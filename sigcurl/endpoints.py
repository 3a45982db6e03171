"""Infer the SigV4 signing name and region from a URL's host.

This module owns host inference (SPEC section 3, "Inference from the host"):
given the host a user typed, say which service name and region to sign with,
whether S3's signing rules apply, and whether the endpoint needs SigV4a, so
that ``--service`` and ``--region`` are rarely needed.

How a host is read, first match wins:

1. An exact table of AWS hosts whose name does not say how they sign
   (global endpoints such as ``iam.amazonaws.com`` -> us-east-1,
   ``route53.amazonaws.com.cn`` -> cn-northwest-1, ``iam.us-gov.amazonaws.com``).
2. The data-plane table (:mod:`sigcurl.dataplanes`): host forms documented
   in the services' guides, such as Managed Prometheus (``aps``), Neptune
   (``neptune-db``), OpenSearch Serverless (``aoss``, which also requires
   ``x-amz-content-sha256``) and the RDS/MSK token hosts.
3. S3-compatible stores (Cloudflare R2, Backblaze B2, DigitalOcean Spaces,
   Wasabi), which sign as ``s3``.
4. Every S3 host form (virtual-hosted, path-style, legacy global, dash-region,
   dualstack, FIPS, access points, Object Lambda, Outposts, S3 Express,
   S3 Control, VPC endpoints, Multi-Region Access Points -> SigV4a).
5. The general AWS shapes ``[resource.]prefix[-fips][.dualstack].REGION.SUFFIX``,
   ``resource.REGION.svc.SUFFIX`` (OpenSearch ``es``/``aoss``) and VPC
   endpoint hosts ``....REGION.vpce.SUFFIX``; the endpoint prefix is mapped to
   its signing name (``bedrock-runtime`` -> ``bedrock``, ``email`` -> ``ses``).

The tables come from botocore's data files through ``scripts/gen_endpoints.py``
and live in :mod:`sigcurl._endpoint_data`; botocore is never imported here.
Unknown hosts, ``localhost`` and IP addresses give ``None``: the caller then
asks for ``--service``.  :attr:`Endpoint.how` says which of these rules
chose the service, for ``-v``.  :func:`closest`, :func:`is_known_region` and
:func:`is_known_service` let the caller warn about a likely typo.
"""

# No ``from __future__ import annotations``: typing.NamedTuple would compile
# every string annotation of Endpoint at import time.
import re
from collections.abc import Iterable
from typing import NamedTuple

from sigcurl import _endpoint_data as _data
from sigcurl import dataplanes as _planes

__all__ = [
    "HOW_GENERIC_KNOWN",
    "HOW_GENERIC_UNKNOWN",
    "HOW_S3",
    "HOW_TABLE",
    "KNOWN_REGIONS",
    "PAYLOAD_SHA256",
    "SIGNING_NAMES",
    "Endpoint",
    "closest",
    "known_services",
    "service_id",
    "infer_endpoint",
    "is_known_region",
    "is_known_service",
]

PAYLOAD_SHA256 = _planes.PAYLOAD_SHA256
"""A required header value standing for the payload's hex SHA-256 (see :attr:`Endpoint.required_headers`)."""

HOW_TABLE = "table"
HOW_S3 = "s3 form"
HOW_GENERIC_KNOWN = "generic SERVICE.REGION.amazonaws.com shape, service part is a known signing name"
HOW_GENERIC_UNKNOWN = "generic shape, service part NOT a known signing name"

KNOWN_REGIONS: tuple[str, ...] = _data.REGIONS
"""Every AWS region in botocore's partition data, sorted (no ``*-global`` pseudo-regions)."""

SIGNING_NAMES: tuple[str, ...] = _data.SIGNING_NAMES
"""Every SigV4 signing name known from botocore's data, sorted."""

_S3_SIGNING_NAMES = frozenset({"s3", "s3-object-lambda", "s3-outposts", "s3express"})
_REGION_SET = frozenset(KNOWN_REGIONS)
_SIGNING_SET = frozenset(SIGNING_NAMES)
# Documented signing names that are in neither botocore's data nor the data-plane
# table's rows: MQTT over WebSocket to an IoT data endpoint.
_EXTRA_SIGNING_NAMES = frozenset({"iotdevicegateway"})
# The partitions' own region patterns, for regions newer than the data.
_REGION_RE = re.compile(_data.REGION_PATTERN)

# A resource label in front of these prefixes changes the signing name:
# ``abcd1234-ats.iot.REGION`` is an account's IoT data endpoint.
_PREFIX_WITH_RESOURCE = {"iot": "iotdata"}

# S3 service labels with no region in them -> signing name.
_S3_LABELS = {
    "s3": "s3",
    "s3-fips": "s3",
    "s3-accelerate": "s3",
    "s3-global": "s3",
    "s3-website": "s3",
    "s3-accesspoint": "s3",
    "s3-accesspoint-fips": "s3",
    "s3-control": "s3",
    "s3-control-fips": "s3",
    "s3-object-lambda": "s3-object-lambda",
    "s3-object-lambda-fips": "s3-object-lambda",
    "s3-outposts": "s3-outposts",
    "s3-outposts-fips": "s3-outposts",
    "s3express-control": "s3express",
    "s3express-control-fips": "s3express",
}


class Endpoint(NamedTuple):
    """How to sign for one host."""

    service: str
    """The SigV4 signing name, e.g. ``"s3"``, ``"execute-api"``, ``"bedrock"``."""
    region: str | None
    """None when the host does not say (caller then uses env/profile, else us-east-1)."""
    s3: bool = False
    """S3 signing rules apply (s3, s3-outposts, s3-object-lambda, s3express)."""
    sigv4a: bool = False
    """The endpoint requires SigV4a (S3 Multi-Region Access Points); region is then ``"*"``."""
    s3_compatible: str | None = None
    """The non-AWS S3 store, e.g. ``"r2"``, ``"b2"``, ``"spaces"``, ``"wasabi"``, ``"minio"``."""
    required_headers: tuple[tuple[str, str], ...] = ()
    """Headers the service requires on every request, as (lower-case name, value).
    The value :data:`PAYLOAD_SHA256` means the payload's hex SHA-256 (OpenSearch
    Serverless: ``x-amz-content-sha256``); others are literal (VPC Lattice:
    ``x-amz-content-sha256: UNSIGNED-PAYLOAD``; Glacier: ``x-amz-glacier-version``)."""
    how: str = ""
    """How the service was chosen, for ``-v``: :data:`HOW_TABLE`, ``"data plane: FAMILY (FORM)"``,
    :data:`HOW_S3`, ``"S3-compatible store (NAME)"``, :data:`HOW_GENERIC_KNOWN` or
    :data:`HOW_GENERIC_UNKNOWN` (the service is a guess: say so, suggest ``--service``)."""


def infer_endpoint(host: str) -> Endpoint | None:
    """Return how to sign for ``host``, or None when the host is not recognised.

    ``host`` is the URL's host, in any case, optionally with a ``:port`` and a
    trailing dot. Never raises.
    """
    local = _minio(host)
    if local is not None:
        return local
    h = _normalize(host)
    if h is None:
        return None
    exact = _data.HOSTS.get(h)
    if exact is not None:
        return _endpoint(*exact, how=HOW_TABLE)
    return _dataplane(h) or _parse(h)


def _dataplane(h: str) -> Endpoint | None:
    """A host form from the data-plane table, if ``h`` is one."""
    found = _planes.match(h)
    if found is None:
        return None
    row, region = found.row, found.region
    if region is not None and not _is_region(region):
        return None
    if row.region is not None:
        region = row.region
    service = row.service
    if not service:  # an interface VPC endpoint: the service part is an endpoint prefix
        prefix = (found.prefix or "").removesuffix("-fips")
        service = _data.PREFIXES.get(prefix, prefix)
    return Endpoint(service, region, service in _S3_SIGNING_NAMES, row.sigv4a, None, row.headers,
                    f"data plane: {row.family} ({row.form})")


MINIO_PORT = "9000"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})


def _minio(host: str) -> Endpoint | None:
    """MinIO's default address (a loopback host on port 9000) signs as S3 in us-east-1."""
    name, sep, port = host.strip().lower().rpartition(":")
    if sep and port == MINIO_PORT and name.rstrip(".") in _LOOPBACK:
        return Endpoint("s3", "us-east-1", True, False, "minio", how="S3-compatible store (minio)")
    return None


def _normalize(host: str) -> str | None:
    """Lower-case, drop the port and a trailing dot; None for IPv6 literals and junk."""
    h = host.strip().lower()
    if h.startswith("["):  # IPv6 literal
        return None
    if ":" in h:
        h, _, port = h.partition(":")
        if ":" in port:  # bare IPv6
            return None
    h = h.rstrip(".")
    if "." not in h:
        return None
    return h


def _endpoint(service: str, region: str | None, sigv4a: bool = False, how: str = "") -> Endpoint:
    if not how:
        how = HOW_GENERIC_KNOWN if service in _SIGNING_SET else HOW_GENERIC_UNKNOWN
    return Endpoint(service, region, service in _S3_SIGNING_NAMES, sigv4a, how=how)


def _is_region(label: str) -> bool:
    return label in _REGION_SET or _REGION_RE.fullmatch(label) is not None


def _parse(h: str) -> Endpoint | None:
    """Infer from the host's shape (everything but the exact table)."""
    compatible = _s3_compatible(h)
    if compatible is not None:
        return compatible
    labels = _aws_labels(h)
    if labels is None:
        return None
    return _parse_s3(labels) or _parse_aws(labels)


def _aws_labels(h: str) -> list[str] | None:
    """The labels of an AWS host in front of its DNS suffix, else None."""
    for suffix in _data.DNS_SUFFIXES:  # longest first
        if h.endswith(suffix) and h[-len(suffix) - 1 : -len(suffix)] == ".":
            labels = h[: -len(suffix) - 1].split(".")
            return None if "" in labels else labels
    return None


def _parse_s3(labels: list[str]) -> Endpoint | None:
    """S3 host forms, found by the rightmost S3 service label."""
    if labels[-2:] == ["accesspoint", "s3-global"] and len(labels) > 2:
        # alias.mrap.accesspoint.s3-global: Multi-Region Access Point, SigV4a.
        return Endpoint("s3", "*", s3=True, sigv4a=True, how=HOW_S3)
    for i in range(len(labels) - 1, -1, -1):
        found = _s3_label(labels[i])
        if found is not None:
            break
    else:
        return None
    service, region = found
    rest = labels[i + 1 :]
    if rest[:1] == ["dualstack"]:
        rest = rest[1:]
    if rest[-1:] == ["vpce"]:  # bucket.vpce-0abc.s3.REGION.vpce.amazonaws.com
        rest = rest[:-1]
    if len(rest) == 1 and region is None and _is_region(rest[0]):
        region = rest[0]
    elif rest:
        return None
    return Endpoint(service, region, s3=True, how=HOW_S3)


def _s3_label(label: str) -> tuple[str, str | None] | None:
    """(signing name, region named in the label) if ``label`` names an S3 endpoint."""
    if not label.startswith("s3"):
        return None
    service = _S3_LABELS.get(label)
    if service is not None:
        return service, None
    if label == "s3-external-1":
        return "s3", "us-east-1"
    if label.startswith("s3express-"):  # zonal: s3express-[fips-]use1-az4
        return "s3express", None
    for head in ("s3-website-", "s3-"):
        if label.startswith(head) and _is_region(label[len(head) :]):
            return "s3", label[len(head) :]  # legacy dash form s3-REGION
    return None


def _parse_aws(labels: list[str]) -> Endpoint | None:
    """``[resource.]prefix.REGION``, ``prefix.REGION.vpce`` and ``resource.REGION.svc``."""
    split = _split_aws(labels)
    if split is None:
        return None
    before, region, after = split
    if after is not None:
        # domain.REGION.es.amazonaws.com, collection.REGION.aoss..., ...
        return _endpoint(_data.PREFIXES.get(after, after), region)
    for k in range(len(before), 0, -1):
        prefix = ".".join(before[-k:])
        service = _data.PREFIXES.get(prefix)
        if service is not None:
            if k < len(before):
                service = _PREFIX_WITH_RESOURCE.get(prefix, service)
            return _endpoint(service, region)
    # A prefix newer than the data: it is the signing name more often than not.
    return _endpoint(before[-1], region)


def _split_aws(labels: list[str]) -> tuple[list[str], str, str | None] | None:
    """Split a host's labels (DNS suffix removed) around the region.

    Returns (labels before the region without ``fips``/``dualstack`` markers,
    region, service label after the region or None).
    """
    after = None
    if _is_region(labels[-1]):
        region, before = labels[-1], labels[:-1]
    elif len(labels) >= 3 and _is_region(labels[-2]):
        region, before = labels[-2], labels[:-2]
        if labels[-1] != "vpce":  # else an interface VPC endpoint: ....svc.REGION.vpce
            after = labels[-1]
    else:
        return None
    if before[-1:] == ["dualstack"]:
        before = before[:-1]
    if before[:1] == ["fips"]:  # fips.batch.REGION
        before = before[1:]
    if not before:
        return None
    return [label.removesuffix("-fips") for label in before], region, after


def _s3_compatible(h: str) -> Endpoint | None:
    """Non-AWS S3 stores, which sign as ``s3``."""
    if h.endswith(".r2.cloudflarestorage.com"):
        return Endpoint("s3", "auto", s3=True, s3_compatible="r2", how="S3-compatible store (r2)")
    for suffix, name in (  # noqa: B007 - the matching name is used after the loop
        (".backblazeb2.com", "b2"),
        (".wasabisys.com", "wasabi"),
        (".digitaloceanspaces.com", "spaces"),
    ):
        if h.endswith(suffix):
            labels = h[: -len(suffix)].split(".")
            break
    else:
        return None
    region: str | None
    if name == "spaces":  # [bucket.]REGION.digitaloceanspaces.com
        region = labels[-1]
        if region == "cdn" or not region:
            return None
    else:  # [bucket.]s3[.REGION].backblazeb2.com / wasabisys.com
        if labels[-1] == "s3":
            if name == "b2":
                return None
            region = "us-east-1"  # s3.wasabisys.com
        elif len(labels) >= 2 and labels[-2] == "s3" and labels[-1]:
            region = labels[-1]
        else:
            return None
    return Endpoint("s3", region, s3=True, s3_compatible=name, how=f"S3-compatible store ({name})")


def json_content_type(service: str) -> str | None:
    """``application/x-amz-json-1.0``/``-1.1`` for a service that speaks the AWS JSON protocol."""
    version = _data.JSON_VERSIONS.get(service)
    return f"application/x-amz-json-{version}" if version else None


def is_known_region(region: str) -> bool:
    """True if ``region`` is in botocore's partition data (a new region may not be yet)."""
    return region in _REGION_SET


def is_known_service(service: str) -> bool:
    """True if ``service`` is a signing name from botocore's data or the data-plane table."""
    return service in _SIGNING_SET or service in _EXTRA_SIGNING_NAMES or service in _planes.signing_names()


def service_id(signing_name: str) -> str:
    """The service ID in snake case for a signing name, as ``AWS_ENDPOINT_URL_<SERVICE>`` and the
    config's ``services`` sections name it (``dynamodb``, ``api_gateway``); unknown names as given."""
    known = _data.SERVICE_IDS.get(signing_name)
    if signing_name in _S3_SIGNING_NAMES and signing_name != "s3-outposts":
        known = "s3"
    return known or signing_name.replace("-", "_")


def known_services() -> list[str]:
    """Every signing name :func:`is_known_service` accepts, botocore's first (for :func:`closest`)."""
    extra = sorted((set(_EXTRA_SIGNING_NAMES) | set(_planes.signing_names())) - _SIGNING_SET)
    return [*SIGNING_NAMES, *extra]


def closest(value: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` entries of ``known`` a typo of ``value`` may have meant, closest first
    (none if ``value`` is itself in ``known``).

    Closeness is the optimal-string-alignment distance (insertions, deletions,
    substitutions, adjacent swaps); at most a third of ``value``'s length (and
    at least 1) may differ.  Ties keep ``known``'s order.  ``difflib`` is not
    used: importing it costs more than a typical lookup here.
    """
    candidates = list(known)
    if value in candidates:
        return []  # not a typo
    folded = value.lower()
    limit = max(1, len(value) // 3)
    scored = []
    for index, candidate in enumerate(candidates):
        if abs(len(candidate) - len(value)) > limit:
            continue
        distance = _distance(folded, candidate.lower(), limit)
        if distance <= limit:
            scored.append((distance, index, candidate))
    scored.sort()
    return [candidate for _, _, candidate in scored[:n]]


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]
