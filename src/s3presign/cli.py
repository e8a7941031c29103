"""The ``s3presign`` command: the only module that reads argv and writes stdout or stderr.

Start-up matters here (one URL should cost about what starting Python does), so the argument
parser is a small table rather than argparse, exit codes are plain integers rather than an
IntEnum, and json loads only for ``--output json``.
"""

from __future__ import annotations

import os
import sys
import time

from . import __version__
from ._errors import ConfigurationError, CredentialsError, Error, InvalidRequestError, ServiceError
from ._errors import UsageError as UsageError  # service/_serve imports it from here
from ._checks import MAX_EXPIRES_IN, MAX_V2_EXPIRES_IN, METHOD_NAMES, SIGNATURE_VERSIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ._presigner import Presigner
    from typing import Any, NoReturn, TextIO

__all__ = ["ExitCode", "main", "run"]


class ExitCode:
    """AWS CLI v2's return codes."""

    OK = 0
    INTERRUPTED = 130  # Ctrl-C
    USAGE = 252  # bad command line: unknown option, bad value, missing argument
    CONFIG = 253  # configuration or credentials: bad profile, unreadable or malformed file, no keys
    SERVICE = 254  # the service returned an error
    OTHER = 255  # anything else


HELP = """\
s3presign - presigned URLs for Amazon S3 and S3-compatible stores

usage:
  s3presign s3://BUCKET/KEY [options]      (BUCKET/KEY without s3:// works too)
  s3presign inspect URL|POST_JSON|FILE|-   what a presigned URL (or POST JSON/policy) grants
  s3presign verify URL                     check it with your local secret (exit 0 valid, 1 not)
  s3presign explain URL [ERROR_FILE|-]     why S3 refused it (give S3's XML error response)
  s3presign providers [NAME] [--output json]  store presets for --provider: limits and sources
  s3presign cloudfront URL --key-pair-id ID --private-key FILE [options]   CloudFront signed URLs
                                           and cookies (s3presign[cloudfront]; cloudfront --help)
  s3presign - [options]                    one s3://BUCKET/KEY per line on stdin
  s3presign --input FILE [options]         one s3://BUCKET/KEY per line in FILE
  s3presign s3://BUCKET/PREFIX/ --recursive [--include GLOB] [--exclude GLOB] [options]
  s3presign --inventory MANIFEST [--include GLOB] [--exclude GLOB] [options]
  s3presign serve --config FILE [--host 127.0.0.1] [--port 8080] [--workers N]   the signing service
                                           (s3presign[serve]; 's3presign serve --help' lists its options)
  s3presign completion bash|zsh|fish       a shell completion script (source <(s3presign completion bash))
  s3presign help [SUBCOMMAND] | SUBCOMMAND --help | --help | -h
  s3presign --version

Prints a URL that lets anyone holding it make one request for one object until it expires.
The URL is signed locally with your AWS credentials: no network, unless a credential source
is a service (a role, SSO, container or instance metadata) or --recursive lists a prefix.

options:
  --expires-in SECONDS     how long the URL works: 1 to 604800 (7 days); default 3600; a duration
                           works wherever seconds do: 30s, 15m, 12h, 7d, 1w, 1h30m
  --http-method METHOD     GET (default), PUT, DELETE, HEAD, or POST (a browser form upload)
  --region REGION          region to sign for (and whose endpoint to use)
  --profile NAME           profile from ~/.aws/config and ~/.aws/credentials
  --endpoint-url URL       an S3-compatible endpoint, e.g. http://127.0.0.1:9000 (alias --endpoint)
  --addressing-style STYLE auto (default), virtual or path
  --signature-version V    v4 (default) or v2 (legacy S3 signing, for old stores)
  --provider NAME          a store preset: endpoint, region, style and limits of r2, gcs, b2, minio,
                           wasabi, digitalocean, ... (s3presign providers; profile s3presign_provider)
  --account-id ID          the account id (R2) or namespace (OCI) in the store's endpoint
                           (profile s3presign_account_id)
  --output FORMAT          one URL: url (default), json {"url", "method", "expires_at", "headers"}
                           or curl; many: url (one per line), jsonl {"uri", "url", "expires_at"},
                           csv, tsv; POST: json (default) {"url", "fields", "expires_at"}, curl, html
  --recursive              list the prefix (ListObjectsV2) and presign every object under it
  --inventory MANIFEST     presign every current object an S3 Inventory report lists; MANIFEST
                           is its manifest.json, a local path or s3://BUCKET/KEY (CSV, ORC and
                           Parquet reports, read from S3 with your credentials and endpoint)
  --include GLOB           with --recursive: keep keys matching GLOB (repeatable; the last
  --exclude GLOB           matching filter wins, as in aws s3 cp; relative to the prefix's folder)
  --keep-going             many URLs: report bad input lines and go on (exit 252 at the end)
  --jobs N                 many URLs: worker processes for large inputs (default: cores)
  --line-buffered          many URLs: write each line's URL as soon as the line is read (the
                           default when stdout is a terminal)
  --strict-expiry          fail (exit 253) when the credentials expire before the URL would,
                           instead of the warning
  --debug                  print where each setting came from, the canonical request and the
                           string to sign on stderr (never the secret)
  --version                print the version and exit
  --no-sign-request        print the object's plain, unsigned URL (as aws s3 presign does)

accepted for compatibility (AWS CLI v2's global options, so an aws s3 presign line runs as is):
  --output text|table|yaml|yaml-stream|off   print the URL, as aws s3 presign does for every format
  --ca-bundle FILE         CA certificates for the calls s3presign makes (credentials, listing);
                           also AWS_CA_BUNDLE or the profile's ca_bundle
  --no-verify-ssl          do not check TLS certificates on those calls
  --cli-connect-timeout N, --cli-read-timeout N   seconds (0: no limit) for those calls
  --color on|off|auto, --query EXPR, --no-paginate, --no-cli-pager, --cli-binary-format FORMAT,
  --cli-auto-prompt, --no-cli-auto-prompt, --cli-error-format FORMAT: no effect on a presigned
  URL (nor do cli_pager, AWS_PAGER, output or cli_binary_format in the profile)
  An option given twice: the last one wins, as in aws.

inspect, verify, explain:
  --output table|json      table on a terminal, json otherwise
  --http-method METHOD     verify/explain: the method the client used (default GET)
  --header 'Name: value'   verify/explain: a signed header's value as sent (repeatable)
  --profile NAME           verify/explain: where to look for the secret first

configuration, as AWS CLI v2 reads it:
  credentials  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (ignored when --profile
               is given), then the profile's: assume role (role_arn with source_profile or
               credential_source), web identity (web_identity_token_file, AWS_WEB_IDENTITY_TOKEN_FILE),
               SSO (sso_session or sso_start_url), keys in ~/.aws/credentials, credential_process,
               keys in ~/.aws/config; then container credentials (AWS_CONTAINER_CREDENTIALS_*) and
               EC2 instance metadata
  profile      --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, default
  region       --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region
  endpoint     --endpoint-url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, [services] s3 endpoint_url,
               the profile's endpoint_url (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: flag only)
  files        AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE
  s3 settings  s3 = addressing_style, signature_version, use_dualstack_endpoint,
               use_accelerate_endpoint; use_fips_endpoint (or AWS_USE_FIPS_ENDPOINT,
               AWS_USE_DUALSTACK_ENDPOINT)
  ARNs         BUCKET may be an access point, Multi-Region Access Point (SigV4A: needs
               s3presign[sigv4a]) or Outposts access point ARN, or an S3 Express directory
               bucket (NAME--ZONE--x-s3: one CreateSession call, cached); s3 = use_arn_region,
               s3_disable_multiregion_access_points; s3_disable_express_session_auth (or
               AWS_S3_USE_ARN_REGION, AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS,
               AWS_S3_DISABLE_EXPRESS_SESSION_AUTH)

downloads (GET, HEAD): --version-id ID, --response-content-disposition, --response-content-type,
  --response-cache-control, --response-content-language, --response-content-encoding,
  --response-expires (each VALUE; S3 sends it back as that response header)
uploads (PUT): --content-type, --content-md5, --checksum-crc32, --checksum-crc32c,
  --checksum-sha1, --checksum-sha256 (base64),
  --acl, --storage-class, --metadata NAME=VALUE (repeatable), --tagging 'k=v&k2=v2',
  --sse AES256|aws:kms|aws:kms:dsse, --sse-kms-key-id ID, --sse-c-key-file FILE (also for GET/HEAD),
  --if-none-match '*'; multipart: --upload-id ID --part-number N (UploadPart)
anything else: --param NAME=VALUE, --header 'Name: value' (repeatable)
  Every header is signed: the client must send it exactly (--output json lists them).
browser form upload (--http-method POST; a key ending in ${filename} takes the file's name):
  --content-length-range MIN MAX, --content-type TYPE or --content-type-prefix PREFIX, --acl,
  --metadata NAME=VALUE, --success-action-status 200|201|204, --success-action-redirect URL,
  --condition JSON (repeatable), --expires-in

exit codes: 0 ok, 1 verify: the URL is invalid or expired, 252 bad command line, 253 configuration
or credentials, 254 service error, 255 other, 130 interrupted
"""

