"""Everything written to stdout and stderr for a person or a pipe.

stdout carries the response (status line and headers first with ``-i``),
raw and streamed when piped, pretty-printed with rich on a terminal.
stderr carries ``-v`` (secrets redacted), ``--debug-signature``, the
one-line AWS error summary, the signature-mismatch diff and errors.
rich is imported only when something is pretty-printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO, NamedTuple, TYPE_CHECKING, TextIO

from sigcurl.awserror import AwsError, error_summary, parse_aws_error
from sigcurl.errors import ExitCode, SigcurlError, WriteError

__all__ = ["AwsError", "error_summary", "parse_aws_error"]  # re-exported while the output package is built

if TYPE_CHECKING:
    from sigcurl.transport import Response

PRETTY_LIMIT = 8 << 20  # larger bodies are streamed raw even on a terminal
ERROR_BODY_LIMIT = 256 << 10

_SIG_RE = re.compile(r"(Signature=)[0-9a-fA-F]+")
_QUERY_SECRET_RE = re.compile(r"((?:X-Amz-Signature|X-Amz-Security-Token)=)[^&\s]+", re.IGNORECASE)
_SECRET_HEADERS = frozenset({"x-amz-security-token", "x-amz-sso_bearer_token", "x-aws-ec2-metadata-token"})


def redact_header(name: str, value: str) -> str:
    """A header value safe to show: signatures and tokens redacted."""
    lname = name.lower()
    if lname == "authorization":
        return _SIG_RE.sub(r"\1<redacted>", value) if "Signature=" in value else "<redacted>"
    if lname in _SECRET_HEADERS:
        return "<redacted>"
    return value


def redact_url(url: str) -> str:
    """A URL safe to show: the signature and session token in its query redacted."""
    return _QUERY_SECRET_RE.sub(r"\1<redacted>", url)


def secret_forms(secret: str) -> tuple[str, ...]:
    """``secret`` as it may appear in output: as is, and URI-encoded as in a (presigned) query."""
    from urllib.parse import quote

    encoded = quote(secret, safe="-_.~")
    return (secret,) if encoded == secret else (secret, encoded)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret value replaced (a last line of defence)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in secret_forms(secret):
                text = text.replace(form, "<redacted>")
    return text


def scrub_bytes(data: bytes, secrets: Iterable[str | None]) -> bytes:
    """``data`` with every secret value (UTF-8) replaced, for error bodies that echo the request."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            for form in secret_forms(secret):
                data = data.replace(form.encode("utf-8", "replace"), b"<redacted>")
    return data


