"""Usage errors read like sigcurl's own lines: click's (lower case first, no full stop before the fix), and a NUL byte."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

LINE = re.compile(r"sigcurl: [a-z][^\n]*[^.] — see 'sigcurl --help'")


@pytest.mark.parametrize(("argv", "says"), [
    (["--usr", "a:b", "http://127.0.0.1:9/"], "no such option '--usr' (did you mean one of: "),
    (["-m", "abc", "http://127.0.0.1:9/"], "invalid value for '-m' / '--max-time': 'abc' is not a valid float"),
    (["http://127.0.0.1:9/", "-X"], "option '-X' requires an argument"),
])
def test_click_usage_errors_in_sigcurls_form(tmp_path: Path, argv: list[str], says: str) -> None:
    r = run_process(argv, base_env(tmp_path))
    assert r.exit_code == 2
    [line] = r.stderr.splitlines()
    assert LINE.fullmatch(line), line
    assert line.startswith(f"sigcurl: {says}")


def test_a_nul_byte_in_an_argument_is_one_line(tmp_path: Path) -> None:
    from cli_helpers import run  # in-process: no real argv can hold a NUL, only a caller in Python

    r = run(["--sign-only", "-T", "\x00", "http://127.0.0.1:9/k"], base_env(tmp_path))
    assert r.exit_code == 2
    assert r.stderr == "sigcurl: argument 3 holds a NUL byte — send such bytes from a file with --data-binary @FILE\n"


def test_a_nul_byte_in_a_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "k.conf"
    config.write_bytes(b'url = "http://127.0.0.1:9/"\nupload-file = "x\x00y"\n')
    r = run_process(["--service", "s3", "-K", str(config)], base_env(tmp_path))
    assert r.exit_code == 2
    assert r.stderr == f"sigcurl: config file {config} holds a NUL byte — write such bytes in a file and send it with @FILE\n"
