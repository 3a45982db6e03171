"""The rules of the curl options people paste into AWS command lines (a part of :mod:`sigcurl.options`).

:mod:`sigcurl.options` calls these while it compiles an option set; they
check values and combinations and return typed pieces, raising a one-line
:class:`~sigcurl.errors.SigcurlError` for anything curl would refuse (or
that would not mean the same thing here).  Kept apart only for size.

* ``--aws-sigv4 aws:amz[:REGION[:SERVICE]]`` (curl 7.75's syntax; the
  providers case-insensitive, empty or missing parts inferred from the host)
  and ``-u/--user KEY:SECRET[:TOKEN]`` as the credentials, with an
  ``x-amz-security-token`` header given with ``-H`` as their session token;
* ``-e``, ``-r``, ``-C``, ``--etag-compare``: request headers;
* ``--cert``/``--key``/``--cert-type``/``--key-type``/``--pass``,
  ``--tlsv1.2``/``--tlsv1.3``/``--tls-max`` and the HTTP versions.

Never echoes a secret: a bad ``-u`` is described, not shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sigcurl.errors import ExitCode, ReadError, SigcurlError, UsageError
from sigcurl.spec import RESUME_AUTO

_TOKEN_HEADER = "x-amz-security-token"
_RANGE_CHARS = frozenset("0123456789-,")


class AwsAuth(NamedTuple):
    """What ``--aws-sigv4`` and ``-u`` say: scope overrides, keys, and the -H headers left to send."""

    region: str | None
    service: str | None
    access_key: str | None
    secret_key: str | None
    session_token: str | None
    headers: tuple[str, ...]


def aws_auth(o: Mapping[str, Any]) -> AwsAuth:
    """``--aws-sigv4`` and ``-u``: curl's syntax turned into scope overrides and explicit credentials."""
    provider, user, headers = o.get("aws_sigv4"), o.get("user"), tuple(o.get("headers") or ())
    if provider is None:
        if user is not None:
            raise UsageError("-u/--user without --aws-sigv4: sigcurl signs requests and does not send Basic auth",
                             "add --aws-sigv4 aws:amz to sign with KEY:SECRET, or drop -u to use your AWS credentials")
        return AwsAuth(None, None, None, None, None, headers)
    region, service = parse_aws_sigv4(provider)
    if user is None:
        return AwsAuth(region, service, None, None, None, headers)  # the full credential chain
    if any(o.get(k) is not None for k in ("access_key", "secret_key", "session_token", "profile")):
        raise UsageError("-u/--user cannot be combined with --access-key, --secret-key, --session-token or --profile",
                         "give the credentials one way")
    key, sep, rest = user.partition(":")
    secret, _, token = rest.partition(":")
    if not key or not sep or not secret:
        raise UsageError("-u/--user needs KEY:SECRET (or KEY:SECRET:TOKEN) with --aws-sigv4",
                         "pass the access key id and the secret access key separated by ':'")
    for value, what in ((key, "access key"), (secret, "secret key"), (token, "session token")):
        if any(ord(c) < 0x21 or ord(c) > 0x7E for c in value):  # never echo the value: it is a secret
            raise UsageError(f"the {what} in -u/--user contains spaces, control or non-ASCII characters",
                             "check the value given to -u")
    kept, header_token = _token_header(headers)
    if token and header_token is not None and header_token != token:
        raise UsageError("two different session tokens: in -u KEY:SECRET:TOKEN and in -H x-amz-security-token",
                         "give the session token once")
    return AwsAuth(region, service, key, secret, token or header_token or None, kept)


