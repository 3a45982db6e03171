"""``-w/--write-out``: curl's variables expanded from what one transfer measured."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

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
    parts: int = 0  # an S3 multipart upload's parts (0: a single request)
    part_size: int = 0  # its (first) part size
    upload_id: str = ""  # its UploadId
    checksum: str = ""  # the object's checksum, ALGORITHM:VALUE


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
        "parts": str(info.parts),
        "part_size": str(info.part_size),
        "upload_id": info.upload_id,
        "checksum": info.checksum,
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
            **({"parts": info.parts, "part_size": info.part_size, "upload_id": info.upload_id, "checksum": info.checksum}
               if info.parts else {}),
        })
    return None
