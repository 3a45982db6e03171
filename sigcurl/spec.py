"""The typed, immutable values one run is made of: what :mod:`sigcurl.options` compiles.

Every option of the command ends up in exactly one of these values, checked
once (in :mod:`sigcurl.options`); nothing after that reads an option by name.
Per transfer (one URL of one option set), a :class:`TransferSpec` holds:

* :class:`RequestSpec`: what to send (method, URL, header and data options,
  the body's source), turned into bytes by :mod:`sigcurl.curlopts`;
* :class:`SigningSpec`: how to sign it (service/region overrides, algorithm,
  payload rules, presign or sign-only, the credentials' source);
* :class:`OutputSpec`: where the response goes and how it is shown (sink,
  ``-i``/``-v``/``-w``, pretty or raw decided once, ``-N``);
* :class:`UploadSpec`: how an S3 object upload is cut into parts;
* :class:`TransportOptions`: TLS, proxy, timeouts, redirects, the
  ``--resolve``/``--connect-to`` table and the :class:`RetryPolicy`.

A :class:`RunSpec` is the whole run: its global options and the transfers,
planned lazily (a pattern of 100,000 URLs is expanded as it is sent).

Named tuples rather than dataclasses: these are built on the start-up path,
where a dataclass costs about a millisecond more at import.  This module
imports nothing beyond the standard library's typing.
"""

# No `from __future__ import annotations`: typing.NamedTuple turns string annotations into
# ForwardRefs one by one, which made this module take twice as long to import (start-up time).

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sigcurl.curlopts import DataArg
    from sigcurl.multipart import FormArg

#: RequestSpec.resume_from for ``-C -``: the size of the output file, found when the transfer starts.
RESUME_AUTO = -1

#: The ``output`` value that ``-O/--remote-name`` stands for (NUL cannot be in a file name).
REMOTE_NAME = "\x00remote-name"


class RequestSpec(NamedTuple):
    """What to send, as the user gave it (curl's rules apply in :func:`sigcurl.curlopts.build_request`)."""

    url: str  # as typed, with --url-query applied and globs expanded
    method: str | None  # -X; None: curl's default for the body
    headers: tuple[str, ...] = ()  # -H arguments, in order (@FILE expanded when built)
    data: tuple["DataArg", ...] = ()  # -d/--data-*/--json, in command-line order
    forms: tuple["FormArg", ...] = ()  # -F/--form-string, in order
    upload: str | None = None  # -T FILE ("-" for stdin)
    get: bool = False  # -G
    head: bool = False  # -I
    user_agent: str | None = None  # -A ("" sends none)
    compressed: bool = False
    referer: str | None = None  # -e (without curl's ";auto")
    range: str | None = None  # -r: "0-499", "-500", "9500-", "0-0,-1"
    resume_from: int | None = None  # -C N, or the -o file's size with -C - (0: no Range)
    etag_compare: str | None = None  # --etag-compare: the If-None-Match value read from the file


class CredentialSpec(NamedTuple):
    """Where the signing credentials come from (hashable: the run's cache key)."""

    profile: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    session_token: str | None = None
    role_arn: str | None = None
    role_session_name: str | None = None
    external_id: str | None = None
    duration: int | None = None


#: SigningSpec.mode values.
SEND, PRESIGN, SIGN_ONLY = "send", "presign", "sign-only"

#: SigningSpec.sign_format values (--sign-format): HTTP text, JSON, a curl command line.
FORMAT_HTTP, FORMAT_JSON, FORMAT_CURL = "http", "json", "curl"


class SigningSpec(NamedTuple):
    """How every attempt of one transfer is signed (the scope is found per URL by :mod:`sigcurl.scope`)."""

    service: str | None = None  # --service (checked), else from the host
    region: str | None = None  # --region (checked), else host, environment, profile
    sigv4a: bool = False  # --sigv4a
    region_set: str | None = None  # --region-set (checked)
    unsigned_payload: bool = False
    checksum: str | None = None  # --checksum (lower case), "none" to send none
    aws_chunked: bool | None = None  # --aws-chunked/--no-aws-chunked
    mode: str = SEND  # SEND, PRESIGN or SIGN_ONLY
    expires: int = 900  # --presign lifetime, seconds
    sign_host: str | None = None
    date: datetime | None = None  # --date: sign as of this instant
    debug_signature: bool = False
    credentials: CredentialSpec = CredentialSpec()
    sign_format: str = FORMAT_HTTP  # --sign-format (SIGN_ONLY)
    no_sign: bool = False  # --no-sign-request: sent unsigned, no credentials looked up


#: OutputSpec.fail values: no -f, -f (no body), --fail-with-body.
FAIL_NO, FAIL, FAIL_WITH_BODY = "", "fail", "fail-with-body"


#: OutputSpec.events values: NDJSON (one line per message), the live terminal view, the frames as received.
EVENTS_LINES, EVENTS_VIEW, EVENTS_RAW = "lines", "view", "raw"


