"""Pretty-printing JSON and XML for a terminal, token by token, in bounded time and memory.

Only whitespace between tokens changes: numbers keep their exact text,
strings their escapes, repeated keys stay, so what a person reads is what
the service sent.  Both formats are scanned by one linear tokenizer each
(no parse tree, no recursion: a body nested 100,000 deep is no harder than
a flat one) and highlighted here with ANSI codes.  Rendering is two passes
over the tokens: the first checks the text and measures the output, the
second writes it in blocks.  A body that is not well formed is shown as
sent; one over a budget (:data:`MAX_DEPTH` levels, or an output more than
:data:`MAX_GROWTH` times the body, as deep indentation can be) is shown as
sent with a note saying why.  Memory: the body's text plus one block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Deeper nesting is not indented (each level costs two spaces on every line inside it).
MAX_DEPTH = 100
#: The indented text may be at most this many times the body (plus :data:`_SLACK`).
MAX_GROWTH = 8
_SLACK = 64 << 10
_BLOCK = 64 << 10

# ANSI styles (standard 8 colours: they follow the terminal's palette).
_RESET = "\x1b[0m"
_STYLES = {
    "key": "\x1b[1;34m", "str": "\x1b[32m", "num": "\x1b[36m", "lit": "\x1b[35m",
    "tag": "\x1b[34m", "attr": "\x1b[32m", "meta": "\x1b[90m",
}


class TooBig(Exception):
    """The body is well formed but over a pretty-printing budget; ``str()`` says which."""


Piece = tuple[str, str]  # (style or "", text)


def render(data: bytes, kind: str, *, color: bool) -> Iterator[bytes] | None:
    """``data`` pretty-printed, as blocks of bytes; None when it is not well-formed ``kind``.

    Raises :class:`TooBig` (before anything is yielded) when a budget is exceeded.
    """
    text = data.decode("utf-8", "replace")
    layout = _json_layout if kind == "json" else _xml_layout
    budget = MAX_GROWTH * len(text) + _SLACK
    size = 0
    try:
        for _style, piece in layout(text):
            size += len(piece)
            if size > budget:
                raise TooBig(f"indented it would be over {MAX_GROWTH} times its size")
    except ValueError:
        return None
    return _blocks(layout(text), color)


def _blocks(pieces: Iterator[Piece], color: bool) -> Iterator[bytes]:
    out: list[str] = []
    size = 0
    for style, piece in pieces:
        if color and style:
            out += (_STYLES[style], piece, _RESET)
        else:
            out.append(piece)
        size += len(piece)
        if size >= _BLOCK:
            yield "".join(out).encode("utf-8", "replace")
            out, size = [], 0
    out.append("\n")
    yield "".join(out).encode("utf-8", "replace")


def pretty_bytes(data: bytes, kind: str, *, color: bool) -> bytes:
    """JSON or XML pretty-printed (highlighted when ``color``); as is if it does not parse or is over budget."""
    try:
        blocks = render(data, kind, color=color)
    except TooBig:
        return data
    return data if blocks is None else b"".join(blocks)


def indent_json(text: str, step: str = "  ") -> str:
    """Valid JSON ``text`` re-indented, token by token (``json.dumps(indent=2)``'s layout)."""
    return "".join(piece for _, piece in _json_layout(text, step))


# --- JSON ----------------------------------------------------------------------------

_WS = re.compile(r"[ \t\r\n]*")
_JSON_TOKEN = re.compile(
    r"(?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<lit>true|false|null|NaN|-?Infinity)"
    r"|(?P<punct>[{}\[\],:])"
)
_CLOSE = {"{": "}", "[": "]"}
_ESCAPE = re.compile(r'\\["\\/bfnrt]|\\u[0-9a-fA-F]{4}')
_CONTROL = re.compile(r"[\x00-\x1f]")


def _string_end(text: str, i: int) -> int:
    """The end of the JSON string starting at ``text[i]`` (a quote); ValueError if it is not one.

    Found with ``str.find`` and checked with one search, so a string of
    megabytes costs no regex backtracking stack.
    """
    j = i + 1
    while True:
        q = text.find('"', j)
        if q < 0:
            raise ValueError("unterminated string")
        k = q
        while text[k - 1] == "\\":
            k -= 1
        if (q - k) % 2 == 0:
            break
        j = q + 1
    if _CONTROL.search(text, i + 1, q):
        raise ValueError("control character in a string")
    if "\\" in text[i + 1 : q] and "\\" in _ESCAPE.sub("", text[i + 1 : q]):
        raise ValueError("bad escape")
    return q + 1


def _json_layout(text: str, step: str = "  ") -> Iterator[Piece]:
    """The pieces of ``text`` laid out; raises ValueError when it is not exactly one JSON value.

    A stack of open containers and an expectation replace recursion:
    ``value`` (a value must come), ``key`` (a string key), ``colon``, ``next``
    (a comma or the container's end).
    """
    stack: list[str] = []
    expect = "value"
    i, n = _WS.match(text, 0).end(), len(text)  # type: ignore[union-attr]
    if i >= n:
        raise ValueError("empty")
    while i < n:
        if text[i] == '"':
            end = _string_end(text, i)
            kind, tok = "str", text[i:end]
        else:
            m = _JSON_TOKEN.match(text, i)
            if m is None:
                raise ValueError(f"bad token at {i}")
            kind, tok, end = m.lastgroup or "", m.group(), m.end()
        i = _WS.match(text, end).end()  # type: ignore[union-attr]
        depth = len(stack)
        if kind == "punct":
            if tok in "{[":
                if expect != "value":
                    raise ValueError("unexpected container")
                close = _CLOSE[tok]
                if i < n and text[i] == close:  # {} and [] stay on one line
                    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                    yield "", tok + close
                    expect = "next"
                else:
                    if depth >= MAX_DEPTH:
                        raise TooBig(f"it is nested more than {MAX_DEPTH} levels deep")
                    stack.append(tok)
                    yield "", tok + "\n" + step * (depth + 1)
                    expect = "key" if tok == "{" else "value"
            elif tok in "}]":
                if expect != "next" or not stack or _CLOSE[stack.pop()] != tok:
                    raise ValueError("unbalanced")
                yield "", "\n" + step * (depth - 1) + tok
            elif tok == ",":
                if expect != "next" or not stack:
                    raise ValueError("unexpected comma")
                yield "", ",\n" + step * depth
                expect = "key" if stack[-1] == "{" else "value"
            else:
                if expect != "colon":
                    raise ValueError("unexpected colon")
                yield "", ": "
                expect = "value"
        elif expect == "key":
            if kind != "str":
                raise ValueError("a key must be a string")
            yield "key", tok
            expect = "colon"
        elif expect == "value":
            yield kind, tok
            expect = "next"
        else:
            raise ValueError("two values in a row")
        if not stack and expect == "next" and i < n:
            raise ValueError("extra data")
    if stack or expect != "next":
        raise ValueError("truncated")


# --- XML -----------------------------------------------------------------------------

_XML_TOKEN = re.compile(
    r"(?P<comment><!--.*?-->)"
    r"|(?P<cdata><!\[CDATA\[.*?\]\]>)"
    r"|(?P<pi><\?.*?\?>)"
    r"|(?P<doctype><![A-Za-z][^>]*>)"
    r"|(?P<end></[^\s<>/]+\s*>)"
    r"|(?P<tag><[^\s<>/!?][^<>\"']*(?:(?:\"[^\"<]*\"|'[^'<]*')[^<>\"']*)*>)"
    r"|(?P<text>[^<]+)",
    re.DOTALL,
)
_XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TAG_NAME = re.compile(r"<([^\s<>/]+)")
_ATTR_VALUE = re.compile(r"(\"[^\"]*\"|'[^']*')")


def _xml_tokens(text: str) -> Iterator[tuple[str, str]]:
    i, n = 0, len(text)
    while i < n:
        m = _XML_TOKEN.match(text, i)
        if m is None:
            raise ValueError(f"bad markup at {i}")
        yield m.lastgroup or "", m.group()
        i = m.end()


def _xml_layout(text: str, step: str = "  ") -> Iterator[Piece]:
    """The pieces of ``text`` laid out one element a line (an element holding only text stays on
    its line); raises ValueError when tags do not balance or the text holds control characters."""
    if _XML_CONTROL.search(text):
        raise ValueError("control characters")
    stack: list[str] = []
    first = True
    pending_text: str | None = None  # text right after a start tag: it may close on the same line
    roots = 0
    after_start = False
    for kind, tok in _xml_tokens(text):
        if kind == "text":
            if tok.strip():
                if not stack:
                    raise ValueError("text outside the root element")
                if after_start and pending_text is None:
                    pending_text = tok.strip()
                else:
                    yield "", "\n" + step * len(stack) + tok.strip()
                after_start = False
            continue
        after_start = False
        if kind == "end":
            name = tok[2:-1].strip()
            if not stack or stack.pop() != name:
                raise ValueError("unbalanced")
            if pending_text is not None:
                yield "", pending_text
                yield "tag", tok
                pending_text = None
                continue
            yield "", "\n" + step * len(stack)
            yield "tag", tok
            continue
        if pending_text is not None:
            yield "", "\n" + step * len(stack) + pending_text
            pending_text = None
        if not first:
            yield "", "\n" + step * len(stack)
        first = False
        if kind == "tag":
            if not stack:
                roots += 1
                if roots > 1:
                    raise ValueError("two root elements")
            if len(stack) >= MAX_DEPTH:
                raise TooBig(f"it is nested more than {MAX_DEPTH} levels deep")
            yield from _tag_pieces(tok)
            if not tok.endswith("/>"):
                tag_name = _TAG_NAME.match(tok)
                stack.append(tag_name.group(1) if tag_name else "")
                after_start = True
                continue
        else:
            yield "meta", tok
    if stack or roots != 1:
        raise ValueError("truncated or empty")


def _tag_pieces(tok: str) -> Iterator[Piece]:
    """A start tag: markup in one colour, attribute values in another."""
    pos = 0
    for m in _ATTR_VALUE.finditer(tok):
        yield "tag", tok[pos : m.start()]
        yield "attr", m.group()
        pos = m.end()
    yield "tag", tok[pos:]
