"""One transfer: a :class:`~sigcurl.spec.TransferSpec` in, an :class:`Outcome` out.

The request is built by curl's rules (:mod:`sigcurl.curlopts`), its scope
found (:mod:`sigcurl.scope`), signed (:mod:`sigcurl.signer`), and then
either printed (``--presign``, ``--sign-only``) or sent through
:mod:`sigcurl.transport`, every attempt and hop signed afresh, the response
written by :mod:`sigcurl.output.response`.  A transfer knows nothing of
batches: :mod:`sigcurl.driver` runs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from sigcurl.awsconfig import aws_retry, ca_bundle, configured_endpoint, required_headers, say_how, unsigned_scope
from sigcurl.curlopts import HttpRequest, build_request
from sigcurl.environment import Env
from sigcurl.errors import OutputClosedError, SigcurlError, UsageError
from sigcurl.output.stderr import Stderr
from sigcurl.output.verbose import debug_signature, duration_text, signed_http, url_host, verbose_request
from sigcurl.scope import SIGV4A, Scope, resolve_scope
from sigcurl.session import Session
from sigcurl.spec import FORMAT_HTTP, PRESIGN, RESUME_AUTO, SEND, SIGN_ONLY, TransferSpec

if TYPE_CHECKING:
    from datetime import datetime

    from sigcurl.credentials import ResolvedCredentials
    from sigcurl.output.response import Exchange
    from sigcurl.output.trace import Trace
    from sigcurl.s3.parts import PartSource
    from sigcurl.signer.types import SignedRequest
    from sigcurl.transport import Hooks, SignFn


class Outcome(NamedTuple):
    """How one transfer ended."""

    seq: int  # the transfer's place in the run, from 0
    url: str
    error: SigcurlError | None = None  # None: success


class Signing:
    """How the attempts of one transfer are signed; the scope's region may be corrected (S3 redirects).

    A plain slotted class, mutable on purpose: a region correction changes
    ``scope`` for the attempts that follow.
    """

    __slots__ = ("spec", "scope", "session", "err")

    def __init__(self, spec: TransferSpec, scope: Scope, session: Session, err: Stderr) -> None:
        self.spec = spec
        self.scope = scope
        self.session = session
        self.err = err

    def credentials(self) -> ResolvedCredentials:
        s = self.spec
        return self.session.credentials(s.signing.credentials, s.signing.region, s.transport)

    def now(self) -> datetime:
        """The signing time: --date, else the local clock corrected by the server's (clock skew)."""
        return self.spec.signing.date or self.session.env.now() + self.session.clock_offset

    def sign(self, req: HttpRequest, *, presign: bool = False) -> SignedRequest:
        from sigcurl.signer import presign as presign_fn
        from sigcurl.signer import sign as sign_fn
        from sigcurl.signer.types import UNSIGNED_PAYLOAD, SignedRequest

        signing, scope = self.spec.signing, self.scope
        headers = req.headers
        if signing.sign_host:
            headers = [(n, v) for n, v in headers if n.lower() != "host"]
            headers.insert(0, ("Host", signing.sign_host))
        headers, sha256_header = required_headers(headers, scope)
        if signing.no_sign:  # --no-sign-request: as built, no credentials looked up
            if not any(n.lower() == "host" for n, _ in headers):
                from sigcurl.signer.request import split_url

                headers = [("Host", split_url(req.url)[1]), *headers]
            return SignedRequest(req.method, req.url, list(headers), "", "", "")
        creds = self.credentials().credentials
        payload_hash = UNSIGNED_PAYLOAD if signing.unsigned_payload else None
        try:
            if presign:
                signed = presign_fn(
                    req.method, req.url, headers, credentials=creds, region=scope.region, service=scope.service,
                    time=self.now(), expires=signing.expires, payload_hash=payload_hash, algorithm=scope.algorithm,
                    body=b"" if req.body is None else (req.body.in_memory() or b""),
                    content_sha256_header=sha256_header,
                )
            else:
                if req.body is not None:
                    # A streamed body (sigcurl.streaming) signs with its marker; else the SHA-256 pass.
                    payload_hash = req.body.marker or payload_hash or req.body.sha256()
                signed = sign_fn(
                    req.method, req.url, headers, b"", credentials=creds, region=scope.region,
                    service=scope.service, time=self.now(), payload_hash=payload_hash, algorithm=scope.algorithm,
                    content_sha256_header=sha256_header,
                )
                if req.body is not None:
                    req.body.bind(signed, creds, scope.region, scope.service, scope.algorithm)
        except ValueError as exc:
            raise UsageError(str(exc), "check the headers and the URL") from None
        except RuntimeError as exc:  # the signer's SigV4aUnavailable: its what and fix make the line
            what, fix = getattr(exc, "what", None), getattr(exc, "fix", "")
            if what is None:
                raise
            raise SigcurlError(what, fix) from None
        if signing.debug_signature:
            self.err.write(debug_signature(signed.canonical_request, signed.string_to_sign, creds.session_token))
        return signed


