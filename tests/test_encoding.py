"""Named regressions for the one encoder used by both the URL and the signed string.

Expected values are S3's UriEncode rule written out by hand (A-Z a-z 0-9 - . _ ~ kept, '/'
kept in keys, UTF-8 bytes as upper-case %XX), not computed by the code under test.
"""

from __future__ import annotations

import pytest

from s3presign._encoding import encode_path, encode_query_component


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


@pytest.mark.parametrize(
    ("value", "encoded"),
    [("a/b", "a%2Fb"), ("a b", "a%20b"), ("a+b", "a%2Bb"), ("~", "~"), ("=&", "%3D%26"), ("ü", "%C3%BC")],
)
def test_query_component(value: str, encoded: str) -> None:
    assert encode_query_component(value) == encoded