class OutputSpec(NamedTuple):
    """Where the response goes and how it is written."""

    output: str | None = None  # -o path, "-" or None (stdout), or REMOTE_NAME (-O)
    output_dir: str | None = None
    create_dirs: bool = False
    include: bool = False  # -i: status line and headers first
    head_only: bool = False  # -I: the head is the output
    verbose: bool = False
    silent: bool = False
    show_error: bool = False
    fail: str = FAIL_NO
    write_out: str | None = None  # the -w format (an @FILE already read)
    terminal: bool = False  # the body goes to a terminal (stdout is a tty and no -o)
    pretty: bool = False  # pretty-print JSON/XML (--pretty/--raw, else: a terminal)
    color: bool = False  # colour it (--color/--no-color, else: a terminal without NO_COLOR)
    events: str = "lines"  # an event stream is written as EVENTS_LINES, EVENTS_VIEW or EVENTS_RAW
    no_buffer: bool = False  # -N/--no-buffer: every body written as it arrives (no pretty-printing of documents)
    progress: bool = True  # the progress meter may be shown (--no-progress-meter: never)
    dump_header: str | None = None  # -D FILE ("-": stdout)
    etag_save: str | None = None  # --etag-save FILE
    remove_on_error: bool = False  # --remove-on-error: an -o file is removed when the transfer fails
    resume: bool = False  # -C other than 0: the -o file is appended to (a 206 answer is required)
    trace: str | None = None  # --trace/--trace-ascii FILE ("-": stdout)
    trace_ascii: bool = False  # --trace-ascii (else --trace: hex dump)
    trace_time: bool = False  # --trace-time: a time stamp before each trace and -v line


class RetryPolicy(NamedTuple):
    """``--retry`` and friends, with curl's meaning (the rules are in :mod:`sigcurl.transport.policy`).

    ``retries`` transient failures are retried: timeouts, connection
    failures, HTTP 408/429/500/502/503/504 and AWS throttling or transient
    error codes, for any method.  A failure after a request was sent
    (connection reset, empty reply) is retried only for idempotent methods,
    so a POST is never sent twice unless ``all_errors``.  ``all_errors``
    retries every failure (with ``fail`` also every HTTP status >= 400, as
    curl does with ``-f``).
    """

    retries: int = 0
    delay: float | None = None  # --retry-delay: a fixed wait instead of the backoff
    max_time: float | None = None  # --retry-max-time: no retry starts after this long
    all_errors: bool = False
    fail: bool = False  # -f or --fail-with-body: with all_errors, HTTP >= 400 is retried too
    given: bool = False  # --retry was given (else the AWS CLI's max_attempts/retry_mode may apply)
    aws_mode: str | None = None  # the AWS CLI's retry_mode (legacy, standard, adaptive) when it decides
    aws_default_attempts: bool = False  # no max_attempts: the mode's default for the service (DynamoDB's differ)
    aws_service: str = ""  # the signing name the AWS CLI's rules apply to (set once the scope is known)


class TransportOptions(NamedTuple):
    """Connection settings; transfers with equal options share a connection pool."""

    insecure: bool = False
    cacert: str | None = None
    proxy: str | None = None
    noproxy: str | None = None
    max_time: float | None = None
    connect_timeout: float | None = None
    follow: bool = False
    max_redirs: int = 50  # -1: no limit (curl's --max-redirs -1)
    location_trusted: bool = False
    compressed: bool = False
    capath: str | None = None  # --capath DIR (as well as --cacert or the default bundle)
    cert: str | None = None  # --cert FILE (PEM; the password split off into ``password``)
    key: str | None = None  # --key FILE (PEM)
    password: str | None = None  # --pass, or --cert FILE:PASSWORD
    tls_min: str | None = None  # --tlsv1.2/--tlsv1.3: "1.2" or "1.3"
    tls_max: str | None = None  # --tls-max: "1.2" or "1.3"
    resolve: tuple[tuple[str, int, str, int], ...] = ()  # (host, port) -> (address, port); "" and 0: any
    retry: RetryPolicy = RetryPolicy()


class UploadSpec(NamedTuple):
    """How an S3 object PUT is cut into a multipart upload (the rules are in :mod:`sigcurl.s3.plan`)."""

    part_size: int | None = None  # --part-size in bytes (checked); None: the default and threshold
    concurrency: int | None = None  # --parallel-max when given: parts sent at once


class TransferSpec(NamedTuple):
    """One URL of one option set: everything needed to run it."""

    seq: int  # 0-based, in the order given
    group: int  # the option set (0 unless --next)
    request: RequestSpec
    signing: SigningSpec
    output: OutputSpec
    transport: TransportOptions
    upload: UploadSpec = UploadSpec()
    urlnum: int = 0  # the URL's place in its option set (-w %{urlnum}; a glob's URLs share it)


class RunSpec(NamedTuple):
    """The whole run: global options and the transfers (planned lazily)."""

    transfers: Iterator[TransferSpec]
    total: int  # how many transfers there will be
    parallel: bool = False
    parallel_max: int = 50
    fail_early: bool = False
    silent: bool = False
    show_error: bool = False
    verbose: bool = False
    stderr: str | None = None  # --stderr FILE ("-": stdout)
    whoami: "WhoamiSpec | None" = None  # --whoami: no transfer, report the credentials


class WhoamiSpec(NamedTuple):
    """``--whoami``: which credentials and region a request would use."""

    url: str | None
    signing: SigningSpec