_VALUE_OPTIONS = {
    "--expires-in": "expires_in",
    "--http-method": "method",
    "--region": "region",
    "--profile": "profile",
    "--endpoint-url": "endpoint_url",
    "--endpoint": "endpoint_url",
    "--addressing-style": "addressing_style",
    "--signature-version": "signature_version",
    "--provider": "provider",
    "--account-id": "account_id",
    "--output": "output",
    "--input": "input",
    "--inventory": "inventory",
    "--jobs": "jobs",
    # request options (see _request_options)
    "--version-id": "version_id",
    "--response-content-disposition": "response-content-disposition",
    "--response-content-type": "response-content-type",
    "--response-cache-control": "response-cache-control",
    "--response-content-language": "response-content-language",
    "--response-content-encoding": "response-content-encoding",
    "--response-expires": "response-expires",
    "--content-type": "content_type",
    "--content-md5": "content_md5",
    "--checksum-crc32": "checksum-crc32",
    "--checksum-crc32c": "checksum-crc32c",
    "--checksum-sha1": "checksum-sha1",
    "--checksum-sha256": "checksum-sha256",
    "--acl": "acl",
    "--storage-class": "storage_class",
    "--tagging": "tagging",
    "--sse": "sse",
    "--sse-kms-key-id": "sse_kms_key_id",
    "--sse-c-key-file": "sse_c_key_file",
    "--if-none-match": "if_none_match",
    "--upload-id": "upload_id",
    "--part-number": "part_number",
    # presigned POST
    "--content-type-prefix": "content_type_prefix",
    "--success-action-status": "success_action_status",
    "--success-action-redirect": "success_action_redirect",
}
# AWS CLI v2's global options (`aws help`), so an `aws s3 presign` command line works unchanged.
# --ca-bundle, --no-verify-ssl and the timeouts apply to the calls we make (credentials, listing);
# --no-sign-request prints the plain URL; the rest change nothing for a presigned URL.
_VALUE_OPTIONS.update({
    "--ca-bundle": "ca_bundle",
    "--cli-read-timeout": "cli_read_timeout",
    "--cli-connect-timeout": "cli_connect_timeout",
    "--color": "color",
    "--query": "query",
    "--cli-binary-format": "cli_binary_format",
    "--cli-error-format": "cli_error_format",
})
_CHOICES = {"color": ("on", "off", "auto"), "cli_binary_format": ("base64", "raw-in-base64-out"),
            "cli_error_format": ("legacy", "json", "yaml", "text", "table", "enhanced")}
# `aws s3 presign --output X` prints the plain URL for every X (the command writes it itself)
_AWS_OUTPUTS = ("text", "table", "yaml", "yaml-stream", "off")
_PAIR_OPTIONS = {"--content-length-range": "content_length_range"}  # two values
# Repeatable, kept in order; --include/--exclude together as "filters".
_REPEATED_OPTIONS = {"--include": "filters", "--exclude": "filters", "--metadata": "metadata",
                     "--param": "param", "--header": "header", "--condition": "condition"}
_FLAG_OPTIONS = {"--debug": "debug", "--version": "version", "--help": "help", "-h": "help",
                 "--recursive": "recursive", "--keep-going": "keep_going", "--strict-expiry": "strict_expiry",
                 "--line-buffered": "line_buffered",
                 # AWS CLI v2's global flags
                 "--no-verify-ssl": "no_verify_ssl", "--no-sign-request": "no_sign_request",
                 "--no-paginate": "no_paginate", "--no-cli-pager": "no_cli_pager",
                 "--cli-auto-prompt": "cli_auto_prompt", "--no-cli-auto-prompt": "no_cli_auto_prompt"}
_COMPAT_ONLY = ("color", "query", "cli_binary_format", "cli_error_format", "no_paginate", "no_cli_pager",
                "cli_auto_prompt", "no_cli_auto_prompt")  # accepted, no effect on a presigned URL
SUBCOMMANDS = ("inspect", "verify", "explain", "cloudfront", "providers", "serve", "completion", "help")
# Options that never become a query parameter or a signed header: a command line holding only these
# needs nothing of _request_options (a test checks that request_parts ignores every one of them).
_NOT_REQUEST_OPTIONS = frozenset({
    "uri", "expires_in", "method", "region", "profile", "endpoint_url", "addressing_style", "signature_version",
    "provider", "account_id", "output", "debug", "strict_expiry", "ca_bundle", "cli_read_timeout",
    "cli_connect_timeout", "no_verify_ssl", "no_sign_request", *_COMPAT_ONLY})


class _NoParts:
    """What ``request_parts`` gives for a command line without request options: nothing to add."""

    params: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    secret_values: tuple[str, ...] = ()
    nonstandard: tuple[str, ...] = ()


_NO_PARTS = _NoParts()
_METHODS = METHOD_NAMES  # the library's rules, not restated: see _checks
_SHORT_LIVED_GC_THRESHOLD = 100_000  # young objects between collections in a command (see run)
_PYTHON_GC_THRESHOLD = 700  # CPython's default


def parse_args(argv: Sequence[str], *, positionals: int = 1) -> dict[str, Any]:
    """``parse_args(["s3://b/k", "--expires-in", "60"])`` -> ``{"uri": "s3://b/k", "expires_in": "60"}``.

    With ``positionals`` > 1 (subcommands), the second and later arguments go to ``"more"``."""
    options: dict[str, Any] = {}
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("-") and arg != "-":
            name, eq, inline = arg.partition("=")
            if name in _FLAG_OPTIONS and not eq:
                options[_FLAG_OPTIONS[name]] = True
                continue
            if name in _PAIR_OPTIONS and not eq:
                if i + 2 > len(args):
                    raise UsageError(f"{name} needs two values, e.g. {name} 1 10485760")
                options[_PAIR_OPTIONS[name]] = (args[i], args[i + 1])
                i += 2
                continue
            if name not in _VALUE_OPTIONS and name not in _REPEATED_OPTIONS:
                if eq and name in _FLAG_OPTIONS:
                    raise UsageError(f"{name} takes no value; give {name} alone")
                from ._suggest import did_you_mean

                known = (*_VALUE_OPTIONS, *_REPEATED_OPTIONS, *_FLAG_OPTIONS, *_PAIR_OPTIONS)
                raise UsageError(f"unknown option {name}{did_you_mean(name, known) or ''}; see 's3presign help'")
            if eq:
                value = inline
            elif i < len(args):
                value = args[i]
                i += 1
            else:
                raise UsageError(f"{name} needs a value; see 's3presign help'")
            if name in _REPEATED_OPTIONS:
                key = _REPEATED_OPTIONS[name]
                options.setdefault(key, []).append((name[2:], value) if key == "filters" else value)
                continue
            key = _VALUE_OPTIONS[name]
            if key in _CHOICES and value not in _CHOICES[key]:  # each time it is given, as aws checks it
                raise UsageError(f"{name} must be one of {', '.join(_CHOICES[key])}, not {value!r}")
            if key in ("cli_read_timeout", "cli_connect_timeout"):
                _seconds(value, name)
            options[key] = value  # given twice: the last one wins, as in AWS CLI v2
        elif arg == "help" and "uri" not in options:
            options["help"] = True
        elif "uri" in options and len(options.get("more", ())) + 1 < positionals:
            options.setdefault("more", []).append(arg)
        elif "uri" in options:
            raise UsageError(f"unexpected argument {arg!r}: give one s3://BUCKET/KEY")
        else:
            options["uri"] = arg
    return options


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _seconds(text: str, option: str) -> int:
    """Seconds given as digits (no import) or a duration: ``_seconds("7d", "--expires-in") == 604800``."""
    try:
        return int(text, 10)
    except ValueError:
        pass
    from ._durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError:
        raise UsageError(f"{option} must be a whole number of seconds or a duration (30s, 15m, 12h, 7d), "
                         f"not {text!r}") from None


SIGV2_LAST_EXPIRY = 2**31 - 1  # 2038-01-19T03:14:07Z: SigV2's Expires is an epoch second, 32-bit in many stores


def _expires_in(text: str, signature_version: str | None, err: TextIO | None = None) -> int:
    value = _seconds(text, "--expires-in")
    if signature_version == "v2":
        # SigV2 has no 7-day limit: Expires is the epoch second the URL ends (S3's "Signing and
        # authenticating REST requests"); past 2038 it no longer fits the 32-bit time that many
        # S3-compatible stores parse it into, and a URL they read as long expired is no use.
        if not 1 <= value <= MAX_V2_EXPIRES_IN or int(time.time()) + value > SIGV2_LAST_EXPIRY:
            raise UsageError(f"--expires-in must be from 1 second to a time before 2038-01-19 for SigV2 (Expires "
                             f"is a 32-bit epoch second in many stores), not {value}")
        if value > MAX_EXPIRES_IN and err is not None:
            err.write(f"s3presign: warning: a SigV2 URL valid for {value} seconds (more than 7 days): AWS S3 "
                      "accepts it, but it works only while the keys that sign it do, and stores that follow "
                      "SigV4's 7-day limit refuse it\n")
    elif not 1 <= value <= MAX_EXPIRES_IN:
        raise UsageError(f"--expires-in must be from 1 to {MAX_EXPIRES_IN} seconds (7 days, S3's limit), not {value}")
    return value


def _check_choices(options: dict[str, Any]) -> None:
    """AWS CLI v2's global options that take a value from a list: a bad one is a usage error there too."""
    for key, choices in _CHOICES.items():
        value = options.get(key)
        if value is not None and value not in choices:
            raise UsageError(f"--{key.replace('_', '-')} must be one of {', '.join(choices)}, not {value!r}")
    for key in ("cli_read_timeout", "cli_connect_timeout"):
        if options.get(key) is not None and _seconds(str(options[key]), f"--{key.replace('_', '-')}") < 0:
            raise UsageError(f"--{key.replace('_', '-')} must be 0 (no limit) or more seconds, not {options[key]!r}")


