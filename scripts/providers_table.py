"""Print (or, with --write, put into README.md) the Providers table, from the presets in _stores.

The README's table and `s3presign providers` then cannot drift apart; tests/test_stores.py checks
that README.md holds exactly this table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from s3presign._stores import STORES, Store

HEADER = ("| provider | endpoint | region (in the signature) | style | max expiry (s) | POST | SigV2 "
          "| refused options | sources, rule by rule |\n|---|---|---|---|---|---|---|---|---|\n")


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not documented (allowed, with a warning)"}[value]


def _row(store: Store) -> str:
    endpoint = (f"`{store.endpoint}`" if store.endpoint
                else "AWS's own rules" if store.name == "aws" else "`--endpoint-url` (self-hosted)")
    endpoint += "".join(f" ({region}: `{host}`)" for region, host in store.region_hosts.items())
    if store.signing_region:
        also = f" (also accepts {', '.join(store.region_aliases)})" if store.region_aliases else ""
        region = f"`{store.signing_region}`{also}"
    elif store.regions:
        region = ", ".join(store.regions) + (f"; default {store.default_region}" if store.default_region
                                             else "; required")
    elif store.default_region:
        region = f"any; default `{store.default_region}`"
    elif store.name == "aws":
        region = "any AWS region; none: the global host, us-east-1"
    else:
        region = "required (any region name)"
    style = store.style + ("" if len(store.styles) > 1 else " only")
    post = "**no** (its forms need x-goog-* fields)" if store.name == "gcs" else _flag(store.post)
    post += " (virtual-hosted only)" if store.post_needs_virtual else ""
    post += " (SigV4 only)" if store.post_needs_sigv4 else ""
    refused = ", ".join(f"`--{option.replace('_', '-')}`" for option in store.unsupported) or "-"
    sources = "<br>".join(f"{rule}: {text}" for rule, text in store.sources.items())
    return (f"| `{store.name}` {store.title} | {endpoint} | {region} | {style} | {store.max_expires} | {post} "
            f"| {_flag(store.sigv2)} | {refused} | {sources} |\n")


def table() -> str:
    """The whole markdown table."""
    return HEADER + "".join(_row(store) for store in STORES.values())


def main() -> None:
    text = table()
    if "--write" not in sys.argv:
        sys.stdout.write(text)
        return
    readme = Path(__file__).resolve().parent.parent / "README.md"
    content = readme.read_text()
    start = content.index(HEADER)
    end = content.index("\n\n", start) + 1
    readme.write_text(content[:start] + text + content[end:])


if __name__ == "__main__":
    main()
