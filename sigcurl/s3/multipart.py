"""An S3 object PUT as a multipart upload: create, parts in parallel, complete; abort on any failure.

:func:`upload` runs the four calls of the protocol through the caller's
``send`` (the transport: every attempt signed afresh, retried on the
reliability rules' transient failures, the clock and the bucket's region
corrected):

1. CreateMultipartUpload (``POST ?uploads``) with the headers S3 keeps on
   the object (:func:`split_headers`) and the checksum algorithm; an
   error answer here is the transfer's answer, as a single PUT's would be;
2. UploadPart (``PUT ?partNumber=N&uploadId=ID``) for each part, at most
   ``concurrency`` at once on worker threads, each part signed and
   framed by the caller's ``prepare`` (aws-chunked with a trailing
   checksum for file ranges, a checksum header for parts in memory);
3. CompleteMultipartUpload (``POST ?uploadId=ID``) with every part's ETag
   and checksum, and the object's full checksum (CRCs: ``FULL_OBJECT``,
   combined from the parts'; SHA: ``COMPOSITE``); its answer is the
   transfer's answer;
4. on any failure, Ctrl-C or SIGTERM: the parts in flight are stopped,
   AbortMultipartUpload (``DELETE ?uploadId=ID``) is sent, and the error
   says so: :class:`~sigcurl.errors.SigcurlError` with the failure's exit
   code (22 for an HTTP error), or :class:`~sigcurl.errors.Interrupted`
   (130, 143).
"""

from __future__ import annotations

import base64
import queue
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import quote

from sigcurl import interrupts
from sigcurl.body import Body, BytesBody
from sigcurl.curlopts import HttpRequest
from sigcurl.errors import ExitCode, Interrupted, SigcurlError, TransferError
from sigcurl.s3.digest import DigestMismatch, WholeObjectDigest, claimed_digests
from sigcurl.s3.parts import PartBody, PartSource
from sigcurl.s3.plan import Part, describe_size
from sigcurl.s3.xml import DonePart, complete_body, first_text

if TYPE_CHECKING:
    from sigcurl.transport.response import Response

#: Headers S3 takes on CreateMultipartUpload only (they describe the object).
CREATE_ONLY = frozenset({
    "content-type", "content-disposition", "content-encoding", "content-language", "cache-control", "expires",
    "x-amz-storage-class", "x-amz-tagging", "x-amz-acl", "x-amz-website-redirect-location",
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context", "x-amz-server-side-encryption-bucket-key-enabled",
})
CREATE_ONLY_PREFIXES = ("x-amz-meta-", "x-amz-grant-", "x-amz-object-lock-")
#: Conditional writes apply to CompleteMultipartUpload.
COMPLETE_ONLY = frozenset({"if-match", "if-none-match"})
#: Headers of the whole body that mean nothing for a part.
DROPPED = frozenset({"content-md5", "content-length", "expect", "transfer-encoding"})
#: Retries of each part (and of the other calls) on the reliability rules' transient failures, at least.
PART_RETRIES = 3
#: Seconds to wait for the parts in flight to stop before AbortMultipartUpload is sent.
STOP_WAIT = 5.0
CRCS = ("crc32", "crc32c", "crc64nvme")


class Settings(NamedTuple):
    """How the parts are sent."""

    concurrency: int
    checksum: str | None  # the algorithm of every part's x-amz-checksum-* (None: --checksum none)
    aws_chunked: bool | None  # --aws-chunked / --no-aws-chunked


class Summary(NamedTuple):
    """What ``-v`` and ``-w`` say about a completed upload."""

    upload_id: str
    parts: int
    part_size: int
    size: int
    checksum: str | None  # algorithm
    object_checksum: str | None  # the object's checksum value (COMPOSITE: ends with -N)
    checksum_type: str  # FULL_OBJECT, COMPOSITE or ""


class Send(Protocol):
    """How the upload sends a request: ``send(request)``, or ``send(request, True)`` for one bounded attempt."""

    def __call__(self, request: HttpRequest, at_once: bool = False, /) -> Response: ...


class Calls(NamedTuple):
    """What the upload is given by its transfer."""

    #: send one request (signed afresh on every attempt, retried) and return the answer; ``at_once``:
    #: one attempt, bounded by a short timeout (the abort of an interrupted upload)
    send: Send
    #: a part's or CompleteMultipartUpload's request framed and checksummed for signing
    prepare: Callable[[HttpRequest, str | None, bool | None], HttpRequest]
    #: one -v line
    log: Callable[[str], None]


