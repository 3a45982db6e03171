"""What each start-up path imports (SPEC section 6, issue 3 item 9).

``--help``, ``--sign-only`` and ``--presign`` must import no HTTP stack
(requests, ``sigcurl.transport``), no response output (``sigcurl.output``'s
response side) and no rich (they are measured at >= 3x faster than awscurl),
``import sigcurl`` neither, and a signed GET whose output is piped must not import rich.

Each case runs in a fresh interpreter: a small wrapper registers an atexit
hook that writes ``sys.modules`` to a file, then runs ``sigcurl.cli.main``
with the case's argv, exactly as the console script does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.server import VerifyingServer

ACCESS_KEY, SECRET_KEY = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
HTTP_STACK = (
    "requests", "urllib3", "http.client", "sigcurl.auth", "sigcurl.transport", "sigcurl.transport.wire",
    "sigcurl.transport.send", "sigcurl.transport.response", "sigcurl.transport.credential_http",
)
# The output package's response side: nothing to write before a response arrives.
RESPONSE_OUTPUT = (
    "sigcurl.output.response", "sigcurl.output.body", "sigcurl.output.sink", "sigcurl.output.progress",
    "sigcurl.output.stream", "sigcurl.output.events", "sigcurl.output.pretty", "sigcurl.eventstream",
)
HEAVY = ("rich", "pygments", "cryptography", "botocore", "awscrt")
SIGNING = ["--service", "execute-api", "--region", "us-east-1"]

WRAPPER = """
import atexit, os, sys

def _dump():
    with open(os.environ["SIGCURL_MODULES_OUT"], "w") as f:
        f.write("\\n".join(sorted(sys.modules)))

atexit.register(_dump)
if sys.argv[1:] == ["--import-only"]:
    import sigcurl
else:
    from sigcurl.cli import main
    sys.argv[0] = "sigcurl"
    main(sys.argv[1:])
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SIGCURL_"))}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        HOME=str(tmp_path), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
        SIGCURL_MODULES_OUT=str(tmp_path / "modules.txt"),
    )
    return env


def imported(argv: list[str], tmp_path: Path) -> set[str]:
    """The modules loaded by one run of the command (stdout and stderr piped)."""
    env = _env(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], capture_output=True, stdin=subprocess.DEVNULL, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return set(Path(env["SIGCURL_MODULES_OUT"]).read_text().split())


def _loaded(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items?limit=10"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--import-only"], id="import-sigcurl"),
        pytest.param(["--help"], id="help"),
        pytest.param(["--version"], id="version"),
        pytest.param(["--completion", "bash"], id="completion-bash"),
        pytest.param(["--completion", "zsh"], id="completion-zsh"),
        pytest.param(["--manual"], id="manual"),
        pytest.param(["--sign-only", *SIGNING, URL], id="sign-only"),
        pytest.param(["--sign-only", URL], id="sign-only-inferred"),
        pytest.param(["--sign-only", "--json", '{"a":1}', URL], id="sign-only-json-body"),
        pytest.param(["--presign", *SIGNING, URL], id="presign"),
        pytest.param(["--presign", "https://bucket.s3.eu-west-1.amazonaws.com/report.pdf"], id="presign-s3"),
    ],
)
def test_offline_paths_import_no_http_stack(argv: list[str], tmp_path: Path) -> None:
    modules = imported(argv, tmp_path)
    assert "sigcurl" in modules
    assert not _loaded(modules, HTTP_STACK + RESPONSE_OUTPUT + HEAVY), "imported without need"


def test_offline_paths_skip_unneeded_stdlib(tmp_path: Path) -> None:
    """Modules only some transfers need (stdin spooling, multipart forms, pretty output) stay out of --sign-only."""
    modules = imported(["--sign-only", *SIGNING, URL], tmp_path)
    assert not _loaded(modules, ("tempfile", "sigcurl.multipart", "mimetypes", "sigcurl.output.pretty", "xml"))


def test_piped_signed_get_imports_no_rich(server: VerifyingServer, tmp_path: Path) -> None:
    modules = imported(["-s", "--service", "execute-api", "--region", "us-east-1", server.url_for("/prod/items")], tmp_path)
    assert server.last.ok, "the request was not signed correctly"
    assert "requests" in modules  # it did send
    # (difflib comes from click's parsing of short options, tempfile from requests.utils: not ours to drop)
    assert not _loaded(modules, ("rich", "pygments", "cryptography", "botocore", "awscrt", "xml.dom"))


def test_piped_json_response_imports_no_rich(server: VerifyingServer, tmp_path: Path) -> None:
    from support.server import Response

    server.queue(Response.json({"items": [1, 2, 3]}))
    modules = imported(["-s", "--service", "execute-api", server.url_for("/prod/items")], tmp_path)
    assert not _loaded(modules, ("rich", "pygments"))
