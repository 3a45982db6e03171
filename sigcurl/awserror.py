"""AWS error responses: parsing, the error-code tables and their hints (pure).

One place for what an AWS error body says and what each code means, used
by the transport's retry/redirect policy (throttling, transient, clock
skew, region) and by the output (the one-line summary and its fix).
Parsing is bounded: only the first :data:`PARSE_LIMIT` bytes are read, tags
are found with linear scans, and JSON nesting errors are caught.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

#: Bytes of an error body that are parsed (the summary never needs more).
PARSE_LIMIT = 64 << 10

#: AWS error codes that mean "slow down" (whatever the HTTP status); they honour Retry-After.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
    "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
})
#: AWS error codes for a transient failure on the service's side.
TRANSIENT_CODES = frozenset({
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
    "ServiceUnavailable", "ServiceUnavailableException",
})
#: AWS error codes (and message fragments) that mean the signing time is off.
SKEW_CODES = frozenset({"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"})
SKEW_MESSAGES = ("signature expired", "signature not yet current", "request has expired", "request time too skewed")
#: S3 answers meaning "this bucket is in another region".
REGION_CODES = frozenset({"PermanentRedirect", "TemporaryRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"})

HINTS = {
    "SignatureDoesNotMatch": "check the secret key, --region and --service; rerun with -v to compare the canonical requests",
    "InvalidSignatureException": "check the secret key, --region and --service; rerun with -v to compare the canonical requests",
    "IncompleteSignature": "a signed header is missing or was changed on the way; rerun with -v",
    "InvalidClientTokenId": "the access key id is not valid here: check your credentials or --profile",
    "UnrecognizedClientException": "the access key id is not valid here: check your credentials or --profile",
    "InvalidAccessKeyId": "the access key id is not valid here: check your credentials or --profile",
    "ExpiredToken": "the session token has expired: refresh your credentials",
    "ExpiredTokenException": "the session token has expired: refresh your credentials",
    "RequestExpired": "the request is too old: check your clock, or --date",
    "RequestTimeTooSkewed": "your clock is off: synchronise it",
    "AuthorizationHeaderMalformed": "the signing region or service is wrong: check --region and --service",
    "AccessDenied": "the credentials lack permission: check the IAM policy",
    "AccessDeniedException": "the credentials lack permission: check the IAM policy",
    "MissingAuthenticationToken": "the request was not signed as the service expects: check --service and the URL",
    "MissingAuthenticationTokenException": "the request was not signed as the service expects: check --service and the URL",
    "PermanentRedirect": "the bucket is in another region: pass its --region or use its regional host",
}

_XML_TAGS = ("Code", "Message", "CanonicalRequest", "StringToSign", "Region", "Endpoint")
_CREQ_MARKER = "The Canonical String for this request should have been"
_STS_MARKER = "The String-to-Sign should have been"


class AwsError(NamedTuple):
    """The parts of an AWS error response worth showing."""

    code: str
    message: str
    canonical_request: str | None = None
    string_to_sign: str | None = None
    region: str | None = None
    endpoint: str | None = None


def parse_aws_error(body: bytes, headers: Sequence[tuple[str, str]]) -> AwsError | None:
    """The code and message of an XML or JSON AWS error body, if it is one (never raises)."""
    head = {n.lower(): v for n, v in headers}
    body = body[:PARSE_LIMIT]
    stripped = body.lstrip()
    if stripped.startswith(b"<"):
        found = _xml_fields(body)
        if "Code" in found:
            return AwsError(
                found["Code"], found.get("Message", ""), found.get("CanonicalRequest"),
                found.get("StringToSign"), found.get("Region"), found.get("Endpoint"),
            )
        return None
    if stripped.startswith(b"{"):
        return _json_error(body, head)
    code = head.get("x-amzn-errortype")
    return AwsError(code.split(":")[0], "") if code else None


def _xml_fields(body: bytes) -> dict[str, str]:
    """The first ``<Tag>text</Tag>`` of each tag of interest (linear scans, no backtracking)."""
    import html

    found: dict[str, str] = {}
    for tag in _XML_TAGS:
        start = body.find(b"<" + tag.encode() + b">")
        if start < 0:
            continue
        start += len(tag) + 2
        end = body.find(b"</" + tag.encode() + b">", start)
        if end >= 0:
            found[tag] = html.unescape(body[start:end].decode("utf-8", "replace"))
    return found


def _json_error(body: bytes, head: dict[str, str]) -> AwsError | None:
    import json

    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    code = doc.get("__type") or doc.get("code") or doc.get("Code") or head.get("x-amzn-errortype", "")
    message = doc.get("message") or doc.get("Message") or doc.get("errorMessage") or ""
    if not code and not message:
        return None
    code = str(code).split("#")[-1].split(":")[0]
    msg = str(message)
    creq, sts = _json_signed_texts(msg)
    if creq is not None or sts is not None:
        msg = msg.split(_CREQ_MARKER, 1)[0].split(_STS_MARKER, 1)[0].strip()
    return AwsError(code or "Error", msg, creq, sts)


def _json_signed_texts(message: str) -> tuple[str | None, str | None]:
    """The canonical request and string to sign quoted in a JSON service's signature error.

    The message reads ``... The Canonical String for this request should
    have been\n'<canonical request>'\n\nThe String-to-Sign should have
    been\n'<string to sign>'\n``.
    """

    def quoted(text: str) -> str:
        text = text.strip()
        if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
            text = text[1:-1]
        return text

    creq = sts = None
    rest = message
    if _STS_MARKER in rest:
        rest, _, tail = rest.partition(_STS_MARKER)
        sts = quoted(tail)
    if _CREQ_MARKER in rest:
        creq = quoted(rest.partition(_CREQ_MARKER)[2])
    return creq, sts


def error_summary(status: int, host: str, err: AwsError) -> tuple[str, str]:
    """(what, fix) of the one stderr line for an AWS error response."""
    message = " ".join(err.message.split())
    if len(message) > 300:
        message = message[:297] + "..."
    what = f"HTTP {status} from {host}: {err.code}" + (f": {message}" if message else "")
    return what, HINTS.get(err.code, "")


def is_skew(err: AwsError) -> bool:
    """Whether the error says the request's signing time is too far from the server's."""
    if err.code in SKEW_CODES:
        return True
    text = err.message.lower()
    return any(m in text for m in SKEW_MESSAGES)


def is_throttling(err: AwsError | None) -> bool:
    return err is not None and err.code in THROTTLING_CODES


def is_transient(err: AwsError | None) -> bool:
    return err is not None and (err.code in THROTTLING_CODES or err.code in TRANSIENT_CODES)


def region_from_message(message: str) -> str | None:
    """The region in "the region 'us-east-1' is wrong; expecting 'eu-west-1'"."""
    start = message.find("expecting '")
    if start < 0:
        return None
    start += len("expecting '")
    end = message.find("'", start)
    value = message[start:end] if end > start else ""
    return value if value and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in value) else None
