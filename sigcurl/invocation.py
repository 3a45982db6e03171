"""One run of the command: options -> requests -> signer -> transport -> render.

:class:`Invocation` turns the parsed options of ``sigcurl`` into signed
requests and sends them: it infers the service and region
(:mod:`sigcurl.endpoints`), resolves credentials once
(:mod:`sigcurl.credentials`), signs each attempt (:mod:`sigcurl.signer`),
sends through :mod:`sigcurl.transport` and writes through
:mod:`sigcurl.render`.  Several URLs and option sets are driven by
:mod:`sigcurl.batch`.  The click command in :mod:`sigcurl.cli` imports this
module only when it runs, so ``--help`` does not pay for it.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, BinaryIO

from sigcurl import render
from sigcurl.body import read_source
from sigcurl.curlopts import REMOTE_NAME, HttpRequest, build_request, remote_file_name
from sigcurl.environment import Env, isatty
from sigcurl.signer.canonical import TOKEN_CHARS
from sigcurl.errors import (
    ExitCode,
    HTTPStatusError,
    SigcurlError,
    SigningConfigError,
    UsageError,
    WriteError,
)

if TYPE_CHECKING:
    from sigcurl.batch import Shared
    from sigcurl.credentials import ResolvedCredentials
    from sigcurl.signer.types import SignedRequest
    from sigcurl.transport import Hooks, Response, Transport



def parse_date(text: str) -> datetime:
    """``--date``: ISO 8601 (``2015-08-30T12:36:00Z``) or the basic ``20150830T123600Z``."""
    value = text.strip()
    try:
        if len(value) == 16 and value[8] == "T" and value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"bad --date {text!r}", "use 2015-08-30T12:36:00Z or 20150830T123600Z") from None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    try:
        return when.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise UsageError(f"--date {text!r} is out of range", "use a date between years 1 and 9999") from None


def _check_name(value: str, what: str, allowed: str) -> str:
    if not value or any(c not in allowed for c in value):
        raise UsageError(f"bad {what} {value!r}", f"use lower-case letters, digits and '-' (e.g. {'us-east-1' if 'region' in what else 's3'})")
    return value


_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def _check_header_safe(o: dict[str, Any]) -> None:
    """Reject option values that would end up in the request line or a header with control characters."""
    method = o.get("method")
    if method is not None and (not method or not TOKEN_CHARS.issuperset(method)):
        raise UsageError(f"bad -X method {method!r}", "use a method name such as GET, PUT, POST or DELETE")
    for key, flag in (("access_key", "--access-key"), ("secret_key", "--secret-key"), ("session_token", "--session-token")):
        value = o.get(key)
        if value is not None and (not value or any(ord(c) < 0x21 or ord(c) == 0x7F or ord(c) > 0x7E for c in value)):
            # never echo the value: it may be a secret
            raise UsageError(f"{flag} contains spaces, control or non-ASCII characters", f"check the value given to {flag}")


class SigningContext:
    """How every request of one URL is signed (credentials resolved on first use).

    Mutable on purpose: a clock-skew error sets ``clock_offset`` and an S3
    region redirect sets ``region`` for the attempts that follow.  (A plain
    slotted class: a dataclass costs about a millisecond of start-up.)
    """

    __slots__ = ("env", "opts", "service", "region", "algorithm", "fixed_time", "resolved", "secrets",
                 "clock_offset", "shared")

    def __init__(
        self, env: Env, opts: dict[str, Any], service: str, region: str, algorithm: str,
        fixed_time: datetime | None, *, secrets: list[str | None] | None = None, shared: Shared | None = None,
    ) -> None:
        self.env = env
        self.opts = opts
        self.service = service
        self.region = region
        self.algorithm = algorithm
        self.fixed_time = fixed_time
        self.resolved: ResolvedCredentials | None = None
        self.secrets: list[str | None] = [] if secrets is None else secrets
        self.clock_offset = timedelta()  # server clock minus ours, after a skew error
        self.shared = shared  # the invocation's credential cache (resolved once, refreshed near expiry)

    def credentials(self) -> ResolvedCredentials:
        """The signing credentials (from the invocation's cache when there is one)."""
        if self.shared is not None:
            return self.shared.credentials(self)
        if self.resolved is None:
            self.resolved = self.resolve_credentials()
            creds = self.resolved.credentials
            self.secrets.extend([creds.secret_key, creds.session_token])
        return self.resolved

    def resolve_credentials(self) -> ResolvedCredentials:
        """Run the credential chain for these options."""
        from sigcurl.credentials import resolve_credentials

        o = self.opts
        environ = self.env.environ
        if o["region"]:
            # --region is the session's region, as the AWS CLI's is: STS calls for roles go there too.
            environ = {**environ, "AWS_REGION": o["region"]}
        return resolve_credentials(
            profile=o["profile"], access_key=o["access_key"], secret_key=o["secret_key"],
            session_token=o["session_token"], role_arn=o["role_arn"], role_session_name=o["role_session_name"],
            external_id=o["external_id"], duration_seconds=o["duration"], environ=environ,
            interactive=isatty(self.env.stdin),
        )

    def now(self) -> datetime:
        """The signing time: --date, else the local clock corrected by the server's (clock skew)."""
        return self.fixed_time or self.env.now() + self.clock_offset


class Invocation:
    """One run of the command (``run``), or one transfer of it (``one``, with ``shared`` state).

    ``groups`` are the option sets after the first (``--next``); ``shared``
    is the state the transfers of one run share (credentials, connections).
    """

    def __init__(
        self, env: Env, opts: dict[str, Any], *, groups: Sequence[dict[str, Any]] = (), shared: Shared | None = None
    ) -> None:
        self.env = env
        self.o = opts
        self.groups = list(groups)
        self.shared = shared
        self.secrets: list[str | None] = shared.secrets if shared is not None else []
        self.secrets.extend(v for v in (opts.get("secret_key"), opts.get("session_token")) if v and v not in self.secrets)
        self.err = render.Stderr(env.stderr, silent=opts["silent"], show_error=opts["show_error"], secrets=self.secrets)
        self.transport: Transport | None = None

    # -- entry ---------------------------------------------------------------
    def run(self) -> int:
        """Every transfer of every option set (see :mod:`sigcurl.batch`); the exit status."""
        o = self.o
        urls = list(o["urls"]) + list(o["extra_urls"])
        if o["whoami"]:
            return self.whoami(urls[0] if urls else None)
        groups = [o, *self.groups]
        for group in groups:
            self.check_options(group)
            fmt = group["write_out"]
            if fmt and fmt.startswith("@"):  # read -w @FILE before anything is sent
                group["write_out"] = read_source(fmt[1:], self.env.stdin, what="-w").decode("utf-8", "replace")
        if not self.groups and len(urls) == 1 and not o.get("url_query") and not self.globbed(urls[0]) and (isinstance(o["output"], str) or len(o["output"] or ()) <= 1):
            return self.single(urls[0])
        from sigcurl.batch import run_batch

        return run_batch(self, groups)

    def globbed(self, url: str) -> bool:
        """Whether ``url`` is a pattern that makes several transfers (curl's globbing, off with -g)."""
        if self.o.get("globoff") or not any(c in url for c in "{}[]"):
            return False
        from sigcurl.urlglob import has_glob

        return has_glob(url)

    def single(self, url: str) -> int:
        """The common case, one URL: no batch machinery to import."""
        outputs = self.o["output"]
        if not isinstance(outputs, str):
            self.o = dict(self.o, output=outputs[0] if outputs else None)
        try:
            self.one(url)
        except SigcurlError as exc:
            self.err.error(exc.line())
            return int(exc.exit_code)
        finally:
            if self.transport is not None:
                self.transport.close()
        return 0

    @staticmethod
    def check_options(o: dict[str, Any]) -> None:
        """Option combinations that are wrong whatever the URL (one option set)."""
        if o["presign"] and o["sign_only"]:
            raise UsageError("--presign and --sign-only cannot be combined", "choose one")
        if o["fail"] and o["fail_with_body"]:
            raise UsageError("-f/--fail and --fail-with-body cannot be combined", "choose one (as in curl)")
        if o["expires"] != 900 and not o["presign"]:
            raise UsageError("--expires only applies to --presign", "add --presign, or drop --expires")
        _check_header_safe(o)
        if not 1 <= o["expires"] <= 7 * 24 * 3600:
            raise UsageError(f"--expires {o['expires']} is out of range", "use 1 to 604800 seconds (7 days)")

    def whoami(self, url: str | None) -> int:
        from sigcurl.credentials.whoami import whoami_lines

        region = self.o["region"]
        if region is None and url:
            region = self.endpoint_for(url)[1]
        if region is None:
            from sigcurl.credentials import resolve_region

            region = resolve_region(profile=self.o["profile"], environ=self.env.environ)
        ctx = SigningContext(self.env, self.o, "sts", region or "us-east-1", "sigv4", None, secrets=self.secrets)
        self.stdout_write("".join(line + "\n" for line in whoami_lines(ctx.credentials(), region)).encode())
        return 0

    # -- signing setup ---------------------------------------------------------
    def endpoint_for(self, url: str) -> tuple[str | None, str | None, bool]:
        """(service, region, sigv4a) inferred from the URL's host."""
        from sigcurl.endpoints import infer_endpoint
        from sigcurl.signer.request import split_url

        netloc = split_url(url)[1]
        host = (self.o["sign_host"] or netloc).rpartition("@")[2]
        ep = infer_endpoint(host)
        if ep is None:
            return None, None, False
        return ep.service, ep.region, ep.sigv4a

    def signing_context(self, url: str) -> SigningContext:
        o = self.o
        service, region, sigv4a = self.endpoint_for(url)
        inferred = service is not None
        if o["service"] is not None:
            service = _check_name(o["service"], "--service", _NAME_CHARS + ".")
        if service is None:
            from sigcurl.signer.request import split_url

            host = split_url(url)[1]
            raise SigningConfigError(
                f"cannot tell which AWS service {host} is", "pass --service NAME (e.g. --service execute-api, --service s3)"
            )
        if o["region"] is not None:
            region = _check_name(o["region"], "--region", _NAME_CHARS)
        algorithm = "sigv4a" if (o["sigv4a"] or o["region_set"] or sigv4a) else "sigv4"
        if algorithm == "sigv4a":
            region_set = o["region_set"] or (o["region"] if o["region"] else "*")
            if any(c not in _NAME_CHARS + ",*" for c in region_set):
                raise UsageError(f"bad --region-set {region_set!r}", "use '*' or a comma-separated list such as us-east-1,us-west-2")
            region = region_set
        elif region is None:
            from sigcurl.credentials import resolve_region

            def configured() -> str | None:
                return resolve_region(profile=o["profile"], environ=self.env.environ)

            region = self.shared.region(o["profile"], self.env.environ, configured) if self.shared else configured()
            if region is None:
                region = "us-east-1"
                if not inferred and o["verbose"]:  # the host says nothing either: say what is assumed
                    self.err.write(f"* no region for {_host(url)}: signing for us-east-1 (pass --region, or set AWS_REGION)\n")
        fixed = parse_date(o["date_"]) if o["date_"] else None
        ctx = SigningContext(self.env, o, service, region, algorithm, fixed, secrets=self.secrets, shared=self.shared)
        if self.shared is not None:
            ctx.clock_offset = self.shared.clock_offset
        return ctx

    def sign(self, ctx: SigningContext, req: HttpRequest, *, presign: bool = False) -> SignedRequest:
        from sigcurl.signer import presign as presign_fn
        from sigcurl.signer import sign as sign_fn
        from sigcurl.signer.types import UNSIGNED_PAYLOAD

        o = self.o
        headers = req.headers
        if o["sign_host"]:
            headers = [(n, v) for n, v in headers if n.lower() != "host"]
            headers.insert(0, ("Host", o["sign_host"]))
        creds = ctx.credentials().credentials
        payload_hash = UNSIGNED_PAYLOAD if o["unsigned_payload"] else None
        try:
            if presign:
                return presign_fn(
                    req.method, req.url, headers, credentials=creds, region=ctx.region, service=ctx.service,
                    time=ctx.now(), expires=o["expires"], payload_hash=payload_hash, algorithm=ctx.algorithm,
                    body=b"" if req.body is None else (req.body.in_memory() or b""),
                )
            if req.body is not None:
                # A streamed body (sigcurl.streaming) signs with its marker; else the SHA-256 pass.
                payload_hash = req.body.marker or payload_hash or req.body.sha256()
            signed = sign_fn(
                req.method, req.url, headers, b"", credentials=creds, region=ctx.region, service=ctx.service,
                time=ctx.now(), payload_hash=payload_hash, algorithm=ctx.algorithm,
            )
            if req.body is not None:
                req.body.bind(signed, creds, ctx.region, ctx.service, ctx.algorithm)
            return signed
        except ValueError as exc:
            raise UsageError(str(exc), "check the headers and the URL") from None

    def debug_signature(self, signed: SignedRequest, creds_token: str | None) -> None:
        text = f"--- canonical request ---\n{signed.canonical_request}\n--- string to sign ---\n{signed.string_to_sign}\n---\n"
        if creds_token:  # in a header as is, in a presigned query URI-encoded
            for form in render.secret_forms(creds_token):
                text = text.replace(form, "<session-token>")
        self.err.write(text)

    # -- one URL -----------------------------------------------------------------
    def build(self, url: str) -> HttpRequest:
        o = self.o
        return build_request(
            url=url, method=o["method"], headers=o["headers"], data=o["data_args"], get=o["get"],
            head=o["head"], upload=o["upload"], user_agent=o["user_agent"], compressed=o["compressed"],
            stdin=self.env.stdin, forms=o.get("form_args", ()), default_headers=not o["presign"],
        )

    def one(self, url: str) -> None:
        o = self.o
        req = self.build(url)
        ctx = self.signing_context(req.url)
        req = self.json_protocol(ctx, req)
        if o["presign"]:
            # the user's -H headers are signed (the URL's user must send them); -d alone does not make it a POST
            method = req.method if o["method"] or req.method != "POST" else "GET"
            signed = self.sign(ctx, HttpRequest(method, req.url, req.headers, None), presign=True)
            if o["debug_signature"]:
                self.debug_signature(signed, ctx.credentials().credentials.session_token)
            self.stdout_write((signed.url + "\n").encode())
            return
        req = self.plan_body(ctx, req)
        if o["sign_only"]:
            signed = self.sign(ctx, req)
            if o["debug_signature"]:
                self.debug_signature(signed, ctx.credentials().credentials.session_token)
            from sigcurl.render import request_target

            lines = [f"{signed.method} {request_target(signed.url)} HTTP/1.1"]
            lines += [f"{n}: {v}" for n, v in signed.headers]
            if req.body is not None and not any(n.lower() == "content-length" for n, _ in signed.headers):
                lines.append(f"Content-Length: {req.body.length}")
            self.stdout_write(("\n".join(lines) + "\n").encode())
            return
        self.transfer(ctx, req)

    def json_protocol(self, ctx: SigningContext, req: HttpRequest) -> HttpRequest:
        """``--json`` to an ``X-Amz-Target`` API: the Content-Type its service expects.

        DynamoDB, Kinesis, CloudWatch Logs, SSM... speak the AWS JSON protocol
        and want ``application/x-amz-json-1.0`` or ``-1.1``; a Content-Type
        given with -H is always kept.
        """
        o = self.o
        if not any(d.kind == "json" for d in o["data_args"]):
            return req
        names = {n.lower() for n, _ in req.headers}
        given = {h.split(":", 1)[0].split(";", 1)[0].strip().lower() for h in o["headers"]}
        if "x-amz-target" not in names or "content-type" in given:
            return req
        from sigcurl.endpoints import json_content_type

        content_type = json_content_type(ctx.service)
        if content_type is None:
            return req
        headers = [(n, content_type if n.lower() == "content-type" else v) for n, v in req.headers]
        return req._replace(headers=headers)

    def plan_body(self, ctx: SigningContext, req: HttpRequest) -> HttpRequest:
        """How the body is signed and framed (sigcurl.streaming); unchanged without a body."""
        o = self.o
        if req.body is None and o.get("checksum") in (None, "none") and not o.get("aws_chunked"):
            return req
        from sigcurl.streaming import plan_upload

        req, plan = plan_upload(
            req, service=ctx.service, algorithm=ctx.algorithm, unsigned=o["unsigned_payload"],
            checksum=o.get("checksum"), aws_chunked=o.get("aws_chunked"),
        )
        if plan is not None and plan.notice and req.body is not None and req.body.length > 8 << 20:
            self.err.info(plan.notice)
        return req

    def stdout_write(self, data: bytes) -> None:
        render.write_bytes(self.env.stdout, data)

    # -- sending -------------------------------------------------------------------
    def transport_for(self) -> Transport:
        if self.transport is None:
            from sigcurl.transport import RetryPolicy, Transport, TransportOptions

            o = self.o
            options = TransportOptions(
                insecure=o["insecure"], cacert=o["cacert"], proxy=o["proxy"], noproxy=o["noproxy"],
                max_time=o["max_time"], connect_timeout=o["connect_timeout"],
                follow=o["follow"] or o["location_trusted"], max_redirs=o["max_redirs"],
                location_trusted=o["location_trusted"], compressed=o["compressed"],
                resolve=_resolve_table(o["resolve_"], o["connect_to"]),
                retry=RetryPolicy(
                    retries=o["retry"], delay=o["retry_delay"], max_time=o["retry_max_time"],
                    all_errors=o["retry_all_errors"], fail=o["fail"] or o["fail_with_body"],
                ),
            )
            # the transfers of one run share connection pools (one per thread and per option set)
            self.transport = self.shared.transport(options, lambda: Transport(options, clock=self.env.clock)) if self.shared else Transport(options, clock=self.env.clock)
            if o["cacert"] and not os.path.isfile(o["cacert"]):
                raise SigcurlError(f"cannot read --cacert {o['cacert']}", "give a PEM CA bundle file", exit_code=ExitCode.CA_CERT)
        return self.transport

    def transfer(self, ctx: SigningContext, req: HttpRequest) -> None:
        o = self.o
        transport = self.transport_for()
        last: dict[str, Any] = {}

        def sign_hop(hop: HttpRequest, trusted: bool) -> tuple[str, list[tuple[str, str]]]:
            if not trusted:
                headers = [(n, v) for n, v in hop.headers if n.lower() not in ("authorization", "x-amz-security-token")]
                if o["verbose"]:
                    self.err.write(f"* not signing the request to another host ({_host(hop.url)}): use --location-trusted to sign it\n")
                    render.verbose_request(self.err, hop.method, hop.url, headers)
                return hop.url, headers
            signed = self.sign(ctx, hop)
            last["signed"] = signed
            if o["debug_signature"]:
                self.debug_signature(signed, ctx.credentials().credentials.session_token)
            if o["verbose"]:
                resolved = ctx.credentials()
                alg = "AWS4-ECDSA-P256-SHA256" if ctx.algorithm == "sigv4a" else "AWS4-HMAC-SHA256"
                self.err.write(f"* signing {alg} for service {ctx.service} in {ctx.region} with {resolved.source}\n")
                render.verbose_request(self.err, signed.method, signed.url, signed.headers)
            return signed.url, signed.headers

        started = time.monotonic()
        req = self.meter_upload(req)
        hops: list[bytes] = []  # the header blocks of followed redirects (shown with -i, as curl does)
        resp = transport.send(req, sign_hop, self.transport_hooks(ctx, hops))
        try:
            self.handle_response(resp, req, last.get("signed"), started, hops)
        finally:
            resp.close()

    def meter_upload(self, req: HttpRequest) -> HttpRequest:
        """``req`` with its body shown on a progress meter when that is wanted (sigcurl.progress)."""
        body = req.body
        if body is None or not self.env.stderr_isatty or self.o["silent"] or body.in_memory() is not None:
            return req
        from sigcurl.progress import Meter, MeteredBody

        return req._replace(body=MeteredBody(body, Meter(self.env.stderr, "upload", body.length)))

    def meter_download(self, chunks: Any, resp: Response, terminal: bool) -> Any:
        """The response body counted on a progress meter (not when it goes to the terminal)."""
        if terminal or not self.env.stderr_isatty or self.o["silent"]:
            return chunks
        from sigcurl.progress import Meter

        length = resp.header("Content-Length")
        total = int(length) if length and length.isdigit() else None
        return Meter(self.env.stderr, "download", total).wrap(chunks)

    def handle_response(
        self, resp: Response, req: HttpRequest, signed: SignedRequest | None, started: float, hops: Sequence[bytes] = ()
    ) -> None:
        o = self.o
        if o["verbose"]:
            render.verbose_response(self.err, resp)
        failed = resp.status >= 400
        summary: tuple[str, str] | None = None  # (what, fix) of an AWS error body
        body_iter: Iterator[bytes] = iter(())
        if req.method == "HEAD" or o["head"]:
            pass
        elif failed:
            error_body = resp.read_all(render.ERROR_BODY_LIMIT)
            summary = self.report_aws_error(resp, error_body, signed, failing=bool(o["fail"] or o["fail_with_body"]))
            # An error body may echo what was signed (S3 returns the canonical request, token included).
            body_iter = itertools.chain([render.scrub_bytes(error_body, self.secrets)], resp.iter_body())
        else:
            body_iter = resp.iter_body(1 << 20)  # streamed in 1 MiB pieces, never held whole
        sink, close_sink, terminal = self.open_sink(req.url)
        if not failed:
            body_iter = self.meter_download(body_iter, resp, terminal)
        exit_error: SigcurlError | None = None
        try:
            if o["include"] or o["head"]:
                render.write_bytes(sink, b"".join(hops) + render.head_block(resp))
            if not (failed and o["fail"]):  # -f writes no body (--fail-with-body does)
                pretty = o["pretty"] if o["pretty"] is not None else terminal
                color = o["color"] if o["color"] is not None else (terminal and "NO_COLOR" not in self.env.environ)
                render.write_body(sink, body_iter, resp.header("Content-Type"), render.OutputSettings(pretty=pretty, color=color, terminal=terminal))
        except SigcurlError as exc:
            exit_error = exc
        finally:
            close_sink()
        if failed and (o["fail"] or o["fail_with_body"]) and exit_error is None:
            what, fix = summary or (f"HTTP {resp.status} {resp.reason}".rstrip() + f" from {_host(resp.url)}", "")
            if not fix:
                fix = "use --fail-with-body to see the response body" if o["fail"] else "the response body is in the output"
            exit_error = HTTPStatusError(f"{what} (-f)", fix)
        if o["write_out"]:
            self.write_out(resp, req, started, exit_error, hops)
        if exit_error is not None:
            raise exit_error

    def transport_hooks(self, ctx: SigningContext, hops: list[bytes]) -> Hooks:
        """How the transport reports retries and redirects and asks for clock and region corrections.

        The header block of each followed redirect is appended to ``hops``.
        """
        from sigcurl.transport import Hooks

        verbose = self.o["verbose"]

        def redirected(resp: Response) -> None:
            if verbose:
                render.verbose_response(self.err, resp)
            hops.append(render.head_block(resp))

        def log(message: str) -> None:
            if verbose:
                self.err.write(f"* {message}\n")

        def correct_clock(server_time: datetime) -> bool:
            if ctx.fixed_time is not None:
                log("the service says the signing time is off, but --date fixes it: not correcting")
                return False
            offset = server_time - self.env.now()
            ctx.clock_offset = offset
            if self.shared is not None:  # later transfers of this run sign with the corrected clock at once
                self.shared.clock_offset = offset
            seconds = offset.total_seconds()
            log(
                f"local clock is {_duration(abs(seconds))} {'behind' if seconds > 0 else 'ahead of'} the server's "
                f"(Date: {server_time.strftime('%a, %d %b %Y %H:%M:%S GMT')}): re-signing with the server's time"
            )
            return True

        def correct_region(region: str) -> str | None:
            if ctx.service != "s3" or ctx.algorithm != "sigv4" or region == ctx.region:
                return None
            previous, ctx.region = ctx.region, region
            log(f"S3 bucket is in {region}, not {previous}: re-signing for {region}")
            return previous

        return Hooks(log=log, correct_clock=correct_clock, correct_region=correct_region, redirected=redirected)

    def report_aws_error(self, resp: Response, body: bytes, signed: SignedRequest | None, *, failing: bool) -> tuple[str, str] | None:
        """Summarise an AWS error body in one line: printed now, or returned as the (what, fix) of
        the -f error (``failing``), so either way the user reads one line.  With -v, a signature
        mismatch the service explains is shown as a diff against what sigcurl signed."""
        err = render.parse_aws_error(body, resp.headers)
        if err is None:
            return None
        what, fix = render.error_summary(resp.status, _host(resp.url), err)
        explained = signed is not None and bool(err.canonical_request or err.string_to_sign)
        if explained:
            fix = ("the difference from what sigcurl signed is shown above" if failing else "the difference from what sigcurl signed follows") \
                if self.o["verbose"] else "rerun with -v to see how the service's canonical request differs from sigcurl's"
        if not failing:
            self.err.info(f"sigcurl: {what}" + (f" — {fix}" if fix else ""))
        if explained and self.o["verbose"]:
            assert signed is not None
            self.show_mismatch(signed, err)
        return what, fix

    def show_mismatch(self, signed: SignedRequest, err: render.AwsError) -> None:
        """-v: diff the canonical request and string to sign against the service's, with hints."""
        # Signature mismatch diagnosis (issue 7.4): diff what we signed against what the service computed.
        for label, ours, theirs in (
            ("canonical request", signed.canonical_request, err.canonical_request),
            ("string to sign", signed.string_to_sign, err.string_to_sign),
        ):
            if theirs is None:
                continue
            if ours == theirs:
                self.err.write(f"* the {label} matches what the service computed\n")
            else:
                self.err.write(render.signature_diff(label, ours, theirs) + "\n")
        hints = render.mismatch_hints(signed.canonical_request, err.canonical_request, signed.string_to_sign, err.string_to_sign)
        for hint in hints or [render.MISMATCH_HINT]:
            self.err.write(f"* hint: {hint}\n")

    def open_sink(self, url: str) -> tuple[BinaryIO, Callable[[], None], bool]:
        """Where the response goes (stdout, the -o file or -O's name), how to close it, and whether it is a terminal."""
        o = self.o
        path = o["output"]
        if path is None and o.get("remote_name_all"):
            path = REMOTE_NAME
        if path is None or path == "-":
            return self.env.stdout, lambda: None, self.env.stdout_isatty
        if path == REMOTE_NAME:
            path = remote_file_name(url)
        if o["output_dir"] and not os.path.isabs(path):
            path = os.path.join(o["output_dir"], path)
        if o["create_dirs"]:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        try:
            f = open(path, "wb")  # noqa: SIM115
        except OSError as exc:
            missing = not os.path.isdir(os.path.dirname(os.path.abspath(path)))
            fix = "add --create-dirs, or check the path" if missing else "check the path and its permissions"
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}", fix) from None
        return f, f.close, False

    def write_out(
        self, resp: Response, req: HttpRequest, started: float, error: SigcurlError | None, hops: Sequence[bytes]
    ) -> None:
        fmt = self.o["write_out"]
        info = render.TransferInfo(
            http_code=resp.status, method=req.method, url=req.url, url_effective=resp.url,
            content_type=resp.header("Content-Type") or "", headers=resp.headers, size_download=resp.size_download,
            size_upload=req.body.length if req.body is not None else 0, size_header=sum(map(len, hops)) + len(render.head_block(resp)),
            time_total=time.monotonic() - started, time_starttransfer=0.0, num_redirects=resp.redirects,
            exitcode=int(error.exit_code) if error else 0, errormsg=" ".join(error.what.split()) if error else "",
        )
        out, err, unknown = render.write_out(fmt, info)
        for name in dict.fromkeys(unknown):
            self.err.info(f"sigcurl: unknown --write-out variable %{{{name}}} — see 'sigcurl --help' for the variables")
        if out:
            self.stdout_write(out.encode())
        if err:
            self.err.write(err)


def _duration(seconds: float) -> str:
    """``3725`` -> ``1 h 2 min 5 s``."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else []) + [f"{secs} s"]
    return " ".join(parts)


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]


def _resolve_table(resolve: Sequence[str], connect_to: Sequence[str]) -> tuple[tuple[str, int, str, int], ...]:
    table: list[tuple[str, int, str, int]] = []
    for item in resolve:
        parts = item.split(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            raise UsageError(f"bad --resolve {item!r}", "use HOST:PORT:ADDRESS, e.g. example.com:443:127.0.0.1")
        addr = parts[2].strip("[]").split(",")[0]
        table.append((parts[0], int(parts[1]), addr, int(parts[1])))
    for item in connect_to:
        parts = item.split(":")
        if len(parts) != 4 or any(p and not p.isdigit() for p in (parts[1], parts[3])):
            raise UsageError(f"bad --connect-to {item!r}", "use HOST1:PORT1:HOST2:PORT2 (empty parts allowed)")
        table.append((parts[0], int(parts[1] or 0), parts[2], int(parts[3] or 0)))
    return tuple(table)
