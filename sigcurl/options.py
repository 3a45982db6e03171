"""Every option rule in one place: the parsed options compiled into a typed :class:`~sigcurl.spec.RunSpec`.

The command line reaches this module as one mapping per option set (what
click parsed, see :mod:`sigcurl.cli`); :func:`compile_run` checks every
option value and every combination, reads what must be read before anything
is sent (``-w @FILE``, ``--url-query`` files), and returns immutable specs.
Nothing after this module looks an option up by name.

Rules kept here (curl's where curl has one):

* conflicts: ``--presign``/``--sign-only``, ``-f``/``--fail-with-body``,
  ``--expires`` without ``--presign``, ``-T`` with data, ``-F`` with data,
  ``-T`` or ``-G``, ``-I`` with a body, ``--checksum``/``--aws-chunked``
  without a body;
* values: ``-X`` a token, keys printable ASCII (never echoed), ``--service``,
  ``--region`` and ``--region-set`` names, ``--date``, ``--expires`` range,
  ``--resolve``/``--connect-to`` syntax (empty parts allowed in
  ``--connect-to``), URL globs (checked and counted, expanded lazily);
* global options (``-v``, ``-s``, ``-S``, ``-Z``, ``--parallel-max``,
  ``--fail-early``, ``--stderr``, ``--trace*``, ``-#``, ``--no-progress-meter``)
  apply to every option set wherever given; ``--parallel-max`` also bounds the parts of an
  S3 multipart upload sent at once; ``--part-size`` within S3's limits (5 MiB to 5 GiB);
* curl's AWS syntax (``--aws-sigv4``, ``-u``), ``-e``/``-r``/``-C``/
  ``--etag-compare``, mutual TLS, TLS versions and HTTP versions: the rules
  are in :mod:`sigcurl.options_curl`, called from here;
* the n-th ``-o``/``-O`` goes with the n-th URL of its set; pretty or raw
  output, and how an event stream is written (NDJSON lines, the live view,
  ``--raw`` frames), are decided here, once, from whether the body goes to
  a terminal; ``-N/--no-buffer`` is carried to the output.

Imports no HTTP stack and no rich: ``--sign-only`` and ``--presign`` compile
through here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, BinaryIO, NamedTuple

from sigcurl import options_curl as curl
from sigcurl.errors import ExitCode, SigcurlError, UsageError
from sigcurl.names import warn_unknown_names
from sigcurl.signer.canonical import TOKEN_CHARS
from sigcurl.spec import (
    EVENTS_LINES,
    EVENTS_RAW,
    EVENTS_VIEW,
    FAIL,
    FAIL_NO,
    FAIL_WITH_BODY,
    FORMAT_HTTP,
    PRESIGN,
    REMOTE_NAME,
    SEND,
    SIGN_ONLY,
    CredentialSpec,
    OutputSpec,
    RequestSpec,
    RetryPolicy,
    RunSpec,
    SigningSpec,
    TransferSpec,
    TransportOptions,
    UploadSpec,
    WhoamiSpec,
)

#: Options that apply to every option set, wherever they are given (curl's "global" options).
GLOBAL_OPTIONS = ("verbose", "silent", "show_error", "parallel", "parallel_max", "fail_early", "stderr_", "trace", "trace_ascii",
                  "trace_time", "progress_bar", "no_progress_meter")

#: curl's --parallel-max default and ceiling.
PARALLEL_DEFAULT = 50
PARALLEL_CEILING = 300

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_SECRET_FLAGS = (("access_key", "--access-key"), ("secret_key", "--secret-key"), ("session_token", "--session-token"))


class _Set(NamedTuple):
    """One option set, checked: its URLs, outputs and the specs its transfers share."""

    urls: tuple[str, ...]
    outputs: tuple[str, ...]
    query: tuple[str, ...]
    globoff: bool
    flags: tuple[bool | None, bool | None, bool]  # --pretty/--raw, --color/--no-color, NO_COLOR set
    request: RequestSpec
    signing: SigningSpec
    output: OutputSpec
    transport: TransportOptions
    upload: UploadSpec


def compile_run(option_sets: Sequence[Mapping[str, Any]], *, stdin: BinaryIO, stdout_isatty: bool,
                environ: Mapping[str, str], warn: Callable[[str], None] | None = None) -> RunSpec:
    """The run the options describe; raises :class:`~sigcurl.errors.SigcurlError` for any bad option.

    ``option_sets`` are click's parsed values, one mapping per option set
    (``--next``).  ``warn(line)`` receives warnings (extra ``-o`` options).
    """
    merged = _globals(option_sets)
    first = {**option_sets[0], **merged}
    if first.get("whoami"):
        urls = [*first["urls"], *first["extra_urls"]]
        return RunSpec(iter(()), 0, whoami=WhoamiSpec(urls[0] if urls else None, _signing(first)),
                       silent=bool(merged.get("silent")), show_error=bool(merged.get("show_error")))
    sets = [_compile_set({**o, **merged}, i, stdin, stdout_isatty, environ, warn) for i, o in enumerate(option_sets)]
    count = sum(_count(url, s.globoff) for s in sets for url in s.urls)
    return RunSpec(
        transfers=_transfers(sets, stdout_isatty),
        total=count,
        parallel=bool(merged.get("parallel")),
        parallel_max=parallel_max(merged.get("parallel_max")),
        fail_early=bool(merged.get("fail_early")),
        silent=bool(merged.get("silent")),
        show_error=bool(merged.get("show_error")),
        verbose=bool(merged.get("verbose")),
        stderr=merged.get("stderr_"),
    )


def parallel_max(value: int | None) -> int:
    """curl's rule: default 50, at most 300, below 1 means the default."""
    if value is None or value < 1:
        return PARALLEL_DEFAULT
    return min(value, PARALLEL_CEILING)


