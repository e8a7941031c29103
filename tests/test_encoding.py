"""Named regressions for the one encoder used by both the URL and the signed string.

Expected values are S3's UriEncode rule written out by hand (A-Z a-z 0-9 - . _ ~ kept, '/'
kept in keys, UTF-8 bytes as upper-case %XX), not computed by the code under test.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3presign._encoding import encode_path, encode_path_lines, encode_query_component, path_escapes

# Text as keys hold it: any character but a lone surrogate (not UTF-8) or a newline (which
# separates the lines of a block).
KEY_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\n"), max_size=40)


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("space here", "space%20here"),
        ("plus+sign", "plus%2Bsign"),
        ("tilde~", "tilde~"),
        ("100%", "100%25"),
        ("%20", "%2520"),
        ("ü", "%C3%BC"),
        ("😀", "%F0%9F%98%80"),
        ("a//b", "a//b"),
        ("/leading", "/leading"),
        ("./x/../y", "./x/../y"),
        ("q?h#a&e=", "q%3Fh%23a%26e%3D"),
        ("AZaz09-._~/", "AZaz09-._~/"),
    ],
)
def test_path(key: str, encoded: str) -> None:
    assert encode_path(key) == encoded
    assert encode_path_lines(f"{key}\n{key}".encode()) == f"{encoded}\n{encoded}".encode()


def test_a_block_of_lines_is_encoded_line_by_line() -> None:
    # '%' is escaped before the escapes the other bytes get, never after them.
    block = "year=2026/été 2026/100%\n%41 b+c\n\ta\x7fb\x01\n~x/./..//y\n".encode()
    assert encode_path_lines(block) == b"year%3D2026/%C3%A9t%C3%A9%202026/100%25\n%2541%20b%2Bc\n%09a%7Fb%01\n~x/./..//y\n"
    assert path_escapes(b"a=b%c") == [(b"%", b"%25"), (b"=", b"%3D")]
    assert path_escapes(b"AZaz09-._~/") == []


@given(st.lists(KEY_TEXT, max_size=8))
def test_block_encoding_is_urllib_quote_per_line(lines: list[str]) -> None:
    block = "\n".join(lines).encode()
    expected = "\n".join(quote(line.encode(), safe="/~") for line in lines).encode()
    assert encode_path_lines(block) == expected


@pytest.mark.parametrize(
    ("value", "encoded"),
    [("a/b", "a%2Fb"), ("a b", "a%20b"), ("a+b", "a%2Bb"), ("~", "~"), ("=&", "%3D%26"), ("ü", "%C3%BC")],
)
def test_query_component(value: str, encoded: str) -> None:
    assert encode_query_component(value) == encoded
