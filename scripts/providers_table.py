"""Print (or, with --write, put into docs/providers.md) the providers table, from the presets in _stores.

The page's table and `s3presign providers` then cannot drift apart; tests/test_docs_providers.py
checks that docs/providers.md holds exactly what this script makes. Regenerate with:

    python scripts/providers_table.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from s3presign._stores import STORES, Store

PAGE = Path(__file__).resolve().parent.parent / "docs" / "providers.md"
START = "<!-- providers table: made by scripts/providers_table.py --write; do not edit by hand -->\n"
END = "<!-- end of the providers table -->\n"
HEADER = ("| provider | endpoint | region (in the signature) | style | max expiry (s) | POST | SigV2 "
          "| refused options | sources |\n|---|---|---|---|---|---|---|---|---|\n")
_URL = re.compile(r"https://[^\s<>]+")


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "not documented (allowed, with a warning)"}[value]


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    tail = ""
    while url[-1] in ".,;" or (url[-1] == ")" and url.count("(") < url.count(")")):
        url, tail = url[:-1], url[-1] + tail
    return f"<{url}>{tail}"


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
    return (f"| `{store.name}` {store.title} | {endpoint} | {region} | {style} | {store.max_expires} | {post} "
            f"| {_flag(store.sigv2)} | {refused} | [{len(store.sources)} rules](#sources-{store.name}) |\n")


def _sources(store: Store) -> str:
    rules = "".join(f"- {rule}: {_URL.sub(_link, text)}\n" for rule, text in store.sources.items())
    return f"### `{store.name}` {store.title} {{#sources-{store.name}}}\n\n{rules}\n"


def table() -> str:
    """The markdown between the page's markers: the table, then each store's sources, rule by rule."""
    return (HEADER + "".join(_row(store) for store in STORES.values())
            + "\n## Sources, rule by rule\n\n" + "".join(_sources(store) for store in STORES.values()))


def main() -> None:
    text = table()
    if "--write" not in sys.argv:
        sys.stdout.write(text)
        return
    content = PAGE.read_text(encoding="utf-8")
    start = content.index(START) + len(START)
    end = content.index(END, start)
    PAGE.write_text(content[:start] + text + content[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
