"""Hostile bodies, bounded: pretty-printing keeps the standard layout at a small multiple of the
body's memory, deep nesting is over budget not a crash, escapes never reach the terminal as
controls, and the AWS error parser reads only its first PARSE_LIMIT bytes.

References are independent of sigcurl: the standard library's ``json`` for the
indented layout, peak memory (tracemalloc) for the cost, the bytes read for the
error-body parser.  No assertion is about time.
"""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import pytest
from cli_helpers import base_env, run

from sigcurl.awserror import PARSE_LIMIT, parse_aws_error
from sigcurl.output.pretty import MAX_DEPTH, TooBig, pretty_bytes, render
from support.hostile import (
    HostileServer,
    big_json,
    big_xml,
    deep_json,
    deep_xml,
    escapes_json,
    reply,
)
from support.hostile_checks import ANSI, TOKEN, one_line
from support.terminal import run_in_pty


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path, AWS_SESSION_TOKEN=TOKEN)


# --- rendering is bounded ----------------------------------------------------------


def test_pretty_json_is_the_standard_layout_token_for_token() -> None:
    body = big_json(200_000)
    out = pretty_bytes(body, "json", color=False).decode()
    assert out == json.dumps(json.loads(body), indent=2, ensure_ascii=False) + "\n"
    coloured = pretty_bytes(body, "json", color=True).decode()
    assert ANSI.sub("", coloured) == out


@pytest.mark.parametrize(("kind", "body"), [("json", big_json(256 << 10)), ("xml", big_xml(256 << 10)), ("json", escapes_json(20_000))],
                         ids=["json", "xml", "json-escapes"])
def test_pretty_printing_costs_a_small_multiple_of_the_body(kind: str, body: bytes) -> None:
    # Before: about 700 bytes of memory per byte of body (rich's Syntax, minidom): 1.5 GB for 2 MB of JSON.
    # (tracemalloc slows allocation down: a quarter of a megabyte shows the ratio.)
    tracemalloc.start()
    try:
        size = sum(len(block) for block in render(body, kind, color=True) or ())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > len(body)
    assert peak < 8 * len(body), peak / len(body)


def test_pretty_xml_changes_only_whitespace() -> None:
    body = big_xml(100_000).replace(b"<Size>", b'<Size unit="B" note="a &gt; b">')
    out = ANSI.sub("", pretty_bytes(body, "xml", color=True).decode())
    assert re.sub(r"\s", "", out) == re.sub(r"\s", "", body.decode())
    assert out.count("\n") > 1000


def test_escapes_are_shown_escaped_never_as_terminal_controls() -> None:
    out = pretty_bytes(escapes_json(10), "json", color=True)
    assert b"\\u001b[31m" in out and b"\x1b[31m" not in ANSI.sub("", out.decode()).encode()
    assert b"\x07" not in out


@pytest.mark.parametrize("body", [deep_json(100_000), deep_xml(100_000), deep_json(MAX_DEPTH + 1)], ids=["json", "xml", "json-just-over"])
def test_deep_nesting_is_over_budget_not_a_crash(body: bytes) -> None:
    kind = "xml" if body.startswith(b"<") else "json"
    with pytest.raises(TooBig, match="nested more than"):
        render(body, kind, color=True)
    assert pretty_bytes(body, kind, color=False) == body
    assert pretty_bytes(deep_json(MAX_DEPTH), "json", color=False).count(b"\n") == 2 * MAX_DEPTH + 1


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.parametrize("pretty", [["--pretty", "--color"], []], ids=["pretty", "piped"])
def test_deep_json_from_the_server_is_shown_as_sent(hostile: HostileServer, env: dict[str, str], status: int, pretty: list[str]) -> None:
    body = deep_json(100_000)
    hostile.queue(reply(status, body, content_type="application/json"))
    result = run([*pretty, "--service", "execute-api", hostile.url_for("/deep")], env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == body
    if pretty:
        one_line(result, 0, "shown as sent", "nested more than")


def test_a_large_body_on_a_terminal_is_raw_with_a_note(hostile: HostileServer, env: dict[str, str]) -> None:
    from sigcurl.output.body import PRETTY_LIMIT

    body = big_json(PRETTY_LIMIT + 1000)
    hostile.queue(reply(200, body, content_type="application/json", chunked=True))
    result = run(["--pretty", "--service", "execute-api", hostile.url_for("/big")], env)
    assert result.stdout == body
    one_line(result, 0, "shown as sent", "MiB")


def test_deep_json_on_a_real_terminal(hostile: HostileServer, env: dict[str, str]) -> None:
    hostile.queue(reply(200, deep_json(100_000), content_type="application/json"))
    code, out = run_in_pty(["--service", "execute-api", hostile.url_for("/deep")], env)
    assert code == 0, out[-500:]
    assert b"internal error" not in out and b"shown as sent" in out


# --- the error-body parser reads a bounded prefix -----------------------------------


class _Spy(bytes):
    """Bytes that record every index or slice taken of them."""

    seen: list[object]

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        self.seen.append(key)
        return super().__getitem__(key)


def test_the_error_parser_looks_at_parse_limit_bytes_only() -> None:
    # 256 KiB of unterminated tags took 65 s of CPU when every byte was scanned from every tag.
    body = _Spy(b"<Error>" + b"<Code>" * ((256 << 10) // 6) + b"<Code>Late</Code></Error>")
    body.seen = []
    assert parse_aws_error(body, []) is None
    assert body.seen == [slice(None, PARSE_LIMIT, None)]
    late = b"<Error>" + b" " * PARSE_LIMIT + b"<Code>Late</Code></Error>"
    assert parse_aws_error(late, []) is None  # a code past the limit is never read
    early = b"<Error><Code>AccessDenied</Code>" + b"<x>" * (1 << 20) + b"</Error>"
    assert parse_aws_error(early, [])[0] == "AccessDenied"  # type: ignore[index]


def test_the_error_parser_survives_deep_json() -> None:
    assert parse_aws_error(deep_json(100_000), [("Content-Type", "application/json")]) is None
    assert parse_aws_error(b'{"__type": ' + deep_json(50_000) + b"}", []) is None
