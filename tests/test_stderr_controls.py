"""A server's text never reaches stderr as terminal controls (issue 16: escape sequences in error lines).

A hostile server puts escape sequences (ESC, BEL, a C1 CSI) in an AWS
error's code and message, in ``x-amzn-ErrorType`` and in its reason phrase;
the one-line error sigcurl writes, with or without ``-f`` and under ``-Z``,
must hold none of them (the reference is the characters themselves: no C0
control but line feed, no DEL, no C1), and must still show them, escaped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import base_env, run

from sigcurl.output.stderr import visible
from support.hostile import HostileServer, reply

SIGN = ["--service", "execute-api", "--region", "us-east-1"]
NASTY = "\x1b]0;owned\x07\x1b[31mred\x1b[2J\x9b1m"


def assert_no_controls(text: str) -> None:
    bad = [c for c in text if (c < " " and c not in "\t\n") or "\x7f" <= c <= "\x9f"]
    assert not bad, repr(text)


XML_ERROR = reply(500, f"<Error><Code>Boom\x1b[5m</Code><Message>{NASTY}</Message></Error>".encode(),
                  content_type="application/xml")
HEADER_ERROR = reply(500, b"", [("x-amzn-ErrorType", "Bad\x1b[31m"), ("x-amzn-ErrorMessage", "m\x07")])
REASON = reply(500, b"", reason="Oops\x1b[2J\x9b")


@pytest.mark.parametrize("flags", [[], ["-f"], ["--fail-with-body"], ["-Z"]], ids=["plain", "f", "fail-with-body", "Z"])
@pytest.mark.parametrize("act", [XML_ERROR, HEADER_ERROR, REASON], ids=["xml-body", "error-type-header", "reason"])
def test_error_lines_show_a_servers_controls_escaped(hostile: HostileServer, tmp_path: Path, flags: list[str],
                                                     act: object) -> None:
    hostile.queue(act)  # type: ignore[arg-type]
    result = run([*flags, *SIGN, hostile.url_for("/k")], base_env(tmp_path))
    assert_no_controls(result.stderr)
    if {"-f", "--fail-with-body"} & set(flags) or act is not REASON:  # without -f only an AWS error gets a line
        assert "\\x1b" in result.stderr, result.stderr


def test_visible_keeps_text_and_escapes_every_control() -> None:
    assert visible("a\tb\nc") == "a\tb\nc"
    assert visible("é € 😀") == "é € 😀"
    shown = visible("".join(map(chr, range(0xA0))))
    assert_no_controls(shown)
    assert "\\x1b" in shown and "\\x9b" in shown and "\\x7f" in shown and "\\x0d" in shown


def test_verbose_signature_diff_shows_the_services_controls_escaped(hostile: HostileServer, tmp_path: Path) -> None:
    # the service's canonical request and string to sign (SignatureDoesNotMatch) are the server's text too
    body = ("<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message>"
            f"<CanonicalRequest>GET\n/k{NASTY}\n</CanonicalRequest>"
            f"<StringToSign>AWS4-HMAC-SHA256\n{NASTY}</StringToSign></Error>").encode()
    hostile.queue(reply(403, body, content_type="application/xml"))
    result = run(["-v", *SIGN, hostile.url_for("/k")], base_env(tmp_path))
    assert "canonical request" in result.stderr and "\\x1b" in result.stderr, result.stderr
    assert_no_controls(result.stderr)
