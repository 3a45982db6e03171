"""``-F``/``--form-string``: parsing, the exact body, and signed forms at the server."""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path

import pytest
from cli_helpers import run_isolated as run

from sigcurl.errors import UsageError
from sigcurl.multipart import FormArg, build_form, parse_form
from support.server import VerifyingServer

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def parts_of(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Parse multipart/form-data with the standard library (independently of sigcurl)."""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert msg.is_multipart()
    out = []
    for part in msg.iter_parts():
        headers = {k.lower(): str(v) for k, v in part.items()}
        out.append((headers, part.get_payload(decode=True) or b""))
    return out


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        (FormArg("a=1"), dict(name="a", value="1", source=None)),
        (FormArg("f=@x.png"), dict(name="f", source="x.png", attach=True)),
        (FormArg("c=<x.txt"), dict(name="c", source="x.txt", attach=False)),
        (FormArg("f=@x.bin;type=image/png;filename=y.png"), dict(source="x.bin", content_type="image/png", filename="y.png")),
        (FormArg('q="a;type=b";type=text/x'), dict(value="a;type=b", content_type="text/x")),
        (FormArg("k=v;w"), dict(value="v;w")),
        (FormArg("s=@x;type=a/b", literal=True), dict(value="@x;type=a/b", source=None)),
        (FormArg("e="), dict(name="e", value="")),
    ],
)
def test_parse(arg: FormArg, expected: dict[str, object]) -> None:
    part = parse_form(arg)
    for key, value in expected.items():
        assert getattr(part, key) == value


@pytest.mark.parametrize("bad", ["novalue", "f=@", 'q="open', "f=@x;type=a;colour=red"])
def test_parse_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_form(FormArg(bad))


def test_body_is_exact_and_length_known(tmp_path: Path) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(bytes(range(256)) * 5000)
    form = build_form([FormArg("a=hello"), FormArg(f"file=@{f}"), FormArg("q=\"x\\\"y\"")], None, boundary="B")  # type: ignore[arg-type]
    wire = b"".join(form.chunks())
    assert form.length == len(wire)
    assert wire.startswith(b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nhello\r\n--B\r\n')
    assert b'name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n' in wire
    assert wire.endswith(b'x"y\r\n--B--\r\n')
    parts = parts_of(form.content_type, wire)
    assert [p[1] for p in parts] == [b"hello", f.read_bytes(), b'x"y']
    assert form.in_memory() is None
    assert b"".join(form.chunks()) == wire  # re-readable


def test_boundary_is_random() -> None:
    a = build_form([FormArg("a=1")], None)  # type: ignore[arg-type]
    b = build_form([FormArg("a=1")], None)  # type: ignore[arg-type]
    assert a.boundary != b.boundary and len(a.boundary) >= 40


def test_forms_signed_and_verified_at_the_server(server: VerifyingServer, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * 9000)  # > 2 MiB, streamed from disk
    text = tmp_path / "note.txt"
    text.write_text("line one\nline two\n")
    code, _, err = run([
        "-s", "-S", "--service", "execute-api",
        "-F", "name=value",
        "-F", f"upload=@{big};type=application/x-test;filename=renamed.bin",
        "-F", f"note=<{text}",
        "--form-string", "literal=@not-a-file",
        "-F", "piped=@-",
        server.url_for("/form"),
    ], tmp_path, stdin=b"from stdin\x00\xff")
    assert code == 0, err
    rec = server.last
    assert rec.ok, rec.verification.reason
    assert rec.method == "POST"
    ctype = rec.header("Content-Type") or ""
    assert ctype.startswith("multipart/form-data; boundary=")
    assert rec.body is not None and rec.header("Content-Length") == str(len(rec.body))
    parts = parts_of(ctype, rec.body)
    names = [p[0]["content-disposition"] for p in parts]
    assert names[0] == 'form-data; name="name"'
    assert names[1] == 'form-data; name="upload"; filename="renamed.bin"'
    assert parts[1][0]["content-type"] == "application/x-test"
    assert parts[1][1] == big.read_bytes()
    assert names[2] == 'form-data; name="note"' and parts[2][1] == b"line one\nline two\n"
    # click groups repeated options: --form-string parts come after all -F parts
    by_name = {p[0]["content-disposition"].split('"')[1]: p[1] for p in parts}
    assert by_name["literal"] == b"@not-a-file"
    assert by_name["piped"] == b"from stdin\x00\xff"


def test_form_to_s3_is_hashed(server: VerifyingServer, tmp_path: Path) -> None:
    code, _, err = run(["-s", "-S", "--service", "s3", "-F", "key=a.txt", "-F", "file=@-", server.url_for("/bucket")],
                       tmp_path, stdin=b"content")
    assert code == 0, err
    rec = server.last
    assert rec.ok and not rec.body_info.aws_chunked
    assert rec.verification.payload_mode not in ("UNSIGNED-PAYLOAD",)


def test_user_multipart_type_gets_the_boundary(server: VerifyingServer, tmp_path: Path) -> None:
    code, _, err = run(["-s", "-S", "--service", "execute-api", "-H", "Content-Type: multipart/mixed", "-F", "a=1",
                        server.url_for("/m")], tmp_path)
    assert code == 0, err
    ctype = server.last.header("Content-Type") or ""
    assert ctype.startswith("multipart/mixed; boundary=")
    assert server.last.ok


@pytest.mark.parametrize("extra", [["-d", "x=1"], ["-T", "-"], ["-G"]])
def test_form_conflicts(tmp_path: Path, extra: list[str]) -> None:
    code, _, err = run(["--sign-only", "--service", "execute-api", "-F", "a=1", *extra, "https://example.com/"], tmp_path)
    assert code == 2 and "-F cannot be combined" in err
