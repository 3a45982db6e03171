"""``-F/--form`` and ``--form-string``: multipart/form-data as a stream of known length.

curl's syntax (its man page is the reference)::

    -F name=value                 a text field
    -F name=@file                 a file upload (filename = the file's name,
                                  Content-Type guessed from its extension)
    -F name=<file                 a text field whose value is the file's content
    -F 'name=@file;type=image/png;filename=x.png'
    -F 'name="a;b"'               quotes keep ';' and ',' in a value
    --form-string name=value      the value literally (no @, < or ;type=)

``@-`` and ``<-`` read standard input (spooled).  The body is a list of
segments, byte strings and file bodies, so its exact length is known
before sending, it can be hashed in one pass and signed (curl's
``--aws-sigv4`` cannot sign ``-F``), and files stream from disk.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sigcurl.body import CHUNK, Body, open_source
from sigcurl.errors import UsageError

_MODIFIERS = ("type", "filename", "headers", "encoder")


@dataclass(frozen=True, slots=True)
class FormArg:
    """One ``-F`` (``literal=False``) or ``--form-string`` (``literal=True``) argument."""

    value: str
    literal: bool = False


@dataclass(slots=True)
class FormPart:
    """One parsed part: a text value, or a source (``@`` file, ``<`` content)."""

    name: str
    value: str = ""
    source: str | None = None  # file name or "-" for stdin
    attach: bool = False  # True for @ (a file upload), False for < (content as value)
    content_type: str | None = None
    filename: str | None = None
    headers: tuple[str, ...] = ()


def _unquote(text: str, pos: int) -> tuple[str, int]:
    """The quoted string starting at ``text[pos] == '"'`` and the index after it."""
    out = []
    i = pos + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise UsageError(f"unterminated quote in -F {text!r}", "close the double quote")


def _split_value(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(value, modifiers) of what follows ``name=``: ``;type=``, ``;filename=`` ..."""
    if text.startswith('"'):
        value, i = _unquote(text, 0)
        rest = text[i:]
    else:
        cut = len(text)
        for key in _MODIFIERS:
            j = text.find(f";{key}=")
            if 0 <= j < cut:
                cut = j
        value, rest = text[:cut], text[cut:]
    mods: list[tuple[str, str]] = []
    while rest:
        if not rest.startswith(";"):
            raise UsageError(f"bad -F modifier {rest!r}", "use ;type=TYPE or ;filename=NAME")
        rest = rest[1:].lstrip()
        key, eq, tail = rest.partition("=")
        if not eq or key.strip() not in _MODIFIERS:
            raise UsageError(f"unknown -F modifier {key!r}", "use ;type=TYPE or ;filename=NAME")
        if tail.startswith('"'):
            val, i = _unquote(tail, 0)
            rest = tail[i:]
        else:
            j = tail.find(";")
            val, rest = (tail, "") if j < 0 else (tail[:j], tail[j:])
        mods.append((key.strip(), val))
    return value, mods


def parse_form(arg: FormArg) -> FormPart:
    """One ``-F``/``--form-string`` argument as a part."""
    name, eq, text = arg.value.partition("=")
    if not eq:
        raise UsageError(f"bad form field {arg.value!r}", "write -F name=value, -F name=@file or -F name=<file")
    if arg.literal:
        return FormPart(name=name, value=text)
    if text.startswith(("@", "<")):
        attach = text[0] == "@"
        source, mods = _split_value(text[1:])
        part = FormPart(name=name, source=source, attach=attach)
    else:
        value, mods = _split_value(text)
        part = FormPart(name=name, value=value)
    for key, val in mods:
        if key == "type":
            part.content_type = val
        elif key == "filename":
            part.filename = val
        elif key == "headers":
            if "\r" in val or "\n" in val:
                raise UsageError("a -F ;headers= value contains a line break", "give one header per ;headers=")
            part.headers = (*part.headers, val)
    if part.source is not None and not part.source:
        raise UsageError(f"no file name in -F {arg.value!r}", "write -F name=@FILE (or @- for stdin)")
    return part


def _escape(text: str) -> str:
    # As browsers (and curl >= 7.81) do: quote, CR and LF percent-encoded.
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def new_boundary() -> str:
    """A random boundary as curl 7.88 makes it: 24 dashes and 16 random hex digits."""
    return "-" * 24 + secrets.token_hex(8)


class MultipartBody(Body):
    """multipart/form-data assembled from byte strings and streamed bodies."""

    def __init__(self, segments: Sequence[bytes | Body], boundary: str) -> None:
        self.segments = list(segments)
        self.boundary = boundary
        self.length = sum(len(s) if isinstance(s, bytes) else s.length for s in self.segments)
        self.streamable = False

    @property
    def content_type(self) -> str:
        """The request's Content-Type."""
        return f"multipart/form-data; boundary={self.boundary}"

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        buf = bytearray()
        for seg in self.segments:
            pieces = [seg] if isinstance(seg, bytes) else seg.chunks(size)
            for piece in pieces:
                if not buf and len(piece) >= size:
                    yield piece
                    continue
                buf += piece
                if len(buf) >= size:
                    yield bytes(buf)
                    buf = bytearray()
        if buf:
            yield bytes(buf)

    def in_memory(self) -> bytes | None:
        if all(isinstance(s, bytes) for s in self.segments):
            return b"".join(s for s in self.segments if isinstance(s, bytes))
        return None

    def close(self) -> None:
        for seg in self.segments:
            if isinstance(seg, Body):
                seg.close()


def build_form(args: Sequence[FormArg], stdin: BinaryIO, *, boundary: str | None = None) -> MultipartBody:
    """The multipart body of the ``-F``/``--form-string`` arguments, in order."""
    boundary = boundary or new_boundary()
    segments: list[bytes | Body] = []
    for arg in args:
        part = parse_form(arg)
        disposition = f'form-data; name="{_escape(part.name)}"'
        content: bytes | Body
        content_type = part.content_type
        filename = part.filename
        if part.source is None:
            content = part.value.encode()
        else:
            content = open_source(part.source, stdin)
            if part.attach:
                if filename is None:
                    filename = "" if part.source == "-" else os.path.basename(part.source)
                if content_type is None:
                    guessed = mimetypes.guess_type(part.source)[0] if part.source != "-" else None
                    content_type = guessed or "application/octet-stream"
        if filename is not None:
            disposition += f'; filename="{_escape(filename)}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        for extra in part.headers:
            head += f"{extra}\r\n"
        segments.append((head + "\r\n").encode())
        segments.append(content)
        segments.append(b"\r\n")
    segments.append(f"--{boundary}--\r\n".encode())
    merged: list[bytes | Body] = []
    for seg in segments:  # join adjacent byte strings
        if isinstance(seg, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += seg
        else:
            merged.append(seg)
    return MultipartBody(merged, boundary)