def run(spec: TransferSpec, env: Env, session: Session, err: Stderr) -> Outcome:
    """Run one transfer; its error (if any) is written to ``err`` as one line and returned."""
    try:
        _run(spec, env, session, err)
    except SigcurlError as exc:
        closed = isinstance(exc, OutputClosedError)
        if not (closed and session.output_closed):  # a closed stdout is said once per run
            err.error(exc.line())
        session.output_closed = session.output_closed or closed
        return Outcome(spec.seq, spec.request.url, exc)
    return Outcome(spec.seq, spec.request.url)


def _run(spec: TransferSpec, env: Env, session: Session, err: Stderr) -> None:
    spec = ca_bundle(spec, session)
    r, mode = spec.request, spec.signing.mode
    byte_range, resumed_from = _range(spec)
    req = build_request(
        url=_url(spec, session, err), method=r.method, headers=r.headers, data=r.data, get=r.get, head=r.head, upload=r.upload,
        user_agent=r.user_agent, compressed=r.compressed, stdin=env.stdin, forms=r.forms,
        default_headers=mode != PRESIGN, referer=r.referer, byte_range=byte_range, if_none_match=r.etag_compare,
    )
    scope = _scope(spec, req.url, session, err)
    spec = aws_retry(spec, session, scope.service)  # botocore's rules depend on the service
    signing = Signing(spec, scope, session, err)
    req = configured_endpoint(spec, session, signing.scope, req, err)
    req = _json_protocol(spec, signing.scope, req)
    if mode == PRESIGN:
        # the user's -H headers are signed (the URL's user must send them); -d alone does not make it a POST
        method = req.method if r.method or req.method != "POST" else "GET"
        signed = signing.sign(HttpRequest(method, req.url, req.headers, None), presign=True)
        _write(env, (signed.url + "\n").encode())
        return
    if mode == SEND and req.body is not None:
        from sigcurl.s3.parts import choose_source

        req, source = choose_source(req, signing.scope.service, spec.upload.part_size)
        if source is not None:  # an S3 object too big for one PUT, or a stream longer than one part
            _send_multipart(spec, env, session, signing, req, source, err)
            return
    req = _plan_body(spec, signing.scope, req, err)
    if mode == SIGN_ONLY:
        signed, fmt = signing.sign(req), spec.signing.sign_format
        if fmt == FORMAT_HTTP:
            _write(env, signed_http(signed.method, signed.url, signed.headers, None if req.body is None else req.body.length,
                                    first=not spec.seq))
            return
        from sigcurl.output.export import export

        _write(env, export(fmt, signed, req.body, spec.signing, first=spec.seq == 0).encode())
        return
    _send(spec, env, session, signing, req, err, resumed_from)