def split_headers(headers: Sequence[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The request's headers for (CreateMultipartUpload, UploadPart, CompleteMultipartUpload)."""
    create: list[tuple[str, str]] = []
    part: list[tuple[str, str]] = []
    complete: list[tuple[str, str]] = []
    for name, value in headers:
        n = name.lower()
        if n in DROPPED or n.startswith("x-amz-checksum-") or n in ("x-amz-content-sha256", "x-amz-decoded-content-length"):
            continue
        if n in CREATE_ONLY or n.startswith(CREATE_ONLY_PREFIXES):
            create.append((name, value))
        elif n in COMPLETE_ONLY:
            complete.append((name, value))
        else:  # User-Agent, Accept, SSE-C keys, request payer, expected owner, the user's own
            for target in (create, part, complete):
                target.append((name, value))
    return create, part, complete


def claimed_checksum(headers: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """A whole-object CRC given with ``-H x-amz-checksum-crc32|crc32c|crc64nvme: VALUE``, as (algorithm, value).

    As the AWS CLI does with a full-object checksum (s3transfer's
    ``FULL_OBJECT_CHECKSUM_ARGS``): the upload uses that algorithm and
    CompleteMultipartUpload carries the user's value (``FULL_OBJECT``), so
    S3 checks the object against it (``BadDigest``: the upload is aborted).
    """
    from sigcurl.checksums import given_checksum

    return given_checksum(headers, CRCS)


def upload(req: HttpRequest, source: PartSource, settings: Settings, calls: Calls) -> tuple[Response, Summary | None]:
    """Upload ``source`` as the object ``req`` names; the answer to show, and the summary when it completed."""
    create_headers, part_headers, complete_headers = split_headers(req.headers)
    claimed = claimed_checksum(req.headers)
    if claimed is not None:  # the user's whole-object CRC: its algorithm for the parts, its value checked by S3
        settings = settings._replace(checksum=claimed[0])
    algorithm = settings.checksum
    kind = ("FULL_OBJECT" if algorithm in CRCS else "COMPOSITE") if algorithm else ""
    if algorithm:
        create_headers += [("x-amz-checksum-algorithm", algorithm.upper()), ("x-amz-checksum-type", kind)]
    base = req.url.split("?", 1)[0]
    answer = calls.send(HttpRequest("POST", base + "?uploads", create_headers, None))
    if answer.status != 200:
        return answer, None  # shown as a single PUT's error would be
    upload_id = first_text(answer.peek(), "UploadId")
    answer.close()
    if not upload_id:
        raise TransferError("S3 answered CreateMultipartUpload without an UploadId", "check that the URL is an S3 object",
                            exit_code=ExitCode.RECV_ERROR)
    base = answer.url.split("?", 1)[0]  # the bucket's regional endpoint after a region correction
    query = f"uploadId={quote(upload_id, safe='')}"
    calls.log(
        f"multipart upload {upload_id}: parts of {describe_size(source.part_size)}, up to {settings.concurrency} at once, "
        + (f"checksum {algorithm} ({kind})" if algorithm else "no checksum")
    )
    cancel = threading.Event()

    def abort_now() -> str:  # an interrupt on another thread (-Z): stop the parts, abort at once
        cancel.set()
        return _abort(base, query, part_headers, calls, now=True)

    undo = interrupts.on_interrupt(abort_now, f"AbortMultipartUpload not confirmed: delete the upload yourself (DELETE {base}?{query})",
                                   "multipart upload")
    try:
        digests = claimed_digests(req.headers)
        done = _send_parts(source, base, query, part_headers, settings, calls, cancel, digests)
        for digest in digests:
            digest.check()
        object_checksum = _object_checksum(algorithm, done)
        if algorithm in CRCS and object_checksum:
            value = claimed[1] if claimed is not None else object_checksum
            complete_headers += [(f"x-amz-checksum-{algorithm}", value), ("x-amz-checksum-type", kind)]
        final = _complete(base, query, complete_headers, done, algorithm, calls)
    except BaseException as exc:
        cancel.set()
        if not undo.claim():  # an interrupt on the main thread is aborting it (-Z)
            raise _failure(exc, undo.result or "the upload is being aborted (AbortMultipartUpload sent)") from None
        try:
            # on an interrupt: one attempt, bounded by a short timeout (the exit must stay prompt)
            aborted = undo.run(None if isinstance(exc, KeyboardInterrupt) else lambda: _abort(base, query, part_headers, calls))
        except KeyboardInterrupt as interrupt:  # Ctrl-C while a failed upload was being aborted: once more, at once
            exc, aborted = interrupt, undo.run()
        raise _failure(exc, aborted) from None
    finally:
        undo.forget()
        source.close()
    size = sum(p.size for p in done)
    summary = Summary(upload_id, len(done), source.part_size, size, algorithm, object_checksum, kind)
    calls.log(f"completed: {len(done)} parts, {size} bytes" + (f", object {algorithm} {object_checksum} ({kind})" if algorithm else ""))
    return final, summary


class _Failed(SigcurlError):
    """An answer that ends the upload (before the abort is sent)."""


def _send_parts(source: PartSource, base: str, query: str, headers: list[tuple[str, str]], settings: Settings,
                calls: Calls, cancel: threading.Event, digests: list[WholeObjectDigest]) -> list[DonePart]:
    """Every part sent, at most ``settings.concurrency`` at once (``digests`` fed each in order); the accepted parts in order."""

    def send(job: tuple[Part, Body]) -> DonePart:
        part, body = job
        url = f"{base}?partNumber={part.number}&{query}"
        req = calls.prepare(HttpRequest("PUT", url, list(headers), PartBody(body, cancel)), settings.checksum, settings.aws_chunked)
        answer = _named(f"part {part.number}", calls.send, req)
        try:
            if answer.status != 200:
                raise _Failed(f"part {part.number}: {_answer_error(answer)}", exit_code=ExitCode.HTTP_ERROR)
            etag = answer.header("ETag")
            if not etag:
                raise _Failed(f"part {part.number}: S3 answered without an ETag", exit_code=ExitCode.RECV_ERROR)
            answer.read_all(1 << 16)
        finally:
            answer.close()
        checksum = getattr(req.body, "trailer_value", None) or _header(req.headers, f"x-amz-checksum-{settings.checksum}")
        note = f", {settings.checksum} {checksum}" if checksum else ""
        calls.log(f"part {part.number}: {part.size} bytes accepted, ETag {etag}{note}")
        return DonePart(part.number, etag, checksum, part.size)

    pool = _Workers(settings.concurrency, send)
    done: list[DonePart] = []
    try:
        for job in source.parts():
            if digests:
                for chunk in job[1].chunks():
                    for digest in digests:
                        digest.update(chunk)
            while pool.busy >= settings.concurrency:
                done.append(pool.next_result())
            pool.submit(job)
            del job  # the part is the worker's now
        while pool.busy:
            done.append(pool.next_result())
    except BaseException as exc:
        cancel.set()
        pool.drain(interrupts.STOP_SECONDS if isinstance(exc, KeyboardInterrupt) or interrupts.STOPPING.is_set() else STOP_WAIT)
        raise
    finally:
        pool.close()
    return sorted(done)


def _complete(base: str, query: str, headers: list[tuple[str, str]], done: list[DonePart], algorithm: str | None,
              calls: Calls) -> Response:
    """CompleteMultipartUpload; its answer (a 200 carrying an ``<Error>`` is a failure, retried when transient)."""
    from sigcurl.awserror import is_transient, parse_aws_error

    body = complete_body(done, algorithm)
    for attempt in range(3):
        req = calls.prepare(HttpRequest("POST", f"{base}?{query}", list(headers), BytesBody(body)), None, False)
        answer = _named("CompleteMultipartUpload", calls.send, req)
        if answer.status != 200:
            raise _Failed(f"CompleteMultipartUpload: {_answer_error(answer)}", exit_code=ExitCode.HTTP_ERROR)
        err = parse_aws_error(answer.peek(), answer.headers)
        if err is None:
            return answer
        answer.close()
        if not is_transient(err) or attempt == 2:
            raise _Failed(f"CompleteMultipartUpload: HTTP 200 with {err.code}: {err.message}", exit_code=ExitCode.HTTP_ERROR)
        calls.log(f"CompleteMultipartUpload answered {err.code}: sending it again")
    raise AssertionError("unreachable")


def _abort(base: str, query: str, headers: list[tuple[str, str]], calls: Calls, *, now: bool = False) -> str:
    """Send AbortMultipartUpload (``now``: once, bounded by a short timeout); what happened, for the error line."""
    try:
        answer = calls.send(HttpRequest("DELETE", f"{base}?{query}", list(headers), None), now)
    except Exception as exc:  # noqa: BLE001 - reported in the error line (an interrupt goes on: the caller's)
        what = exc.what if isinstance(exc, SigcurlError) else type(exc).__name__
        calls.log(f"AbortMultipartUpload failed: {what}")
        return f"AbortMultipartUpload failed ({what}): delete the upload yourself (DELETE {base}?{query})"
    status = answer.status
    answer.close()
    calls.log(f"AbortMultipartUpload: HTTP {status}")
    if status in (200, 204):
        return "the upload was aborted (AbortMultipartUpload sent), so nothing is stored"
    if status == 404:  # already aborted, or completed by a CompleteMultipartUpload whose answer was lost
        return f"the upload no longer exists (AbortMultipartUpload answered 404): check whether {base} was stored"
    return f"AbortMultipartUpload answered HTTP {status}: delete the upload yourself (DELETE {base}?{query})"


def _failure(exc: BaseException, aborted: str) -> BaseException:
    """The error to raise for ``exc`` once the abort was sent."""
    if isinstance(exc, Interrupted):
        return Interrupted(exc.exit_code, aborted)
    if isinstance(exc, KeyboardInterrupt):
        return Interrupted(ExitCode.INTERRUPTED, aborted)
    if isinstance(exc, SigcurlError):
        then = exc.fix if isinstance(exc, DigestMismatch) else "run the command again"
        return SigcurlError(f"multipart upload failed: {' '.join(exc.what.split())}", f"{aborted}; {then}",
                            exit_code=exc.exit_code)
    return exc


def _named(call: str, send: Send, req: HttpRequest) -> Response:
    """``send(req)``; a network failure (after its retries) names the call or part it ended, as an HTTP error does."""
    try:
        return send(req)
    except TransferError as exc:
        exc.what = f"{call}: {exc.what}"
        raise


def _answer_error(answer: Response) -> str:
    from sigcurl.awserror import error_summary, parse_aws_error
    from sigcurl.output.verbose import url_host

    err = parse_aws_error(answer.peek(), answer.headers)
    answer.close()
    if err is None:
        return f"HTTP {answer.status} {answer.reason}".rstrip() + f" from {url_host(answer.url)}"
    return error_summary(answer.status, url_host(answer.url), err)[0]


def _object_checksum(algorithm: str | None, done: Sequence[DonePart]) -> str | None:
    """The object's checksum: CRCs combined (FULL_OBJECT), else the hash of the parts' digests and ``-N`` (COMPOSITE)."""
    if not algorithm or any(p.checksum is None for p in done):
        return None
    from sigcurl.checksums import crc_combine, int_to_value, value_to_int

    if algorithm in CRCS:
        crc = 0
        for p in done:
            assert p.checksum is not None
            crc = crc_combine(algorithm, crc, value_to_int(p.checksum), p.size)
        return int_to_value(algorithm, crc)
    import hashlib

    digests = b"".join(base64.b64decode(p.checksum or "") for p in done)
    return base64.b64encode(hashlib.new(algorithm, digests).digest()).decode() + f"-{len(done)}"


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    return next((v for n, v in headers if n.lower() == lname), None)


class _Workers:
    """Daemon worker threads (each keeps its own connection); results come back in completion order.

    Daemon threads, so that a part stuck in a slow network call never keeps the process alive after an abort.
    """

    def __init__(self, count: int, work: Callable[[Any], DonePart]) -> None:
        self.busy = 0
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._results: queue.Queue[tuple[DonePart | None, BaseException | None]] = queue.Queue()
        self._work = work
        self._threads = [threading.Thread(target=self._run, name=f"sigcurl-part-{i}", daemon=True) for i in range(count)]
        for t in self._threads:
            t.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                self._results.put((self._work(job), None))
            except BaseException as exc:  # noqa: BLE001 - handed to the producer
                self._results.put((None, exc))
            del job  # an idle worker holds no part

    def submit(self, job: Any) -> None:
        self.busy += 1
        self._jobs.put(job)

    def next_result(self) -> DonePart:
        """The next finished part; raises its failure."""
        while True:
            try:
                result, exc = self._results.get(timeout=0.5)  # a timeout keeps Ctrl-C prompt
            except queue.Empty:
                continue
            self.busy -= 1
            if exc is not None:
                raise exc
            assert result is not None
            return result

    def drain(self, seconds: float) -> None:
        """Wait (at most ``seconds``) for the parts in flight to stop."""
        import time

        end = time.monotonic() + seconds
        while self.busy and time.monotonic() < end:
            try:
                self._results.get(timeout=0.1)
                self.busy -= 1
            except queue.Empty:
                continue

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
