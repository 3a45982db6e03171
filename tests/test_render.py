"""Pretty output shows what the service sent: only whitespace changes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sigcurl.output.pretty import indent_json, pretty_bytes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_indent_json_matches_the_standard_layout(value: object) -> None:
    compact = json.dumps(value, separators=(",", ":"))
    assert indent_json(compact) == json.dumps(value, indent=2)


def test_numbers_duplicates_and_escapes_are_kept_verbatim() -> None:
    text = '{"big": 12345678901234567890123, "f": 1.10, "e": 1e400, "dup": 1, "dup": 2, "s": "a\\"b,{}"}'
    out = pretty_bytes(text.encode(), "json", color=False).decode()
    for token in ("12345678901234567890123", "1.10", "1e400", '"dup": 1', '"dup": 2', '"a\\"b,{}"'):
        assert token in out


def test_xml_gets_no_declaration_it_did_not_have() -> None:
    assert pretty_bytes(b"<a><b>1</b></a>", "xml", color=False) == b"<a>\n  <b>1</b>\n</a>\n"
    with_decl = pretty_bytes(b'<?xml version="1.0"?><a/>', "xml", color=False)
    assert with_decl.startswith(b"<?xml")


def test_not_json_is_shown_as_is() -> None:
    assert pretty_bytes(b"{not json", "json", color=False) == b"{not json"