def _range(spec: TransferSpec) -> tuple[str | None, int]:
    """The ``Range`` to ask for and the offset resumed from (0: none): a non-zero ``-C`` wins over ``-r``, as in curl."""
    r = spec.request
    if r.resume_from is None:
        return r.range, 0
    offset = r.resume_from
    if offset == RESUME_AUTO:
        from sigcurl.curlopts import wire_url
        from sigcurl.output.sink import resume_offset

        offset = resume_offset(spec.output, wire_url(r.url))
    return (f"{offset}-", offset) if offset > 0 else (r.range, 0)


def _url(spec: TransferSpec, session: Session, err: Stderr) -> str:
    """The URL to send to: ``s3://BUCKET/KEY`` resolved in the region given or configured (else us-east-1)."""
    url = spec.request.url
    if url[:5].lower() != "s3://":  # the common case: no s3 module to import
        return url
    from sigcurl.s3.urls import is_s3_url, s3_https_url
    from sigcurl.scope import DEFAULT_REGION

    if not is_s3_url(url):
        return url
    s = spec.signing
    region = s.region or session.configured_region(s.credentials.profile)() or DEFAULT_REGION
    https = s3_https_url(url, region)
    if spec.output.verbose:
        err.write(f"* {url} is {https}\n")
    return https


def _scope(spec: TransferSpec, url: str, session: Session, err: Stderr) -> Scope:
    s = spec.signing
    from sigcurl.signer.request import split_url

    netloc = split_url(url)[1]
    if s.no_sign:  # nothing is signed: the host's service only shapes the request (S3, JSON protocol)
        return unsigned_scope(s.sign_host or netloc, s.service, s.region)
    scope = resolve_scope(
        s.sign_host or netloc, service=s.service, region=s.region, sigv4a=s.sigv4a, region_set=s.region_set,
        configured_region=session.configured_region(s.credentials.profile),
        configured_region_set=session.configured_region_set(s.credentials.profile),
    )
    if spec.output.verbose:
        say_how(scope, bool(s.service), err)
    if scope.assumed_region and scope.endpoint is None and spec.output.verbose:  # the host says nothing either
        err.write(f"* no region for {url_host(url)}: signing for us-east-1 (pass --region, or set AWS_REGION)\n")
    return scope


def _json_protocol(spec: TransferSpec, scope: Scope, req: HttpRequest) -> HttpRequest:
    """``--json`` to an ``X-Amz-Target`` API: the Content-Type its service expects.

    DynamoDB, Kinesis, CloudWatch Logs, SSM... speak the AWS JSON protocol
    and want ``application/x-amz-json-1.0`` or ``-1.1``; a Content-Type
    given with -H is always kept.
    """
    r = spec.request
    if not any(d.kind == "json" for d in r.data):
        return req
    names = {n.lower() for n, _ in req.headers}
    given = {h.split(":", 1)[0].split(";", 1)[0].strip().lower() for h in r.headers}
    if "x-amz-target" not in names or "content-type" in given:
        return req
    from sigcurl.endpoints import json_content_type

    content_type = json_content_type(scope.service)
    if content_type is None:
        return req
    return req._replace(headers=[(n, content_type if n.lower() == "content-type" else v) for n, v in req.headers])


def _plan_body(spec: TransferSpec, scope: Scope, req: HttpRequest, err: Stderr) -> HttpRequest:
    """How the body is signed and framed (sigcurl.streaming); unchanged without a body."""
    s = spec.signing
    if req.body is None:
        return req
    from sigcurl.streaming import plan_upload

    aws_chunked = s.aws_chunked
    if s.mode == SIGN_ONLY and s.sign_format != FORMAT_HTTP:
        # an exported request is sent by another program: the body's hash is signed, never chunk by chunk
        if aws_chunked:
            raise UsageError(f"--aws-chunked cannot be exported with --sign-format {s.sign_format}: each chunk is signed as it is sent",
                             "drop --aws-chunked (the body's SHA-256 is signed instead)")
        aws_chunked = False
    req, plan = plan_upload(
        req, service=scope.service, algorithm=scope.algorithm, unsigned=s.unsigned_payload,
        checksum=s.checksum, aws_chunked=aws_chunked,
    )
    if plan is not None and plan.notice and req.body is not None and req.body.length > 8 << 20:
        err.info(plan.notice)
    return req


