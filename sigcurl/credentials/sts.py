"""The STS client: AssumeRole (signed by sigcurl's own signer) and AssumeRoleWithWebIdentity.

Endpoint, as the AWS CLI chooses it: ``AWS_ENDPOINT_URL_STS``, then
``AWS_ENDPOINT_URL``, then ``sts = endpoint_url = ...`` in the profile's
``[services NAME]`` section, then the profile's ``endpoint_url`` (all
ignored when ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` /
``ignore_configured_endpoint_urls`` is true); else the regional endpoint
``https://sts.REGION.amazonaws.com`` (``.amazonaws.com.cn`` in China), or
the global ``https://sts.amazonaws.com`` when no region is known or
``sts_regional_endpoints = legacy`` applies.  Responses are XML, parsed with
``xml.etree``; an STS error becomes a CredentialSourceError naming the
profile and the error code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sigcurl.credentials._types import parse_timestamp
from sigcurl.credentials.shared_files import SharedFiles
from sigcurl.errors import CredentialSourceError
from sigcurl.signer.types import Credentials

if TYPE_CHECKING:
    from sigcurl.credentials._http import HttpClient

STS_VERSION = "2011-06-15"
#: Connect and read timeouts for STS, in seconds.
STS_TIMEOUT = (5.0, 30.0)

_LEGACY_GLOBAL_REGIONS = frozenset(
    [
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1", "eu-central-1",
        "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    ]
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where to send a service call and which region to sign it for."""

    url: str
    signing_region: str
    configured: bool = False


@dataclass(frozen=True, slots=True)
class StsCredentials:
    """The credentials an STS call returned."""

    credentials: Credentials
    expiry: datetime
    assumed_arn: str | None = None


def configured_endpoint_url(
    service_id: str, files: SharedFiles | None, profile: str | None, environ: Mapping[str, str]
) -> str | None:
    """The endpoint URL configured for *service_id* (``sts``, ``sso``), or None.

    Order (the AWS SDKs'): ``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``,
    the profile's ``[services]`` section, the profile's ``endpoint_url``.
    """
    from sigcurl.credentials.config_endpoints import configured_endpoint

    prof = files.profile(profile) if files is not None and profile else {}
    services = files.services if files is not None and profile else {}
    found = configured_endpoint(service_id, environ, prof, services, profile or "default",
                                files.display_config if files is not None else "the config file")
    return found.url if found is not None else None


def sts_endpoint(
    files: SharedFiles | None, profile: str | None, region: str | None, environ: Mapping[str, str]
) -> Endpoint:
    """The STS endpoint for this profile and region (see the module docstring)."""
    url = configured_endpoint_url("sts", files, profile, environ)
    if url:
        return Endpoint(url, region or "us-east-1", configured=True)
    if not region or region == "aws-global":
        return Endpoint("https://sts.amazonaws.com", "us-east-1")
    mode = environ.get("AWS_STS_REGIONAL_ENDPOINTS")
    if not mode and files is not None and profile:
        mode = files.profile(profile).get("sts_regional_endpoints")
    if (mode or "regional").strip().lower() == "legacy" and region in _LEGACY_GLOBAL_REGIONS:
        return Endpoint("https://sts.amazonaws.com", "us-east-1")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return Endpoint(f"https://sts.{region}.{suffix}", region)


def assume_role(
    source: Credentials,
    endpoint: Endpoint,
    *,
    role_arn: str,
    role_session_name: str,
    external_id: str | None = None,
    duration_seconds: int | None = None,
    mfa_serial: str | None = None,
    token_code: str | None = None,
    context: str,
    now: datetime,
    http: HttpClient | None = None,
) -> StsCredentials:
    """Call AssumeRole signed with *source*; *context* names the profile for messages.

    *http* sends the call (None: the default client).
    """
    from sigcurl.signer import sign

    params: dict[str, str] = {"Action": "AssumeRole", "Version": STS_VERSION, "RoleArn": role_arn,
                              "RoleSessionName": role_session_name}
    if external_id is not None:
        params["ExternalId"] = external_id
    if duration_seconds is not None:
        params["DurationSeconds"] = str(duration_seconds)
    if mfa_serial is not None:
        params["SerialNumber"] = mfa_serial
    if token_code is not None:
        params["TokenCode"] = token_code
    body = urlencode(params).encode("ascii")
    url = endpoint.url if endpoint.url.endswith("/") else endpoint.url + "/"
    signed = sign(
        "POST",
        url,
        [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body,
        credentials=source,
        region=endpoint.signing_region,
        service="sts",
        time=now,
    )
    secrets = [source.secret_key, source.session_token or "", token_code or ""]
    return _call(signed.method, signed.url, list(signed.headers), body, "AssumeRole", role_arn, context, secrets,
                 http)


def assume_role_with_web_identity(
    endpoint: Endpoint,
    *,
    role_arn: str,
    role_session_name: str,
    web_identity_token: str,
    duration_seconds: int | None = None,
    context: str,
    http: HttpClient | None = None,
) -> StsCredentials:
    """Call AssumeRoleWithWebIdentity (unsigned: the token is the proof), through *http*."""
    params = {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": STS_VERSION,
        "RoleArn": role_arn,
        "RoleSessionName": role_session_name,
        "WebIdentityToken": web_identity_token,
    }
    if duration_seconds is not None:
        params["DurationSeconds"] = str(duration_seconds)
    body = urlencode(params).encode("ascii")
    url = endpoint.url if endpoint.url.endswith("/") else endpoint.url + "/"
    headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "*/*")]
    return _call("POST", url, headers, body, "AssumeRoleWithWebIdentity", role_arn, context, [web_identity_token],
                 http)


