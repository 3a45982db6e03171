"""The signer's fast paths give exactly what its general rules give.

Each fast path in ``sigcurl/signer`` is checked here against the general
code it short-cuts, on random input (hypothesis), including input built to
sit at the edge of the fast path (an upper-case scheme, a ``://`` inside the
scheme, a host that is empty, values with whitespace to fold, keys that begin
other keys).  Whether the general rules are right is the business of the
vector tests and of the botocore cross-checks in test_signer_properties.py.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigcurl.signer import canonical, request

PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _outcome(fn: Callable[..., object], *args: object) -> tuple[str, object]:
    """``("ok", result)`` or ``("error", message)``: both paths must fail alike too."""
    try:
        return "ok", fn(*args)
    except ValueError as exc:
        return "error", str(exc)


# -- split_url: the http(s) regex against the general one -----------------

_url_text = st.text(st.sampled_from(list("aZ09-._~:/?#@[]%&= \t\né")), max_size=12)
urls = st.builds(
    lambda scheme, sep, rest: f"{scheme}{sep}{rest}",
    st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "", "h", "http:", "https:/", "x://y", "httpss"]),
    st.sampled_from(["://", ":/", ":", "", ":///", "//"]),
    _url_text,
)
http_urls = st.builds(lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "https"]), _url_text)


@PROFILE
@given(st.one_of(urls, http_urls, st.text(max_size=20)))
def test_split_url_fast_path_is_the_general_rule(url: str) -> None:
    assert _outcome(request.split_url, url) == _outcome(request.split_url_general, url)


def test_split_url_examples() -> None:
    assert request.split_url("https://h.example/a/b?x=1#frag") == ("https", "h.example", "/a/b", "x=1")
    assert request.split_url("HTTPS://h.example") == ("https", "h.example", "", "")
    with pytest.raises(ValueError, match="no host"):
        request.split_url("https:///path")


# -- amz_date: cached days and two-digit text against %-formatting -------

_offsets = st.integers(-23 * 60, 23 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


@PROFILE
@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=_offsets))
def test_amz_date_is_the_utc_time_formatted(time: dt.datetime) -> None:
    utc = time.astimezone(dt.timezone.utc)
    expected = "%04d%02d%02dT%02d%02d%02dZ" % (  # noqa: UP031
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second
    )
    assert request.amz_date(time) == expected
    assert request.amz_date(utc) == expected


def test_amz_date_day_cache_stays_bounded() -> None:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    for day in range(500):
        time = start + dt.timedelta(days=day, seconds=day)
        assert request.amz_date(time) == time.strftime("%Y%m%dT%H%M%SZ")
    assert len(request._DAYS) <= 64


# -- headers: the inlined fold check and canonical block -----------------

_names = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=6)
_values = st.lists(
    st.one_of(
        st.text(string.ascii_letters + " \t", max_size=6),
        st.sampled_from(["  ", "\t", "\n ", "\n\t", " a ", "é", "\u00a0", "\u2003", "x\x0by"]),
    ),
    max_size=4,
).map("".join)
header_lists = st.lists(
    st.tuples(st.one_of(_names, st.sampled_from(["Host", "host", "User-Agent", "X-Amz-Date"])), _values),
    max_size=6,
)


def _general_headers(
    headers: list[tuple[str, str]], drop: frozenset[str], scheme: str, netloc: str
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """request_headers' rules written out with check_header and add_header for every header."""
    cleaned: list[tuple[str, str]] = []
    signed: dict[str, str] = {}
    for name, value in headers:
        canonical.check_header(name, value)
        lname = name.lower()
        if lname in drop:
            continue
        if lname == "host" and any(n.lower() == "host" for n, _ in cleaned):
            raise ValueError("the Host header is given twice")
        cleaned.append((name, value))
        if lname not in canonical.UNSIGNED_HEADERS:
            canonical.add_header(signed, lname, value)
    if "host" not in {n.lower() for n, _ in cleaned}:
        host = request.host_header(scheme, netloc)
        cleaned.insert(0, ("Host", host))
        signed["host"] = host
    return cleaned, signed


@PROFILE
@given(header_lists, st.booleans())
def test_request_headers_follow_the_general_rules(headers: list[tuple[str, str]], as_dict: bool) -> None:
    drop = frozenset({"x-amz-date", "authorization"})
    given_headers = dict(headers) if as_dict else headers
    pairs = list(dict(headers).items()) if as_dict else headers
    args = (drop, "https", "Example.COM:443")
    assert _outcome(request.request_headers, given_headers, *args) == _outcome(_general_headers, pairs, *args)


@PROFILE
@given(st.dictionaries(st.text("abxyz-", min_size=1, max_size=5), st.text("ab ,:", max_size=5), max_size=6))
def test_canonical_headers_block_is_sorted_name_value_lines(merged: dict[str, str]) -> None:
    block, signed = canonical.canonical_headers(merged)
    assert block == "".join(f"{name}:{merged[name]}\n" for name in sorted(merged))
    assert signed == ";".join(sorted(merged))


# -- sort_plain_query: a string sort against sorting decoded pairs -------

_plain_keys = st.text("aAb0-._~", min_size=1, max_size=4)
plain_queries = st.lists(st.tuples(_plain_keys, st.text("aAb0-._~", max_size=3)), min_size=1, max_size=6).map(
    lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
)


@PROFILE
@given(plain_queries)
def test_plain_query_sort_is_the_general_sort(query: str) -> None:
    assert canonical.PLAIN_QUERY(query)
    general = canonical.canonical_query_encoded(canonical.encode_pairs(canonical.split_query(query)))
    assert canonical.sort_plain_query(query) == general
    assert canonical.query_forms(query) == (general, query)
