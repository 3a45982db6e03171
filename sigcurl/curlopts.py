"""curl's request options turned into one request: method, URL, headers, body.

This module owns curl's rules for data and headers, so that a curl command
line means the same thing here:

* ``-d/--data`` (``@file`` read with CR and LF stripped), ``--data-binary``
  (``@file`` exact bytes), ``--data-raw`` (no ``@``), ``--data-urlencode``
  (``content``, ``=content``, ``name=content``, ``@file``, ``name@file``),
  ``--json`` (also sets ``Content-Type`` and ``Accept``); several pieces are
  joined with ``&`` (``--json`` pieces are concatenated); POST by default
  with ``application/x-www-form-urlencoded``.
* ``-G`` moves the data to the query; ``-I`` is HEAD; ``-T`` is PUT of a
  file (``-`` = stdin), appending the file name to a URL ending in ``/``.
* ``-H 'Name: value'`` adds or replaces, ``-H 'Name:'`` removes a default
  header, ``-H 'Name;'`` sends it empty, ``-H @file`` reads header lines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple
from urllib.parse import quote, quote_plus

from sigcurl._version import __version__
from sigcurl.body import Body, BytesBody, open_source, read_source
from sigcurl.errors import BadURLError, ExitCode, SigcurlError, UsageError
from sigcurl.signer.canonical import TOKEN_CHARS

if TYPE_CHECKING:
    from sigcurl.multipart import FormArg

USER_AGENT = f"sigcurl/{__version__}"

_URL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_QUERY_SAFE = "!$%&'()*+,/:;=?@[]~"  # -G data keeps its URL syntax; other bytes are escaped
_HEX = frozenset("0123456789abcdefABCDEF")


class DataArg(NamedTuple):
    """One data option as given: which option and its value."""

    kind: str  # "data", "binary", "raw", "urlencode", "json"
    value: str


class HttpRequest(NamedTuple):
    """A request ready to sign: the headers are those to sign and send."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: Body | None