def _signer(spec: TransferSpec, signing: Signing, exchange: Exchange, err: Stderr) -> SignFn:
    """How each attempt and hop is signed (a hop to another host without credentials unless trusted)."""
    out, trace = spec.output, exchange.trace

    def traced(hop: HttpRequest, url: str, headers: list[tuple[str, str]]) -> None:
        if trace is not None:  # the hop's own body: a multipart upload's part, none after a 303
            body = hop.body
            trace.send(hop.method, url, headers, None if body is None else body.length, None if body is None else body.in_memory())

    def sign_hop(hop: HttpRequest, trusted: bool) -> tuple[str, list[tuple[str, str]]]:
        if not trusted:
            headers = [(n, v) for n, v in hop.headers if n.lower() not in ("authorization", "x-amz-security-token")]
            if out.verbose:
                err.write(f"* not signing the request to another host ({url_host(hop.url)}): use --location-trusted to sign it\n")
                verbose_request(err, hop.method, hop.url, headers)
            traced(hop, hop.url, headers)
            return hop.url, headers
        signed = signing.sign(hop)
        exchange.signed = signed
        if out.verbose and spec.signing.no_sign:
            err.write("* not signing: --no-sign-request\n")
            verbose_request(err, signed.method, signed.url, signed.headers)
        elif out.verbose:
            scope = signing.scope
            alg = "AWS4-ECDSA-P256-SHA256" if scope.algorithm == SIGV4A else "AWS4-HMAC-SHA256"
            err.write(f"* signing {alg} for service {scope.service} in {scope.region} with {signing.credentials().source}\n")
            verbose_request(err, signed.method, signed.url, signed.headers)
        traced(hop, signed.url, signed.headers)
        return signed.url, signed.headers

    return sign_hop


def _exchange(spec: TransferSpec, env: Env, session: Session, err: Stderr, resumed_from: int = 0) -> Exchange:
    from sigcurl.output.response import Exchange
    from sigcurl.output.sink import create_head_files

    create_head_files(spec.output, session.shared_file)  # before anything is sent, as curl does
    return Exchange(spec, env, err, session.secrets, trace=_trace(spec, env, session), resumed_from=resumed_from,
                    shared_file=session.shared_file)


def _send(spec: TransferSpec, env: Env, session: Session, signing: Signing, req: HttpRequest, err: Stderr,
          resumed_from: int = 0) -> None:
    from sigcurl.output.body import preload_event_stream
    from sigcurl.output.response import write_failure, write_response

    transport = session.transport(spec.transport)
    exchange = _exchange(spec, env, session, err, resumed_from)
    started = time.monotonic()
    req = exchange.meter_upload(req)
    preload_event_stream(req.method, req.url, signing.scope.service)
    try:
        resp = transport.send(req, _signer(spec, signing, exchange, err), _hooks(spec, env, session, signing, exchange.redirected))
    except SigcurlError as exc:  # no response: -w still reports (000, the exit code, the message), as curl does
        write_failure(exchange, req, started, time.monotonic(), exc)
        raise
    try:
        write_response(exchange, resp, req)
    finally:
        resp.close()


def _trace(spec: TransferSpec, env: Env, session: Session) -> Trace | None:
    """``--trace``/``--trace-ascii``: one stream for the run (``-`` is stdout)."""
    out = spec.output
    if not out.trace:
        return None
    from sigcurl.output.trace import Trace

    stream = env.stdout if out.trace == "-" else session.shared_file(out.trace)
    return Trace(stream, ascii_only=out.trace_ascii, timed=out.trace_time, secrets=session.secrets)


