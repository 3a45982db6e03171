"""The AWS CLI's configured endpoint URLs: which one applies to a service (pure).

The precedence is botocore's ``ConfiguredEndpointProvider`` (and the AWS SDKs
reference guide, "Service-specific endpoints"):

1. nothing when ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` (else the profile's
   ``ignore_configured_endpoint_urls``) is ``true``;
2. ``AWS_ENDPOINT_URL_<SERVICE>`` -- ``<SERVICE>`` is the service ID
   upper-cased with spaces as underscores (``DYNAMODB``, ``API_GATEWAY``), not
   the signing name;
3. ``AWS_ENDPOINT_URL``;
4. the ``endpoint_url`` of the service's block in the ``[services NAME]``
   section the profile names with ``services = NAME``;
5. the profile's ``endpoint_url``.

Used for the requests the command sends and for sigcurl's own STS and SSO calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from sigcurl.errors import CredentialSourceError


class ConfiguredEndpoint(NamedTuple):
    """An endpoint URL the configuration gives, and where it came from (for ``-v``)."""

    url: str
    source: str


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


def configured_endpoint(
    service_id: str,
    environ: Mapping[str, str],
    profile: Mapping[str, str],
    services: Mapping[str, Mapping[str, object]],
    profile_name: str = "default",
    config_file: str = "the config file",
) -> ConfiguredEndpoint | None:
    """The configured endpoint URL for the service whose snake-case service ID is ``service_id``.

    ``profile`` is the profile's keys, ``services`` the config file's
    ``[services NAME]`` sections.  Raises :class:`CredentialSourceError` when the
    profile names a services section that does not exist (as botocore does).
    """
    ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if _true(ignore) or (ignore is None and _true(profile.get("ignore_configured_endpoint_urls"))):
        return None
    name = f"AWS_ENDPOINT_URL_{service_id.upper()}"
    if environ.get(name):
        return ConfiguredEndpoint(environ[name], name)
    if environ.get("AWS_ENDPOINT_URL"):
        return ConfiguredEndpoint(environ["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL")
    section_name = profile.get("services")
    if section_name:
        section = services.get(section_name)
        if not section:
            raise CredentialSourceError(
                f'profile "{profile_name}" names services section "{section_name}", which does not exist in {config_file}',
                f"add [services {section_name}] to {config_file} or remove services = from the profile",
            )
        block = section.get(service_id.lower())
        url = block.get("endpoint_url") if isinstance(block, Mapping) else None
        if isinstance(url, str) and url:
            return ConfiguredEndpoint(url, f"[services {section_name}] {service_id.lower()} endpoint_url")
    if profile.get("endpoint_url"):
        return ConfiguredEndpoint(profile["endpoint_url"], f'profile "{profile_name}" endpoint_url')
    return None