def _configure_http(options: dict[str, Any], profile_ca_bundle: object = None) -> None:
    """Hand --ca-bundle, --no-verify-ssl and the timeouts to the HTTP client; nothing is imported
    unless one of them (or a profile's ca_bundle) is set, so a plain presign stays lean."""
    names = ("ca_bundle", "no_verify_ssl", "cli_read_timeout", "cli_connect_timeout")
    if not any(options.get(name) is not None for name in names) and not profile_ca_bundle:
        return
    from ._http import configure

    def timeout(key: str) -> float | None:
        value = options.get(key)
        return None if value is None else float(_seconds(str(value), "--" + key.replace("_", "-")))

    configure(ca_bundle=options.get("ca_bundle"), default_ca_bundle=str(profile_ca_bundle or "") or None,
              verify=not options.get("no_verify_ssl"), connect_timeout=timeout("cli_connect_timeout"),
              read_timeout=timeout("cli_read_timeout"))


def _check_text(options: dict[str, Any], *, skip: tuple[str, ...] = ()) -> None:
    """Undecodable bytes in argv arrive as lone surrogates: refuse them in any value that is signed or sent."""
    for name, value in options.items():
        for text in value if isinstance(value, (list, tuple)) else (value,):
            if name not in skip and isinstance(text, str) and not _is_text(text):
                what = "the S3 URI" if name == "uri" else f"--{name.replace('_', '-')}"
                raise UsageError(f"{what} holds bytes that are not UTF-8 text: {text!r}")


def _presign(options: dict[str, Any], out: TextIO, err: TextIO) -> int:
    _check_text(options, skip=("input",))  # a file name may be any bytes
    from ._config import resolve
    from ._endpoints import ADDRESSING_STYLES, _parse_endpoint_url, validate_region
    from ._presigner import Presigner
    from ._uri import parse_s3_prefix, parse_s3_uri

    uri = options.get("uri")
    source = options.get("input")
    inventory = options.get("inventory")
    if inventory is not None and (uri is not None or source is not None or options.get("recursive")):
        raise UsageError("--inventory reads the keys from the report: give no S3 URI, -, --input or --recursive")
    bulk = uri == "-" or source is not None or inventory is not None
    recursive = bool(options.get("recursive"))
    if source is not None and uri is not None:
        raise UsageError("give either an S3 URI or --input FILE, not both")
    if not isinstance(uri, str) and not bulk:
        raise UsageError("no S3 URI given: s3presign s3://BUCKET/KEY (see 's3presign help')")
    if recursive and bulk:
        raise UsageError("--recursive lists one prefix: give s3://BUCKET/PREFIX/, not - or --input")
    if options.get("filters") and not recursive and inventory is None:
        raise UsageError("--include and --exclude filter a --recursive listing or an --inventory")
    method = str(options.get("method", "GET")).upper()
    if method not in (*_METHODS, "POST"):
        raise UsageError(f"--http-method must be one of {', '.join(_METHODS)} or POST, not {options['method']!r}")
    post = method == "POST"
    many = bulk or recursive
    if post and many:
        raise UsageError("--http-method POST makes one form upload; give one s3://BUCKET/KEY")
    _check_choices(options)
    output = options.get("output", "json" if post else "url")
    if output in _AWS_OUTPUTS and not post:  # AWS CLI v2's formats: aws s3 presign prints the URL for each
        output = "url"
    no_sign = bool(options.get("no_sign_request"))
    if no_sign and (post or many or output != "url"):
        raise UsageError("--no-sign-request prints one plain, unsigned URL: give one s3://BUCKET/KEY, "
                         "no --http-method POST, -, --input, --recursive or --output json/curl")
    formats = (("json", "curl", "html") if post else ("url", "jsonl", "csv", "tsv") if many
               else ("url", "json", "curl"))
    if output not in formats:
        what = " for POST" if post else " for many URLs" if many else ""
        raise UsageError(f"--output must be {', '.join(formats[:-1])} or {formats[-1]}{what}, not {output!r}")
    jobs = _jobs(options.get("jobs"))
    style = options.get("addressing_style")
    if style is not None and style not in ADDRESSING_STYLES:
        raise UsageError(f"--addressing-style must be auto, virtual or path, not {style!r}")
    version = options.get("signature_version")
    if version is not None and version not in SIGNATURE_VERSIONS:
        raise UsageError(f"--signature-version must be v4 or v2, not {version!r}")
    try:
        if isinstance(options.get("region"), str):
            validate_region(str(options["region"]))
        if isinstance(options.get("endpoint_url"), str):
            _parse_endpoint_url(str(options["endpoint_url"]))
        if recursive:
            bucket, key = parse_s3_prefix(str(uri))
        elif not bulk:
            bucket, key = parse_s3_uri(str(uri))
        if post:
            from ._request_options import post_parts

            fields, conditions = post_parts(options)
        elif options.keys() <= _NOT_REQUEST_OPTIONS:  # the usual command line: no module to load for it
            parts: Any = _NO_PARTS
        else:
            from ._request_options import request_parts

            parts = request_parts(options, method)
    except (ConfigurationError, InvalidRequestError) as exc:
        raise UsageError(str(exc)) from None

    if not many and bucket[:4] == "arn:":  # an ARN that names no access point: a bad argument, before credentials
        from ._arn import parse_arn

        try:
            parse_arn(bucket)
        except InvalidRequestError as exc:
            # AWS CLI v2's order: a missing profile (253) is reported first, then the ARN (252)
            resolve(profile=options.get("profile"), region=options.get("region"), sign=False)
            raise UsageError(str(exc)) from None
    _configure_http(options)  # before resolving: credential sources may call a service
    try:
        resolved = resolve(profile=options.get("profile"), region=options.get("region"),
                           endpoint_url=options.get("endpoint_url"), addressing_style=style,
                           signature_version=version, provider=options.get("provider"),
                           account_id=options.get("account_id"), sign=not no_sign)
    except ConfigurationError as exc:
        if getattr(exc, "from_flag", False):  # a store preset refusing a flag (see _stores)
            raise UsageError(str(exc)) from None
        raise
    if options.get("account_id") is not None and resolved.store.value is None:
        raise UsageError("--account-id goes with a store preset: add --provider r2 (or oci)")
    expires_in = _expires_in(str(options.get("expires_in", "3600")), str(resolved.signature_version.value),
                             None if no_sign else err)
    version_setting = resolved.signature_version
    if version_setting.value == "v2" and not version_setting.source.startswith("--") and not no_sign:
        # botocore and AWS CLI v1 sign SigV2 for signature_version = s3; aws s3 presign (v2) ignores it
        err.write(f"s3presign: warning: signing with SigV2 as {version_setting.source} says; aws s3 presign "
                  "(AWS CLI v2) ignores that setting and signs SigV4: give --signature-version v4 to match it\n")
    if many or (not bulk and bucket.endswith("--x-s3")):  # calls to S3 itself: the profile's ca_bundle too
        _configure_http(options, resolved.ca_bundle.value)
    if not post:
        _check_values(parts, resolved.store.value, err)
    debug = bool(options.get("debug"))
    if debug:
        for line in resolved.describe():  # values from config files: terminal-safe
            err.write(f"s3presign: debug: {printable(line)}\n")
    if no_sign:  # AWS CLI v2's --no-sign-request: where the object is, no signature
        return _unsigned_url(resolved, bucket, key, parts, out)
    if resolved.store.value is not None:
        signer = _store_signer(resolved, options, method, expires_in, err,
                               parts=None if post else parts, fields=fields if post else None)
    else:
        signer = Presigner(resolved.credentials.value, **resolved.presigner_kwargs(),  # type: ignore[arg-type]
                           express_sessions=_express_sessions(None if bulk else bucket))
    credentials_expire = _credentials_expiry(signer, int(time.time()) + expires_in, bool(options.get("strict_expiry")),
                                             err)
    if post:
        return _presign_post(signer, bucket, key, expires_in, fields, conditions, str(output), out, credentials_expire)
    if many:
        return _presign_many(signer, options, out, err, bucket=bucket if recursive else None,
                             prefix=key if recursive else None, method=method, expires_in=expires_in,
                             fmt=str(output), jobs=jobs, params=parts.params, headers=parts.headers)
    try:
        details = signer.presign_details(bucket, key, method, expires_in, params=parts.params, headers=parts.headers)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    if "X-Amz-S3session-Token=" in details.url:  # S3 Express: the URL dies with its session (~5 minutes)
        session = signer.express_sessions.credentials_for(signer, bucket, now=details.signed_at)
        ends = int(session.expires_at.timestamp()) if session.expires_at else None
        url_ends = details.signed_at + expires_in
        if ends is not None and ends < url_ends:
            message = (f"the S3 Express session that signs this URL ends at {_iso(ends)}, so it stops working "
                       f"then, not at {_iso(url_ends)}")
            if options.get("strict_expiry"):
                raise CredentialsError(message + "; use a shorter --expires-in (sessions last about 5 minutes)")
            err.write(f"s3presign: warning: {message}\n")
            credentials_expire = min(ends, credentials_expire or ends)
    if debug:
        hidden = [*parts.secret_values]
        if signer.credentials.session_token:  # the URL carries it by design; the debug log need not
            hidden.append(signer.credentials.session_token)
        marker = "X-Amz-S3session-Token="
        if marker in details.url:  # an S3 Express session token: as secret as any other
            hidden.append(details.url.split(marker, 1)[1].split("&", 1)[0])
        _debug_steps(err, details.canonical_request, details.string_to_sign, hidden)
    details_url = in_aws_order(details.url)
    headers = dict(parts.headers)
    if output == "json":
        import json

        ends = min(details.signed_at + expires_in, credentials_expire or details.signed_at + expires_in)
        out.write(json.dumps({"url": details_url, "method": method, "expires_at": _iso(ends), "headers": headers,
                              "credentials_expire_at": _iso(credentials_expire) if credentials_expire else None},
                             indent=2, ensure_ascii=False) + "\n")
    elif output == "curl":
        out.write(_curl(method, details_url, headers, key, part=options.get("part_number"),
                        key_file=options.get("sse_c_key_file")) + "\n")
    else:
        out.write(details_url + "\n")
    return ExitCode.OK