def _send_multipart(spec: TransferSpec, env: Env, session: Session, signing: Signing, req: HttpRequest,
                    source: PartSource, err: Stderr) -> None:
    """An S3 object PUT as a multipart upload (:mod:`sigcurl.s3.multipart`); the answer shown is CompleteMultipartUpload's."""
    from sigcurl.interrupts import UNDO_SECONDS
    from sigcurl.output.response import write_response
    from sigcurl.s3.multipart import PART_RETRIES, Calls, Settings, upload
    from sigcurl.s3.plan import DEFAULT_CONCURRENCY
    from sigcurl.streaming import DEFAULT_CHECKSUM, plan_upload

    s = spec.signing
    exchange = _exchange(spec, env, session, err)
    sign_hop = _signer(spec, signing, exchange, err)
    hooks = _hooks(spec, env, session, signing, exchange.redirected)
    retry = spec.transport.retry
    options = spec.transport._replace(retry=retry._replace(retries=max(retry.retries, PART_RETRIES)))

    bounded = spec.transport._replace(max_time=UNDO_SECONDS, retry=retry._replace(retries=0))

    def send(r: HttpRequest, at_once: bool = False) -> Any:  # each worker thread: its own connection
        # at_once: an interrupted upload's abort, one attempt answered within UNDO_SECONDS (the exit stays prompt)
        return session.transport(bounded if at_once else options).send(r, sign_hop, hooks)

    def prepare(r: HttpRequest, checksum: str | None, aws_chunked: bool | None) -> HttpRequest:
        scope = signing.scope
        return plan_upload(r, service=scope.service, algorithm=scope.algorithm, unsigned=s.unsigned_payload,
                           checksum=checksum or "none", aws_chunked=aws_chunked)[0]

    checksum = DEFAULT_CHECKSUM if s.checksum is None else None if s.checksum == "none" else s.checksum
    settings = Settings(spec.upload.concurrency or DEFAULT_CONCURRENCY, checksum, s.aws_chunked)
    answer, summary = upload(req, source, settings, Calls(send, prepare, hooks.say))
    exchange.upload = summary
    try:
        write_response(exchange, answer, req)
    finally:
        answer.close()


def _hooks(spec: TransferSpec, env: Env, session: Session, signing: Signing, redirected: Callable[[Any], None]) -> Hooks:
    """How the transport reports retries and redirects and asks for clock and region corrections."""
    from sigcurl.transport import Hooks

    err = signing.err
    verbose = spec.output.verbose

    def log(message: str) -> None:
        if verbose:
            err.write(f"* {message}\n")

    def correct_clock(server_time: datetime) -> bool:
        if spec.signing.date is not None:
            log("the service says the signing time is off, but --date fixes it: not correcting")
            return False
        offset = server_time - env.now()
        session.clock_offset = offset  # later transfers of this run sign with the corrected clock at once
        seconds = offset.total_seconds()
        log(
            f"local clock is {duration_text(abs(seconds))} {'behind' if seconds > 0 else 'ahead of'} the server's "
            f"(Date: {server_time.strftime('%a, %d %b %Y %H:%M:%S GMT')}): re-signing with the server's time"
        )
        return True

    def correct_region(region: str) -> str | None:
        scope = signing.scope
        if scope.service != "s3" or scope.algorithm != "sigv4" or region == scope.region:
            return None
        signing.scope = scope._replace(region=region)
        log(f"S3 bucket is in {region}, not {scope.region}: re-signing for {region}")
        return scope.region

    client = session.aws_client(spec.transport.retry.aws_mode, signing.scope.service, signing.scope.region, env.clock.monotonic())
    return Hooks(log=log, correct_clock=correct_clock, correct_region=correct_region, redirected=redirected, aws_client=client)


def _write(env: Env, data: bytes) -> None:
    from sigcurl.output.writes import write_bytes

    write_bytes(env.stdout, data)
