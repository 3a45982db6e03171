"""What the policy tables (``tests/test_policy*.py``) are made of: a GET to S3 and a POST with a body,
transport options from a few keywords, AWS errors, HTTP dates, and :func:`run`, one decision of
:func:`sigcurl.transport.policy.decide` at a fixed time with an exact jitter.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sigcurl.awserror import AwsError
from sigcurl.body import BytesBody
from sigcurl.curlopts import HttpRequest
from sigcurl.transport import RetryPolicy, TransportOptions
from sigcurl.transport.policy import Answer, Attempt, Failure, decide

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
S3 = "https://bucket.s3.us-east-1.amazonaws.com/key"
GET = HttpRequest("GET", S3, [("Accept", "*/*")], None)
BODY = BytesBody(b"a=1")
POST = HttpRequest("POST", "https://api.example.com/orders",
                   [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "3"), ("X-Keep", "1")],
                   BODY)


def opts(**retry: Any) -> TransportOptions:
    follow = retry.pop("follow", False)
    max_redirs = retry.pop("max_redirs", 50)
    trusted = retry.pop("location_trusted", False)
    return TransportOptions(follow=follow, max_redirs=max_redirs, location_trusted=trusted,
                            retry=RetryPolicy(**retry))


FRESH = Attempt()


def run(outcome: Answer | Failure, *, req: HttpRequest = GET, trusted: bool = True, state: Attempt = FRESH,
        options: TransportOptions | None = None, jitter: Any = lambda upper: upper) -> Any:
    return decide(req, trusted, outcome, state, options or opts(retries=3), now=NOW, jitter=jitter)


def err(code: str, message: str = "", **kw: Any) -> AwsError:
    return AwsError(code, message, **kw)


def http_date(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")
