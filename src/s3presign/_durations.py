"""Durations as people write them: ``30s``, ``15m``, ``12h``, ``7d``, ``1w``, ``1h30m``, or plain seconds.

Wherever the command takes seconds (``--expires-in``, ``--cli-read-timeout``,
``--cli-connect-timeout``) it takes these too. Plain digits never load this module (the
command's start-up budget); anything else does, once.

A front-end helper (of ``cli``): imports nothing of the package.
"""

from __future__ import annotations

__all__ = ["UNITS", "parse_duration"]

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    """Whole seconds: ``parse_duration("1h30m") == 5400``, ``parse_duration("7d") == 604800``.

    ``ValueError`` (a sentence saying what is accepted) for anything else: fractions, signs,
    spaces, unknown units, a unit twice.
    """
    if text.isascii() and text.isdigit():
        return int(text)
    total, number, seen = 0, "", ""
    for char in text.lower() if text.isascii() else "?":
        if char.isdigit():
            number += char
        elif char in UNITS and number and char not in seen and (not seen or "smhdw".index(char) < min(
                "smhdw".index(u) for u in seen)):
            total += int(number) * UNITS[char]
            number, seen = "", seen + char
        else:
            break
    else:
        if not number and seen:
            return total
    raise ValueError(f"{text!r} is not a duration: give seconds (3600) or a number with a unit, "
                     "30s, 15m, 12h, 7d, 1w (combined largest first: 1h30m)")
