"""EC2 instance metadata (IMDSv2): the instance role's credentials.

``PUT /latest/api/token`` (TTL header) for a session token, then ``GET
/latest/meta-data/iam/security-credentials/`` for the role name, then the
role's credentials, each with the ``x-aws-ec2-metadata-token`` header.  When
the token PUT is refused with 403/404/405 the GETs go without a token
(IMDSv1), unless ``AWS_EC2_METADATA_V1_DISABLED`` /
``ec2_metadata_v1_disabled`` is true.  Settings as the AWS SDKs read them:
``AWS_EC2_METADATA_DISABLED=true`` skips this source;
``AWS_EC2_METADATA_SERVICE_ENDPOINT`` / ``ec2_metadata_service_endpoint``
set the endpoint, else ``AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`` /
``ec2_metadata_service_endpoint_mode`` (IPv4 or IPv6) picks
``http://169.254.169.254`` or ``http://[fd00:ec2::254]``;
``AWS_METADATA_SERVICE_TIMEOUT`` (default 1 s) and
``AWS_METADATA_SERVICE_NUM_ATTEMPTS`` (default 2: one retry) bound the GETs.
A token PUT that cannot connect or times out means "not on EC2": the
source is skipped at once, so a laptop pays one timeout at most.  Proxies
are never used.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sigcurl.credentials._types import ResolvedCredentials, check_credentials, parse_timestamp

if TYPE_CHECKING:
    from collections.abc import Callable

    from sigcurl.credentials._http import HttpReply
    from sigcurl.credentials.chain import Resolver

IPV4_ENDPOINT = "http://169.254.169.254/"
IPV6_ENDPOINT = "http://[fd00:ec2::254]/"
TOKEN_TTL_SECONDS = "21600"
_CREDS_PATH = "latest/meta-data/iam/security-credentials/"


def _number(value: str | None, default: float, kind: Callable[[str], float]) -> float:
    try:
        return kind(value) if value else default
    except ValueError:
        return default


def endpoint(r: Resolver) -> str:
    """The metadata endpoint this session would use."""
    url = r.setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint")
    if url:
        return url if url.endswith("/") else url + "/"
    mode = (r.setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode") or "ipv4")
    return IPV6_ENDPOINT if mode.strip().lower() == "ipv6" else IPV4_ENDPOINT


def from_instance_metadata(r: Resolver) -> ResolvedCredentials | None:
    """The instance role's credentials, or None when not on EC2 / no role / disabled.

    Why it found nothing is appended to ``r.tried`` for the final message.
    """
    if r.environ.get("AWS_EC2_METADATA_DISABLED", "false").strip().lower() == "true":
        r.tried.append("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")
        return None
    from sigcurl.errors import HTTPFailure

    base = endpoint(r)
    timeout = _number(r.setting("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout"), 1.0, float)
    attempts = max(1, int(_number(r.setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts"),
                                  2, int)))
    v1_disabled = (r.setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled") or "").lower() == "true"
    headers: dict[str, str] = {}
    try:
        resp = r.http("PUT", base + "latest/api/token", headers={"x-aws-ec2-metadata-token-ttl-seconds":
                                                                  TOKEN_TTL_SECONDS}, timeout=timeout,
                       use_proxies=False)
    except HTTPFailure:
        r.tried.append("instance metadata (not reachable)")
        return None
    if resp.status == 200 and resp.body:
        headers["x-aws-ec2-metadata-token"] = resp.body.decode("ascii", "replace").strip()
    elif resp.status in (403, 404, 405) and not v1_disabled:
        pass  # IMDSv1 fallback, as the SDKs do
    else:
        r.tried.append(f"instance metadata (token request answered HTTP {resp.status})")
        return None

    def get(path: str) -> HttpReply | None:
        for _ in range(attempts):
            try:
                got = r.http("GET", base + path, headers=headers, timeout=timeout, use_proxies=False)
            except HTTPFailure:
                continue
            if got.status == 200 and got.body:
                return got
        return None

    listing = get(_CREDS_PATH)
    if listing is None:
        r.tried.append("instance metadata (no instance role)")
        return None
    lines = listing.body.decode("utf-8", "replace").split()  # whitespace only: no role
    role = lines[0] if lines else ""
    if not role or "/" in role or ".." in role or not role.isprintable():
        r.tried.append("instance metadata (no instance role)")
        return None
    got = get(_CREDS_PATH + role)
    if got is None:
        r.tried.append(f"instance metadata (role {role} has no credentials)")
        return None
    try:
        data = json.loads(got.body)
        access_key, secret_key, token = data["AccessKeyId"], data["SecretAccessKey"], data["Token"]
        if not all(isinstance(v, str) and v for v in (access_key, secret_key, token)):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        r.tried.append(f"instance metadata (role {role} returned malformed credentials)")
        return None
    from sigcurl.signer.types import Credentials

    creds = check_credentials(Credentials(access_key, secret_key, token), f"instance metadata (role {role})",
                              ("AccessKeyId", "SecretAccessKey", "Token"))
    return ResolvedCredentials(creds, f"imds (instance role {role})", parse_timestamp(data.get("Expiration")), None)
