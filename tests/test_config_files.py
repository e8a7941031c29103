"""The AWS config file parser: what RawConfigParser (botocore's reader) accepts, and clear errors."""

from __future__ import annotations

import pytest

from s3presign import ConfigFileError
from s3presign._config import parse_config


def test_sections_values_comments_and_nesting() -> None:
    text = """\
# a comment
[default]
region = eu-west-1
Output: json
; another comment
s3 =
    addressing_style = path
    use_accelerate_endpoint = true

[profile dev]
aws_access_key_id=AKID
"""
    assert parse_config(text, "cfg") == {
        "default": {"region": "eu-west-1", "output": "json",
                    "s3": {"addressing_style": "path", "use_accelerate_endpoint": "true"}},
        "profile dev": {"aws_access_key_id": "AKID"},
    }


def test_continued_value_on_the_first_line_stays_a_string() -> None:
    assert parse_config("[p]\nk = a\n  b\n", "cfg") == {"p": {"k": "a\nb"}}


def test_repeated_sections_merge() -> None:
    assert parse_config("[p]\na = 1\n[p]\nb = 2\n", "cfg") == {"p": {"a": "1", "b": "2"}}


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("region = us-east-1\n", "line 1", "outside any section"),
        ("[default]\nregion us-east-1\n", "line 2", "expected 'name = value'"),
        ("[default\nregion = x\n", "line 1", "malformed section header"),
        ("[default]\ns3 =\n  addressing_style path\n", "line 3", "nested"),
    ],
)
def test_malformed_files_name_file_and_line(text: str, where: str, what: str) -> None:
    with pytest.raises(ConfigFileError) as info:
        parse_config(text, "/home/me/.aws/config")
    message = str(info.value)
    assert message.startswith(f"/home/me/.aws/config, {where}:")
    assert what in message