def wire_url(url: str) -> str:
    """An absolute http(s) URL with characters that cannot travel in a URL encoded.

    A missing scheme means https (every AWS endpoint is HTTPS).  Existing
    ``%XX`` escapes and reserved characters are kept as typed; spaces,
    non-ASCII and control characters are percent-encoded (UTF-8); a ``%``
    not followed by two hex digits becomes ``%25``.  The fragment is dropped.
    """
    url = url.strip()
    if not url:
        raise BadURLError("empty URL", "give a URL such as https://sts.amazonaws.com/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        lowered = url[:8].lower()
        for typo in ("https//", "http//", "https:/", "http:/"):
            if lowered.startswith(typo):  # a colon or a slash lost: not a host named "https"
                name = typo.rstrip("/:")
                missing = "a '/'" if ":" in typo else "the ':'"
                fixed = name + "://" + url[len(typo):].lstrip("/")
                raise BadURLError(f"URL {url!r} is missing {missing} after {name}", f"write it as {fixed!r}")
        scheme, rest = "https", url
    elif not scheme or not all(c.isalnum() or c in "+-." for c in scheme):
        raise BadURLError(f"no scheme in URL {url!r}" if not scheme else f"bad scheme in URL {url!r}",
                          "write the URL as https://host/path")
    scheme = scheme.lower()
    if scheme not in ("http", "https"):
        raise SigcurlError(
            f"unsupported protocol {scheme!r} in {url!r}", "use an http:// or https:// URL",
            exit_code=ExitCode.UNSUPPORTED_PROTOCOL,
        )
    rest = rest.split("#", 1)[0]
    end = len(rest)
    for ch in "/?":
        i = rest.find(ch)
        if 0 <= i < end:
            end = i
    authority, tail = rest[:end], rest[end:]
    host = authority.rpartition("@")[2]
    if not host or host.startswith(":"):
        raise BadURLError(f"no host in URL {url!r}", "write the URL as https://host/path")
    hostname, _, port = host.rpartition(":") if not host.endswith("]") and ":" in host else (host, "", "")
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        raise BadURLError(f"bad port {port!r} in URL {url!r}", "use a port number from 1 to 65535")
    if any(c in host for c in " \t\r\n/\\<>\"{}|^`") or any(ord(c) < 0x21 or ord(c) == 0x7F for c in host):
        raise BadURLError(f"bad host in URL {url!r}", "check the host name")
    if ("[" in host or "]" in host) and not (host.startswith("[") and "]" in host and host.count("[") == 1 and host.count("]") == 1
                                             and (host.endswith("]") or host[host.index("]") + 1 :].startswith(":"))):
        raise BadURLError(f"bad host in URL {url!r}", "check the host name")
    if not all(c in _URL_CHARS for c in tail) or "%" in tail:
        tail = _encode_tail(tail)
    return f"{scheme}://{authority.lower() if authority.isascii() else _idna(authority, url)}{tail or '/'}"


def _idna(authority: str, url: str) -> str:
    try:
        userinfo, at, hostport = authority.rpartition("@")
        host, colon, port = hostport.partition(":")
        return f"{userinfo}{at}{host.encode('idna').decode()}{colon}{port}".lower()
    except UnicodeError:
        raise BadURLError(f"bad international host name in {url!r}", "check the host name") from None


def _encode_tail(tail: str) -> str:
    out = []
    i = 0
    n = len(tail)
    while i < n:
        c = tail[i]
        if c == "%":
            if i + 2 < n and tail[i + 1] in _HEX and tail[i + 2] in _HEX:
                out.append(tail[i : i + 3])
                i += 3
                continue
            out.append("%25")
        elif c in _URL_CHARS:
            out.append(c)
        else:
            out.append(quote(c, safe=""))
        i += 1
    return "".join(out)


def _header_label(arg: str) -> str:
    """How an error names a bad ``-H``: its name when it starts with one, never the rest (it may be a secret)."""
    word = arg.replace(":", " ").replace(";", " ").split(" ", 1)[0]
    if word and word != arg and len(word) <= 64 and TOKEN_CHARS.issuperset(word):
        return f"header {word!r} (its value not shown)"
    return "header (its text not shown: it may be secret)"


def parse_header(arg: str) -> tuple[str, str, str]:
    """``(action, name, value)`` of a ``-H`` argument: action is set, remove or empty."""
    if "\r" in arg or "\n" in arg or "\x00" in arg:
        raise UsageError(f"{_header_label(arg)} contains a line break", "put each header in its own -H")
    colon = arg.find(":")
    semi = arg.find(";")
    if semi >= 0 and (colon < 0 or semi < colon) and arg[semi + 1 :].strip() == "":
        name, action, value = arg[:semi].strip(), "empty", ""
    elif colon < 0:
        raise UsageError(f"bad {_header_label(arg)}: no colon after the name",
                         "write -H 'Name: value' ('Name:' removes, 'Name;' sends it empty)")
    else:
        name, value = arg[:colon].strip(), arg[colon + 1 :].strip(" \t")
        action = "set" if value else "remove"
    if not name or not TOKEN_CHARS.issuperset(name):
        raise UsageError(f"bad header name {name!r}", "a header name is letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)")
    if len(arg) > 65536:
        raise UsageError(f"header {name} is too long ({len(arg)} bytes)", "keep each header under 64 KiB")
    return action, name, value


def expand_header_args(args: Sequence[str], stdin: BinaryIO) -> list[str]:
    """``-H @file`` (or ``@-``) reads one header per line; other arguments pass through."""
    out: list[str] = []
    for arg in args:
        if arg.startswith("@"):
            text = read_source(arg[1:], stdin, what="-H").decode("utf-8", "replace")
            out.extend(line.rstrip("\r") for line in text.split("\n") if line.strip())
        else:
            out.append(arg)
    return out


def urlencode_arg(value: str, stdin: BinaryIO, *, what: str = "--data-urlencode", plus: bool = False) -> str:
    """One ``--data-urlencode`` (or ``--url-query``) value: ``content``, ``=content``, ``name=content``, ``@file``, ``name@file``.

    The content is percent-encoded except for letters, digits and ``-._~``;
    a space is ``+`` with ``plus`` (curl's form encoding, for a body), else
    ``%20`` (the encoding SigV4 signs in a query); the name is kept as given.
    """
    escape = quote_plus if plus else quote
    eq = value.find("=")
    at = value.find("@")
    if eq == 0:
        return escape(value[1:], safe="")
    if eq > 0 and (at < 0 or eq < at):
        return f"{value[:eq]}={escape(value[eq + 1:], safe='')}"
    if at >= 0:
        name, source = value[:at], value[at + 1 :]
        encoded = escape(read_source(source, stdin, what=what), safe="")
        return f"{name}={encoded}" if name else encoded
    return escape(value, safe="")


def url_query_part(arg: str, stdin: BinaryIO) -> str:
    """One ``--url-query`` argument as it goes into the query (curl 7.87).

    ``+text`` is added as is; otherwise ``--data-urlencode``'s syntax:
    ``content``, ``=content``, ``name=content``, ``@file``, ``name@file``,
    the content percent-encoded (a space as ``%20``, which every AWS
    service reads the same way; curl writes ``+``).
    """
    if arg.startswith("+"):
        return arg[1:]
    return urlencode_arg(arg, stdin, what="--url-query")


def build_data(parts: Sequence[DataArg], stdin: BinaryIO, *, query: bool = False) -> Body | None:
    """The body of the data options (in command-line order), or None when there are none.

    A single ``--data-binary @file`` / ``--json @file`` streams from the
    file; everything else is assembled in memory, as curl does.
    ``--data-urlencode`` writes a space as ``+`` in a body (curl's form
    encoding) and as ``%20`` for ``-G`` (``query``), where ``+`` would be
    signed and sent as a literal plus.
    """
    if not parts:
        return None
    if len(parts) == 1 and parts[0].kind in ("binary", "json") and parts[0].value.startswith("@"):
        return open_source(parts[0].value[1:], stdin)
    pieces: list[bytes] = []
    json_run = False
    for part in parts:
        v = part.value
        if part.kind == "data":
            data = read_source(v[1:], stdin, what="-d").replace(b"\r", b"").replace(b"\n", b"") if v.startswith("@") else v.encode()
        elif part.kind in ("binary", "json"):
            data = read_source(v[1:], stdin, what=f"--{'data-binary' if part.kind == 'binary' else 'json'}") if v.startswith("@") else v.encode()
        elif part.kind == "raw":
            data = v.encode()
        else:
            data = urlencode_arg(v, stdin, plus=not query).encode()
        if part.kind == "json" and json_run:
            pieces[-1] += data
        else:
            pieces.append(data)
        json_run = part.kind == "json"
    return BytesBody(b"&".join(pieces))


def build_request(
    *,
    url: str,
    method: str | None,
    headers: Sequence[str],
    data: Sequence[DataArg],
    get: bool,
    head: bool,
    upload: str | None,
    user_agent: str | None,
    compressed: bool,
    stdin: BinaryIO,
    forms: Sequence[FormArg] = (),
    default_headers: bool = True,
    referer: str | None = None,
    byte_range: str | None = None,
    if_none_match: str | None = None,
) -> HttpRequest:
    """Apply curl's rules to the options of one transfer (``forms``: ``-F``/``--form-string``).

    ``referer`` (``-e``), ``byte_range`` (``-r``, or ``-C``'s ``N-``) and
    ``if_none_match`` (``--etag-compare``) become headers that ``-H`` can
    replace or remove, as in curl.  Without ``default_headers``
    (``--presign``) only the user's ``-H`` headers are kept.
    """
    url = wire_url(url)
    body: Body | None = None
    agent = USER_AGENT if user_agent is None else user_agent  # curl: -A '' sends no User-Agent
    defaults: list[tuple[str, str]] = [("Range", f"bytes={byte_range}")] if byte_range else []
    if agent:
        defaults.append(("User-Agent", agent))
    defaults.append(("Accept", "*/*"))
    if referer:
        defaults.append(("Referer", referer))
    if if_none_match:
        defaults.append(("If-None-Match", if_none_match))
    if compressed:
        defaults.append(("Accept-Encoding", "gzip, deflate"))
    verb = "HEAD" if head else "GET"
    if upload is not None:
        if url.endswith("/") and upload != "-":
            url += quote(os.path.basename(upload))
        body = open_source(upload, stdin)
        verb = "PUT"
    elif forms:
        from sigcurl.multipart import build_form

        form = build_form(forms, stdin)
        body = form
        verb = "POST"
        defaults.append(("Content-Type", form.content_type))
    elif data:
        if get:
            payload = build_data(data, stdin, query=True)
            assert payload is not None
            raw = payload.in_memory() or b"".join(payload.chunks())
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}{quote(raw, safe=_QUERY_SAFE)}"
        else:
            body = build_data(data, stdin)
            verb = "POST"
            if any(p.kind == "json" for p in data):
                defaults.append(("Content-Type", "application/json"))
                defaults = [(n, "application/json") if n == "Accept" else (n, v) for n, v in defaults]
            else:
                defaults.append(("Content-Type", "application/x-www-form-urlencoded"))
    if not default_headers:
        defaults = []
    user: list[tuple[str, str]] = []
    for arg in expand_header_args(headers, stdin):
        action, name, value = parse_header(arg)
        lname = name.lower()
        defaults = [(n, v) for n, v in defaults if n.lower() != lname]
        if action == "remove":
            user = [(n, v) for n, v in user if n.lower() != lname]
        else:
            user.append((name, value))
    if forms and body is not None:  # curl: a user's multipart Content-Type gets the boundary
        boundary = getattr(body, "boundary", "")
        user = [
            (n, f"{v}; boundary={boundary}")
            if n.lower() == "content-type" and v.lower().startswith("multipart/") and "boundary=" not in v
            else (n, v)
            for n, v in user
        ]
    return HttpRequest(method=method or verb, url=url, headers=merge_repeated(defaults + user), body=body)


def merge_repeated(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with a repeated name joined into one, ``a,b``, at the first one's place.

    HTTP and SigV4 read ``X: a`` + ``X: b`` and ``X: a,b`` the same way; sending
    the joined form means ``-v`` and ``--sign-only`` show exactly what goes out.
    """
    out: list[tuple[str, str]] = []
    where: dict[str, int] = {}
    for name, value in headers:
        key = name.lower()
        if key in where:
            i = where[key]
            out[i] = (out[i][0], f"{out[i][1]},{value}")
        else:
            where[key] = len(out)
            out.append((name, value))
    return out
