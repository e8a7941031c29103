"""A self-contained upload page for a presigned POST: one form, no external resources.

The page carries a Content-Security-Policy (https://www.w3.org/TR/CSP3/): nothing loads from
anywhere (``default-src 'none'``), its one style and one script run because their SHA-256 hashes
are listed, and the form may post only to the bucket's URL (``form-action``; and to the
``success_action_redirect`` target S3 sends the browser on to, when there is one).

A wing: renders a ``PresignedPost`` (a type from ``_post``); imports nothing else of the package.
"""

from __future__ import annotations

from html import escape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._post import PresignedPost

__all__ = ["upload_page"]

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}form{border:1px solid #ccc;border-radius:8px;padding:1.5rem}
input[type=file]{display:block;margin:1rem 0}button{font-size:1rem;padding:.5rem 1.5rem}
.note{color:#555;font-size:.9rem}"""


def upload_page(post: PresignedPost, *, bucket: str, key: str, conditions: list[object], expires_at: str) -> str:
    """HTML for a browser form upload of one file with the fields of ``post``."""
    limits = []
    for condition in conditions:
        if isinstance(condition, list) and condition[:1] == ["content-length-range"]:
            limits.append(f"from {condition[1]:,} to {condition[2]:,} bytes")
    needs_type = any(isinstance(c, list) and c[:2] == ["starts-with", "$Content-Type"] for c in conditions)
    accept = ""
    for condition in conditions:
        if isinstance(condition, list) and condition[:2] == ["starts-with", "$Content-Type"]:
            accept = f' accept="{escape(str(condition[2]))}*"'
        if isinstance(condition, dict) and "Content-Type" in condition:
            accept = f' accept="{escape(str(condition["Content-Type"]))}"'
    hidden = "\n".join(
        f'    <input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in post.fields.items()
    )
    type_field = '\n    <input type="hidden" name="Content-Type" value="" id="content-type">' if needs_type else ""
    code = """
  // The policy requires a Content-Type: send the chosen file's own type.
  document.getElementById("file").addEventListener("change", function () {
    var file = this.files[0];
    document.getElementById("content-type").value = file ? file.type : "";
  });
"""
    script = f"\n<script>{code}</script>" if needs_type else ""
    targets = [_source(post.url)] + [_source(v) for n, v in post.fields.items() if n == "success_action_redirect"]
    scripts = _hash(code) if needs_type else "'none'"
    policy = (f"default-src 'none'; style-src {_hash(_STYLE)}; script-src {scripts}; "
              f"form-action {' '.join(targets)}; base-uri 'none'")
    where = escape(f"s3://{bucket}/{key}")
    size = f" The file must be {', '.join(limits)}." if limits else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload a file</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Upload a file</h1>
<p>The file goes to <code>{where}</code>.{escape(size)}</p>
<form method="post" action="{escape(post.url)}" enctype="multipart/form-data">
{hidden}{type_field}
    <input type="file" name="file" id="file" required{accept}>
    <button type="submit">Upload</button>
</form>
<p class="note">This page works until {escape(expires_at)} (UTC).</p>{script}
</body>
</html>
"""


def _hash(text: str) -> str:
    """A CSP hash source for an inline style or script: ``'sha256-BASE64'`` of its exact text."""
    import hashlib
    from base64 import b64encode

    return f"'sha256-{b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode()}'"


def _source(url: str) -> str:
    """A URL as a CSP source expression: no query or fragment (the grammar has none)."""
    return url.split("?", 1)[0].split("#", 1)[0].replace(";", "%3B").replace(",", "%2C").replace(" ", "%20")
