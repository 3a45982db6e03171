"""Shell completion scripts in ``completions/`` and from ``sigcurl --completion SHELL``.

* every option of the click command (long and short names) appears in the
  bash, zsh and fish scripts;
* the committed scripts are exactly what :mod:`sigcurl.cli.completion` renders,
  and exactly what ``sigcurl --completion SHELL`` prints;
* the scripts work in the real shells: bash through a ``COMP_WORDS``
  simulation calling the registered completion function, zsh in an
  interactive ``zsh -f`` on a pseudo-terminal with ``compinit`` and a real TAB
  (a ``compadd`` wrapper prints what would be offered), fish through
  ``complete -C``.  zsh and fish are installed with apt-get once per session
  when missing (as root); if that fails only their tests are skipped.
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
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from sigcurl.cli import cli

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
SCRIPTS = {"bash": COMPLETIONS / "sigcurl.bash", "zsh": COMPLETIONS / "_sigcurl", "fish": COMPLETIONS / "sigcurl.fish"}
GENERATOR = ROOT / "scripts" / "gen_completions.py"
SHELL_OF = {path.name: shell for shell, path in SCRIPTS.items()}
SHELL_TIMEOUT = 10.0


def option_names() -> list[str]:
    """Every long and short name of every option, including --help and the off-switches (--raw)."""
    ctx = click.Context(cli, **cli.context_settings)
    names: list[str] = []
    for param in cli.get_params(ctx):
        if isinstance(param, click.Option):
            names += list(param.opts) + list(param.secondary_opts)
    return names


def _mentions(shell: str, text: str, name: str) -> bool:
    if shell == "fish":
        pattern = f"-l {re.escape(name[2:])}" if name.startswith("--") else f"-s {re.escape(name[1:])}"
    else:
        pattern = re.escape(name)
    return re.search(rf"(?<![\w-]){pattern}(?![\w-])", text) is not None


# --- the scripts are complete and up to date ---------------------------------------


def test_option_names_are_read_from_the_command() -> None:
    names = option_names()
    assert {"--region", "--profile", "--service", "-X", "--request", "--help", "-h", "--raw"} <= set(names)


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_every_option_is_in_the_script(shell: str) -> None:
    text = SCRIPTS[shell].read_text(encoding="utf-8")
    missing = [n for n in option_names() if not _mentions(shell, text, n)]
    assert not missing, (
        f"{SCRIPTS[shell].relative_to(ROOT)} lacks {', '.join(missing)}: "
        "run `python scripts/gen_completions.py` and commit completions/"
    )


def test_scripts_match_the_generator() -> None:
    from sigcurl.cli.completion import FILE_NAMES, render_all

    assert {FILE_NAMES[shell] for shell in SCRIPTS} == {path.name for path in SCRIPTS.values()}
    stale = [
        SHELL_OF[name] for name, text in sorted(render_all(cli).items())
        if text != (COMPLETIONS / name).read_text(encoding="utf-8")
    ]
    assert not stale, f"completions for {', '.join(stale)} are stale: run `python scripts/gen_completions.py` and commit completions/"


def test_generator_script_writes_the_scripts(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    for path in SCRIPTS.values():
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_command_prints_the_script(shell: str) -> None:
    """`sigcurl --completion SHELL` prints the committed script byte for byte (any case of SHELL)."""
    proc = subprocess.run(
        [sys.executable, "-m", "sigcurl", "--completion", shell.upper()], capture_output=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == SCRIPTS[shell].read_bytes()


def test_completion_of_an_unknown_shell_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sigcurl", "--completion", "tcsh"], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("sigcurl: ") and proc.stderr.count("\n") == 1 and "tcsh" in proc.stderr


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_scripts_never_start_python(shell: str) -> None:
    text = SCRIPTS[shell].read_text(encoding="utf-8").lower()
    assert "python" not in text
    assert not re.search(r"\$\(\s*sigcurl|\(sigcurl ", text), "TAB must not run sigcurl"


# --- real shells --------------------------------------------------------------------


@pytest.fixture(scope="session")
def installed_shells() -> dict[str, str]:
    """zsh and fish, installed with apt-get (once, as root) if missing: name -> reason when unavailable."""
    missing = [s for s in ("zsh", "fish") if shutil.which(s) is None]
    reasons: dict[str, str] = {}
    if not missing:
        return reasons
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        return {s: f"{s} is not installed (and cannot apt-get install it: not root or no apt-get)" for s in missing}
    import fcntl

    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    detail = ""
    # One installer at a time (pytest-xdist workers each run this fixture).
    with open(os.path.join(tempfile.gettempdir(), "sigcurl-tests-apt.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [s for s in missing if shutil.which(s) is None]
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
        # install; if that fails (no package lists yet on a fresh machine), update and retry
        for step in ((install, ["apt-get", "update", "-q"], install) if missing else ()):
            try:
                proc = subprocess.run(step, capture_output=True, text=True, timeout=240, env=env, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                detail = f"`{' '.join(step)}` timed out"
                break
            detail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            if step is install and proc.returncode == 0:
                break
    for shell in missing:
        if shutil.which(shell) is None:
            reasons[shell] = f"{shell} is not installed and `apt-get install {shell}` failed: {detail}"
    return reasons


def _need(shell: str, installed_shells: dict[str, str]) -> str:
    if shell in installed_shells:
        pytest.skip(installed_shells[shell])
    path = shutil.which(shell)
    assert path is not None
    return path


@pytest.fixture
def aws_files(tmp_path: Path) -> dict[str, str]:
    """A temp config and credentials file, and an isolated HOME, as environment variables."""
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "config"
    config.write_text(
        "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n\n"
        "[ profile  prod-admin ]\nrole_arn = arn:aws:iam::123456789012:role/admin\n\n"
        "[sso-session corp]\nsso_region = us-east-1\n\n[services local]\n",
        encoding="utf-8",
    )
    credentials = tmp_path / "credentials"
    credentials.write_text("[ci-bot]\naws_access_key_id = AKIDEXAMPLE\n\n[default]\n", encoding="utf-8")
    (tmp_path / "payload.json").write_text("{}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BASH_", "ZDOTDIR", "FISH"))}
    env.update(
        HOME=str(home), AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"), TERM="dumb",
        TMPDIR_FOR_TEST=str(tmp_path),
    )
    return env


PROFILES = {"default", "dev", "prod-admin", "ci-bot"}
EU_WEST = {"eu-west-1", "eu-west-2", "eu-west-3"}

# (command line up to the cursor, check on the offered words); {tmp} is the temp dir.
CASES = [
    pytest.param("sigcurl --reg", lambda got: "--region" in got and "--profile" not in got, id="option-prefix"),
    pytest.param("sigcurl --profile ", lambda got: set(got) == PROFILES, id="profiles"),
    pytest.param("sigcurl -s --profile d", lambda got: set(got) == {"default", "dev"}, id="profiles-prefix"),
    pytest.param("sigcurl --region eu-we", lambda got: set(got) == EU_WEST, id="regions"),
    pytest.param("sigcurl --region=eu-we", lambda got: {g.rpartition("=")[2] for g in got} == EU_WEST, id="region-equals"),
    pytest.param("sigcurl --service bedr", lambda got: "bedrock" in got and all(g.startswith("bedr") for g in got), id="services"),
    pytest.param("sigcurl -X P", lambda got: set(got) == {"POST", "PUT", "PATCH"}, id="methods"),
    pytest.param("sigcurl -T {tmp}/pay", lambda got: any(g.endswith("payload.json") for g in got), id="upload-file"),
    pytest.param("sigcurl -d @{tmp}/pay", lambda got: any(g.endswith("payload.json") for g in got), id="data-at-file"),
]
if any("--checksum" in p.opts for p in cli.params if isinstance(p, click.Option)):
    CASES.append(pytest.param("sigcurl --checksum crc3", lambda got: "crc32" in got and "crc32c" in got, id="checksum"))


def _pty_complete(argv: list[str], setup: str, line: str, env: dict[str, str]) -> list[str]:
    """Run an interactive shell on a pseudo-terminal, type ``line`` and TAB, and collect the offered words.

    ``setup`` makes TAB print ``<hit>WORD</hit>`` for each word the completion
    would offer, then ``<end>``, and prints ``<ready>`` when it is done.  The
    markers are written split in ``setup`` ('<''end>') so that the terminal's
    echo of the setup never contains them.
    """
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + SHELL_TIMEOUT

    def read_until(marker: bytes) -> None:
        nonlocal out
        while marker not in out:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"{argv[0]} did not answer within {SHELL_TIMEOUT}s; it printed:\n{out.decode(errors='replace')}")
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"{argv[0]} exited; it printed:\n{out.decode(errors='replace')}")
            out += chunk

    try:
        for setup_line in setup.strip().splitlines():
            os.write(master, setup_line.encode() + b"\n")
        read_until(b"<ready>\r\n")
        start = len(out)
        os.write(master, line.encode() + b"\t")
        read_until(b"<end>")
    finally:
        proc.kill()
        proc.wait(timeout=SHELL_TIMEOUT)
        os.close(master)
    return re.findall(r"<hit>(.*?)</hit>", out[start:].decode(errors="replace"))


# bash: the function registered by `complete -p sigcurl`, called by readline itself
# (so COMP_WORDS, COMP_CWORD and $2 are bash's own); a wrapper prints its replies
# and offers nothing, so readline never asks "Display all...?".
BASH_SETUP = r"""
PS1='$ '
source {script}
__spec=$(complete -p sigcurl); __func=${{__spec#*-F }}; __func=${{__func%% *}}
_capture() {{ "$__func" "$@"; local h; for h in "${{COMPREPLY[@]}}"; do printf '%s\n' "<""hit>$h</hit>"; done; printf '%s\n' '<''end>'; COMPREPLY=(); }}
complete -F _capture sigcurl
printf '%s\n' '<''ready>'
"""


def complete_bash(line: str, env: dict[str, str]) -> list[str]:
    return _pty_complete(["bash", "--norc", "--noprofile", "-i"], BASH_SETUP.format(script=SCRIPTS["bash"]), line, env)


# zsh: compinit with completions/ on $fpath; TAB runs a widget that runs
# complete-word then prints the end marker, and a compadd wrapper prints each
# word that would be offered.
ZSH_SETUP = r"""
PS1='%% '
fpath=({compdir} $fpath)
autoload -Uz compinit && compinit -u -D
compadd() {{
  if [[ ${{@[1,(i)(-|--)]}} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; local __h
  builtin compadd -A __hits "$@"
  for __h in $__hits; do print -r -- "<""hit>$__h</hit>"; done
  builtin compadd "$@"
}}
_capture() {{ zle complete-word; print -r -- '<''end>'; }}
zle -N _capture
bindkey '^I' _capture
print -r -- '<''ready>'
"""


def complete_zsh(line: str, env: dict[str, str]) -> list[str]:
    return _pty_complete(["zsh", "-f", "-i"], ZSH_SETUP.format(compdir=COMPLETIONS), line, env)


def complete_fish(line: str, env: dict[str, str]) -> list[str]:
    proc = subprocess.run(
        ["fish", "-c", 'source $argv[1]; complete -C"$argv[2]"', str(SCRIPTS["fish"]), line],
        capture_output=True, text=True, timeout=SHELL_TIMEOUT, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return [w.split("\t", 1)[0] for w in proc.stdout.splitlines() if w]


COMPLETERS = {"bash": complete_bash, "zsh": complete_zsh, "fish": complete_fish}


@pytest.fixture(params=sorted(COMPLETERS))
def shell(request: pytest.FixtureRequest, installed_shells: dict[str, str]) -> Iterator[str]:
    if request.param != "bash":
        _need(request.param, installed_shells)
    yield request.param


@pytest.mark.parametrize(("line", "check"), CASES)
def test_completion_in_real_shell(shell: str, line: str, check, aws_files: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    line = line.format(tmp=aws_files["TMPDIR_FOR_TEST"])
    got = COMPLETERS[shell](line, aws_files)
    assert check(got), f"{shell}: completing {line!r} offered {got}"


def test_bash_registers_for_sigcurl(aws_files: dict[str, str]) -> None:
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", 'source "$1" && complete -p sigcurl', "bash", str(SCRIPTS["bash"])],
        capture_output=True, text=True, timeout=SHELL_TIMEOUT, env=aws_files,
    )
    assert proc.returncode == 0 and "sigcurl" in proc.stdout, proc.stderr


def test_bash_without_equals_in_wordbreaks(aws_files: dict[str, str]) -> None:
    """With '=' taken out of COMP_WORDBREAKS, --region=eu-we is one word and the replies keep the prefix."""
    env = dict(aws_files)
    setup = "COMP_WORDBREAKS=${COMP_WORDBREAKS//=}\n" + BASH_SETUP.format(script=SCRIPTS["bash"])
    got = _pty_complete(["bash", "--norc", "--noprofile", "-i"], setup, "sigcurl --region=eu-we", env)
    assert got == ["--region=eu-west-1", "--region=eu-west-2", "--region=eu-west-3"]


def test_zsh_script_sourced_after_compinit(installed_shells: dict[str, str], aws_files: dict[str, str]) -> None:
    """`source _sigcurl` after compinit (instead of $fpath) registers the completion too."""
    _need("zsh", installed_shells)
    setup = ZSH_SETUP.format(compdir="").replace("print -r -- '<''ready>'", f"source {SCRIPTS['zsh']}\nprint -r -- '<''ready>'")
    got = _pty_complete(["zsh", "-f", "-i"], setup, "sigcurl --region eu-we", aws_files)
    assert set(got) == EU_WEST


def test_missing_config_files_give_no_profiles_and_no_errors(shell: str, aws_files: dict[str, str], tmp_path: Path) -> None:
    env = dict(aws_files, AWS_CONFIG_FILE=str(tmp_path / "nope"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "nope2"))
    assert COMPLETERS[shell]("sigcurl --profile ", env) == []
