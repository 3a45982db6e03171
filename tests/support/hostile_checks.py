"""What the hostile-server tests (``tests/test_hostile_*.py``) assert with: the session token they
sign with, the secrets that must appear in no output, one-line errors.
"""

from __future__ import annotations

import re

from cli_helpers import SECRET_KEY, Result

from .hostile import encodings

TOKEN = "IQoJb3JpZ2luX2VjEHostileSessionToken/with+plus=and/slash" + "Q" * 300
SECRETS = (SECRET_KEY, TOKEN)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def one_line(result: Result, code: int, *fragments: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("sigcurl:")]
    assert result.exit_code == code, result.stderr
    assert len(lines) == 1 and " — " in lines[0], result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_no_secret(*outputs: bytes | str) -> None:
    for out in outputs:
        data = out.encode() if isinstance(out, str) else out
        for secret in SECRETS:
            for form in encodings(secret):
                assert form not in data, (secret[:8], form[:40])
