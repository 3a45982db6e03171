"""The manual page as plain text, without ``man``: a renderer for the roff subset the page uses.

Handles ``.TH .SH .SS .PP .TP .IP .RS .RE .nf .fi .B .I`` and the escapes
the generator writes (fonts, ``\\-``, ``\\e``, ``\\&``, ``\\(xx``,
``\\[uXXXX]``), with man's layout: headings at the margin, text indented 7
columns, tags hanging, filled to the width, no justification.
"""

from __future__ import annotations

import re
import textwrap

_NAMED = {"aq": "'", "ga": "`", "em": "\u2014", "en": "\u2013", "bu": "\u2022", "->": "\u2192", "co": "\u00a9", "hy": "-"}
_ESCAPE = re.compile(r"\\(\((..)|\[([^\]]*)\]|f(\[[^\]]*\]|.)|(.))")
INDENT = 7


def unescape(text: str) -> str:
    """Roff text as plain text (fonts dropped)."""

    def one(m: re.Match[str]) -> str:
        two, bracket, _font, char = m.group(2), m.group(3), m.group(4), m.group(5)
        if two is not None:
            return _NAMED.get(two, "")
        if bracket is not None:
            if bracket.startswith("u") and len(bracket) > 1:
                return "".join(chr(int(part, 16)) for part in bracket[1:].split("_"))
            return _NAMED.get(bracket, "")
        if char is not None:
            return {"-": "-", "e": "\\", "&": "", " ": " ", "~": " ", "|": "", "^": "", "%": "", "c": ""}.get(char, char)
        return ""  # a font change

    return _ESCAPE.sub(one, text)


def _args(line: str) -> list[str]:
    """A macro line's arguments (double quotes group words)."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"|\S+', line)[1:]]


class _Renderer:
    def __init__(self, width: int) -> None:
        self.width = width
        self.out: list[str] = []
        self.words: list[str] = []
        self.base = INDENT  # left margin of body text
        self.stack: list[int] = []  # .RS margins
        self.hang: int | None = None  # body indent of the current .TP/.IP paragraph
        self.tag: str | None = None
        self.want_tag = False
        self.fill = True
        self.heading = False  # the last line written is a heading: no blank line after it

    def blank(self) -> None:
        if self.out and self.out[-1] and not self.heading:
            self.out.append("")

    def flush(self) -> None:
        if not self.words and self.tag is None:
            return
        indent = self.base + (self.hang or 0)
        text = " ".join(self.words)
        lines = textwrap.wrap(text, max(20, self.width - 2 - indent), break_on_hyphens=False, break_long_words=False) or [""]
        if self.tag is not None:
            tag_line = " " * self.base + self.tag
            if len(tag_line) < indent and self.words:
                lines[0] = tag_line.ljust(indent) + lines[0]
                self.out.append(lines.pop(0))
            else:
                width = max(20, self.width - 2 - self.base)
                self.out += [" " * self.base + part for part in textwrap.wrap(self.tag, width, break_on_hyphens=False, break_long_words=False)]
        self.out += [" " * indent + line for line in lines if line or self.words]
        self.words, self.tag, self.heading = [], None, False

    def paragraph(self, hang: int | None) -> None:
        self.flush()
        self.blank()
        self.hang = hang

    def macro(self, name: str, args: list[str]) -> None:
        if name == "TH":
            title = f"{args[0]}({args[1]})" if len(args) > 1 else args[0]
            middle = args[4] if len(args) > 4 else ""
            gap = max(1, self.width - 2 * len(title) - len(middle))
            self.out += [title + " " * (gap // 2) + middle + " " * (gap - gap // 2) + title, ""]
            self.footer = f"{unescape(args[3]) if len(args) > 3 else ''}".ljust(self.width - len(title)) + title
        elif name in ("SH", "SS"):
            self.flush()
            self.blank()
            self.stack.clear()
            self.hang = None
            self.out.append(" " * (0 if name == "SH" else 3) + unescape(" ".join(args)))
            self.base, self.heading = INDENT, True
        elif name in ("PP", "P", "LP"):
            self.paragraph(None)
        elif name == "TP":
            self.paragraph(int(args[0]) if args else INDENT)
            self.want_tag = True
        elif name == "IP":
            self.paragraph(int(args[1]) if len(args) > 1 else INDENT)
            self.tag = unescape(args[0]) if args else ""
        elif name == "RS":
            self.flush()
            self.stack.append(self.base)
            self.base += int(args[0]) if args else INDENT
            self.hang = None
        elif name == "RE":
            self.flush()
            self.base = self.stack.pop() if self.stack else INDENT
        elif name == "nf":
            self.flush()
            self.fill = False
        elif name == "fi":
            self.fill = True
        elif name in ("B", "I", "BR", "IR", "RB", "RI"):
            self.text(" ".join(args))
        # .nh, .ad, .hy and comments change nothing in plain text

    def text(self, line: str) -> None:
        plain = unescape(line)
        if self.want_tag:
            self.flush()
            self.tag, self.want_tag = plain, False
        elif not self.fill:
            self.out.append((" " * self.base + plain).rstrip())
            self.heading = False
        else:
            self.words += plain.split()

    def render(self, roff: str) -> str:
        self.footer = ""
        for line in roff.splitlines():
            if line.startswith((".", "'")) and not line.startswith(".\\&"):
                if line.startswith(('.\\"', "'\\\"")):
                    continue
                name = line[1:].split(None, 1)[0] if line[1:].strip() else ""
                self.macro(name, _args(line))
            else:
                self.text(line)
        self.flush()
        self.blank()
        self.out.append(self.footer)
        return "\n".join(self.out) + "\n"


def to_text(roff: str, width: int = 80) -> str:
    """The page as plain text, ``width`` columns wide."""
    return _Renderer(width).render(roff)
