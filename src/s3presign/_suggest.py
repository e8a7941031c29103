"""Suggestions for a mistyped option or subcommand ("did you mean ...?"); loaded only when one is mistyped.

A front-end helper (of ``cli``): imports nothing of the package.
"""

from __future__ import annotations

from difflib import get_close_matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``did_you_mean("--expire-in", ["--expires-in"])`` -> ``" (did you mean --expires-in?)"``, or ``""``."""
    names = sorted(set(choices))
    matches = get_close_matches(word, names, n=2, cutoff=0.75)
    if not matches and word.startswith("--"):  # a prefix of exactly one option: --expires -> --expires-in
        matches = [name for name in names if name.startswith(word)][:2]
    if not matches:
        return ""
    return f" (did you mean {' or '.join(matches)}?)"
