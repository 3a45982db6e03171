"""``-K/--config``: curl's config file syntax, and how the command line is split into option sets."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sigcurl.argv import split_argv, takes_value
from sigcurl.cli import cli, option_table
from sigcurl.config_file import parse_config, read_config
from sigcurl.curlopts import url_query_part
from sigcurl.errors import ReadError, UsageError
from sigcurl.options import add_query

TABLE = option_table(cli)
CHECK = takes_value(TABLE)


def words(text: str, stdin: bytes = b"") -> list[str]:
    return parse_config(text, CHECK, name="cfg", stdin=io.BytesIO(stdin))


def split(args: list[str], stdin: bytes = b"") -> list[list[str]]:
    data = io.BytesIO(stdin)
    return split_argv(args, TABLE, lambda: data)


# --- config lines -------------------------------------------------------------------

LINES = [
    pytest.param('url = "https://h/a"', ["--url=https://h/a"], id="url-equals-quoted"),
    pytest.param("url = https://h/a", ["--url=https://h/a"], id="url-equals-bare"),
    pytest.param("url:https://h/a", ["--url=https://h/a"], id="url-colon"),
    pytest.param("url https://h/a", ["--url=https://h/a"], id="url-space"),
    pytest.param("--url https://h/a", ["--url=https://h/a"], id="dashed-long"),
    pytest.param('header = "X-Amz-Target: DynamoDB_20120810.ListTables"', ["--header=X-Amz-Target: DynamoDB_20120810.ListTables"], id="header-quoted"),
    pytest.param('-H "X-A: 1"', ["-H", "X-A: 1"], id="short-with-value"),
    pytest.param("-XPOST", ["-XPOST"], id="short-value-attached"),
    pytest.param("silent", ["--silent"], id="flag-no-dashes"),
    pytest.param("--silent", ["--silent"], id="flag-dashes"),
    pytest.param("-s", ["-s"], id="short-flag"),
    pytest.param("-sS", ["-sS"], id="short-cluster"),
    pytest.param("next", ["--next"], id="next"),
    pytest.param("--next", ["--next"], id="next-dashed"),
    pytest.param("-:", ["--next"], id="next-short"),
    pytest.param('data = "-leading dash"', ["--data=-leading dash"], id="value-starting-with-dash"),
    pytest.param('data = "a\\tb\\nc\\\\d\\"e\\qf"', ['--data=a\tb\nc\\d"eqf'], id="escapes"),
    pytest.param('data = ""', ["--data="], id="empty-quoted"),
    pytest.param('data = ":colon first"', ["--data=:colon first"], id="quoted-colon"),
    pytest.param("header = X-A:1", ["--header=X-A:1"], id="colon-in-bare-value"),
    pytest.param("url = https://h/a # a comment", ["--url=https://h/a"], id="trailing-comment"),
    pytest.param("   # indented comment", [], id="comment-indented"),
    pytest.param("# comment", [], id="comment"),
    pytest.param("", [], id="blank"),
    pytest.param("url=https://h/?a=b=c", ["--url=https://h/?a=b=c"], id="equals-in-value"),
    pytest.param("region = eu-west-1\r", ["--region=eu-west-1"], id="crlf"),
]


@pytest.mark.parametrize(("line", "expected"), LINES)
def test_config_line(line: str, expected: list[str]) -> None:
    assert words(line) == expected


BAD_LINES = [
    pytest.param("nonsense-option = 1", "unknown option", id="unknown"),
    pytest.param("silent = yes", "takes no value", id="flag-with-value"),
    pytest.param("header", "needs a value", id="missing-value"),
    pytest.param('header = "X: 1', "missing closing quote", id="unterminated-quote"),
    pytest.param("header = X: 1", "unquoted whitespace", id="unquoted-space"),
    pytest.param('header = "X: 1" extra', "after the closing quote", id="text-after-quote"),
    pytest.param("https://example.com/", "unknown option", id="bare-url"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_config_line_errors(line: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        words("# first\n" + line)
    assert message in info.value.what
    assert "cfg:2" in info.value.what


def test_whole_file() -> None:
    text = """
