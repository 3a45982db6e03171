"""README sections as roff: the small part of Markdown the README uses, for the manual page.

Paragraphs, ``*``/``-`` and numbered lists, fenced code, tables (each row
becomes a tagged paragraph: first cell as the tag), inline code and bold
(both bold in roff) and links (their text).  Pure string work; the caller
reads the file.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\([^)]*\)")
_BULLET = re.compile(r"^([*-]|\d+\.) +")


def escape(text: str) -> str:
    """Plain text as roff text: backslashes, minus signs, quotes, and non-ASCII as ``\\[uXXXX]``."""
    out = text.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq").replace("`", "\\(ga")
    out = "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in out)
    return "\\&" + out if out.startswith(".") else out


def inline(text: str) -> str:
    """One line of Markdown as roff text (``code`` and **bold** in bold, links as their text)."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[pos : m.start()]))
        code, bold, link = m.groups()
        if link is not None:
            out.append(escape(link))
        else:
            out.append(f"\\fB{escape(code if code is not None else bold)}\\fR")
        pos = m.end()
    out.append(escape(text[pos:]))
    result = "".join(out)
    return result if not result.startswith("\\fB.") else "\\&" + result


def section(readme: str, heading: str) -> str:
    """The Markdown under ``heading`` (a whole heading line, e.g. ``### Exit codes``) up to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = readme.splitlines()
    try:
        start = lines.index(heading) + 1
    except ValueError:
        raise LookupError(f"README has no heading {heading!r}") from None
    end = start
    in_code = False
    while end < len(lines):
        line = lines[end]
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(rf"#{{1,{level}}} ", line):
            break
        end += 1
    return "\n".join(lines[start:end]).strip("\n")


def blocks(markdown: str) -> list[tuple[str, list[str]]]:
    """The Markdown as blocks: (``para``|``item``|``code``|``table``, lines); an item's first line keeps its marker."""
    out: list[tuple[str, list[str]]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = lines.index("```", i + 1)
            out.append(("code", lines[i + 1 : end]))
            i = end + 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(("table", rows))
        else:
            kind = "item" if _BULLET.match(line) else "para"
            body = [line]
            i += 1
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("```", "|")):
                if _BULLET.match(lines[i]):
                    break
                body.append(lines[i].strip())
                i += 1
            out.append((kind, body))
    return out


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def to_roff(markdown: str) -> list[str]:
    """Roff lines for a piece of README Markdown (no headings inside)."""
    out: list[str] = []
    for kind, lines in blocks(markdown):
        if kind == "para":
            out += [".PP", inline(" ".join(lines))]
        elif kind == "item":
            marker = _BULLET.match(lines[0])
            assert marker is not None
            tag = "\\(bu" if marker.group(1) in "*-" else marker.group(1)
            first = lines[0][marker.end() :]
            out += [f".IP {tag} 4", inline(" ".join([first, *lines[1:]]))]
        elif kind == "code":
            out += [".PP", ".RS 4", ".nf", *(escape(line) for line in lines), ".fi", ".RE"]
        else:  # a table: header, separator, rows
            for row in lines[2:]:
                first, *rest = _cells(row)
                out += [".TP", inline(first), inline(" \u2014 ".join(c for c in rest if c))]
    return out