def _check_values(parts: Any, store: Any, err: TextIO) -> None:
    """Values S3 takes from a list (--acl, --storage-class, --sse): refused unless in S3's list, as
    S3 would refuse them; a store preset other than aws may define more (GCS's NEARLINE): passed
    as given, with a warning naming the store."""
    for message in parts.nonstandard:
        if store is None or store.name == "aws":
            raise UsageError(message)
        err.write(f"s3presign: warning: {message}; passed as given, as {store.title} may define more\n")


def _unsigned_url(resolved: Any, bucket: str, key: str, parts: Any, out: TextIO) -> int:
    """``--no-sign-request``: the object's plain URL, as ``aws s3 presign --no-sign-request`` prints it."""
    from ._encoding import encode_path, encode_query_component
    from ._presigner import Presigner
    from ._credentials import Credentials

    kwargs = resolved.presigner_kwargs()
    kwargs["signature_version"] = "v4"
    placeholder = Credentials("UNSIGNED", "-")  # the address needs no key: nothing is signed
    try:
        prefix = Presigner(placeholder, **kwargs).endpoint(bucket).url_prefix
        from ._checks import checked_key

        path = encode_path(checked_key(key))
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    query = "&".join(f"{encode_query_component(k)}={encode_query_component(v)}" for k, v in parts.params)
    out.write(prefix + path + (f"?{query}" if query else "") + "\n")
    return ExitCode.OK


# The order in which aws s3 presign (AWS CLI v2, whose CRT signer writes the query) lists the
# signing parameters; S3 reads them in any order (the canonical query is sorted), scripts that
# compare URLs do not.
_AWS_ORDER_V4 = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                 "X-Amz-Security-Token", "X-Amz-S3session-Token")
_AWS_ORDER_V4A = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires",
                  "X-Amz-Security-Token", "X-Amz-Region-Set")


def in_aws_order(url: str) -> str:
    """``url`` with its signing parameters in AWS CLI v2's order, the others where they were:
    the session token after X-Amz-SignedHeaders (SigV4); SignedHeaders before Expires and the
    region set last (SigV4A). The signature does not change: the canonical query is sorted."""
    head, mark, query = url.partition("?")
    if not mark or "X-Amz-Algorithm=" not in query:
        return url
    fields = query.split("&")
    order = _AWS_ORDER_V4A if "X-Amz-Region-Set=" in query else _AWS_ORDER_V4
    slots = [i for i, field in enumerate(fields) if field.partition("=")[0] in order]
    ranked = sorted((fields[i] for i in slots), key=lambda field: order.index(field.partition("=")[0]))
    for i, field in zip(slots, ranked):
        fields[i] = field
    return head + "?" + "&".join(fields)


def _express_sessions(bucket: str | None) -> Any:
    """S3 Express sessions cached in a 0600 file per bucket, so the next command reuses them
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html); None (memory only)
    unless the bucket is a directory bucket, so plain buckets never load the module."""
    if bucket is None or not bucket.endswith("--x-s3"):
        return None
    from ._express import ExpressSessions, default_cache_dir

    return ExpressSessions(cache_dir=default_cache_dir(os.environ), env=os.environ,
                           ca_bundle=os.environ.get("AWS_CA_BUNDLE"))


def _store_signer(resolved: Any, options: dict[str, Any], method: str, expires_in: int, err: TextIO, *,
                  parts: Any, fields: dict[str, str] | None) -> Presigner:
    """The signer for a store preset, after refusing (exit 252) what the store refuses."""
    from ._presigner import Presigner
    from ._stores import limits, request_options

    store = resolved.store.value
    names = request_options(parts.params, parts.headers) if parts is not None else set()
    if fields and "acl" in fields:
        names.add("acl")
    try:
        warnings = store.check_request(method=method, expires_in=expires_in,
                                       signature_version=str(resolved.signature_version.value),
                                       addressing_style=str(resolved.addressing_style.value), options=names)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    for warning in warnings:
        err.write(f"s3presign: warning: {warning}\n")
    return Presigner(resolved.credentials.value, store=limits(store), **resolved.presigner_kwargs())


def _providers_command(argv: Sequence[str], out: TextIO) -> int:
    """``s3presign providers``: the store presets, their limits and where each rule comes from."""
    from ._stores import STORES, table

    options = parse_args(argv)
    output = options.pop("output", "table")
    extra = sorted(set(options) - {"uri"})
    if extra:
        raise UsageError(f"s3presign providers does not take --{extra[0].replace('_', '-')}; "
                         "it takes an optional provider name and --output table|json")
    if output not in ("table", "json"):
        raise UsageError(f"--output must be table or json for s3presign providers, not {output!r}")
    name = options.get("uri")
    if name is not None and name not in STORES:
        from ._suggest import did_you_mean

        raise UsageError(f"no provider {name!r}{did_you_mean(str(name), STORES)}: "
                         f"one of {', '.join(STORES)} (s3presign providers lists them)")
    rows: list[dict[str, Any]] = list(table())
    if name:
        store = STORES[str(name)]
        rows = [{**row, "regions": ", ".join(store.regions or ()) or "-", "sources": store.sources}
                for row in rows if row["name"] == store.name]
    if output == "json":
        import json

        out.write(json.dumps([_provider_json(row, STORES[row["name"]]) for row in rows], indent=2) + "\n")
        return ExitCode.OK
    columns = ("name", "endpoint", "region", "style", "max_expiry", "unsupported", "not_documented")
    widths = {c: max(len(c), *(len(row[c]) for row in rows)) for c in columns}
    out.write("  ".join(c.replace("_", " ").ljust(widths[c]) for c in columns).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip() + "\n")
        if row.get("regions", "-") != "-":
            out.write(f"  regions: {row['regions']}\n")
        for rule, source in (row.get("sources") or {}).items():
            out.write(f"  source of {rule}: {source}\n")
    if not name:
        out.write("\nSources for every rule: s3presign providers NAME, or the documentation's Providers page (docs/providers.md).\n")
    return ExitCode.OK


def _provider_json(row: dict[str, Any], store: Any) -> dict[str, Any]:
    """A preset for ``providers --output json``: numbers as numbers, lists as lists, null for none."""
    data: dict[str, Any] = {**row, "endpoint": store.endpoint, "max_expiry": int(store.max_expires),
                            "unsupported": list(store.refusals()), "not_documented": list(store.unknowns())}
    if "regions" in row:
        data["regions"] = list(store.regions) if store.regions else None
    return data


def _debug_steps(err: TextIO, canonical: str, string_to_sign: str, hidden: list[str]) -> None:
    if hidden:
        from ._inspect import redact

        canonical, string_to_sign = redact(canonical, hidden), redact(string_to_sign, hidden)
        err.write("s3presign: debug: (the session token and SSE-C key are shown as ***)\n")
    if canonical:  # header values as given: terminal-safe
        err.write("s3presign: debug: canonical request:\n" + printable(canonical, keep_newlines=True) + "\n")
    err.write("s3presign: debug: string to sign:\n" + printable(string_to_sign, keep_newlines=True) + "\n")


SSE_C_KEY_HEADER = "x-amz-server-side-encryption-customer-key"


def _curl(method: str, url: str, headers: dict[str, str], key: str, *, part: object = None,
          key_file: object = None) -> str:
    """A ready-to-run curl command for the request (FILE: the key's base name; for an UploadPart,
    a file holding that part's bytes alone, and a shell comment saying how to cut it).

    ``--path-as-is``: the key goes to S3 as signed, ``..`` and ``//`` segments included (curl
    would otherwise normalise them away and S3 would answer 403). An UploadPart prints the
    response headers (``-D -``): CompleteMultipartUpload needs the part's ETag. The SSE-C key
    never appears on the command line (``ps``, shell history): curl reads that header from its
    standard input (``-H @-``), which a shell builtin fills from the key file.
    """
    from shlex import quote

    name = key.rsplit("/", 1)[-1] or "FILE"
    prefix = ""
    if SSE_C_KEY_HEADER in headers:
        headers = {k: v for k, v in headers.items() if k != SSE_C_KEY_HEADER}
        prefix = _sse_c_header_feed(str(key_file), headers)
    # --globoff: [ ] and { } in the URL are literal (an IPv6 host, a key), not curl's URL globbing
    words = ["curl", "--globoff", "--path-as-is", "--fail-with-body"]
    header_words = _curl_headers(headers) + (["-H", "@-"] if prefix else [])
    if method == "PUT" and part is not None:
        number = int(str(part))
        whole, name = name, f"{name}.part{number}"
        words += ["-D", "-", "--upload-file", quote(name), *header_words, quote(url),
                  f"# {quote(name)}: only the bytes of part {number}, e.g. with 8 MiB parts (all but the last at least "
                  f"5 MiB): dd if={quote(whole)} of={quote(name)} bs=8M skip={number - 1} count=1; "
                  "note the ETag header printed for CompleteMultipartUpload"]
        return prefix + " ".join(words)
    if method == "PUT":
        words += ["--upload-file", quote(name)]
    elif method == "HEAD":
        words.append("--head")
    elif method == "DELETE":
        words += ["-X", "DELETE"]
    else:
        words += ["-o", quote(name)]
    words += [*header_words, quote(url)]
    return prefix + " ".join(words)


