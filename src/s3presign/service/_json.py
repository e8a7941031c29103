"""JSON from strangers, bounded: ``loads_bounded(b'{"a": 1}') == {"a": 1}``.

The standard library's parser recurses once per nesting level, so ``[[[[...]]]]`` a hundred
thousand deep raises RecursionError (a 500 where a 400 belongs). The depth is counted first,
outside strings, in one pass; NaN and Infinity (which ``json.loads`` accepts, RFC 8259 does not)
are refused too.
"""

from __future__ import annotations

import json

__all__ = ["MAX_DEPTH", "loads_bounded"]

MAX_DEPTH = 32  # a Complete body is 3 deep, JWT claims 2 or 3


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def loads_bounded(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> object:
    """``json.loads`` with at most ``max_depth`` nested arrays/objects; ``ValueError`` for anything else."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data  # UnicodeDecodeError is a ValueError
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise ValueError(f"JSON nested more than {max_depth} deep")
        elif char in "]}":
            depth -= 1
    return json.loads(text, parse_constant=_refuse_constant)
