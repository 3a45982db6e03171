"""The house rules that import contracts cannot state (README, "Design").

The layers themselves are import-linter contracts in ``pyproject.toml``,
checked by ``lint-imports`` in ``.ci/run``; this file checks the rest:
only the CLI exits the process, no hand-written module grows past about
400 lines (the tests, the benchmarks and the scripts included), and every
module ``tests/test_imports.py`` names exists.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sigcurl"
GENERATED = {"_endpoint_data.py"}  # written by scripts/gen_endpoints.py
MAX_LINES = 420


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in GENERATED)


def _calls_sys_exit(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr == "exit" and isinstance(func.value, ast.Name) and func.value.id == "sys":
            return True
    return False


def test_only_the_cli_exits_the_process() -> None:
    exiting = [p.relative_to(ROOT).as_posix() for p in _sources() if _calls_sys_exit(ast.parse(p.read_text()))]
    assert exiting and all(path.startswith("sigcurl/cli/") for path in exiting), exiting


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: split it by concern"


def test_test_benchmark_and_script_modules_stay_small() -> None:
    paths = sorted(p for top in ("tests", "benchmarks", "scripts") for p in (ROOT / top).rglob("*.py") if ".cache" not in p.parts)
    assert paths, "no test modules found"
    too_big = {p.relative_to(ROOT).as_posix(): n for p in paths if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert too_big == {}, "split these by concern (shared helpers to tests/support/ or tests/cli_helpers.py)"


def test_every_module_has_a_docstring() -> None:
    missing = [p.relative_to(ROOT).as_posix() for p in _sources() if ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_the_import_test_names_modules_that_exist() -> None:
    text = (ROOT / "tests" / "test_imports.py").read_text()
    named = sorted(set(re.findall(r'"(sigcurl(?:\.[a-z_0-9]+)+)"', text)))
    assert named, "test_imports.py names no sigcurl module"
    missing = [name for name in named if importlib.util.find_spec(name) is None]
    assert missing == []