# list two tables, then describe one
silent
header = "X-Amz-Target: DynamoDB_20120810.ListTables"
-H "Content-Type: application/x-amz-json-1.0"
url = "https://dynamodb.us-east-1.amazonaws.com/"
--url https://dynamodb.us-west-2.amazonaws.com/
next
request = POST
data = '{}'
url = https://dynamodb.eu-west-1.amazonaws.com/
"""
    assert words(text) == [
        "--silent",
        "--header=X-Amz-Target: DynamoDB_20120810.ListTables",
        "-H", "Content-Type: application/x-amz-json-1.0",
        "--url=https://dynamodb.us-east-1.amazonaws.com/",
        "--url=https://dynamodb.us-west-2.amazonaws.com/",
        "--next",
        "--request=POST",
        "--data='{}'",
        "--url=https://dynamodb.eu-west-1.amazonaws.com/",
    ]


def test_include_and_loops(tmp_path: Path) -> None:
    inner = tmp_path / "inner.cfg"
    inner.write_text("url = https://h/inner\n")
    outer = tmp_path / "outer.cfg"
    outer.write_text(f"silent\nconfig = {inner}\nurl = https://h/outer\n")
    assert read_config(str(outer), io.BytesIO(), CHECK) == ["--silent", "--url=https://h/inner", "--url=https://h/outer"]
    loop = tmp_path / "loop.cfg"
    loop.write_text(f"config = {loop}\n")
    with pytest.raises(UsageError, match="nested"):
        read_config(str(loop), io.BytesIO(), CHECK)


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        read_config(str(tmp_path / "nope.cfg"), io.BytesIO(), CHECK)
    assert info.value.exit_code == 26


def test_stdin_config() -> None:
    assert read_config("-", io.BytesIO(b"url = https://h/a\n"), CHECK) == ["--url=https://h/a"]


def test_thousands_of_urls_parse() -> None:
    """A config file of 20,000 URLs (speed is measured in benchmarks/bench_many.py, never asserted here)."""
    text = "".join(f'url = "https://h/item/{i}"\n' for i in range(20000))
    out = words(text)
    assert len(out) == 20000
    assert out[0] == "--url=https://h/item/0" and out[-1] == "--url=https://h/item/19999"


# --- splitting the command line ---------------------------------------------------------

SPLITS = [
    pytest.param(["https://h/a"], [["--url=https://h/a"]], id="one-url"),
    pytest.param(["-o", "a", "https://h/a", "--url", "https://h/b", "https://h/c"],
                 [["-o", "a", "--url=https://h/a", "--url", "https://h/b", "--url=https://h/c"]], id="order-kept"),
    pytest.param(["-H", "--next", "https://h/a"], [["-H", "--next", "--url=https://h/a"]], id="value-that-looks-like-next"),
    pytest.param(["https://h/a", "--next", "-XPOST", "https://h/b"], [["--url=https://h/a"], ["-XPOST", "--url=https://h/b"]], id="next"),
    pytest.param(["https://h/a", "-:", "https://h/b"], [["--url=https://h/a"], ["--url=https://h/b"]], id="next-short"),
    pytest.param(["https://h/a", "--next"], [["--url=https://h/a"]], id="trailing-next"),
    pytest.param(["-sX", "PUT", "https://h/a"], [["-sX", "PUT", "--url=https://h/a"]], id="cluster-with-value"),
    pytest.param(["--", "-weird"], [["--url=-weird"]], id="double-dash"),
    pytest.param(["--data=x", "https://h/a"], [["--data=x", "--url=https://h/a"]], id="long-equals"),
]


@pytest.mark.parametrize(("argv", "expected"), SPLITS)
def test_split_argv(argv: list[str], expected: list[list[str]]) -> None:
    assert split(argv) == expected


@pytest.mark.parametrize("form", [["-K", "{cfg}"], ["-K{cfg}"], ["--config", "{cfg}"], ["--config={cfg}"], ["-sK", "{cfg}"]])
def test_config_expands_in_place(tmp_path: Path, form: list[str]) -> None:
    cfg = tmp_path / "c.cfg"
    cfg.write_text("url = https://h/b\nnext\nurl = https://h/c\n")
    argv = ["https://h/a", *[w.format(cfg=cfg) for w in form], "-v"]
    groups = split(argv)
    prefix = ["-s"] if form[0] == "-sK" else []
    assert groups == [["--url=https://h/a", *prefix, "--url=https://h/b"], ["--url=https://h/c", "-v"]]


def test_config_from_stdin() -> None:
    assert split(["-K", "-"], stdin=b"url = https://h/a\n-:\nurl = https://h/b\n") == [["--url=https://h/a"], ["--url=https://h/b"]]


# --- --url-query -------------------------------------------------------------------------

QUERY_PARTS = [
    pytest.param("name=a b&c", "name=a%20b%26c", id="name-value"),
    pytest.param("=a b", "a%20b", id="equals-content"),
    pytest.param("justtext", "justtext", id="content"),
    pytest.param("+raw=%41 b", "raw=%41 b", id="plus-raw"),
    pytest.param("k=\u00e9~-._*", "k=%C3%A9~-._%2A", id="unicode"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("arg", "expected"), QUERY_PARTS)
def test_url_query_part(arg: str, expected: str) -> None:
    assert url_query_part(arg, io.BytesIO()) == expected


def test_url_query_from_file(tmp_path: Path) -> None:
    f = tmp_path / "q.txt"
    f.write_bytes(b"a b\nc")
    assert url_query_part(f"n@{f}", io.BytesIO()) == "n=a%20b%0Ac"
    assert url_query_part(f"@{f}", io.BytesIO()) == "a%20b%0Ac"
    assert url_query_part("n@-", io.BytesIO(b"from stdin")) == "n=from%20stdin"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/p", "https://h/p?a=1&b=2"),
        ("https://h/p?z=0", "https://h/p?z=0&a=1&b=2"),
        ("https://h/p?", "https://h/p?a=1&b=2"),
        ("https://h/p#frag", "https://h/p?a=1&b=2#frag"),
    ],
)
def test_add_query(url: str, expected: str) -> None:
    assert add_query(url, ["a=1", "b=2"]) == expected


def test_url_query_unreadable_file_names_the_option(tmp_path: Path) -> None:
    from sigcurl.errors import ReadError

    with pytest.raises(ReadError, match="for --url-query"):
        url_query_part(f"n@{tmp_path / 'missing'}", io.BytesIO())
