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
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from sigcurl import interrupts
from sigcurl.errors import ExitCode, HTTPStatusError, SigcurlError
from sigcurl.output.body import DOCUMENT, ERROR_BODY_LIMIT, body_shape, write_body, write_bytes
from sigcurl.output.redact import redact_token_in_url, scrubber
from sigcurl.output.sink import open_sink, remove_output, sink_path
from sigcurl.output.stderr import Stderr
from sigcurl.output.verbose import ResponseHead, head_block, url_host, verbose_response
from sigcurl.spec import FAIL, FAIL_NO, TransferSpec

#: Read size for streamed bodies: a chunked response yields each HTTP chunk as it arrives, up to this size.
STREAM_PIECE = 64 << 10

if TYPE_CHECKING:
    from sigcurl.awserror import AwsError
    from sigcurl.curlopts import HttpRequest
    from sigcurl.environment import Env
    from sigcurl.output.trace import Trace
    from sigcurl.output.writeout import TransferInfo
    from sigcurl.s3.multipart import Summary
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
    @property
    def timings(self) -> Measured: ...  # read-only here: the transport's Timings is one
    monotonic: Callable[[], float]

    def header(self, name: str) -> str | None: ...
    def iter_body(self, size: int = ..., *, live: bool = ...) -> Iterator[bytes]: ...
    def read_all(self, limit: int) -> bytes: ...


class Exchange:
    """One transfer's output state: where it writes, and what it saw on the way."""

    __slots__ = ("spec", "env", "err", "secrets", "signed", "hops", "trace", "resumed_from", "shared_file", "upload")

    def __init__(self, spec: TransferSpec, env: Env, err: Stderr, secrets: list[str | None], *,
                 trace: Trace | None = None, resumed_from: int = 0,
                 shared_file: Callable[[str], BinaryIO] | None = None) -> None:
        self.spec = spec
        self.env = env
        self.err = err
        self.secrets = secrets
        self.signed: SignedRequest | None = None  # the last request signed (for the mismatch diff)
        self.hops: list[bytes] = []  # head blocks of followed redirects (shown with -i, as curl does)
        self.trace = trace  # --trace/--trace-ascii
        self.resumed_from = resumed_from  # -C: the offset asked for with a Range (0: none)
        self.shared_file = shared_file  # opens -D files once per run
        self.upload: Summary | None = None  # an S3 multipart upload's parts, part size, id (for -w)

    def redirected(self, resp: ResponseHead) -> None:
        """A redirect that is being followed: shown with -v now, with -i before the final head."""
        if self.spec.output.verbose:
            verbose_response(self.err, resp)
        if self.trace is not None:
            self.trace.received(resp)
        self.hops.append(head_block(resp))

    def meter_upload(self, req: HttpRequest) -> HttpRequest:
        """``req`` with its body shown on a progress meter when that is wanted."""
        body = req.body
        if body is None or not self.env.stderr_isatty or self.spec.output.silent or not self.spec.output.progress \
                or body.in_memory() is not None:
            return req
        from sigcurl.output.progress import Meter, MeteredBody

        return req._replace(body=MeteredBody(body, Meter(self.env.stderr, "upload", body.length)))

    def meter_download(self, chunks: Iterator[bytes], resp: Received, terminal: bool) -> Iterator[bytes]:
        """The response body counted on a progress meter (not when it goes to the terminal)."""
        if terminal or not self.env.stderr_isatty or self.spec.output.silent or not self.spec.output.progress:
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
    if x.trace is not None:
        x.trace.received(resp)
    # curl writes each header line to -D and to -i's output as it comes: both on stdout, each line twice
    doubled = out.dump_header == "-" and (out.include or out.head_only) and sink_path(out, req.url) is None
    _write_heads(x, resp, dump=not doubled)
    if x.resumed_from and (resp.status == 416 or 200 <= resp.status < 300 and resp.status != 206):
        # curl: a 416, or a whole body as long as the file already is, means the file is already whole
        whole = resp.status == 416 or resp.header("Content-Length") == str(x.resumed_from) and req.method == "GET"
        if out.include or out.head_only:  # curl writes -i's heads before it looks at the status
            sink, close_sink = open_sink(out, req.url, x.env.stdout)
            try:
                _write_include(sink, x, resp, doubled)
            finally:
                close_sink(False)
        if whole:
            return
        if out.remove_on_error:
            remove_output(out, req.url)
        raise SigcurlError(f"HTTP {resp.status} instead of 206 to -C: the server does not support byte ranges",
                           "download the whole file again, without -C", exit_code=ExitCode.RANGE_ERROR)
    failed = resp.status >= 400
    failing = out.fail != FAIL_NO
    summary: tuple[str, str] | None = None  # (what, fix) of an AWS error body
    shape = body_shape(resp.header("Content-Type")) if not failed else DOCUMENT  # decided once, here
    body: Iterator[bytes] = iter(())
    if req.method == "HEAD" or out.head_only:
        pass
    elif failed:
        error_body = resp.read_all(ERROR_BODY_LIMIT)
        summary = _report_aws_error(x, resp, error_body, failing=failing)
        # An error body may echo what was signed (S3 returns the canonical request, token included,
        # also as hex): the whole of it is scrubbed, on the fly.
        body = scrubber(x.secrets).stream(itertools.chain([error_body], resp.iter_body()))
    else:
        # Documents in 1 MiB pieces, never held whole; streams (and -N) in smaller ones, written as they come.
        held = shape == DOCUMENT and not out.no_buffer  # a whole document may be pretty-printed
        body = resp.iter_body(1 << 20 if held else STREAM_PIECE, live=not held)
    sink, close_sink = open_sink(out, req.url, x.env.stdout)
    if not failed:
        body = x.meter_download(body, resp, out.terminal)
    if x.trace is not None:
        body = x.trace.wrap(body)
    exit_error: SigcurlError | None = None
    pending = b""  # the head, when no body came to be written with it
    try:
        # The head goes out with the first piece of the body (and with -w's text when there is no body),
        # so a reader that stops early sees what it sees with curl's buffered writes.
        head = _include_bytes(x, resp, doubled) if out.include or out.head_only else b""
        if failed and out.fail == FAIL:  # -f writes no body (--fail-with-body does)
            pending = head
        else:
            pending = write_body(sink, body, resp.header("Content-Type"), out, shape, x.err.info, prefix=head)
        if pending and sink is not x.env.stdout:
            write_bytes(sink, pending)
            pending = b""
    except SigcurlError as exc:
        exit_error, pending = exc, b""
    except BaseException:
        close_sink(False)
        raise
    # curl creates the file of a body-less success, but not for a 304 (an --etag-compare hit): it is left as it was
    opened = close_sink(exit_error is None and not (failed and failing) and resp.status != 304)
    if failed and failing and exit_error is None:
        what, fix = summary or (f"HTTP {resp.status} {resp.reason}".rstrip() + f" from {url_host(resp.url)}", "")
        if not fix:
            fix = "use --fail-with-body to see the response body" if out.fail == FAIL else "the response body is in the output"
        exit_error = HTTPStatusError(f"{what} (-f)", fix)
    if exit_error is not None and out.remove_on_error and opened:
        remove_output(out, req.url)
    try:
        if out.write_out:
            _write_out(x, transfer_info(x, resp, req, exit_error), pending)
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
        http_code=0, method=req.method, url=_shown(x, x.spec.request.url), url_effective=_shown(x, req.url),
        time_total=now - started,
        exitcode=int(error.exit_code), errormsg=" ".join(error.what.split()), urlnum=x.spec.urlnum, version=_version(),
    )
    _write_out(x, info, b"")


