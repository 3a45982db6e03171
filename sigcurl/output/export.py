"""``--sign-format json|curl``: a signed request exported for another program to send.

* ``json``: one object per line, ``{"method", "url", "headers", "body",
  "signed_at", "valid_until"}``; ``body`` is null, ``{"text": ...}``,
  ``{"base64": ...}``, ``{"file": PATH}`` or ``{"stdin": true}``, with
  ``"length"``.
* ``curl``: a command line for curl 7.x, ready to run (POSIX shell
  quoting), after a ``#`` line saying until when the signature holds: the
  exact URL (``--globoff`` when it has ``[]{}``, ``--path-as-is`` when it
  has dot segments), every signed header with ``-H``, ``-H 'Name:'`` for a
  default header of curl that was not signed, the body as
  ``--data-binary @FILE``, ``--data-binary @-`` (standard input), or inline.

AWS accepts a request whose ``X-Amz-Date`` is at most 15 minutes old, so
that is how long an export can be sent.  Bodies signed chunk by chunk
(``aws-chunked``) are never exported: :mod:`sigcurl.transfer` signs the
body's SHA-256 instead.  Pure formatting: nothing is read or sent here.
"""

from __future__ import annotations

import base64
import json
import shlex
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sigcurl.errors import UsageError

if TYPE_CHECKING:
    from sigcurl.body import Body
    from sigcurl.signer.types import SignedRequest
    from sigcurl.spec import SigningSpec

#: How long AWS accepts a signed request after its X-Amz-Date.
VALIDITY = timedelta(minutes=15)

#: Headers curl adds by itself: sent empty (``-H 'Name:'``, i.e. not at all) when they were not signed.
_CURL_DEFAULTS = ("User-Agent", "Accept")


def body_source(body: Body | None) -> dict[str, Any] | None:
    """Where an exported body comes from: inline bytes, a file, or standard input."""
    if body is None:
        return None
    inner = getattr(body, "payload", body)  # UNSIGNED-PAYLOAD wraps the body
    data = inner.in_memory()
    if data is not None:
        try:
            return {"text": data.decode("utf-8"), "length": len(data)}
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(data).decode("ascii"), "length": len(data)}
    path = getattr(inner, "path", None)
    if path is not None and getattr(inner, "fd", None) is None and path != "standard input":
        return {"file": path, "length": inner.length}
    if getattr(inner, "name", None) == "standard input" or getattr(inner, "fd", None) is not None:
        return {"stdin": True, "length": inner.length}
    raise UsageError("this request body cannot be exported (a form with files, or a pipe)",
                     "send it with sigcurl, or upload the file with -T FILE / --data-binary @FILE")


def _times(headers: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    stamp = next((v for n, v in headers if n.lower() == "x-amz-date"), None)
    if stamp is None:
        return None, None
    when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    return when.strftime(iso), (when + VALIDITY).strftime(iso)


def export(fmt: str, signed: SignedRequest, body: Body | None, signing: SigningSpec, *, first: bool = True) -> str:
    """The signed request as ``fmt`` (``json`` or ``curl``), one line (curl: after a comment line)."""
    del signing, first  # the same layout for every transfer of a run
    source = body_source(body)
    signed_at, valid_until = _times(list(signed.headers))
    if fmt == "json":
        obj = {
            "method": signed.method, "url": signed.url, "headers": dict(signed.headers), "body": source,
            "signed_at": signed_at, "valid_until": valid_until,
        }
        return json.dumps(obj, ensure_ascii=False) + "\n"
    return curl_command(signed.method, signed.url, list(signed.headers), source, valid_until)


def curl_command(method: str, url: str, headers: list[tuple[str, str]], source: dict[str, Any] | None,
                 valid_until: str | None) -> str:
    """A runnable curl command line (with a comment line before it)."""
    words = ["curl"]
    prefix = ""
    if method == "HEAD":
        words.append("--head")
    elif not (method == "POST" and source is not None) and not (method == "GET" and source is None):
        words += ["-X", method]
    if any(c in url for c in "[]{}"):
        words.append("--globoff")
    path = url.split("://", 1)[-1].partition("/")[2].split("?", 1)[0]
    segments = path.split("/")
    if "." in segments or ".." in segments:
        words.append("--path-as-is")
    names = {n.lower() for n, _ in headers}
    for name, value in headers:
        words += ["-H", f"{name}: {value}" if value else f"{name};"]
    defaults = [*_CURL_DEFAULTS, *(("Content-Type",) if source is not None else ())]
    words += [w for d in defaults if d.lower() not in names for w in ("-H", f"{d}:")]
    if source is not None:
        if "file" in source:
            words += ["--data-binary", "@" + source["file"]]
        elif "stdin" in source:
            words += ["--data-binary", "@-"]
        elif "text" in source and "\x00" not in source["text"]:
            words += ["--data-raw", source["text"]] if source["text"] else ["--data-binary", ""]
        else:
            raw = base64.b64decode(source["base64"]) if "base64" in source else source["text"].encode()
            prefix = "printf '%b' " + shlex.quote(_printf_escape(raw)) + " | "
            words += ["--data-binary", "@-"]
    words.append(url)
    note = f"# signed request, valid until {valid_until} (AWS accepts it for 15 minutes)" if valid_until else "# signed request"
    if source is not None and "stdin" in source:
        note += f"; pipe the same {source['length']} bytes into it"
    return note + "\n" + prefix + " ".join(shlex.quote(w) for w in words) + "\n"


def _printf_escape(data: bytes) -> str:
    """``data`` for ``printf '%b'``: printable ASCII as is, backslash doubled, other bytes as ``\\0NNN``."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\0{b:03o}")
    return "".join(out)
