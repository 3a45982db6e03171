"""``-K/--config FILE``: curl's config file syntax, turned into command-line words.

One option per line, as curl reads them:

* blank lines, and lines whose first non-blank character is ``#`` (curl also
  skips ``/`` and ``*``), are ignored;
* ``long-option = value``, ``long-option: value`` and ``long-option value``
  (the leading ``--`` is optional; without it ``=`` and ``:`` separate);
* ``--long-option value`` and ``-x value`` (with dashes, only whitespace
  separates the option from its value);
* a value holding whitespace (or starting with ``=`` or ``:``) is written in
  double quotes, where ``\\\\``, ``\\"``, ``\\t``, ``\\n``, ``\\r`` and ``\\v`` are
  escapes and a backslash before any other character is dropped;
* ``url = ...`` adds a URL (a bare URL on a line is not one: it reads as an
  option name, as in curl), and ``next`` starts a new set of options;
* ``config = FILE`` includes another file; ``-`` is standard input.

The result is a list of words the command-line parser reads as if typed, so
every option means the same in a file and on the command line.  Whether an
option takes a value is asked of the caller (:data:`TakesValue`), because
that knowledge lives with the command's options.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from sigcurl.errors import ReadError, UsageError

#: takes_value(option) -> True/False for a known option ("--header", "-H"), None if unknown.
TakesValue = Callable[[str], "bool | None"]

#: How deep ``config = FILE`` may nest (curl has no limit; a loop must not hang).
MAX_DEPTH = 8

_ESCAPES = {"\\": "\\", '"': '"', "t": "\t", "n": "\n", "r": "\r", "v": "\v"}
_COMMENT_STARTS = ("#", "/", "*")


def read_config(source: str, stdin: BinaryIO, takes_value: TakesValue, *, depth: int = 0) -> list[str]:
    """The command-line words of config file ``source`` (``-`` reads standard input)."""
    if depth >= MAX_DEPTH:
        raise UsageError(f"config files nested more than {MAX_DEPTH} deep ({source})", "check for a file that includes itself")
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            data = stdin.read()
        else:
            with open(os.path.expanduser(source), "rb") as f:
                data = f.read()
    except OSError as exc:
        raise ReadError(f"cannot read config file {name}: {exc.strerror or exc}", "check the -K/--config path") from None
    if b"\x00" in data:  # curl's parser stops at one (a C string); a value holding it would reach file names
        raise UsageError(f"config file {name} holds a NUL byte", "write such bytes in a file and send it with @FILE")
    text = data.decode("utf-8", "surrogateescape")
    return parse_config(text, takes_value, name=name, stdin=stdin, depth=depth)


def parse_config(
    text: str, takes_value: TakesValue, *, name: str = "config", stdin: BinaryIO | None = None, depth: int = 0
) -> list[str]:
    """Words for ``text`` in curl's config syntax (see the module docstring)."""
    words: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{lineno}"
        line = raw.lstrip()
        if not line or line.startswith(_COMMENT_STARTS):
            continue
        option, param = _split_line(line, where)
        dashed = option.startswith("-")
        flag = option if dashed else f"--{option}"
        if flag in ("--next", "-:"):
            _no_param(flag, param, where)
            words.append("--next")
            continue
        if flag in ("--config", "-K"):
            if param is None:
                raise UsageError(f"{where}: {flag} needs a file name", "write config = FILE")
            if stdin is None:
                raise UsageError(f"{where}: cannot include config files here", "")
            words.extend(read_config(param, stdin, takes_value, depth=depth + 1))
            continue
        needs = takes_value(flag)
        if needs is None:  # '--name=value' is not curl's syntax; its value may be a secret: not shown
            shown = option.split("=", 1)[0] + ("=…" if "=" in option else "")
            raise UsageError(f"{where}: unknown option {shown!r}", "see sigcurl --help for the option names (write 'name = value')")
        if needs:
            if param is None:
                raise UsageError(f"{where}: {flag} needs a value", f"write {option} = VALUE")
            # '--name=value' keeps a value that starts with '-' a value.
            words.extend([f"{flag}={param}"] if flag.startswith("--") else [flag, param])
        else:
            _no_param(flag, param, where)
            words.append(flag)
    return words


def _no_param(flag: str, param: str | None, where: str) -> None:
    if param:
        raise UsageError(f"{where}: {flag} takes no value", "drop the value, or quote a value of the previous option")


def _split_line(line: str, where: str) -> tuple[str, str | None]:
    """(option, value or None) of one non-comment line."""
    dashed = line.startswith("-")
    i = 0
    while i < len(line) and not line[i].isspace() and (dashed or line[i] not in "=:"):
        i += 1
    option = line[:i]
    while i < len(line) and (line[i].isspace() or (not dashed and line[i] in "=:")):
        i += 1
    rest = line[i:]
    if not rest:
        return option, None
    if rest.startswith('"'):
        return option, _unquote(rest, where)
    end = 0
    while end < len(rest) and not rest[end].isspace():
        end += 1
    trailing = rest[end:].strip()
    if trailing and not trailing.startswith("#"):
        raise UsageError(f"{where}: unquoted whitespace in the value of {option!r}", 'put the value in double quotes: "..."')
    return option, rest[:end]


def _unquote(text: str, where: str) -> str:
    """A double-quoted value with curl's backslash escapes."""
    out: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if c == '"':
            trailing = text[i + 1 :].strip()
            if trailing and not trailing.startswith("#"):
                raise UsageError(f"{where}: text after the closing quote: {trailing!r}", "one option per line")
            return "".join(out)
        out.append(c)
        i += 1
    raise UsageError(f"{where}: missing closing quote", 'end the value with "')