def transfer_info(x: Exchange, resp: Received, req: HttpRequest, error: SigcurlError | None) -> TransferInfo:
    """What -w reports for ``resp``, from the transport's measurements (times from the transfer's start)."""
    from urllib.parse import urljoin

    from sigcurl.output.writeout import TransferInfo

    t, start = resp.timings, resp.started
    scrub = scrubber(x.secrets)  # header values may echo a secret (-w '%{header_json}')

    def since(instant: float) -> float:
        return max(instant - start, 0.0) if instant else 0.0

    hop = since(t.hop)
    location = resp.header("Location")
    version = resp.http_version.partition("/")[2] or "1.1"
    return TransferInfo(
        http_code=resp.status, method=resp.method, url=_shown(x, x.spec.request.url), url_effective=_shown(x, resp.url),
        content_type=resp.header("Content-Type"), headers=[(n, scrub.in_text(v)) for n, v in resp.headers],
        size_download=resp.size_download,
        size_upload=x.upload.size if x.upload else resp.size_upload, size_header=sum(map(len, x.hops)) + len(head_block(resp)),
        size_request=t.sent, time_total=max(resp.monotonic() - start, 0.0),
        # a reused connection: no lookup and no connect in this hop (curl reports the hop's start)
        time_namelookup=since(t.namelookup) or hop, time_connect=since(t.connect) or hop,
        time_appconnect=since(t.appconnect), time_pretransfer=since(t.pretransfer),
        time_starttransfer=since(t.starttransfer), time_redirect=hop if resp.redirects else 0.0,
        num_redirects=resp.redirects, num_connects=t.connects, http_version=version,
        scheme=resp.url.partition("://")[0].upper(), remote_ip=t.remote[0], remote_port=t.remote[1],
        local_ip=t.local[0], local_port=t.local[1],
        redirect_url=_shown(x, urljoin(resp.url, location)) if location and 300 <= resp.status < 400 else None,
        filename_effective=sink_path(x.spec.output, req.url), urlnum=x.spec.urlnum,
        num_certs=1 if resp.url.lower().startswith("https:") else 0,
        exitcode=int(error.exit_code) if error else 0, errormsg=" ".join(error.what.split()) if error else None,
        referer=next((v for n, v in req.headers if n.lower() == "referer"), None), version=_version(),
        **_upload_fields(x.upload),
    )


