"""Command-line request options -> query parameters, signed headers, POST fields and conditions.

The rule for headers: every header an option asks for is signed (listed in X-Amz-SignedHeaders)
and the client must send it exactly; none is moved into the query. S3 enforces a signed header
through the signature, while it silently ignores some headers when they arrive as query
parameters (checksums, server-side encryption), and botocore signs the same way, so each URL
can be compared with botocore's byte for byte.

A wing: imports ``_post`` (policy conditions), ``_errors`` and the pure layers.
"""

from __future__ import annotations

from ._errors import InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["KEYWORDS", "RequestParts", "keyword_parts", "post_parts", "request_parts", "sse_c_key_is_base64"]

RESPONSE_OVERRIDES = ("response-content-disposition", "response-content-type", "response-cache-control",
                      "response-content-language", "response-content-encoding", "response-expires")
CHECKSUMS = {"checksum-crc32": 4, "checksum-crc32c": 4, "checksum-sha1": 20, "checksum-sha256": 32}
SSE_VALUES = ("AES256", "aws:kms", "aws:kms:dsse")
# S3's lists, case-sensitive as S3 reads them (API Reference, PutObject: x-amz-acl, x-amz-storage-class)
CANNED_ACLS = ("private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
               "bucket-owner-read", "bucket-owner-full-control")
