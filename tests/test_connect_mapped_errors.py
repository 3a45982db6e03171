"""A connection refused at an address that --connect-to or --resolve chose: the line names that address.

The system's curl is the reference for the exit code (7); curl's own line
names the address it tried for --connect-to, and sigcurl's names both the
URL's host and the address it was mapped to, so a user sees at once where
the connection went.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
from cli_helpers import base_env, run_process

from support.curldiff import CURL


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("flag", ["--connect-to", "--resolve"])
def test_a_refused_mapped_connection_names_the_address_tried(tmp_path: Path, flag: str) -> None:
    port = closed_port()
    if flag == "--connect-to":
        argv = ["-sS", "--connect-to", f"example.com:80:127.0.0.1:{port}", "http://example.com/"]
    else:
        argv = ["-sS", "--resolve", f"example.com:{port}:127.0.0.1", f"http://example.com:{port}/"]
    curl = subprocess.run([CURL, *argv], capture_output=True, timeout=30, env={**os.environ, "NO_PROXY": "*"})
    ours = run_process(["--service", "s3", "--region", "us-east-1", *argv], base_env(tmp_path))
    assert curl.returncode == ours.exit_code == 7
    [line] = ours.stderr.strip().splitlines()
    url_port = 80 if flag == "--connect-to" else port
    assert line == (f"sigcurl: could not connect to example.com port {url_port} (its address by --resolve/--connect-to: "
                    f"127.0.0.1 port {port}) — check the host, the port and that the server is up")