def _globals(option_sets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The global options given in any option set."""
    merged: dict[str, Any] = {}
    for o in option_sets:
        for name in GLOBAL_OPTIONS:
            value = o.get(name)
            if name == "parallel_max":
                if value is not None:
                    merged[name] = value
            elif value:
                merged[name] = value
    return merged


def _compile_set(o: Mapping[str, Any], index: int, stdin: BinaryIO, stdout_isatty: bool,
                 environ: Mapping[str, str], warn: Callable[[str], None] | None) -> _Set:
    urls = (*o["urls"], *o["extra_urls"])
    if not urls:
        where = f" in option set {index + 1} (after --next)" if index else ""
        raise UsageError(f"no URL given{where}", "usage: sigcurl [OPTIONS] URL (see sigcurl --help)")
    outputs = o["output"]
    outputs = (outputs,) if isinstance(outputs, str) else tuple(outputs or ())
    if len(outputs) > len(urls) and warn is not None and not o["silent"]:
        warn(f"sigcurl: warning: {len(outputs) - len(urls)} more -o/--output than URLs; the extra ones are ignored")
    signing = _signing(o)
    warn_unknown_names(signing.region, signing.service, None if o["silent"] else warn)
    request = _request(o, warn)
    _check_body_options(o, request, signing)
    query: tuple[str, ...] = ()
    if o.get("url_query"):
        from sigcurl.curlopts import url_query_part

        query = tuple(url_query_part(q, stdin) for q in o["url_query"])
    write_out = o["write_out"]
    if write_out and write_out.startswith("@"):  # read -w @FILE before anything is sent
        from sigcurl.body import read_source

        write_out = read_source(write_out[1:], stdin, what="-w").decode("utf-8", "replace")
    fail = FAIL if o["fail"] else FAIL_WITH_BODY if o["fail_with_body"] else FAIL_NO
    flags = (o["pretty"], o["color"], "NO_COLOR" in environ)
    output = _sink(OutputSpec(
        output=REMOTE_NAME if o.get("remote_name_all") else None, output_dir=o["output_dir"],
        create_dirs=bool(o["create_dirs"]), include=bool(o["include"]), head_only=bool(o["head"]),
        verbose=bool(o["verbose"]), silent=bool(o["silent"]), show_error=bool(o["show_error"]), fail=fail,
        write_out=write_out or None, no_buffer=bool(o.get("no_buffer")),
        progress=not o.get("no_progress_meter"), dump_header=o.get("dump_header"),
        etag_save=o.get("etag_save"), remove_on_error=bool(o.get("remove_on_error")), resume=request.resume_from not in (None, 0),
        trace=o.get("trace_ascii") or o.get("trace"), trace_ascii=bool(o.get("trace_ascii")), trace_time=bool(o.get("trace_time")),
    ), flags, stdout_isatty)
    if o["cacert"] and signing.mode == SEND and not os.path.isfile(o["cacert"]):
        raise SigcurlError(f"cannot read --cacert {o['cacert']}", "give a PEM CA bundle file", exit_code=ExitCode.CA_CERT)
    capath = o.get("capath")
    if capath and signing.mode == SEND and not os.path.isdir(capath):
        raise SigcurlError(f"cannot read --capath {capath}", "give a directory of CA certificates", exit_code=ExitCode.CA_CERT)
    curl.http_version(o)
    cert = curl.client_cert(o, check_files=signing.mode == SEND)
    tls_min, tls_max = curl.tls_versions(o)
    transport = TransportOptions(
        insecure=bool(o["insecure"]), cacert=o["cacert"], proxy=o["proxy"], noproxy=o["noproxy"],
        max_time=o["max_time"], connect_timeout=o["connect_timeout"],
        follow=bool(o["follow"] or o["location_trusted"]), max_redirs=o["max_redirs"],
        location_trusted=bool(o["location_trusted"]), compressed=bool(o["compressed"]), capath=capath or None,
        cert=cert.cert, key=cert.key, password=cert.password, tls_min=tls_min, tls_max=tls_max,
        resolve=resolve_table(o["resolve_"], o["connect_to"]),
        retry=RetryPolicy(
            retries=o["retry"] or 0, given=o["retry"] is not None, delay=o["retry_delay"], max_time=o["retry_max_time"],
            all_errors=bool(o["retry_all_errors"]), fail=fail != FAIL_NO,
        ),
    )
    return _Set(urls, outputs, query, bool(o.get("globoff")), flags, request, signing, output, transport, _upload(o))


def _upload(o: Mapping[str, Any]) -> UploadSpec:
    """``--part-size`` (S3's part limits checked here, before anything is sent) and ``--parallel-max`` for parts."""
    text = o.get("part_size")
    size = None
    if text is not None:
        from sigcurl.s3.plan import check_part_size, parse_size

        size = check_part_size(parse_size(text))
    given = o.get("parallel_max")
    return UploadSpec(size, parallel_max(given) if given is not None else None)


def _request(o: Mapping[str, Any], warn: Callable[[str], None] | None = None) -> RequestSpec:
    curl.check_header_values(o)
    method = o["method"]
    if method is not None and (not method or not TOKEN_CHARS.issuperset(method)):
        raise UsageError(f"bad -X method {method!r}", "use a method name such as GET, PUT, POST or DELETE")
    resume = curl.continue_at(o.get("continue_at"))
    if resume and o["upload"] is not None:  # -C 0 is no resume at all
        raise UsageError("-C/--continue-at with -T (resuming an upload) is not supported", "upload the whole file, or use S3 multipart")
    return RequestSpec(
        url="", method=method, headers=curl.aws_auth(o).headers, data=tuple(o.get("data_args", ())),
        forms=tuple(o.get("form_args", ())), upload=o["upload"], get=bool(o["get"]), head=bool(o["head"]),
        user_agent=o["user_agent"], compressed=bool(o["compressed"]), referer=curl.referer(o.get("referer")),
        range=curl.byte_range(o.get("range_"), None if o["silent"] else warn), resume_from=resume,
        etag_compare=curl.etag_compare(o.get("etag_compare")),
    )


def _check_body_options(o: Mapping[str, Any], r: RequestSpec, s: SigningSpec) -> None:
    """Combinations of body options that curl refuses (or that cannot mean anything)."""
    if r.upload is not None and r.data:
        raise UsageError("-T cannot be combined with -d/--data/--json", "send the file with -T, or the data with -d")
    if r.forms and (r.data or r.upload is not None):
        raise UsageError("-F cannot be combined with -d/--data/--json or -T", "send a form with -F, or the data with -d")
    if r.forms and r.get:
        raise UsageError("-F cannot be combined with -G", "drop -G to POST the form")
    if r.head and (r.upload is not None or r.forms or (r.data and not r.get)):
        # curl: "You can only select one HTTP request method!"
        raise UsageError("-I (HEAD) cannot send a body (-d/--json, -F or -T)", "drop -I, or add -G to put -d data in the query")
    if s.mode == SEND or s.mode == SIGN_ONLY:
        has_body = r.upload is not None or bool(r.forms) or (bool(r.data) and not r.get)
        if not has_body and s.checksum not in (None, "none"):
            raise UsageError("--checksum needs a request body", "upload something with -T, --data-binary or -F")
        if not has_body and s.aws_chunked:
            raise UsageError("--aws-chunked needs a request body", "upload a file with -T FILE")


def _signing(o: Mapping[str, Any]) -> SigningSpec:
    sign_format = (o.get("sign_format") or FORMAT_HTTP).lower()
    sign_only = bool(o["sign_only"] or o.get("sign_format"))
    if o["presign"] and sign_only:
        raise UsageError(f"--presign and {'--sign-only' if o['sign_only'] else '--sign-format'} cannot be combined", "choose one")
    if o["fail"] and o["fail_with_body"]:
        raise UsageError("-f/--fail and --fail-with-body cannot be combined", "choose one (as in curl)")
    if o["expires"] != 900 and not o["presign"]:
        raise UsageError("--expires only applies to --presign", "add --presign, or drop --expires")
    if not 1 <= o["expires"] <= 7 * 24 * 3600:
        raise UsageError(f"--expires {o['expires']} is out of range", "use 1 to 604800 seconds (7 days)")
    for key, flag in _SECRET_FLAGS:
        value = o.get(key)
        if value is not None and (not value or any(ord(c) < 0x21 or ord(c) > 0x7E for c in value)):
            # never echo the value: it may be a secret
            raise UsageError(f"{flag} contains spaces, control or non-ASCII characters", f"check the value given to {flag}")
    auth = curl.aws_auth(o)
    service = _check_name(o["service"], "--service", _NAME_CHARS | {"."}, "s3") if o["service"] is not None else None
    region = _check_name(o["region"], "--region", _NAME_CHARS, "us-east-1") if o["region"] is not None else None
    if auth.service is not None:
        service = _agree(service, _check_name(auth.service, "--aws-sigv4 service", _NAME_CHARS | {"."}, "s3"), "--service")
    if auth.region is not None:
        region = _agree(region, _check_name(auth.region, "--aws-sigv4 region", _NAME_CHARS, "us-east-1"), "--region")
    region_set = o["region_set"]
    if region_set is not None and (not region_set or any(c not in _NAME_CHARS and c not in ",*" for c in region_set)):
        raise UsageError(f"bad --region-set {region_set!r}", "use '*' or a comma-separated list such as us-east-1,us-west-2")
    checksum = o.get("checksum")
    if o.get("no_sign_request") and (bad := [f for f in ("--presign", "--aws-chunked", "--debug-signature") if o.get(f[2:].replace("-", "_"))]):
        raise UsageError(f"--no-sign-request and {bad[0]} cannot be combined", "choose one")
    return SigningSpec(
        service=service, region=region, sigv4a=bool(o["sigv4a"]), region_set=region_set or None,
        unsigned_payload=bool(o["unsigned_payload"]), checksum=checksum.lower() if checksum else None,
        aws_chunked=False if o.get("no_sign_request") else o.get("aws_chunked"), no_sign=bool(o.get("no_sign_request")),
        mode=PRESIGN if o["presign"] else SIGN_ONLY if sign_only else SEND,
        sign_format=sign_format,
        expires=o["expires"], sign_host=o["sign_host"] or None, date=parse_date(o["date_"]) if o["date_"] else None,
        debug_signature=bool(o["debug_signature"]),
        credentials=CredentialSpec(
            profile=o["profile"], access_key=auth.access_key or o["access_key"], secret_key=auth.secret_key or o["secret_key"],
            session_token=auth.session_token or o["session_token"], role_arn=o["role_arn"], role_session_name=o["role_session_name"],
            external_id=o["external_id"], duration=o["duration"],
        ),
    )


def _agree(given: str | None, from_sigv4: str, flag: str) -> str:
    """``--region``/``--service`` and the same part of ``--aws-sigv4`` must say the same."""
    if given is not None and given != from_sigv4:
        raise UsageError(f"{flag} {given} and --aws-sigv4 ...{from_sigv4} disagree", f"give it once (in {flag} or in --aws-sigv4)")
    return from_sigv4


def _check_name(value: str, what: str, allowed: frozenset[str], example: str) -> str:
    if not value or any(c not in allowed for c in value):
        raise UsageError(f"bad {what} {value!r}", f"use lower-case letters, digits and '-' (e.g. {example})")
    return value


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


def resolve_table(resolve: Sequence[str], connect_to: Sequence[str]) -> tuple[tuple[str, int, str, int], ...]:
    """``--resolve HOST:PORT:ADDR`` and ``--connect-to HOST1:PORT1:HOST2:PORT2`` as one table.

    Each row is ``(host, port, address, port)``; an empty host or a 0 port
    in ``--connect-to`` matches any host or port (curl's empty parts).
    """
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


def _count(url: str, globoff: bool) -> int:
    if globoff or not any(c in url for c in "{}[]"):
        return 1
    from sigcurl.urlglob import count

    return count(url)


def _transfers(sets: Sequence[_Set], stdout_isatty: bool) -> Iterator[TransferSpec]:
    """Every transfer of every option set, in order, built as it is needed."""
    index = 0
    for gi, s in enumerate(sets):
        for k, url in enumerate(s.urls):
            given = s.outputs[k] if k < len(s.outputs) else None
            for one, values in _globbed(url, s.globoff):
                output = s.output
                if given is not None:
                    from sigcurl.urlglob import output_name

                    output = _sink(output._replace(output=output_name(given, values)), s.flags, stdout_isatty)
                request = s.request._replace(url=add_query(one, s.query))
                yield TransferSpec(index, gi, request, s.signing, output, s.transport, s.upload, urlnum=k)
                index += 1


def _sink(output: OutputSpec, flags: tuple[bool | None, bool | None, bool], stdout_isatty: bool) -> OutputSpec:
    """``output`` with terminal, pretty and colour decided for its sink (once, here).

    ``flags``: ``--pretty/--raw``, ``--color/--no-color`` (None: not given)
    and whether ``NO_COLOR`` is set.  Only stdout can be a terminal.  An
    event stream's form is decided here too: ``--raw`` keeps the frames;
    where JSON would be pretty-printed (a terminal, or ``--pretty``) the
    live view, unless ``-v`` asks for every event; else one JSON line per
    message.
    """
    pretty, color, no_color = flags
    terminal = stdout_isatty and output.output in (None, "-")
    pretty_ = pretty if pretty is not None else terminal
    events = EVENTS_RAW if pretty is False else EVENTS_VIEW if pretty_ and not output.verbose else EVENTS_LINES
    return output._replace(
        terminal=terminal,
        pretty=pretty_,
        color=color if color is not None else (terminal and not no_color),
        events=events,
    )


def _globbed(url: str, globoff: bool) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The URLs of a pattern (curl's globbing), or the URL itself with ``-g``."""
    if globoff or not any(c in url for c in "{}[]"):
        return iter([(url, ())])
    from sigcurl.urlglob import expand, has_glob

    return expand(url) if has_glob(url) else iter([(url, ())])


def add_query(url: str, parts: Sequence[str]) -> str:
    """``url`` with ``parts`` appended to its query (``&``-joined; the fragment stays last)."""
    if not parts:
        return url
    base, hash_, fragment = url.partition("#")
    extra = "&".join(parts)
    if "?" not in base:
        base += "?" + extra
    elif base.endswith(("?", "&")):
        base += extra
    else:
        base += "&" + extra
    return base + hash_ + fragment