def _sse_c_header_feed(key_file: str, headers: dict[str, str]) -> str:
    """``printf 'NAME: %s\\n' "$(base64 < KEYFILE | tr -d '\\n')" | `` : the SSE-C key header for
    curl's ``-H @-``. printf is a shell builtin: the key is in no process's arguments."""
    from shlex import quote

    from ._request_options import sse_c_key_is_base64

    if sse_c_key_is_base64(key_file):
        read = f"tr -d ' \\t\\r\\n' < {quote(key_file)}"
    else:
        read = f"base64 < {quote(key_file)} | tr -d '\\n'"
    return f"printf '{SSE_C_KEY_HEADER}: %s\\n' \"$({read})\" | "


def _curl_headers(headers: dict[str, str]) -> list[str]:
    from shlex import quote

    return [word for header, value in headers.items() for word in ("-H", quote(f"{header}: {value}"))]


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _credentials_expiry(signer: Presigner, url_ends: int, strict: bool, err: TextIO) -> int | None:
    """When temporary credentials end before the URL would, say so once (or refuse, with --strict-expiry).

    A presigned URL stops working when the credentials that signed it expire, whatever
    X-Amz-Expires says (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html).
    """
    expires_at = signer.credentials.expires_at
    if expires_at is None:
        return None
    ends = int(expires_at.timestamp())
    if ends < url_ends:
        message = (f"the credentials that sign this URL expire at {_iso(ends)}, so it stops working then, "
                   f"not at {_iso(url_ends)}")
        if strict:
            raise CredentialsError(message + "; sign with longer-lived credentials or a shorter --expires-in")
        err.write(f"s3presign: warning: {message}\n")
    return ends


def _presign_post(signer: Presigner, bucket: str, key: str, expires_in: int, fields: dict[str, str],
                  conditions: list[object], output: str, out: TextIO, credentials_expire: int | None = None) -> int:
    try:
        post = signer.presign_post(bucket, key, expires_in=expires_in, conditions=conditions, fields=fields)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    ends = post.signed_at + expires_in
    expires_at = _iso(min(ends, credentials_expire or ends))
    if output == "json":
        import json

        out.write(json.dumps({"url": post.url, "fields": post.fields, "expires_at": expires_at,
                              "credentials_expire_at": _iso(credentials_expire) if credentials_expire else None},
                             indent=2, ensure_ascii=False) + "\n")
    elif output == "curl":
        from shlex import quote

        words = ["curl", "--globoff", "--fail-with-body"]
        for name, value in post.fields.items():
            words += ["--form-string", quote(f"{name}={value}")]  # literal: no @file or <file magic
        words += ["-F", "file=@FILE", quote(post.url)]
        out.write(" ".join(words) + "\n")
    else:
        from ._html import upload_page

        out.write(upload_page(post, bucket=bucket, key=key, conditions=conditions, expires_at=expires_at))
    return ExitCode.OK


