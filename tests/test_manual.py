"""The manual page ``sigcurl.1`` and ``sigcurl --manual``.

* the committed page is exactly what :mod:`sigcurl.cli.manual.page` builds from
  the command's options and the README;
* groff (or man-db's ``man -l``) renders it without a warning, and every
  option of the command appears in the rendering; groff and man-db are
  installed with apt-get when missing (as root), else that check is skipped;
* ``sigcurl --manual`` on a pipe prints the same words as groff's rendering,
  and on a terminal hands the page to ``man``.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import pytest

from sigcurl.cli import cli
from sigcurl.cli.manual import PAGE
from sigcurl.cli.manual.page import render

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ENV = dict(os.environ, PYTHONPATH=str(ROOT), MANWIDTH="80")
ENV.pop("COLUMNS", None)


def option_names() -> list[str]:
    ctx = click.Context(cli, **cli.context_settings)
    names: list[str] = []
    for param in cli.get_params(ctx):
        if isinstance(param, click.Option) and not param.hidden:
            names += list(param.opts) + list(param.secondary_opts)
    return names


def _plain(text: str) -> str:
    """Rendered text with overstrike/SGR formatting removed and groff's minus and hyphen as '-'."""
    text = re.sub(r".\x08", "", text)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return text.replace("\u2212", "-").replace("\u2010", "-")


def _words(rendered: str) -> list[str]:
    """The words between the header line and the footer line."""
    lines = [line for line in rendered.splitlines() if line.strip()]
    return " ".join(lines[1:-1]).split()


def _has_option(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def test_committed_page_is_up_to_date() -> None:
    expected = render(cli, README.read_text(encoding="utf-8"))
    assert PAGE.read_text(encoding="utf-8") == expected, "sigcurl.1 is stale: run `python -m sigcurl.cli.manual` and commit it"


def test_page_lists_every_option_and_the_readme_sections() -> None:
    roff = PAGE.read_text(encoding="utf-8")
    missing = [n for n in option_names() if n.replace("-", "\\-") not in roff]
    assert not missing
    for title in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", '"EXIT STATUS"', "ENVIRONMENT", "FILES", "EXAMPLES"):
        assert f"\n.SH {title}\n" in roff
    assert ".TP\n93\ninternal error" in roff  # the exit code table, from the README


@pytest.fixture(scope="session")
def formatter() -> list[str]:
    """A command that renders a man page file to text on stdout (groff or man-db), installed by apt-get if need be."""
    if shutil.which("groff") is None and shutil.which("man") is None and os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        import fcntl

        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        with open(os.path.join(tempfile.gettempdir(), "sigcurl-tests-apt.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "groff-base", "man-db"]
            for step in (install, ["apt-get", "update", "-q"], install):
                try:
                    if subprocess.run(step, capture_output=True, timeout=240, env=env, stdin=subprocess.DEVNULL).returncode == 0 and step is install:
                        break
                except subprocess.TimeoutExpired:
                    break
    if shutil.which("groff"):
        return ["groff", "-man", "-Tutf8", "-ww", "-rLL=78n", "-P", "-cbou"]
    if shutil.which("man"):
        return ["man", "--warnings", "-l"]
    pytest.skip("neither groff nor man is installed (and apt-get could not install them)")


def test_groff_renders_every_option_without_warnings(formatter: list[str]) -> None:
    proc = subprocess.run([*formatter, str(PAGE)], capture_output=True, text=True, timeout=60, env=ENV)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    text = _plain(proc.stdout)
    missing = [n for n in option_names() if not _has_option(text, n)]
    assert not missing, f"missing from the rendered page: {missing}"
    assert "EXIT STATUS" in text and "SIGCURL_TRACEBACK" in text


def _manual(args: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigcurl", *(args or ["--manual"])], capture_output=True, text=True, timeout=60,
        env=ENV, stdin=subprocess.DEVNULL,
    )


def test_manual_on_a_pipe_is_plain_text_with_every_option() -> None:
    for flag in ("--manual", "-M"):
        proc = _manual([flag])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("SIGCURL(1)") and "\\f" not in proc.stdout and ".TP" not in proc.stdout
        assert not [n for n in option_names() if not _has_option(proc.stdout, n)]


def test_plain_text_has_groff_s_words(formatter: list[str]) -> None:
    """The built-in renderer drops nothing and adds nothing: word for word what groff prints."""
    proc = subprocess.run([*formatter, str(PAGE)], capture_output=True, text=True, timeout=60, env=ENV)
    assert _words(_manual().stdout) == _words(_plain(proc.stdout))


def test_manual_on_a_terminal_uses_man(tmp_path: Path) -> None:
    """With stdout a terminal and a `man` on PATH, the page goes to `man -l` (here a stub that records its arguments)."""
    stub = tmp_path / "man"
    stub.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/args\necho SHOWN-BY-MAN\n')
    stub.chmod(0o755)
    env = dict(ENV, PATH=f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sigcurl", "--manual"], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    assert proc.wait(timeout=30) == 0
    os.close(master)
    assert b"SHOWN-BY-MAN" in out
    assert (tmp_path / "args").read_text().split() == ["-l", str(PAGE)]