def _shown(x: Exchange, url: str) -> str:
    """A URL for -w: the session token (a query's ``X-Amz-Security-Token``) and secrets redacted, the rest as given."""
    return redact_token_in_url(url, scrubber(x.secrets))


def _upload_fields(up: Summary | None) -> dict[str, Any]:
    """-w's view of an S3 multipart upload: its parts, part size, upload id and the object's checksum."""
    if up is None:
        return {}
    return {
        "parts": up.parts, "part_size": up.part_size, "upload_id": up.upload_id,
        "checksum": f"{up.checksum}:{up.object_checksum}" if up.object_checksum else "",
    }


def _version() -> str:
    from sigcurl._version import __version__

    return f"sigcurl/{__version__}"


def _include_bytes(x: Exchange, resp: Received, doubled: bool) -> bytes:
    """``-i``/``-I``: every head block of the transfer, secrets scrubbed (each line twice when ``-D -`` shares stdout)."""
    heads = scrubber(x.secrets).in_bytes(b"".join(x.hops) + head_block(resp))
    return b"".join(line + line for line in heads.splitlines(True)) if doubled else heads


def _write_include(sink: BinaryIO, x: Exchange, resp: Received, doubled: bool) -> None:
    write_bytes(sink, _include_bytes(x, resp, doubled))


def _write_heads(x: Exchange, resp: Received, *, dump: bool) -> None:
    """``-D`` (``dump``): every head block of the transfer; ``--etag-save``: the ETag (an empty file without one)."""
    out = x.spec.output
    interrupts.check()  # interrupted: a -Z transfer's thread writes nothing more (as to -o files)
    if out.dump_header and dump:
        sink = x.env.stdout if out.dump_header == "-" or x.shared_file is None else x.shared_file(out.dump_header)
        write_bytes(sink, _include_bytes(x, resp, False))
    if out.etag_save:
        etag = resp.header("ETag")
        data = (etag + "\n").encode("latin-1", "replace") if etag else b""
        if out.etag_save == "-":
            write_bytes(x.env.stdout, data)
            return
        try:
            with open(out.etag_save, "wb") as f:
                f.write(data)
        except OSError as exc:
            from sigcurl.errors import WriteError

            raise WriteError(f"cannot write --etag-save {out.etag_save}: {exc.strerror or exc}", "check the path") from None


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
        fix = fix or ("a failure on the service's side: retry later, or add --retry N" if resp.status >= 500
                      else "the service's whole answer is the response body")
        x.err.info(f"sigcurl: {what} — {fix}")
    if explained and verbose and signed is not None:
        _show_mismatch(x.err, signed, err)
    return what, fix


def _show_mismatch(err: Stderr, signed: SignedRequest, aws: AwsError) -> None:
    """-v: diff the canonical request and string to sign against the service's, with hints."""
    from sigcurl.output.diagnose import MISMATCH_HINT, mismatch_hints, signature_diff
    from sigcurl.output.stderr import visible

    for label, ours, theirs in (
        ("canonical request", signed.canonical_request, aws.canonical_request),
        ("string to sign", signed.string_to_sign, aws.string_to_sign),
    ):
        if theirs is None:
            continue
        if ours == theirs:
            err.write(f"* the {label} matches what the service computed\n")
        else:
            err.write(visible(signature_diff(label, ours, theirs)) + "\n")  # the service's text: shown, never obeyed
    hints = mismatch_hints(signed.canonical_request, aws.canonical_request, signed.string_to_sign, aws.string_to_sign)
    for hint in hints or [MISMATCH_HINT]:
        err.write(f"* hint: {visible(hint)}\n")


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