def _call(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    action: str,
    role_arn: str,
    context: str,
    secrets: list[str],
    http: HttpClient | None,
) -> StsCredentials:
    from sigcurl.errors import HTTPFailure

    if http is None:
        from sigcurl.credentials._http import request

        http = request
    try:
        resp = http(method, url, headers=headers, data=body, timeout=STS_TIMEOUT)
    except HTTPFailure as exc:
        raise CredentialSourceError(
            f"STS {action} for {role_arn} ({context}) failed: {exc.detail}",
            "check your network, or the STS endpoint (AWS_ENDPOINT_URL_STS, endpoint_url)",
        ) from None
    if resp.status != 200:
        code, message = _parse_error(resp.body)
        what = f"STS {action} for {role_arn} ({context}) was refused: {code or f'HTTP {resp.status}'}"
        if message:
            # The server's text is shown, but never anything we sent it as a secret.
            for secret in secrets:
                if secret:
                    message = message.replace(secret, "<redacted>")
            what += f": {message[:300]}"
        fix = {
            "AccessDenied": "check that the source credentials may assume this role (its trust policy) and the "
            "external_id / mfa_serial settings",
            "ExpiredToken": "the source credentials have expired: refresh them (aws sso login, new keys)",
            "InvalidClientTokenId": "the source access key is not valid: check the source profile's keys",
            "SignatureDoesNotMatch": "the source secret key is wrong: check the source profile's keys",
            "InvalidIdentityToken": "the web identity token was rejected: check the token file and the role's "
            "OIDC provider",
        }.get(code or "", "check the role ARN and the profile's settings")
        raise CredentialSourceError(what, fix)
    return parse_credentials_response(resp.body, action, role_arn, context)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: object, *path: str) -> object | None:
    node = root
    for name in path:
        found = None
        for child in node:  # type: ignore[attr-defined]
            if _local(child.tag) == name:
                found = child
                break
        if found is None:
            return None
        node = found
    return node


def _text(root: object, *path: str) -> str | None:
    node = _find(root, *path)
    text = getattr(node, "text", None) if node is not None else None
    return text.strip() if isinstance(text, str) else None


def _parse_error(body: bytes) -> tuple[str | None, str | None]:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None, None
    error = root if _local(root.tag) == "Error" else _find(root, "Error")
    if error is None:
        return None, None
    return _text(error, "Code"), _text(error, "Message")


def parse_credentials_response(body: bytes, action: str, role_arn: str, context: str) -> StsCredentials:
    """Parse an AssumeRole*/Response document into credentials."""
    import xml.etree.ElementTree as ET

    bad = CredentialSourceError(
        f"STS {action} for {role_arn} ({context}) returned a response sigcurl cannot read",
        "check the STS endpoint (AWS_ENDPOINT_URL_STS, endpoint_url)",
    )
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise bad from None
    result = _find(root, f"{action}Result")
    if result is None:
        raise bad
    access_key = _text(result, "Credentials", "AccessKeyId")
    secret_key = _text(result, "Credentials", "SecretAccessKey")
    token = _text(result, "Credentials", "SessionToken")
    expiry = parse_timestamp(_text(result, "Credentials", "Expiration") or "")
    if not access_key or not secret_key or expiry is None:
        raise bad
    return StsCredentials(Credentials(access_key, secret_key, token or None), expiry,
                          _text(result, "AssumedRoleUser", "Arn"))
