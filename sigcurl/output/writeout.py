"""``-w/--write-out``: curl 7.88's variables expanded from what one transfer measured.

Every variable curl 7.88 documents that means something for HTTP is here,
with curl's formatting: times in seconds with six decimals, speeds in whole
bytes per second, ``http_code`` on three digits, ``%{json}`` with curl's keys
in curl's order (times as ``0.000123``, absent strings as ``null``) and
``%{header_json}`` laid out as curl lays it out.  ``%{onerror}`` keeps the
rest of the format for failed transfers; ``%{stderr}``/``%{stdout}`` switch
the stream.  The values come from :class:`TransferInfo`, which
:mod:`sigcurl.output.response` fills from the transport's measurements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import NamedTuple

_WRITEOUT_RE = re.compile(r"%\{([a-z_]+)\}|%header\{([^}]*)\}|%%|\\[nrt\\]")


class TransferInfo(NamedTuple):
    """What ``-w`` variables are computed from (times in seconds from the transfer's start)."""

    http_code: int
    method: str
    url: str
    url_effective: str
    content_type: str | None = None
    headers: Sequence[tuple[str, str]] = ()
    size_download: int = 0
    size_upload: int = 0
    size_header: int = 0
    size_request: int = 0
    time_total: float = 0.0
    time_namelookup: float = 0.0
    time_connect: float = 0.0
    time_appconnect: float = 0.0
    time_pretransfer: float = 0.0
    time_starttransfer: float = 0.0
    time_redirect: float = 0.0
    num_redirects: int = 0
    num_connects: int = 0
    http_version: str = "0"  # "1.1", "1.0", "2"; "0" without a response
    scheme: str | None = None  # "HTTP"/"HTTPS" once connected
    remote_ip: str = ""
    remote_port: int = 0
    local_ip: str = ""
    local_port: int = 0
    redirect_url: str | None = None  # where a redirect that was not followed points
    referer: str | None = None
    filename_effective: str | None = None  # the -o/-O file (None: stdout)
    urlnum: int = 0
    ssl_verify_result: int = 0
    num_certs: int = 0
    exitcode: int = 0
    errormsg: str | None = None
    version: str = ""  # %{json}'s "curl_version"
    parts: int = 0  # an S3 multipart upload's parts (0: a single request)
    part_size: int = 0  # its (first) part size
    upload_id: str = ""  # its UploadId
    checksum: str = ""  # the object's checksum, ALGORITHM:VALUE


#: %{json}'s keys, in curl 7.88's order.
JSON_KEYS = (
    "certs", "content_type", "errormsg", "exitcode", "filename_effective", "ftp_entry_path", "http_code",
    "http_connect", "http_version", "local_ip", "local_port", "method", "num_certs", "num_connects",
    "num_headers", "num_redirects", "proxy_ssl_verify_result", "redirect_url", "referer", "remote_ip",
    "remote_port", "response_code", "scheme", "size_download", "size_header", "size_request", "size_upload",
    "speed_download", "speed_upload", "ssl_verify_result", "time_appconnect", "time_connect",
    "time_namelookup", "time_pretransfer", "time_redirect", "time_starttransfer", "time_total", "url",
    "url_effective", "urlnum", "curl_version",
)

_TIMES = frozenset(k for k in JSON_KEYS if k.startswith("time_"))
#: sigcurl's own variables (not in %{json}, whose keys are curl's): an S3 multipart upload's parts.
_UPLOAD_VARIABLES = frozenset(("parts", "part_size", "upload_id", "checksum"))


def write_out(fmt: str, info: TransferInfo) -> tuple[str, str, list[str]]:
    """Expand a ``-w`` format: (text for stdout, text for stderr, unknown variable names).

    ``%{stderr}`` and ``%{stdout}`` switch where the text goes; ``%{onerror}``
    drops the rest unless the transfer failed; an unknown variable expands
    to nothing, as in curl, and is reported to the caller.
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
            wanted = m.group(2).lower()  # the first such header, as curl 7.88 gives it
            target.append(next((v for n, v in info.headers if n.lower() == wanted), ""))
        else:
            name = m.group(1)
            if name == "stderr":
                target = err
            elif name == "stdout":
                target = out
            elif name == "onerror":
                if not info.exitcode:
                    pos = len(fmt)
                    break
            else:
                value = variable(name, info)
                if value is None:
                    unknown.append(name)
                else:
                    target.append(value)
    target.append(fmt[pos:])
    return "".join(out), "".join(err), unknown


def values(info: TransferInfo) -> dict[str, str | int | float | None]:
    """Every variable of ``%{json}`` as a typed value (None: curl's null)."""
    total = info.time_total
    return {
        "certs": "",
        "content_type": info.content_type,
        "errormsg": info.errormsg or None,
        "exitcode": info.exitcode,
        "filename_effective": info.filename_effective,
        "ftp_entry_path": None,
        "http_code": info.http_code,
        "http_connect": 0,
        "http_version": info.http_version,
        "local_ip": info.local_ip,
        "local_port": info.local_port,
        "method": info.method,
        "num_certs": info.num_certs,
        "num_connects": info.num_connects,
        "num_headers": len(info.headers),
        "num_redirects": info.num_redirects,
        "proxy_ssl_verify_result": 0,
        "redirect_url": info.redirect_url,
        "referer": info.referer,
        "remote_ip": info.remote_ip,
        "remote_port": info.remote_port,
        "response_code": info.http_code,
        "scheme": info.scheme,
        "size_download": info.size_download,
        "size_header": info.size_header,
        "size_request": info.size_request,
        "size_upload": info.size_upload,
        "speed_download": int(info.size_download / total) if total > 0 else 0,
        "speed_upload": int(info.size_upload / total) if total > 0 else 0,
        "ssl_verify_result": info.ssl_verify_result,
        "time_appconnect": info.time_appconnect,
        "time_connect": info.time_connect,
        "time_namelookup": info.time_namelookup,
        "time_pretransfer": info.time_pretransfer,
        "time_redirect": info.time_redirect,
        "time_starttransfer": info.time_starttransfer,
        "time_total": total,
        "url": info.url,
        "url_effective": info.url_effective,
        "urlnum": info.urlnum,
        "curl_version": info.version,
    }


def variable(name: str, info: TransferInfo) -> str | None:
    """One ``%{name}`` as curl writes it, or None for a name curl 7.88 does not know for HTTP."""
    if name == "json":
        return json_object(info)
    if name == "header_json":
        return header_json(info.headers)
    if name in _UPLOAD_VARIABLES:  # sigcurl's own: an S3 multipart upload
        return str(getattr(info, name))
    if name == "curl_version" or name not in JSON_KEYS:
        return None
    value = values(info)[name]
    if name in _TIMES:
        return f"{value:.6f}"
    if name in ("http_code", "response_code", "http_connect"):
        return f"{value:03d}"
    return "" if value is None else str(value)


def json_object(info: TransferInfo) -> str:
    """``%{json}``: curl's keys in curl's order, times with six decimals."""
    parts = []
    for key, value in values(info).items():
        text = f"{value:.6f}" if key in _TIMES else json.dumps(value, ensure_ascii=False)
        parts.append(f"{json.dumps(key)}:{text}")
    return "{" + ",".join(parts) + "}"


def header_json(headers: Sequence[tuple[str, str]]) -> str:
    """``%{header_json}``: names in lower case, in order of appearance, repeated ones grouped, one per line."""
    merged: dict[str, list[str]] = {}
    for n, v in headers:
        merged.setdefault(n.lower(), []).append(v)
    lines = [f"{json.dumps(n, ensure_ascii=False)}:{json.dumps(vs, ensure_ascii=False, separators=(',', ':'))}" for n, vs in merged.items()]
    return "{" + ",\n".join(lines) + "\n}"
