"""Writing one response: head, body, AWS error line, mismatch diff, ``-w``, ``-f``'s verdict.

:class:`Exchange` collects what the output needs while the transport works
(the last signed request, the head blocks of followed redirects), and
:func:`write_response` writes the response once the transport hands it
over.  The response is read through its ``iter_body``/``read_all``; nothing
here sends anything or imports the transport.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from sigcurl.errors import HTTPStatusError, SigcurlError
from sigcurl.output.body import ERROR_BODY_LIMIT, write_body, write_bytes
from sigcurl.output.redact import scrub_bytes
from sigcurl.output.sink import open_sink, sink_path
from sigcurl.output.stderr import Stderr
from sigcurl.output.verbose import ResponseHead, head_block, url_host, verbose_response
from sigcurl.spec import FAIL, FAIL_NO, TransferSpec

if TYPE_CHECKING:
    from sigcurl.awserror import AwsError
    from sigcurl.curlopts import HttpRequest
    from sigcurl.environment import Env
    from sigcurl.output.writeout import TransferInfo
    from sigcurl.signer.types import SignedRequest


class Measured(Protocol):
    """What the wire measured for a transfer (the transport's ``Timings``): monotonic instants, counts, addresses."""

    hop: float
    namelookup: float
    connect: float
    appconnect: float
    pretransfer: float
    starttransfer: float
    connects: int
    sent: int
    local: tuple[str, int]
    remote: tuple[str, int]


class Received(ResponseHead, Protocol):
    """A response as the output reads it (the transport's ``Response``)."""

    url: str
    redirects: int
    size_download: int
    method: str
    size_upload: int
    started: float
    timings: Measured
    monotonic: Callable[[], float]

    def header(self, name: str) -> str | None: ...
    def iter_body(self, size: int = ...) -> Iterator[bytes]: ...
    def read_all(self, limit: int) -> bytes: ...


class Exchange:
    """One transfer's output state: where it writes, and what it saw on the way."""

    __slots__ = ("spec", "env", "err", "secrets", "signed", "hops")

    def __init__(self, spec: TransferSpec, env: Env, err: Stderr, secrets: list[str | None]) -> None:
        self.spec = spec
        self.env = env
        self.err = err
        self.secrets = secrets
        self.signed: SignedRequest | None = None  # the last request signed (for the mismatch diff)
        self.hops: list[bytes] = []  # head blocks of followed redirects (shown with -i, as curl does)

    def redirected(self, resp: ResponseHead) -> None:
        """A redirect that is being followed: shown with -v now, with -i before the final head."""
        if self.spec.output.verbose:
            verbose_response(self.err, resp)
        self.hops.append(head_block(resp))

    def meter_upload(self, req: HttpRequest) -> HttpRequest:
        """``req`` with its body shown on a progress meter when that is wanted."""
        body = req.body
        if body is None or not self.env.stderr_isatty or self.spec.output.silent or body.in_memory() is not None:
            return req
        from sigcurl.output.progress import Meter, MeteredBody

        return req._replace(body=MeteredBody(body, Meter(self.env.stderr, "upload", body.length)))

    def meter_download(self, chunks: Iterator[bytes], resp: Received, terminal: bool) -> Iterator[bytes]:
        """The response body counted on a progress meter (not when it goes to the terminal)."""
        if terminal or not self.env.stderr_isatty or self.spec.output.silent:
            return chunks
        from sigcurl.output.progress import Meter

        length = resp.header("Content-Length")
        total = int(length) if length and length.isdigit() else None
        return Meter(self.env.stderr, "download", total).wrap(chunks)


def write_response(x: Exchange, resp: Received, req: HttpRequest) -> None:
    """Write ``resp`` as the options say; raises the transfer's error (``-f``, a write failure...)."""
    out = x.spec.output
    if out.verbose:
        verbose_response(x.err, resp)
    failed = resp.status >= 400
    failing = out.fail != FAIL_NO
    summary: tuple[str, str] | None = None  # (what, fix) of an AWS error body
    body: Iterator[bytes] = iter(())
    if req.method == "HEAD" or out.head_only:
        pass
    elif failed:
        error_body = resp.read_all(ERROR_BODY_LIMIT)
        summary = _report_aws_error(x, resp, error_body, failing=failing)
        # An error body may echo what was signed (S3 returns the canonical request, token included).
        body = itertools.chain([scrub_bytes(error_body, x.secrets)], resp.iter_body())
    else:
        body = resp.iter_body(1 << 20)  # streamed in 1 MiB pieces, never held whole
    sink, close_sink = open_sink(out, req.url, x.env.stdout)
    if not failed:
        body = x.meter_download(body, resp, out.terminal)
    exit_error: SigcurlError | None = None
    pending = b""  # the head, when no body came to be written with it
    try:
        # The head goes out with the first piece of the body (and with -w's text when there is no body),
        # so a reader that stops early sees what it sees with curl's buffered writes.
        head = b"".join(x.hops) + head_block(resp) if out.include or out.head_only else b""
        if failed and out.fail == FAIL:  # -f writes no body (--fail-with-body does)
            pending = head
        else:
            pending = write_body(sink, body, resp.header("Content-Type"), out, prefix=head)
        if pending and sink is not x.env.stdout:
            write_bytes(sink, pending)
            pending = b""
    except SigcurlError as exc:
        exit_error, pending = exc, b""
    finally:
        close_sink()
    if failed and failing and exit_error is None:
        what, fix = summary or (f"HTTP {resp.status} {resp.reason}".rstrip() + f" from {url_host(resp.url)}", "")
        if not fix:
            fix = "use --fail-with-body to see the response body" if out.fail == FAIL else "the response body is in the output"
        exit_error = HTTPStatusError(f"{what} (-f)", fix)
    try:
        if out.write_out:
            info = transfer_info(x, resp, req, exit_error)
            _write_out(x, info, pending)
        elif pending:
            write_bytes(x.env.stdout, pending)
    except SigcurlError as exc:
        exit_error = exit_error or exc
    if exit_error is not None:
        raise exit_error


def write_failure(x: Exchange, req: HttpRequest, started: float, now: float, error: SigcurlError) -> None:
    """``-w`` for a transfer that got no response (curl writes it too: ``000``, the exit code, the message)."""
    if not x.spec.output.write_out:
        return
    from sigcurl.output.writeout import TransferInfo

    info = TransferInfo(
        http_code=0, method=req.method, url=x.spec.request.url, url_effective=req.url, time_total=now - started,
        exitcode=int(error.exit_code), errormsg=" ".join(error.what.split()), urlnum=x.spec.urlnum, version=_version(),
    )
    _write_out(x, info, b"")


def transfer_info(x: Exchange, resp: Received, req: HttpRequest, error: SigcurlError | None) -> TransferInfo:
    """What -w reports for ``resp``, from the transport's measurements (times from the transfer's start)."""
    from urllib.parse import urljoin

    from sigcurl.output.writeout import TransferInfo

    t, start = resp.timings, resp.started

    def since(instant: float) -> float:
        return max(instant - start, 0.0) if instant else 0.0

    hop = since(t.hop)
    location = resp.header("Location")
    version = resp.http_version.partition("/")[2] or "1.1"
    return TransferInfo(
        http_code=resp.status, method=resp.method, url=x.spec.request.url, url_effective=resp.url,
        content_type=resp.header("Content-Type"), headers=resp.headers, size_download=resp.size_download,
        size_upload=resp.size_upload, size_header=sum(map(len, x.hops)) + len(head_block(resp)),
        size_request=t.sent, time_total=max(resp.monotonic() - start, 0.0),
        # a reused connection: no lookup and no connect in this hop (curl reports the hop's start)
        time_namelookup=since(t.namelookup) or hop, time_connect=since(t.connect) or hop,
        time_appconnect=since(t.appconnect), time_pretransfer=since(t.pretransfer),
        time_starttransfer=since(t.starttransfer), time_redirect=hop if resp.redirects else 0.0,
        num_redirects=resp.redirects, num_connects=t.connects, http_version=version,
        scheme=resp.url.partition("://")[0].upper(), remote_ip=t.remote[0], remote_port=t.remote[1],
        local_ip=t.local[0], local_port=t.local[1],
        redirect_url=urljoin(resp.url, location) if location and 300 <= resp.status < 400 else None,
        filename_effective=sink_path(x.spec.output, req.url), urlnum=x.spec.urlnum,
        num_certs=1 if resp.url.lower().startswith("https:") else 0,
        exitcode=int(error.exit_code) if error else 0, errormsg=" ".join(error.what.split()) if error else None,
        version=_version(),
    )


def _version() -> str:
    from sigcurl._version import __version__

    return f"sigcurl/{__version__}"


def _report_aws_error(x: Exchange, resp: Received, body: bytes, *, failing: bool) -> tuple[str, str] | None:
    """Summarise an AWS error body in one line: printed now, or returned as the (what, fix) of
    the -f error (``failing``), so either way the user reads one line.  With -v, a signature
    mismatch the service explains is shown as a diff against what sigcurl signed."""
    from sigcurl.awserror import error_summary, parse_aws_error

    err = parse_aws_error(body, resp.headers)
    if err is None:
        return None
    what, fix = error_summary(resp.status, url_host(resp.url), err)
    signed = x.signed
    explained = signed is not None and bool(err.canonical_request or err.string_to_sign)
    verbose = x.spec.output.verbose
    if explained:
        fix = ("the difference from what sigcurl signed is shown above" if failing else "the difference from what sigcurl signed follows") \
            if verbose else "rerun with -v to see how the service's canonical request differs from sigcurl's"
    if not failing:
        x.err.info(f"sigcurl: {what}" + (f" — {fix}" if fix else ""))
    if explained and verbose and signed is not None:
        _show_mismatch(x.err, signed, err)
    return what, fix


def _show_mismatch(err: Stderr, signed: SignedRequest, aws: AwsError) -> None:
    """-v: diff the canonical request and string to sign against the service's, with hints."""
    from sigcurl.output.diagnose import MISMATCH_HINT, mismatch_hints, signature_diff

    for label, ours, theirs in (
        ("canonical request", signed.canonical_request, aws.canonical_request),
        ("string to sign", signed.string_to_sign, aws.string_to_sign),
    ):
        if theirs is None:
            continue
        if ours == theirs:
            err.write(f"* the {label} matches what the service computed\n")
        else:
            err.write(signature_diff(label, ours, theirs) + "\n")
    hints = mismatch_hints(signed.canonical_request, aws.canonical_request, signed.string_to_sign, aws.string_to_sign)
    for hint in hints or [MISMATCH_HINT]:
        err.write(f"* hint: {hint}\n")


def _write_out(x: Exchange, info: TransferInfo, pending: bytes) -> None:
    """Write -w's text (after ``pending``, the unwritten head, in one write)."""
    from sigcurl.output.writeout import write_out

    text, err, unknown = write_out(x.spec.output.write_out or "", info)
    for name in dict.fromkeys(unknown):
        x.err.info(f"sigcurl: unknown --write-out variable %{{{name}}} — see 'sigcurl --help' for the variables")
    if text or pending:
        write_bytes(x.env.stdout, pending + text.encode())
    if err:
        x.err.write(err)
