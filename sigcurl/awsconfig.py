"""The AWS CLI's configuration applied to one transfer, and the host's requirements.

What an AWS CLI user's setup says beyond credentials: the configured endpoint
URL (``AWS_ENDPOINT_URL*``, ``endpoint_url``, ``services`` sections; the
precedence is :mod:`sigcurl.credentials.config_endpoints`), the CA bundle
(``AWS_CA_BUNDLE``, ``ca_bundle``), the retry settings (``AWS_MAX_ATTEMPTS``,
``AWS_RETRY_MODE``; decided by :func:`sigcurl.transport.policy.aws_retries`);
the headers a host's service requires (:attr:`Endpoint.required_headers`), how
the service was told (``-v``).  Imports nothing heavy at module level (``--sign-only``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigcurl.errors import SigcurlError, UsageError
from sigcurl.spec import SEND

if TYPE_CHECKING:
    from sigcurl.curlopts import HttpRequest
    from sigcurl.output.stderr import Stderr
    from sigcurl.scope import Scope
    from sigcurl.session import Session
    from sigcurl.spec import TransferSpec


def unsigned_scope(host: str, service: str | None, region: str | None) -> Scope:
    """``--no-sign-request``: what the host says (it still shapes S3 and JSON requests), never an error."""
    from sigcurl.endpoints import infer_endpoint
    from sigcurl.scope import SIGV4, Scope

    endpoint = infer_endpoint(host.rpartition("@")[2])
    return Scope(service or (endpoint.service if endpoint else ""), region or "", SIGV4, endpoint)


def required_headers(headers: list[tuple[str, str]], scope: Scope) -> tuple[list[tuple[str, str]], bool | None]:
    """The headers the host's service requires (:attr:`Endpoint.required_headers`), added when not given.

    Returns the headers and ``content_sha256_header`` for the signer: True when the
    service wants ``x-amz-content-sha256`` (OpenSearch Serverless), else None (the
    service's default).  A header the user gave with -H is kept as given.
    """
    from sigcurl.endpoints import PAYLOAD_SHA256

    endpoint = scope.endpoint
    if endpoint is None or not endpoint.required_headers:
        return headers, None
    sha256_header: bool | None = None
    given = {n.lower() for n, _ in headers}
    added = list(headers)
    for name, value in endpoint.required_headers:
        if value == PAYLOAD_SHA256:
            sha256_header = True
        elif name.lower() not in given:
            added.append((name, value))
    return added, sha256_header


def aws_retry(spec: TransferSpec, session: Session, service: str) -> TransferSpec:
    """Without ``--retry``: the AWS CLI's ``AWS_MAX_ATTEMPTS``/``max_attempts`` and
    ``AWS_RETRY_MODE``/``retry_mode`` (environment first), decided by :func:`policy.aws_retries`
    and applied as botocore does for requests to *service* (a signing name)."""
    retry = spec.transport.retry
    if retry.given or spec.signing.mode != SEND:
        return spec
    from sigcurl.transport.aws_retry_rules import for_service
    from sigcurl.transport.policy import aws_retries

    environ = session.env.environ
    mode, attempts = environ.get("AWS_RETRY_MODE"), environ.get("AWS_MAX_ATTEMPTS")
    if not (mode and attempts):
        files = session.shared_files()
        if files is not None:
            from sigcurl.credentials.chain import pick_profile

            keys = files.profile(pick_profile(spec.signing.credentials.profile, environ)[0])
            mode, attempts = mode or keys.get("retry_mode"), attempts or keys.get("max_attempts")
    try:
        found = aws_retries(mode, attempts)
    except ValueError as exc:  # name the setting where the user wrote it: the variable, or the profile's key
        what = str(exc)
        for env_name, key in (("AWS_RETRY_MODE", "retry_mode"), ("AWS_MAX_ATTEMPTS", "max_attempts")):
            if environ.get(env_name) and what.startswith(key):
                what = env_name + what[len(key):]
        raise UsageError(what, "set AWS_RETRY_MODE/retry_mode to legacy, standard or adaptive, "
                               "and AWS_MAX_ATTEMPTS/max_attempts to a whole number of attempts >= 1") from None
    if found is None:
        return spec
    retry = for_service(retry._replace(retries=found[1], aws_mode=found[0], aws_default_attempts=not attempts), service)
    return spec._replace(transport=spec.transport._replace(retry=retry))


def ca_bundle(spec: TransferSpec, session: Session) -> TransferSpec:
    """``--cacert``, else ``AWS_CA_BUNDLE``, else the profile's ``ca_bundle`` (as the AWS CLI):
    the CA bundle of the request and of the credential calls (they take the request's options)."""
    t = spec.transport
    if t.cacert or t.insecure or spec.signing.mode != SEND:
        return spec
    bundle = session.env.environ.get("AWS_CA_BUNDLE")
    if not bundle:
        from sigcurl.credentials.chain import pick_profile

        files = session.shared_files()
        name, _ = pick_profile(spec.signing.credentials.profile, session.env.environ)
        bundle = files.profile(name).get("ca_bundle") if files is not None else None
    if not bundle:
        return spec
    import os

    bundle = os.path.expanduser(bundle)
    if not os.path.isfile(bundle):
        from sigcurl.errors import ExitCode

        raise SigcurlError(f"cannot read the CA bundle {bundle}", "check AWS_CA_BUNDLE or the profile's ca_bundle",
                           exit_code=ExitCode.CA_CERT)
    return spec._replace(transport=t._replace(cacert=bundle))


def configured_endpoint(spec: TransferSpec, session: Session, scope: Scope, req: HttpRequest, err: Stderr) -> HttpRequest:
    """The AWS CLI's configured endpoint URL (``AWS_ENDPOINT_URL*``, the profile's ``endpoint_url``,
    ``services`` sections) for the request's service: sent there, signed for the inferred scope.

    Applies to AWS hosts sigcurl recognises (not S3-compatible stores, not with
    ``--sign-host``).  The endpoint's scheme, host, port and base path replace
    the URL's; the URL's path and query are kept, so the Host signed is the
    endpoint's (what the server checks).  An S3 virtual-hosted bucket moves
    into the path (path-style: what LocalStack, moto and MinIO all accept).
    """
    endpoint = scope.endpoint
    if endpoint is None or endpoint.s3_compatible or spec.signing.sign_host:
        return req
    from sigcurl.endpoints import service_id

    found = session.configured_endpoint(spec.signing.credentials.profile, service_id(scope.service))
    if found is None:
        return req
    from urllib.parse import urlsplit

    from sigcurl.curlopts import wire_url

    base = urlsplit(wire_url(found.url))
    url = urlsplit(req.url)
    path = url.path or "/"
    if endpoint.s3:
        bucket = s3_bucket(url.hostname or "")
        if bucket:
            path = f"/{bucket}{path}"
    new = f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{path}" + (f"?{url.query}" if url.query else "")
    if spec.output.verbose:
        err.write(f"* sending to {found.url} ({found.source}): {new}\n")
    return req._replace(url=new)


def s3_bucket(host: str) -> str | None:
    """The bucket of an S3 virtual-hosted host (``b.s3.us-east-1.amazonaws.com``), else None."""
    for marker in (".s3.", ".s3-", ".s3express-"):
        at = host.find(marker)
        if at > 0:
            return host[:at]
    return None


def say_how(scope: Scope, given: bool, err: Stderr) -> None:
    """``-v``: one line saying how the host's service was told (a guess says how to override it)."""
    from sigcurl.endpoints import HOW_GENERIC_UNKNOWN

    endpoint = scope.endpoint
    if endpoint is None:
        err.write(f"* service {scope.service} from --service (the host is not one sigcurl knows)\n")
    elif given:
        err.write(f"* service {scope.service} from --service (the host says: {endpoint.how})\n")
    elif endpoint.how == HOW_GENERIC_UNKNOWN:
        err.write(f"* service {scope.service}: {endpoint.how}; a guess, pass --service NAME if it is wrong\n")
    else:
        err.write(f"* service {scope.service}: {endpoint.how}\n")