def _inspect_command(command: str, argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """``inspect URL``, ``verify URL``, ``explain URL [ERROR_FILE|-]``."""
    from . import _inspect

    options = parse_args(argv, positionals=2 if command == "explain" else 1)
    _check_text(options, skip=("uri", "more"))  # the URL gets its own message; a file name may be any bytes
    allowed = {"uri", "output", "method", "header", "profile", "debug", "more"}
    unexpected = sorted(set(options) - allowed)
    if unexpected:
        raise UsageError(f"s3presign {command} does not take --{unexpected[0].replace('_', '-')}")
    target = options.get("uri")
    if not isinstance(target, str):
        raise UsageError(f"give the presigned URL: s3presign {command} 'https://...'")
    if target == "-":  # a URL (or for inspect, POST JSON) piped in: echo "$url" | s3presign inspect -
        if command == "explain" and options.get("more", [None])[0] == "-":
            raise UsageError("s3presign explain reads one of the URL and the error response from stdin, not both")
        target = _read_text("-", "standard input").strip()
        if command != "inspect" and not target.startswith(("http://", "https://")):
            raise UsageError(f"give the presigned URL on standard input: echo 'https://...' | s3presign {command} -")
    output = options.get("output", "table" if out.isatty() else "json")
    if output not in ("table", "json"):
        raise UsageError(f"--output must be table or json, not {output!r}")
    headers = dict(_header_pair(h) for h in options.get("header", ()))
    method = options.get("method")
    if method is not None and str(method).upper() not in _METHODS:
        raise UsageError(f"--http-method must be one of {', '.join(_METHODS)}, not {method!r}")
    try:
        if command == "inspect" and not target.startswith(("http://", "https://")):
            return _inspect_post(target, output, out)
        info = _inspect.inspect(target)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    if command == "inspect":
        facts = info.as_dict()
        _write_facts(out, facts, output)
        return ExitCode.OK
    if command == "verify":
        verdict = _inspect.verify(target, method=str(method or "GET"), headers=headers, profile=options.get("profile"))
        _write_facts(out, {"status": verdict.status, "method": verdict.method, "reason": verdict.reason}, output)
        if verdict.status == "unknown":
            return ExitCode.CONFIG
        return ExitCode.OK if verdict.valid else 1
    more = options.get("more", [])
    error_body = _read_text(more[0], "the error response") if more else None
    try:
        explanation = _inspect.explain(target, error_body, profile=options.get("profile"),
                                       method=str(method) if method else None, headers=headers)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    if output == "json":
        import json

        out.write(json.dumps({"code": explanation.code, "causes": explanation.causes,
                              "details": explanation.details, "url": info.as_dict()}, indent=2) + "\n")
    else:  # the causes and details quote the URL and S3's error text: no control characters reach the terminal
        out.write(f"S3 said: {printable(explanation.code)}\n" if explanation.code else "")
        out.write("Likely cause" + ("s" if len(explanation.causes) > 1 else "") + ":\n")
        for cause in explanation.causes:
            out.write(f"  - {printable(cause)}\n")
        for detail in explanation.details:
            out.write("\n" + printable(detail, keep_newlines=True) + "\n")
    return ExitCode.OK


# -- s3presign cloudfront: CloudFront signed URLs and cookies (the work is in _cloudfront) -------

CLOUDFRONT_HELP = """\
s3presign cloudfront - CloudFront signed URLs and signed cookies

usage:
  s3presign cloudfront URL [options]             one signed URL (or cookies: --output cookies)
  s3presign cloudfront - [options]               one URL per line on stdin, signed URLs out
  s3presign cloudfront --input FILE [options]    one URL per line in FILE
  s3presign inspect|verify|explain SIGNED_URL    what it allows, whether it verifies, why it fails
  s3presign inspect|verify|explain 'CloudFront-Policy=...; CloudFront-Signature=...; ...' --url URL

options (aws cloudfront sign's names and date forms work too):
  --key-pair-id ID         the public key's ID in the distribution's trusted key group
                           (S3PRESIGN_CLOUDFRONT_KEY_PAIR_ID, profile s3presign_cloudfront_key_pair_id)
  --private-key FILE       PEM: RSA 2048 (PKCS#1 or PKCS#8) or ECDSA P-256; file://FILE as aws takes
                           it (S3PRESIGN_CLOUDFRONT_PRIVATE_KEY, profile s3presign_cloudfront_private_key)
  --expires-in DURATION    seconds, or 15m, 12h, 7d; default 3600
  --date-less-than TIME    the expiry instead: YYYY-MM-DD, YYYY-MM-DDThh:mm:ss[+hh:mm] or epoch seconds
  --date-greater-than TIME not valid before TIME (a custom policy)
  --ip-address CIDR        only from this address or block (a custom policy; a bare IPv6 is /128)
  --hash-algorithm ALG     sha1 (RSA's default) or sha256 (ECDSA's default; adds Hash-Algorithm=SHA256)
  --resource PATTERN       the policy's resource instead of the URL, * and ? wildcards (alias
                           --policy-resource); a custom policy
  --output FORMAT          one URL: url (default), json, cookies (Set-Cookie lines), curl;
                           many: url or jsonl
  --cookie-domain DOMAIN   --output cookies: the cookies' Domain (default: none, the host only)
  --cookie-path PATH       --output cookies: the cookies' Path (default /)
  --profile NAME           the profile holding the key settings
  --jobs N                 many URLs: worker processes (default: cores)
  --keep-going             many URLs: report bad lines and go on (exit 252 at the end)
  --debug                  the policy and where the key came from on stderr (never the key)
verify, explain:
  --public-key FILE        the public key (or --private-key, or the configured key); --key-pair-id
                           to check the ID, --client-ip ADDRESS the viewer's address, --url URL the
                           request URL (cookies, or a wildcard policy)

exit codes: 0 ok, 1 verify: invalid, expired or not yet valid, 252 bad command line, 253 key or
configuration, 255 other
"""

_CF_VALUES = {
    "--url": "url", "--key-pair-id": "key_pair_id", "--private-key": "private_key", "--public-key": "public_key",
    "--expires-in": "expires_in", "--date-less-than": "date_less_than", "--date-greater-than": "date_greater_than",
    "--ip-address": "ip_address", "--hash-algorithm": "hash_algorithm", "--resource": "resource",
    "--policy-resource": "resource", "--output": "output", "--input": "input", "--profile": "profile",
    "--jobs": "jobs", "--cookie-domain": "cookie_domain", "--cookie-path": "cookie_path",
    "--client-ip": "client_ip",
}
# AWS CLI v2 global options that change nothing for a signature: accepted so aws command lines run.
_CF_IGNORED_VALUES = {"--region", "--color", "--cli-read-timeout", "--cli-connect-timeout", "--cli-error-format",
                      "--cli-binary-format", "--endpoint-url", "--ca-bundle"}
_CF_FLAGS = {"--debug": "debug", "--keep-going": "keep_going", "--help": "help", "-h": "help"}
_CF_IGNORED_FLAGS = {"--no-cli-pager", "--no-paginate", "--no-verify-ssl", "--no-cli-auto-prompt",
                     "--no-sign-request"}
_CF_MAX_LINE = 1 << 16  # a URL line; CloudFront's own limit on a request URL is far below


def _cloudfront_args(argv: Sequence[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, inline = arg.partition("=")
        if arg.startswith("-") and arg != "-":
            if name in _CF_FLAGS or name in _CF_IGNORED_FLAGS:
                if eq:
                    raise UsageError(f"{name} takes no value")
                if name in _CF_FLAGS:
                    options[_CF_FLAGS[name]] = True
                continue
            if name not in _CF_VALUES and name not in _CF_IGNORED_VALUES:
                raise UsageError(f"unknown option {name}; see 's3presign cloudfront --help'")
            if not eq and not args:
                raise UsageError(f"{name} needs a value")
            value = inline if eq else args.pop(0)
            if not _is_text(value):
                raise UsageError(f"{name} holds bytes that are not UTF-8 text")
            if name in _CF_IGNORED_VALUES:
                continue
            key = _CF_VALUES[name]
            if key in options:
                raise UsageError(f"{name} is given twice")
            options[key] = value
        elif "target" in options:
            raise UsageError(f"unexpected argument {arg!r}: give one URL (or - for many)")
        else:
            if not _is_text(arg):
                raise UsageError("the URL holds bytes that are not UTF-8 text")
            options["target"] = arg
    return options


def _cloudfront_key_settings(options: dict[str, Any]) -> tuple[str | None, str | None, str]:
    """``(key pair id, private key as given, where the key came from)``: option, environment, profile."""
    key_pair_id, private_key = options.get("key_pair_id"), options.get("private_key")
    where = "--private-key"
    env = os.environ
    if key_pair_id is None:
        key_pair_id = env.get("S3PRESIGN_CLOUDFRONT_KEY_PAIR_ID") or None
    if private_key is None and env.get("S3PRESIGN_CLOUDFRONT_PRIVATE_KEY"):
        private_key, where = env["S3PRESIGN_CLOUDFRONT_PRIVATE_KEY"], "env S3PRESIGN_CLOUDFRONT_PRIVATE_KEY"
    if key_pair_id is None or private_key is None:
        from ._ini import Files

        profile = options.get("profile") or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"
        files = Files(env)
        if options.get("profile") and not files.has_profile(profile):
            raise ConfigurationError(f"the profile {profile!r} is not in {files.config_path} or "
                                     f"{files.credentials_path}")
        section = files.merged(profile)
        if key_pair_id is None and isinstance(section.get("s3presign_cloudfront_key_pair_id"), str):
            key_pair_id = str(section["s3presign_cloudfront_key_pair_id"]) or None
        if private_key is None and isinstance(section.get("s3presign_cloudfront_private_key"), str):
            private_key = os.path.expanduser(str(section["s3presign_cloudfront_private_key"])) or None
            where = f"profile {profile} s3presign_cloudfront_private_key"
    if isinstance(private_key, str) and private_key.startswith("file://"):
        private_key = os.path.expanduser(private_key[len("file://"):])  # as aws reads --private-key file://...
    return key_pair_id, private_key, where


def _cloudfront_signer(options: dict[str, Any]) -> tuple[Any, str]:
    from ._cloudfront import CloudFrontSigner

    key_pair_id, private_key, where = _cloudfront_key_settings(options)
    if key_pair_id is None:
        raise ConfigurationError("no CloudFront key pair id: give --key-pair-id, set S3PRESIGN_CLOUDFRONT_KEY_PAIR_ID "
                                 "or s3presign_cloudfront_key_pair_id in the profile")
    if private_key is None:
        raise ConfigurationError("no CloudFront private key: give --private-key FILE, set "
                                 "S3PRESIGN_CLOUDFRONT_PRIVATE_KEY or s3presign_cloudfront_private_key in the profile")
    try:
        signer = CloudFrontSigner(key_pair_id, private_key, hash_algorithm=options.get("hash_algorithm"))
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    return signer, where


def _cloudfront_command(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """``s3presign cloudfront URL|- [options]``: signed URLs and cookies."""
    from . import _cloudfront as cf

    options = _cloudfront_args(argv)
    if options.get("help"):
        out.write(CLOUDFRONT_HELP)
        return ExitCode.OK
    for name in ("public_key", "client_ip"):
        if name in options:
            raise UsageError(f"--{name.replace('_', '-')} is for s3presign verify and explain")
    target, url = options.get("target"), options.get("url")
    if target is not None and url is not None and target != url:
        raise UsageError("give the URL once: as the argument or as --url")
    target = target if target is not None else url
    if target is None and options.get("input") is None:
        raise UsageError("give the URL to sign: s3presign cloudfront 'https://d111111abcdef8.cloudfront.net/a.jpg' "
                         "--key-pair-id ID --private-key FILE")
    many = target == "-" or options.get("input") is not None
    if many and target not in (None, "-"):
        raise UsageError("give either a URL or --input FILE, not both")
    if "expires_in" in options and "date_less_than" in options:
        raise UsageError("give --expires-in or --date-less-than, not both")
    output = options.get("output", "url")
    formats = ("url", "jsonl", "json") if many else ("url", "json", "cookies", "curl")
    if output not in formats:
        raise UsageError(f"--output must be {', '.join(formats[:-1])} or {formats[-1]}"
                         f"{' for many URLs' if many else ''}, not {output!r}")
    try:
        times: dict[str, Any] = {}
        if "expires_in" in options:
            times["expires_in"] = cf.parse_duration(options["expires_in"])
        if "date_less_than" in options:
            times["expires_at"] = cf.parse_date(options["date_less_than"], "--date-less-than")
        if "date_greater_than" in options:
            times["starts_at"] = cf.parse_date(options["date_greater_than"], "--date-greater-than")
        if options.get("ip_address"):  # aws ignores an empty --ip-address, as botocore does
            times["ip_address"] = options["ip_address"]
        signer, where = _cloudfront_signer(options)
        now = time.time()
        if options.get("debug"):
            err.write(f"s3presign: key pair {signer.key_pair_id}, {signer!r}, key from {where}\n")
        if many:
            if options.get("resource") is not None:
                raise UsageError("--resource is for one URL: many URLs are each signed for themselves")
            return _cloudfront_many(signer, options, times, now, output, out, err)
        if output == "cookies":
            resource = options.get("resource") or target
            headers = signer.set_cookie_headers(resource, domain=options.get("cookie_domain"),
                                                path=options.get("cookie_path", "/"), now=now, **times)
            if options.get("debug"):
                _cloudfront_debug(err, signer.policy(resource, now=now, **times)[0])
            out.write("".join(f"Set-Cookie: {header}\n" for header in headers))
            return ExitCode.OK
        signed = signer.sign_url(target, resource=options.get("resource"), now=now, **times)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    from ._cloudfront_inspect import inspect_url

    info = inspect_url(signed)
    if options.get("debug"):
        _cloudfront_debug(err, info.policy)
    if output == "json":
        import json

        out.write(json.dumps({"url": signed, "expires_at": _iso(info.expires_at), "policy": info.policy_kind,
                              "policy_json": info.policy, "key_pair_id": signer.key_pair_id,
                              "hash_algorithm": signer.hash_algorithm.upper()}, indent=2, ensure_ascii=False) + "\n")
    elif output == "curl":
        assert target is not None
        path = target.split("?", 1)[0].split("://", 1)[-1]
        out.write(_curl("GET", signed, {}, path.split("/", 1)[1] if "/" in path else "") + "\n")
    else:
        out.write(signed + "\n")
    return ExitCode.OK


def _cloudfront_debug(err: TextIO, policy: str) -> None:
    err.write("s3presign: policy (signed): " + printable(policy) + "\n")


def _cloudfront_many(signer: Any, options: dict[str, Any], times: dict[str, Any], now: float, output: str,
                     out: TextIO, err: TextIO) -> int:
    """One URL per input line, signed on worker processes, written in input order."""
    from ._cloudfront import check_url

    keep_going = bool(options.get("keep_going"))
    bad: list[int] = []
    source: Any
    if options.get("input") is not None:
        try:
            source = open(str(options["input"]), "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise UsageError(f"cannot read --input {options['input']}: {exc.strerror}") from None
    else:
        source = getattr(sys.stdin, "buffer", sys.stdin)
    from collections import deque

    inputs: deque[str] = deque()  # the input URLs read ahead of their signed forms (jsonl names them)

    def lines() -> Iterator[str]:
        number = 0
        while raw := source.readline(_CF_MAX_LINE + 1):
            number += 1
            if isinstance(raw, str):
                raw = raw.encode("utf-8", "surrogateescape")
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if len(raw) > _CF_MAX_LINE and not raw.endswith(b"\n"):
                while (rest := source.readline(_CF_MAX_LINE + 1)) and not rest.endswith(b"\n" if isinstance(
                        rest, bytes) else "\n"):
                    pass
                problem = f"the line is over {_CF_MAX_LINE} bytes"
            else:
                try:
                    text = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    problem = "the line is not UTF-8 text"
                else:
                    if not text:
                        continue
                    try:
                        check_url(text)
                    except InvalidRequestError as exc:
                        problem = str(exc)
                    else:
                        inputs.append(text)
                        yield text
                        continue
            bad.append(number)
            err.write(f"s3presign: error: line {number}: {printable(problem)}\n")
            if not keep_going:
                return

    try:
        jobs = _jobs(options.get("jobs"))
        expires_at = _iso(int(times["expires_at"] if "expires_at" in times else now + times.get("expires_in", 3600)))
        for signed in signer.sign_many(lines(), jobs=jobs, now=now, **times):
            uri = inputs.popleft()
            if output == "url":
                out.write(signed + "\n")
            else:
                import json

                out.write(json.dumps({"uri": uri, "url": signed, "expires_at": expires_at}, ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.OK
    finally:
        if source is not sys.stdin and source is not getattr(sys.stdin, "buffer", None):
            source.close()
    return ExitCode.USAGE if bad else ExitCode.OK


def _cloudfront_inspect_command(command: str, argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """``inspect``, ``verify`` and ``explain`` for a CloudFront signed URL or Cookie header."""
    from . import _cloudfront_inspect as cfi

    options = _cloudfront_args(argv)
    target = options.get("target")
    if not isinstance(target, str):
        raise UsageError(f"give the signed URL: s3presign {command} 'https://...'")
    allowed = {"target", "url", "output", "public_key", "private_key", "key_pair_id", "client_ip", "profile", "debug"}
    unexpected = sorted(set(options) - allowed)
    if unexpected:
        raise UsageError(f"s3presign {command} does not take --{unexpected[0].replace('_', '-')} for CloudFront")
    output = options.get("output", "table" if out.isatty() else "json")
    if output not in ("table", "json"):
        raise UsageError(f"--output must be table or json, not {output!r}")
    try:
        if target.startswith(("http://", "https://")) and "?" in target:
            info = cfi.inspect_url(target)
        else:
            info = cfi.inspect_cookies(target, options.get("url"))
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    if command == "inspect":
        _write_facts(out, info.as_dict(), output)
        return ExitCode.OK
    public = options.get("public_key")
    if public is not None and public.startswith("file://"):
        public = os.path.expanduser(public[len("file://"):])
    if public is None:
        public = _cloudfront_key_settings(options)[1]
    kwargs: dict[str, Any] = {"key_pair_id": options.get("key_pair_id"), "client_ip": options.get("client_ip"),
                              "request_url": options.get("url") if info.form == "url" else None}
    if kwargs["request_url"] is None and info.form == "url":
        del kwargs["request_url"]
    if command == "verify":
        if public is None:
            _write_facts(out, {"status": "unknown", "reason": "no key to check it with: give --public-key FILE "
                                                              "(or --private-key FILE)"}, output)
            return ExitCode.CONFIG
        verdict = cfi.verify(info, public, **kwargs)
        _write_facts(out, {"status": verdict.status, "reason": verdict.reason}, output)
        return ExitCode.OK if verdict.valid else 1
    causes = cfi.explain(info, public_key=public, **kwargs)
    if output == "json":
        import json

        out.write(json.dumps({"causes": causes, "details": [], "url": info.as_dict()}, indent=2,
                             ensure_ascii=False) + "\n")
    else:
        out.write("Likely cause" + ("s" if len(causes) > 1 else "") + ":\n")
        out.write("".join(f"  - {printable(cause)}\n" for cause in causes))
    return ExitCode.OK


MAX_TEXT_INPUT = 1 << 20  # an S3 error document or a POST's JSON is a few KiB


def _read_text(name: str, what: str) -> str:
    """A small UTF-8 text input: a file, or stdin for ``-``; bounded, so /dev/zero or a huge file cannot
    fill memory."""
    try:
        if name == "-":
            stdin = getattr(sys.stdin, "buffer", None)  # a text stream without bytes underneath: tests
            data = stdin.read(MAX_TEXT_INPUT + 1) if stdin is not None else sys.stdin.read(
                MAX_TEXT_INPUT + 1).encode("utf-8", "surrogateescape")
        else:
            with open(name, "rb") as file:
                data = file.read(MAX_TEXT_INPUT + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {what} {name}: {exc.strerror}") from None
    if len(data) > MAX_TEXT_INPUT:
        raise UsageError(f"{what} {name} is over {MAX_TEXT_INPUT >> 20} MiB, far more than it can be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{what} {name} is not UTF-8 text") from None


def _header_pair(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise UsageError(f"--header takes 'Name: value', not {text!r}")
    return name.strip(), value.strip()


def _write_facts(out: TextIO, facts: dict[str, object], output: str) -> None:
    if output == "json":
        import json

        out.write(json.dumps(facts, indent=2, ensure_ascii=False) + "\n")
        return
    width = max(len(name) for name in facts)
    for name, value in facts.items():
        if isinstance(value, (list, dict)):
            value = (", ".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict)
                     else ", ".join(map(str, value)))
            value = value or "-"
        elif name == "seconds_left" and isinstance(value, int):
            value = f"{value} ({'expired' if value <= 0 else 'valid'})"
        out.write(f"{printable(name.replace('_', ' ')):<{width}}  {printable(str(value))}\n")


def _escapes() -> dict[int, str]:
    """Code points that would steer a terminal, as visible escapes: C0 and C1 controls, DEL, the
    line and paragraph separators, bidirectional overrides (CVE-2021-42574), and lone surrogates
    (undecodable bytes from argv)."""
    points = [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
              *range(0xD800, 0xE000)]
    return {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in points}


_ESCAPES: dict[int, str] = {}


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` safe to print on a terminal: ``printable("a\\x1b]0;t")`` -> ``'a\\\\x1b]0;t'``."""
    if not _ESCAPES:
        _ESCAPES.update(_escapes())
    if keep_newlines:
        return "\n".join(line.translate(_ESCAPES) for line in text.split("\n"))
    return text.translate(_ESCAPES)


def _inspect_post(text: str, output: str, out: TextIO) -> int:
    """Inspect a presigned POST given as its JSON (--output json of POST), a file of it, or its base64 policy."""
    if text == "-" or (not text.lstrip().startswith("{") and "\0" not in text and os.path.isfile(text)):
        text = _read_text(text, "the presigned POST")
    from ._inspect import inspect_post

    try:
        facts = inspect_post(text)
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    _write_facts(out, facts, output)
    return ExitCode.OK


def _jobs(value: object) -> int:
    if value is None:
        return os.cpu_count() or 1
    try:
        jobs = int(str(value))
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise UsageError(f"--jobs must be a whole number of processes, at least 1, not {value!r}")
    return jobs


class _KeyLines:
    """A listing or an inventory as the line source bulk presigning reads: ``readlines`` gives a
    batch of URIs (a list, so a key holding a newline stays one line)."""

    def __init__(self, pairs: Iterator[tuple[str, str]]) -> None:
        self._pairs = pairs

    def readlines(self, hint: int = -1) -> list[bytes]:
        from itertools import islice

        return [f"s3://{bucket}/{key}".encode() for bucket, key in islice(self._pairs, 1000)]


def _presign_many(signer: Presigner, options: dict[str, Any], out: TextIO, err: TextIO, *, bucket: str | None,
                  prefix: str | None, method: str, expires_in: int, fmt: str, jobs: int,
                  params: Sequence[tuple[str, str]], headers: Sequence[tuple[str, str]]) -> int:
    from ._bulk import stream

    keep_going = bool(options.get("keep_going"))
    source: Any
    if bucket is not None:
        from ._listing import list_keys

        keys = list_keys(signer, bucket, prefix or "", filters=options.get("filters", ()))
        source = _KeyLines((bucket, key) for key in keys)
        jobs = 1  # the listing is the bottleneck; pages arrive 1000 keys at a time
    elif options.get("inventory") is not None:
        from .scale._inventory import inventory_keys, read_manifest

        try:
            manifest = read_manifest(signer, str(options["inventory"]))
        except InvalidRequestError as exc:
            raise UsageError(str(exc)) from None
        source = _KeyLines(inventory_keys(signer, manifest, filters=options.get("filters", ())))
    elif options.get("input") is not None:
        try:
            source = open(str(options["input"]), "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise UsageError(f"cannot read --input {options['input']}: {exc.strerror}") from None
    else:
        source = sys.stdin.buffer
    progress = _Progress(err) if err.isatty() else None

    def on_error(line: int, message: str) -> None:
        if progress is not None:
            progress.clear()
        where = f"line {line}: " if bucket is None and options.get("inventory") is None else ""
        err.write("s3presign: error: " + where + printable(" ".join(message.split())) + "\n")

    binary = getattr(out, "buffer", None)
    out_fd = None
    # A terminal, or --line-buffered (a program that writes a line and waits for its URL): each
    # line's output is flushed as it is made. A file or pipe otherwise gets large writes.
    line_buffered = bool(options.get("line_buffered")) or out.isatty()
    if binary is not None and line_buffered:
        out.flush()

        def write(data: bytes) -> object:
            binary.write(data)
            return binary.flush()
    elif binary is not None:
        out.flush()
        binary.flush()
        write = binary.write
        try:
            out_fd = binary.fileno()  # worker processes write there themselves
        except (OSError, ValueError, AttributeError):
            pass
    else:  # a text stream without bytes underneath (tests)
        def write(data: bytes) -> object:
            return out.write(data.decode())
    try:
        written, bad = stream(signer, source, write, method=method, expires_in=expires_in, fmt=fmt,
                              keep_going=keep_going, jobs=jobs, on_error=on_error, params=list(params),
                              headers=list(headers),
                              on_progress=progress.update if progress is not None else None, out_fd=out_fd,
                              line_buffered=line_buffered)
        (binary or out).flush()
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        _silence_stdout()
        return ExitCode.OK
    finally:
        if source is not sys.stdin.buffer and hasattr(source, "close"):
            source.close()
    if progress is not None:
        progress.finish(written)
    return ExitCode.USAGE if bad else ExitCode.OK


class _Progress:
    """``12,345 URLs (310,000/s)`` on a terminal's stderr, redrawn at most 5 times a second."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._start = self._last = time.monotonic()

    def update(self, count: int) -> None:
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            rate = count / max(now - self._start, 1e-9)
            self._err.write(f"\r{count:,} URLs ({rate:,.0f}/s)")
            self._err.flush()

    def clear(self) -> None:
        self._err.write("\r\033[K")

    def finish(self, count: int) -> None:
        self.clear()
        self._err.write(f"{count:,} URLs in {time.monotonic() - self._start:.1f}s\n")


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command; returns the exit code. ``main(["s3://b/k", "--expires-in", "60"])``."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        command = argv[0] if argv else ""
        if command == "help" and argv[1:2] == ["cloudfront"]:
            out.write(CLOUDFRONT_HELP)
            return ExitCode.OK
        if command == "help" or (command in SUBCOMMANDS and command != "cloudfront"
                                 and ("--help" in argv or "-h" in argv)):
            return _help_command(argv[1:] if command == "help" else [command], out)
        if command in ("inspect", "verify", "explain"):
            from ._inspect import is_cloudfront

            if any(is_cloudfront(arg) for arg in argv[1:]):
                return _cloudfront_inspect_command(command, argv[1:], out, err)
            return _inspect_command(command, argv[1:], out, err)
        if command == "cloudfront":
            return _cloudfront_command(argv[1:], out, err)
        if command == "providers":
            return _providers_command(argv[1:], out)
        if command == "completion":
            return _completion_command(argv[1:], out)
        if command == "serve":  # the signing service: its imports load only here
            return _serve_command(argv[1:], err)
        if command.isascii() and command.isalpha() and command.islower():  # no bucket/key: a mistyped subcommand?
            from ._suggest import did_you_mean

            hint = did_you_mean(command, SUBCOMMANDS)
            if hint:
                raise UsageError(f"unknown command {command!r}{hint}; see 's3presign help'")
        options = parse_args(argv)
        if options.get("help") or not argv:
            (out if options.get("help") else err).write(HELP)
            return ExitCode.OK if options.get("help") else ExitCode.USAGE
        if options.get("version"):
            out.write(f"s3presign {__version__} Python/{sys.version.split()[0]}\n")
            return ExitCode.OK
        return _presign(options, out, err)
    except UsageError as exc:
        return _fail(err, str(exc), ExitCode.USAGE, debug)
    except (ConfigurationError, CredentialsError) as exc:
        return _fail(err, str(exc), ExitCode.CONFIG, debug)
    except ServiceError as exc:
        return _fail(err, str(exc), ExitCode.SERVICE, debug)
    except Error as exc:
        return _fail(err, str(exc), ExitCode.OTHER, debug)
    except KeyboardInterrupt:
        err.write("\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # a bug: still one line, with the traceback only under --debug
        return _fail(err, f"unexpected {type(exc).__name__}: {exc}; please report this", ExitCode.OTHER, debug)


def _completion_command(argv: Sequence[str], out: TextIO) -> int:
    """``s3presign completion bash|zsh|fish``: the script, built from this module's option tables."""
    from ._completion import script
    from ._stores import STORES

    if len(argv) != 1:
        raise UsageError("give the shell: s3presign completion bash|zsh|fish")
    values = {"--provider": list(STORES), "--http-method": [*_METHODS, "POST"],
              "--output": ["url", "json", "curl", "jsonl", "csv", "tsv", "html", "table", *_AWS_OUTPUTS[:-1]],
              "--addressing-style": ["auto", "virtual", "path"], "--signature-version": ["v4", "v2"],
              **{f"--{key.replace('_', '-')}": list(choices) for key, choices in _CHOICES.items()}}
    files = ["--input", "--inventory", "--sse-c-key-file", "--ca-bundle", "--config"]
    options = [*_VALUE_OPTIONS, *_REPEATED_OPTIONS, *_PAIR_OPTIONS, *_FLAG_OPTIONS]
    try:
        out.write(script(argv[0], options=options, subcommands=SUBCOMMANDS, values=values, files=files))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return ExitCode.OK


def _help_command(topics: Sequence[str], out: TextIO) -> int:
    """``s3presign help [SUBCOMMAND]``."""
    if not topics:
        out.write(HELP)
        return ExitCode.OK
    from ._help import TOPICS

    if len(topics) > 1 or topics[0] not in TOPICS:
        from ._suggest import did_you_mean

        hint = did_you_mean(topics[0], TOPICS)
        raise UsageError(f"no help for {' '.join(topics)!r}{hint}: give one of {', '.join(TOPICS)}")
    out.write(TOPICS[topics[0]])
    return ExitCode.OK


def _serve_command(argv: Sequence[str], err: TextIO) -> int:
    """``s3presign serve --config FILE [...]``: parse, then run the service (``service._serve``)."""
    import gc

    from .service._serve import USAGE, ServeOptions, serve

    if gc.get_threshold()[0] == _SHORT_LIVED_GC_THRESHOLD:  # set by run() for short commands
        gc.set_threshold(_PYTHON_GC_THRESHOLD, *gc.get_threshold()[1:])  # a server: short pauses, often

    values: dict[str, str] = {}
    flags = {"--proxy-headers"}
    names = {"--config", "--host", "--port", "--workers", "--trusted-proxies", "--header-timeout", "--idle-timeout",
             "--max-connections"}
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if name in ("-h", "--help", "help"):
            err.write(USAGE + "\n")
            return ExitCode.OK
        if name in flags and not eq:
            values[name] = "yes"
            continue
        if name not in names:
            raise UsageError(f"unknown option {name} for s3presign serve; {USAGE}")
        if not eq:
            if not args:
                raise UsageError(f"{name} needs a value; {USAGE}")
            value = args.pop(0)
        values[name] = value
    if not values.get("--config"):
        raise UsageError(f"give the policy file: {USAGE}")

    def whole(name: str, default: int, low: int, high: int) -> int:
        text = values.get(name, str(default))
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise UsageError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
        return int(text)

    def seconds(name: str, default: float) -> float:
        text = values.get(name, str(default))
        try:
            number = float(text) if text.isascii() else float("nan")
        except ValueError:
            number = float("nan")
        if not 0.05 <= number <= 3600:  # NaN fails too
            raise UsageError(f"{name} must be seconds from 0.05 to 3600, not {text!r}")
        return number

    proxies = tuple(p.strip() for p in values.get("--trusted-proxies", "127.0.0.1,::1").split(",") if p.strip())
    if "--trusted-proxies" in values and "--proxy-headers" not in values:
        raise UsageError("--trusted-proxies goes with --proxy-headers")
    if not proxies:
        raise UsageError("--trusted-proxies needs at least one address, e.g. 127.0.0.1,10.0.0.0/8")
    for proxy in proxies:
        import ipaddress

        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise UsageError(f"--trusted-proxies: {proxy!r} is not an IP address or network") from None
    options = ServeOptions(
        config=values["--config"], host=values.get("--host", "127.0.0.1"), port=whole("--port", 8080, 0, 65535),
        workers=whole("--workers", 1, 1, 64), proxy_headers="--proxy-headers" in values, trusted_proxies=proxies,
        header_timeout=seconds("--header-timeout", 10.0), idle_timeout=seconds("--idle-timeout", 5.0),
        max_connections=whole("--max-connections", 1000, 1, 1_000_000))
    return serve(options, err=err)


def _fail(err: TextIO, message: str, code: int, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exc(file=err)
    err.write("s3presign: error: " + printable(" ".join(message.split())) + "\n")
    return code


def run() -> NoReturn:
    """Console-script entry point."""
    import gc

    # A short-lived process: loading the modules allocates tens of thousands of objects that all
    # live to the end, and a young collection every 700 of them is wasted work (about 0.25 ms of a
    # one-URL command). A higher threshold still collects, so a long bulk run stays bounded in
    # memory; serve puts Python's default back (see _serve_command).
    gc.set_threshold(_SHORT_LIVED_GC_THRESHOLD, *gc.get_threshold()[1:])
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    _exit(code)


def _exit(code: int) -> NoReturn:
    """Exit once the output is flushed, skipping the interpreter's teardown when nothing needs it.

    Tearing the interpreter down (freeing every module and object) costs about 1.5 ms, a sixth of
    the whole command on a fast machine, and a process that is about to end gains nothing from it.
    It is skipped only when no other thread runs and no ``atexit`` handler is registered (the bulk
    workers' multiprocessing, logging and concurrent.futures register one): then nothing is left
    to run or to flush but the two streams, flushed here.
    """
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    threading = sys.modules.get("threading")
    import atexit

    pending = getattr(atexit, "_ncallbacks", lambda: 1)()  # CPython's count; elsewhere assume some
    if pending == 0 and (threading is None or threading.active_count() == 1):
        os._exit(code)
    sys.exit(code)
