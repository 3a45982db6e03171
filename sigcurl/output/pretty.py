"""Pretty-printing JSON (token by token, values exactly as sent) and XML, highlighted with rich."""

from __future__ import annotations


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