def parse_aws_sigv4(value: str) -> tuple[str | None, str | None]:
    """``aws:amz[:REGION[:SERVICE]]`` -> (region, service); None where a part is missing or empty.

    curl upper-cases the first provider (``AWS4-HMAC-SHA256``) and
    lower-cases the second (``x-amz-date``), so ``AWS:AMZ`` is the same;
    any other provider signs for another cloud, which sigcurl does not.
    """
    parts = value.split(":")
    providers = [p.lower() for p in parts[:2]]
    if providers != ["aws", "amz"]:
        if providers == ["aws"]:
            raise UsageError(f"--aws-sigv4 {value!r} names one provider (curl would send X-Aws-Date, which AWS rejects)",
                             "write --aws-sigv4 aws:amz (optionally aws:amz:REGION:SERVICE)")
        raise UsageError(f"--aws-sigv4 {value!r}: sigcurl signs for AWS only",
                         "write --aws-sigv4 aws:amz[:REGION[:SERVICE]]")
    if len(parts) > 4:
        raise UsageError(f"--aws-sigv4 {value!r} has more than four parts",
                         "write aws:amz:REGION:SERVICE, e.g. aws:amz:us-east-1:execute-api")
    region = parts[2] if len(parts) > 2 and parts[2] else None
    service = parts[3] if len(parts) > 3 and parts[3] else None
    return region, service