def request_target(url: str) -> str:
    """The request-target of an absolute URL (path and query)."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    q = rest.find("?")
    if slash < 0 or 0 <= q < slash:
        return "/" + (rest[q:] if q >= 0 else "")
    return rest[slash:]


class Stderr:
    """Writes lines to stderr, honouring ``-s``/``-S``, with secrets scrubbed."""

    def __init__(self, stream: TextIO, *, silent: bool, show_error: bool, secrets: list[str | None]) -> None:
        self.stream = stream
        self.silent = silent
        self.show_error = show_error
        self.secrets = secrets

    def write(self, text: str) -> None:
        try:
            self.stream.write(scrub(text, self.secrets))
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def error(self, line: str) -> None:
        if not self.silent or self.show_error:
            self.write(line.rstrip("\n") + "\n")

    def info(self, line: str) -> None:
        if not self.silent:
            self.write(line.rstrip("\n") + "\n")


def verbose_request(err: Stderr, method: str, url: str, headers: Sequence[tuple[str, str]]) -> None:
    """``-v``: the request as sent, ``> `` lines, signature and token redacted."""
    lines = [f"> {method} {redact_url(request_target(url))} HTTP/1.1"]
    lines += [f"> {n}: {redact_header(n, v)}" for n, v in headers]
    err.write("\n".join(lines) + "\n>\n")


def verbose_response(err: Stderr, resp: Response) -> None:
    """``-v``: the response status line and headers, ``< `` lines."""
    lines = [f"< {resp.http_version} {resp.status} {resp.reason}".rstrip()]
    lines += [f"< {n}: {redact_header(n, v)}" for n, v in resp.headers]
    err.write("\n".join(lines) + "\n<\n")


def head_block(resp: Response) -> bytes:
    """``-i``/``-I``: the status line and headers as curl writes them."""
    lines = [f"{resp.http_version} {resp.status} {resp.reason}".rstrip()]
    lines += [f"{n}: {v}" for n, v in resp.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


class OutputSettings(NamedTuple):
    """How the body is written."""

    pretty: bool
    color: bool
    terminal: bool  # the sink is a terminal (binary bodies are not dumped to it)


def _kind(content_type: str | None) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct.endswith("json") or ct.endswith("+json") or ct == "application/x-amz-json-1.0" or ct == "application/x-amz-json-1.1":
        return "json"
    if ct.endswith("xml") or ct.endswith("+xml"):
        return "xml"
    if ct.startswith("text/") or ct in ("application/javascript", "application/x-www-form-urlencoded", ""):
        return "text"
    return "binary"


def write_bytes(sink: BinaryIO, data: bytes) -> None:
    """Write and flush ``data``; a closed pipe or a full disk is a :class:`WriteError` (exit 23)."""
    try:
        sink.write(data)
        sink.flush()
    except BrokenPipeError:
        raise WriteError("output closed before the whole response was written", "read all of the output, or use -o FILE") from None
    except OSError as exc:
        raise WriteError(f"cannot write output: {exc.strerror or exc}", "check the disk space and the -o path") from None


def write_body(sink: BinaryIO, chunks: Iterator[bytes], content_type: str | None, out: OutputSettings) -> None:
    """Write the body: raw bytes as they arrive, or pretty-printed on a terminal."""
    kind = _kind(content_type)
    if not out.terminal and not out.pretty:
        for chunk in chunks:
            write_bytes(sink, chunk)
        return
    first = next(chunks, b"")
    if out.terminal and (b"\x00" in first[:8192] or kind == "binary" and _looks_binary(first)):
        raise SigcurlError(
            "binary output can mess up your terminal",
            'use "-o FILE" to save it, or pipe it (e.g. "| cat") to print it anyway',
            exit_code=ExitCode.WRITE_ERROR,
        )
    if not (out.pretty and kind in ("json", "xml")):
        write_bytes(sink, first)
        for chunk in chunks:
            write_bytes(sink, chunk)
        return
    buf = bytearray(first)
    for chunk in chunks:
        buf += chunk
        if len(buf) > PRETTY_LIMIT:
            write_bytes(sink, bytes(buf))
            for rest in chunks:
                write_bytes(sink, rest)
            return
    write_bytes(sink, pretty_bytes(bytes(buf), kind, color=out.color))


def _looks_binary(data: bytes) -> bool:
    if not data:
        return False
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < 4090
    return False


def pretty_bytes(data: bytes, kind: str, *, color: bool) -> bytes:
    """JSON or XML pretty-printed (highlighted when ``color``); as is if it does not parse."""
    text = data.decode("utf-8", "replace")
    if kind == "json":
        import json  # only for pretty output: not on the start-up path

        try:
            json.loads(text)  # only to know it is JSON: the values are never re-encoded
        except ValueError:
            return data
        formatted = indent_json(text)
        lexer = "json"
    else:
        try:
            from xml.dom import minidom

            formatted = minidom.parseString(data).toprettyxml(indent="  ")
        except Exception:  # noqa: BLE001 - anything unparsable is shown as is
            return data
        lines = [line for line in formatted.splitlines() if line.strip()]
        if lines and lines[0].startswith("<?xml") and not text.lstrip().startswith("<?xml"):
            lines = lines[1:]  # minidom adds a declaration the server did not send
        formatted = "\n".join(lines)
        lexer = "xml"
    if not color:
        return (formatted + "\n").encode()
    import io

    from rich.console import Console
    from rich.syntax import Syntax

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=10_000, soft_wrap=True)
    console.print(Syntax(formatted, lexer, theme="ansi_dark", background_color="default", word_wrap=False))
    return buf.getvalue().encode()


def indent_json(text: str, step: str = "  ") -> str:
    """Valid JSON ``text`` re-indented, token by token.

    Only whitespace between tokens changes: numbers keep their exact text
    (``1.10``, ``12345678901234567890123``, ``1e400``), strings their escapes,
    and repeated keys stay, so what a person reads is what the service sent.
    """
    out: list[str] = []
    depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
            continue
        if c in " \t\r\n":
            i += 1
            continue
        if c in "{[":
            k = i + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            if k < n and text[k] == ("}" if c == "{" else "]"):
                out.append(c + text[k])  # {} and [] stay on one line
                i = k + 1
                continue
            depth += 1
            out.append(c + "\n" + step * depth)
        elif c in "}]":
            depth -= 1
            out.append("\n" + step * depth + c)
        elif c == ",":
            out.append(",\n" + step * depth)
        elif c == ":":
            out.append(": ")
        else:
            out.append(c)
        i += 1
    return "".join(out)


# --- AWS error responses -----------------------------------------------------

def signature_diff(label: str, ours: str, theirs: str) -> str:
    """A line-by-line diff of what we signed against what the service computed."""
    import difflib

    diff = difflib.unified_diff(
        ours.split("\n"), theirs.split("\n"), fromfile=f"{label} (sigcurl signed)",
        tofile=f"{label} (service computed)", lineterm="",
    )
    return "\n".join(diff)


def mismatch_hints(
    ours_creq: str | None, theirs_creq: str | None, ours_sts: str | None, theirs_sts: str | None
) -> list[str]:
    """What probably made the service compute a different signature, from where the texts differ.

    Canonical request lines: method, path, query, headers..., blank,
    signed header list, payload hash.  String to sign lines: algorithm,
    date, scope, hash of the canonical request.
    """
    hints: list[str] = []
    if ours_creq is not None and theirs_creq is not None and ours_creq != theirs_creq:
        a, b = ours_creq.split("\n"), theirs_creq.split("\n")
        if a[:1] != b[:1]:
            hints.append("the method differs: something between you and the service changed it")
        if a[1:2] != b[1:2]:
            hints.append("the path differs: check its percent-encoding (S3 encodes once, other services twice) and any proxy rewriting it")
        if a[2:3] != b[2:3]:
            hints.append("the query differs: check its encoding (spaces as %20, not +) and parameters added after signing")

        def headers(lines: list[str]) -> dict[str, str]:
            out: dict[str, str] = {}
            for line in lines[3:]:
                if not line:
                    break
                name, _, value = line.partition(":")
                out[name] = value
            return out

        ha, hb = headers(a), headers(b)
        if ha.get("host") != hb.get("host"):
            hints.append("the Host differs: a proxy, load balancer or tunnel rewrote it (use --sign-host HOST to sign for the service's host)")
        changed = sorted(n for n in set(ha) | set(hb) if n != "host" and ha.get(n) != hb.get(n))
        if changed:
            hints.append(f"header(s) {', '.join(changed)} differ: a header was added or changed after signing")
        if a[-1:] != b[-1:]:
            hints.append("the payload hash differs: the body was changed on the way, or the service wants UNSIGNED-PAYLOAD")
    if ours_sts is not None and theirs_sts is not None and ours_sts != theirs_sts:
        a, b = ours_sts.split("\n"), theirs_sts.split("\n")
        if a[1:2] != b[1:2]:
            hints.append("the date differs: check the local clock, or --date")
        if a[2:3] != b[2:3]:
            hints.append("the credential scope differs: check --region and --service")
    if not hints and ours_creq == theirs_creq and ours_sts in (None, theirs_sts):
        hints.append("what was signed matches, so the secret key is wrong for this access key id (check your credentials or --profile)")
    return hints


MISMATCH_HINT = (
    "usual causes: a proxy or load balancer rewriting Host or the path, a header added after signing, "
    "path encoding (S3 vs other services), the wrong --region or --service, or the local clock"
)


# --- -w / --write-out --------------------------------------------------------

_WRITEOUT_RE = re.compile(r"%\{([a-z_]+)\}|%header\{([^}]*)\}|%%|\\[nrt\\]")


class TransferInfo(NamedTuple):
    """What ``-w`` variables are computed from."""

    http_code: int
    method: str
    url: str
    url_effective: str
    content_type: str
    headers: Sequence[tuple[str, str]]
    size_download: int
    size_upload: int
    size_header: int
    time_total: float
    time_starttransfer: float
    num_redirects: int
    exitcode: int
    errormsg: str


def write_out(fmt: str, info: TransferInfo) -> tuple[str, str, list[str]]:
    """Expand a ``-w`` format: (text for stdout, text for stderr, unknown variable names).

    ``%{stderr}`` and ``%{stdout}`` switch where the text goes; an unknown
    variable expands to nothing, as in curl, and is reported to the caller.
    """
    out: list[str] = []
    err: list[str] = []
    unknown: list[str] = []
    target = out
    pos = 0
    for m in _WRITEOUT_RE.finditer(fmt):
        target.append(fmt[pos : m.start()])
        pos = m.end()
        token = m.group(0)
        if token.startswith("\\"):
            target.append({"\\n": "\n", "\\r": "\r", "\\t": "\t", "\\\\": "\\"}[token])
        elif token == "%%":
            target.append("%")
        elif m.group(2) is not None:
            wanted = m.group(2).lower()
            target.append(", ".join(v for n, v in info.headers if n.lower() == wanted))
        else:
            name = m.group(1)
            if name == "stderr":
                target = err
            elif name == "stdout":
                target = out
            else:
                value = _variable(name, info)
                if value is None:
                    unknown.append(name)
                else:
                    target.append(value)
    target.append(fmt[pos:])
    return "".join(out), "".join(err), unknown


def _variable(name: str, info: TransferInfo) -> str | None:
    simple = {
        "http_code": f"{info.http_code:03d}",
        "response_code": f"{info.http_code:03d}",
        "method": info.method,
        "url": info.url,
        "url_effective": info.url_effective,
        "content_type": info.content_type,
        "size_download": str(info.size_download),
        "size_upload": str(info.size_upload),
        "size_header": str(info.size_header),
        "time_total": f"{info.time_total:.6f}",
        "time_starttransfer": f"{info.time_starttransfer:.6f}",
        "num_redirects": str(info.num_redirects),
        "exitcode": str(info.exitcode),
        "errormsg": info.errormsg,
        "scheme": info.url_effective.split("://")[0].upper(),
    }
    if name in simple:
        return simple[name]
    import json

    if name == "header_json":
        merged: dict[str, list[str]] = {}
        for n, v in info.headers:
            merged.setdefault(n.lower(), []).append(v)
        return json.dumps(merged)
    if name == "json":  # numbers as numbers, as curl writes them
        return json.dumps({
            "http_code": info.http_code, "response_code": info.http_code, "method": info.method,
            "url_effective": info.url_effective, "content_type": info.content_type,
            "size_download": info.size_download, "size_upload": info.size_upload,
            "time_total": round(info.time_total, 6), "num_redirects": info.num_redirects,
            "exitcode": info.exitcode, "errormsg": info.errormsg or None,
        })
    return None