STORAGE_CLASSES = ("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                   "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS")
# Options that only make sense for some methods: (option keys, methods, what they are for).
_UPLOAD = ("content_type", "content_md5", *CHECKSUMS, "acl", "storage_class", "metadata", "tagging", "sse",
           "sse_kms_key_id")
_DOWNLOAD = RESPONSE_OVERRIDES
_POST_ONLY = ("content_length_range", "content_type_prefix", "success_action_status", "success_action_redirect",
              "condition")


class RequestParts:
    """Query parameters and headers for a presigned request, and which header values are secret."""

    __slots__ = ("headers", "nonstandard", "params", "secret_values")

    def __init__(self) -> None:
        self.params: list[tuple[str, str]] = []
        self.headers: list[tuple[str, str]] = []
        self.secret_values: list[str] = []
        # One sentence per value outside S3's list (--acl, --storage-class, --sse): S3 refuses it;
        # a store that defines more may take it. The caller decides (the command: see cli).
        self.nonstandard: list[str] = []


def _listed(value: str, choices: tuple[str, ...], option: str) -> str | None:
    """None when S3's list holds ``value``; else the sentence that names the valid values."""
    if value in choices:
        return None
    near = [c for c in choices if c.lower() == value.lower()]
    hint = f" (did you mean {near[0]}?)" if near else ""
    return f"{option} must be one of {', '.join(choices)}, not {value!r}{hint}"


def _tagging(value: str) -> str:
    """``k=v&k2=v2``, URL-encoded, as S3 reads x-amz-tagging: each tag a key and '=' (the value may be
    empty), at most 10 tags, keys unique, keys up to 128 and values up to 256 characters."""
    from urllib.parse import unquote_plus

    seen: set[str] = set()
    pairs = value.split("&") if value else []
    for pair in pairs:
        name, eq, tag_value = pair.partition("=")
        key = unquote_plus(name)
        if not eq or not key:
            raise InvalidRequestError(f"--tagging takes URL-encoded 'key=value' pairs joined by '&', "
                                      f"e.g. 'team=data&tier=hot', not {value!r}")
        if key in seen:
            raise InvalidRequestError(f"--tagging names the tag {key!r} twice; S3 refuses a key given twice")
        if len(key) > 128 or len(unquote_plus(tag_value)) > 256:
            raise InvalidRequestError("--tagging: S3 allows keys of up to 128 and values of up to 256 characters")
        seen.add(key)
    if len(pairs) > 10:
        raise InvalidRequestError(f"--tagging holds {len(pairs)} tags; S3 allows at most 10 on an object")
    return value


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _base64_of(value: str, size: int, option: str) -> str:
    import binascii  # here, not at the top: loading it costs start-up on every command line

    try:
        raw = binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != size:
        raise InvalidRequestError(f"{option} must be the base64 of {size} bytes, as S3 expects, not {value!r}")
    return value


def _key_value(text: str, option: str, sep: str) -> tuple[str, str]:
    name, found, value = text.partition(sep)
    if not found or not name.strip():
        example = "owner=alice" if sep == "=" else "Cache-Control: no-cache"
        raise InvalidRequestError(f"{option} takes NAME{sep}VALUE, e.g. {option} '{example}', not {text!r}")
    return name.strip(), value.strip() if sep == ":" else value


def request_parts(options: dict[str, Any], method: str) -> RequestParts:
    """Turn parsed options into query parameters and signed headers for GET/PUT/DELETE/HEAD."""
    parts = RequestParts()
    for key in _POST_ONLY:
        if options.get(key):
            raise InvalidRequestError(f"{_flag(key)} is for presigned POST (--http-method POST)")
    for key in _UPLOAD:
        if options.get(key) and method != "PUT":
            raise InvalidRequestError(f"{_flag(key)} describes an upload: use it with --http-method PUT")
    for key in _DOWNLOAD:
        if options.get(key) and method not in ("GET", "HEAD"):
            raise InvalidRequestError(f"{_flag(key)} changes a download: use it with GET or HEAD")
    params, headers = parts.params, parts.headers
    if options.get("version_id"):
        if method == "PUT":
            raise InvalidRequestError("--version-id selects a version to read or delete; a PUT makes a new one")
        params.append(("versionId", options["version_id"]))
    params.extend((key, options[key]) for key in RESPONSE_OVERRIDES if options.get(key) is not None)
    upload_id, part_number = options.get("upload_id"), options.get("part_number")
    if (upload_id is None) != (part_number is None):
        raise InvalidRequestError("--upload-id and --part-number go together: they presign one UploadPart")
    if upload_id is not None:
        if method != "PUT":
            raise InvalidRequestError("--upload-id/--part-number presign UploadPart, which is a PUT")
        number = str(part_number)
        if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= 10000:
            raise InvalidRequestError(f"--part-number must be from 1 to 10000, not {part_number!r}")
        params += [("partNumber", str(int(number))), ("uploadId", str(upload_id))]
    for text in options.get("param", ()):
        params.append(_key_value(text, "--param", "="))
    if options.get("content_type") is not None:
        headers.append(("Content-Type", options["content_type"]))
    if options.get("content_md5") is not None:
        headers.append(("Content-MD5", _base64_of(options["content_md5"], 16, "--content-md5")))
    for key, size in CHECKSUMS.items():
        if options.get(key) is not None:
            headers.append((f"x-amz-{key}", _base64_of(options[key], size, _flag(key))))
    for key, header, choices in (("acl", "x-amz-acl", CANNED_ACLS),
                                 ("storage_class", "x-amz-storage-class", STORAGE_CLASSES)):
        if options.get(key) is not None:
            problem = _listed(str(options[key]), choices, _flag(key))
            if problem:
                parts.nonstandard.append(problem)
            headers.append((header, options[key]))
    if options.get("tagging") is not None:
        headers.append(("x-amz-tagging", _tagging(str(options["tagging"]))))
    for text in options.get("metadata", ()):
        name, value = _key_value(text, "--metadata", "=")
        headers.append((f"x-amz-meta-{name.lower()}", value))
    sse, kms_key = options.get("sse"), options.get("sse_kms_key_id")
    if sse is not None:
        problem = _listed(str(sse), SSE_VALUES, "--sse")
        if problem:
            parts.nonstandard.append(problem)
        headers.append(("x-amz-server-side-encryption", sse))
    if kms_key is not None:
        if sse not in ("aws:kms", "aws:kms:dsse"):
            raise InvalidRequestError("--sse-kms-key-id needs --sse aws:kms")
        headers.append(("x-amz-server-side-encryption-aws-kms-key-id", kms_key))
    if options.get("sse_c_key_file") is not None:
        if method == "DELETE":
            raise InvalidRequestError("--sse-c-key-file is for reading or writing an object, not DELETE")
        key64, md5 = _sse_c_key(str(options["sse_c_key_file"]))
        headers += [("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                    ("x-amz-server-side-encryption-customer-key", key64),
                    ("x-amz-server-side-encryption-customer-key-MD5", md5)]
        parts.secret_values.append(key64)
    if options.get("sse_c_key") is not None:  # the library's keyword: the key itself
        if method == "DELETE":
            raise InvalidRequestError("sse_c_key is for reading or writing an object, not DELETE")
        value = options["sse_c_key"]
        key64, md5 = _sse_c_material(value.encode() if isinstance(value, str) else bytes(value), "sse_c_key")
        headers += [("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                    ("x-amz-server-side-encryption-customer-key", key64),
                    ("x-amz-server-side-encryption-customer-key-MD5", md5)]
        parts.secret_values.append(key64)
    if options.get("if_none_match") is not None:
        headers.append(("If-None-Match", options["if_none_match"]))
    for text in options.get("header", ()):
        headers.append(_key_value(text, "--header", ":"))
    return parts


def sse_c_key_is_base64(path: str) -> bool:
    """Whether an SSE-C key file (already read by ``request_parts``) holds the key's base64 text
    rather than its 32 raw bytes."""
    try:
        with open(path, "rb") as file:
            return len(file.read(1024)) != 32
    except OSError:
        return False


def _sse_c_key(path: str) -> tuple[str, str]:
    """Read a 256-bit SSE-C key (32 raw bytes, or their base64) -> (base64 key, base64 MD5)."""
    if "\0" in path:  # open() raises ValueError, not OSError, for a NUL in a path
        raise InvalidRequestError(f"cannot read --sse-c-key-file {path!r}: a file name holds no NUL byte")
    try:
        with open(path, "rb") as file:
            data = file.read(1024)
    except OSError as exc:
        raise InvalidRequestError(f"cannot read --sse-c-key-file {path}: {exc.strerror}") from None
    return _sse_c_material(data, f"--sse-c-key-file {path}")


def _sse_c_material(data: bytes, where: str) -> tuple[str, str]:
    """A 256-bit SSE-C key (32 raw bytes, or their base64) -> (base64 key, base64 MD5)."""
    import binascii
    import hashlib

    key = data
    if len(data) != 32:
        try:
            key = binascii.a2b_base64(data.strip(), strict_mode=True)
        except (binascii.Error, ValueError):
            key = b""
    if len(key) != 32:
        raise InvalidRequestError(f"{where} must hold a 256-bit key: 32 bytes, or their base64")
    encode = binascii.b2a_base64
    return encode(key, newline=False).decode(), encode(hashlib.md5(key).digest(), newline=False).decode()


def post_parts(options: dict[str, Any]) -> tuple[dict[str, str], list[object]]:
    """Fields and policy conditions for a presigned POST; each field is also a condition."""
    import json

    for name in ("content_md5", *CHECKSUMS, "storage_class", "tagging", "sse", "sse_kms_key_id",
                 "sse_c_key_file", "if_none_match", "upload_id", "part_number", "version_id", "param", "header",
                 *RESPONSE_OVERRIDES):
        if options.get(name):
            raise InvalidRequestError(f"{_flag(name)} is not available with --http-method POST")
    fields: dict[str, str] = {}
    conditions: list[object] = []

    def field(name: str, value: str) -> None:
        fields[name] = value
        conditions.append({name: value})

    if options.get("acl") is not None:
        field("acl", options["acl"])
    if options.get("content_type") is not None and options.get("content_type_prefix") is not None:
        raise InvalidRequestError("give --content-type or --content-type-prefix, not both")
    if options.get("content_type") is not None:
        field("Content-Type", options["content_type"])
    if options.get("content_type_prefix") is not None:
        conditions.append(["starts-with", "$Content-Type", options["content_type_prefix"]])
    for text in options.get("metadata", ()):
        name, value = _key_value(text, "--metadata", "=")
        field(f"x-amz-meta-{name.lower()}", value)
    status = options.get("success_action_status")
    if status is not None:
        if status not in ("200", "201", "204"):
            raise InvalidRequestError(f"--success-action-status must be 200, 201 or 204, not {status!r}")
        field("success_action_status", status)
    if options.get("success_action_redirect") is not None:
        field("success_action_redirect", options["success_action_redirect"])
    if options.get("content_length_range") is not None:
        low, high = options["content_length_range"]
        if not all(str(n).isascii() and str(n).isdigit() and len(str(n)) <= 18 for n in (low, high)) or (
                int(low) > int(high)):
            raise InvalidRequestError(
                f"--content-length-range takes MIN MAX in bytes, MIN <= MAX, not {low!r} {high!r}")
        conditions.append(["content-length-range", int(low), int(high)])
    for text in options.get("condition", ()):
        try:
            condition = json.loads(text)
        except (ValueError, RecursionError):
            condition = None
        if not isinstance(condition, (dict, list)):
            raise InvalidRequestError(
                f"--condition takes a JSON policy condition, e.g. '[\"starts-with\", \"$key\", \"uploads/\"]', "
                f"not {text!r}")
        from ._post import check_condition

        conditions.append(check_condition(condition))
    return fields, conditions


# presign_request's keywords -> request_parts' option keys (the command's, some with dashes)
KEYWORDS = {
    **{name: name for name in ("content_type", "content_md5", "acl", "storage_class", "tagging", "sse",
                               "sse_kms_key_id", "sse_c_key", "if_none_match", "version_id", "upload_id",
                               "part_number", "metadata")},
    **{name.replace("-", "_"): name for name in (*CHECKSUMS, *RESPONSE_OVERRIDES)},
}


def keyword_parts(keywords: dict[str, Any], method: str) -> RequestParts:
    """``presign_request``'s keyword options as query parameters and signed headers:
    ``keyword_parts({"content_type": "text/csv", "metadata": {"owner": "a"}}, "PUT")``."""
    options: dict[str, Any] = {}
    for name, value in keywords.items():
        if name not in KEYWORDS:
            raise TypeError(f"presign_request() got an unexpected keyword argument {name!r}")
        if value is None:
            continue
        if name == "metadata":
            if not hasattr(value, "items") or not all(isinstance(k, str) and isinstance(v, str) and k and "=" not in k
                                                      for k, v in value.items()):
                raise InvalidRequestError("metadata must map names (without '=') to strings, e.g. {'owner': 'alice'}")
            value = [f"{k}={v}" for k, v in value.items()]
        elif name != "sse_c_key" and name != "part_number" and not isinstance(value, str):
            raise InvalidRequestError(f"{name} must be a string, not {type(value).__name__}")
        options[KEYWORDS[name]] = value
    return request_parts(options, method)