def _token_header(headers: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """The -H arguments without ``x-amz-security-token``, and its value (the last one given)."""
    kept: list[str] = []
    token: str | None = None
    for h in headers:
        name, colon, value = h.partition(":")
        if colon and name.strip().lower() == _TOKEN_HEADER and value.strip():
            token = value.strip()
        else:
            kept.append(h)
    return tuple(kept), token


def referer(value: str | None) -> str | None:
    """``-e URL``: the Referer to send; curl's ``;auto`` suffix is dropped (``;auto`` alone sends none)."""
    if value is None:
        return None
    if value.endswith(";auto"):
        value = value[: -len(";auto")]
    return value or None


def byte_range(value: str | None, warn: Any) -> str | None:
    """``-r RANGE``: sent as ``Range: bytes=RANGE``; curl warns about (and still sends) other characters."""
    if value is None:
        return None
    if not value or any(c in "\r\n\x00" for c in value):
        raise UsageError(f"bad -r/--range {value!r}", "use START-END, START-, -SUFFIX or a comma-separated list, e.g. 0-499")
    if value[0].isdigit() and "-" not in value:  # curl: a range must have a dash; "500" (or "500,600") is "500-"
        if warn is not None:
            warn(f"sigcurl: warning: -r {value!r} has no '-'; asking for the bytes from {_leading_digits(value)} on")
        return f"{_leading_digits(value)}-"
    if warn is not None and not _RANGE_CHARS.issuperset(value):
        warn(f"sigcurl: warning: -r {value!r} has characters other than digits, '-' and ','; the server's answer is uncertain")
    return value


def _leading_digits(value: str) -> int:
    """The number ``value`` starts with (curl reads it with strtoll)."""
    end = 0
    while end < len(value) and value[end].isdigit():
        end += 1
    return int(value[:end])


def continue_at(value: str | None) -> int | None:
    """``-C OFFSET`` (bytes) or ``-C -`` (:data:`RESUME_AUTO`: the output file's size)."""
    if value is None:
        return None
    if value == "-":
        return RESUME_AUTO
    if not value.isdigit():
        raise UsageError(f"bad -C/--continue-at {value!r}", "use a byte offset, or - to continue from the size of the -o file")
    return int(value)


def etag_compare(path: str | None) -> str | None:
    """``--etag-compare FILE``: the ETag stored in FILE; curl fails with 26 when FILE cannot be read.

    As curl reads it: its lines joined, each cut at its first CR or LF (an
    empty file sends ``If-None-Match: ""``).
    """
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            text = f.read(65536)
    except OSError as exc:
        raise ReadError(f"cannot read --etag-compare {path}: {exc.strerror or exc}",
                        "save an ETag first with --etag-save FILE") from None
    etag = b"".join(line.split(b"\r", 1)[0] for line in text.split(b"\n"))
    return etag.strip().decode("latin-1") or '""'


class ClientCert(NamedTuple):
    """The mutual-TLS client certificate: PEM files and the key's password."""

    cert: str | None
    key: str | None
    password: str | None


def client_cert(o: Mapping[str, Any], check_files: bool) -> ClientCert:
    """``--cert FILE[:PASSWORD]``, ``--key``, ``--cert-type``, ``--key-type``, ``--pass`` (PEM only)."""
    cert, key, password = o.get("cert"), o.get("key"), o.get("pass_")
    for flag, kind in (("--cert-type", o.get("cert_type")), ("--key-type", o.get("key_type"))):
        if kind is not None and kind.upper() != "PEM":
            raise SigcurlError(
                f"{flag} {kind.upper()} is not supported: sigcurl reads PEM files",
                "convert it: openssl pkcs12 -in cert.p12 -out cert.pem -nodes (P12), openssl x509 -inform der ... (DER)",
                exit_code=ExitCode.CLIENT_CERT,
            )
    if cert is not None:
        cert, from_cert = split_cert_password(cert)
        password = password if password is not None else from_cert
    if key is not None and cert is None:
        raise UsageError("--key needs --cert", "give the client certificate with --cert FILE")
    if check_files:
        for flag, path in (("--cert", cert), ("--key", key)):
            if path is not None and not os.path.isfile(path):
                raise SigcurlError(f"cannot read {flag} {path}", "give a PEM file", exit_code=ExitCode.CLIENT_CERT)
    return ClientCert(cert, key, password)


def split_cert_password(value: str) -> tuple[str, str | None]:
    """curl's ``--cert FILE:PASSWORD``: the first colon not escaped with ``\\`` (``C:\\`` drive letters kept)."""
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in ":\\":
            out.append(value[i + 1])
            i += 2
            continue
        if c == ":" and not (i == 1 and value[0].isalpha() and value[2:3] in ("\\", "/")):
            return "".join(out), value[i + 1 :]
        out.append(c)
        i += 1
    return "".join(out), None


_TLS_VERSIONS = ("1.2", "1.3")


def tls_versions(o: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(minimum, maximum) TLS version from ``--tlsv1.2``/``--tlsv1.3`` and ``--tls-max``."""
    low = "1.3" if o.get("tlsv1_3") else "1.2" if o.get("tlsv1_2") else None
    high = o.get("tls_max")
    if high is not None:
        if high == "default":
            high = None
        elif high not in ("1.0", "1.1", *_TLS_VERSIONS):
            raise UsageError(f"bad --tls-max {high!r}", "use 1.2, 1.3 or default")
        elif high in ("1.0", "1.1"):
            raise UsageError(f"--tls-max {high}: TLS below 1.2 is not supported", "AWS endpoints need TLS 1.2 or later: use 1.2 or 1.3")
    if low is not None and high is not None and low > high:
        raise UsageError(f"--tlsv{low} with --tls-max {high}: no TLS version is left", "raise --tls-max or lower the minimum")
    return low, high


def http_version(o: Mapping[str, Any]) -> None:
    """``--http1.1`` is what is sent; HTTP/2 and HTTP/3 are refused with a clear error."""
    for name, flag in (("http2", "--http2"), ("http2_prior_knowledge", "--http2-prior-knowledge"),
                       ("http3", "--http3"), ("http3_only", "--http3-only")):
        if o.get(name):
            raise UsageError(f"{flag} is not supported: sigcurl speaks HTTP/1.1",
                             "drop it: every AWS endpoint answers HTTP/1.1 (--http1.1 is accepted)")


#: Options whose values become header values (-H has its own rule, in curlopts.parse_header).
_HEADER_VALUES = (("user_agent", "-A/--user-agent", "User-Agent"), ("referer", "-e/--referer", "Referer"),
                  ("sign_host", "--sign-host", "Host"))


def check_header_values(o: Mapping[str, Any]) -> None:
    """No line break (CR, LF or NUL) in any value that becomes a header: a folded line would reach the wire."""
    for key, flag, header in _HEADER_VALUES:
        value = o.get(key)
        if isinstance(value, str) and any(c in value for c in "\r\n\x00"):
            raise UsageError(f"the {header} header ({flag}) contains a line break", f"give {flag} a value on one line")
