"""The policy file: where to sign, who may call, and what each caller may presign.

Theory of operation. A policy is TOML (read with the standard library's ``tomllib``) with four
parts: ``[s3]`` (the store), ``[server]`` (CORS, the audit log), ``[[clients]]`` (who may call:
a bearer token's SHA-256, or a JWT secret) and ``[[rules]]`` (what they may presign). Callers
never name keys for uploads: a rule's ``key`` template builds them from the caller's identity, a
fresh UUID and the sanitised file name. For the routes that take a key back (multipart parts,
downloads) the template is turned into a regular expression, so a key is allowed only if the
rule could have built it for this caller: another caller's ``{client}`` never matches.

Identities live in namespaces. ``{client}`` is the caller's *qualified* identity: a static token
client's name (``web``), or ``client~identity`` for a JWT's claim or the host application's
identity (``browser~alice``). ``~`` is in neither alphabet, so two callers never share a value:
a JWT whose ``sub`` is ``web`` gets ``browser~web``, not the static client's ``web``. ``{client}``
may only fill a whole path segment, and the loader refuses two templates whose keys could meet
for two different identities (``u/{client}/...`` beside ``u/shared/...`` when a client is called
``shared``), so no caller can reach into another's keys through a second rule.

Grants are bound to the rule that issued them: the last 8 hex digits of an upload's ``{uuid}``
are the issuing rule's tag (a digest of the rule), so the routes that take a key back find that
rule again instead of the first rule whose template happens to match; the store guarantees the
upload id belongs to the key, so a caller cannot move an upload to another rule.

Everything here is pure: ``parse_policy`` takes the parsed TOML and the environment (for JWT
secrets named by variable); only ``load_policy`` reads files.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from .._errors import ConfigFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ClientSpec",
    "Policy",
    "Rule",
    "S3Settings",
    "ServerSettings",
    "load_policy",
    "parse_policy",
    "normalize_media_type",
    "qualified_identity",
    "sanitize_filename",
    "valid_identity",
]

METHODS = ("POST", "PUT", "GET")  # POST forms, PUT parts and uploads, GET downloads
PLACEHOLDERS = ("client", "uuid", "filename")
DEFAULT_MAX_EXPIRES_IN = 900
DEFAULT_MAX_FILENAME_BYTES = 200
DEFAULT_TOKEN_LIFETIME = 3600
DEFAULT_JWT_LEEWAY = 30
MIN_PART_SIZE = 5 * 1024 * 1024  # S3: every part but the last is at least 5 MiB
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_IDENTITY = re.compile(r"[A-Za-z0-9@+=._-]{1,128}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MIME = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+*-]+")
SEPARATOR = "~"  # between a client and the identity it vouches for; in neither alphabet
_QUALIFIED = re.compile(r"[A-Za-z0-9@+=._-]{1,128}(?:~[A-Za-z0-9@+=._-]{1,128})?")


@dataclass(frozen=True)
class S3Settings:
    """``[s3]``: where to sign; credentials come from the AWS configuration, e.g. ``region = "us-east-1"``."""

    region: str | None = None
    endpoint_url: str | None = None
    addressing_style: str | None = None
    profile: str | None = None
    post_object: bool = True  # False for stores without POST Object (R2, B2): /s3/params then says so
    timeout: float = 30.0  # seconds for each S3 call the service makes


@dataclass(frozen=True)
class ServerSettings:
    """``[server]``: ``cors_origins = ["https://app.example"]``, ``audit_log = "audit.jsonl"``."""

    cors_origins: tuple[str, ...] = ()
    audit_log: str | None = None
    max_filename_bytes: int = DEFAULT_MAX_FILENAME_BYTES
    jwt_leeway: int = DEFAULT_JWT_LEEWAY  # seconds of clock skew allowed on a JWT's exp, nbf and iat
    failed_auth_rate: float = 1.0  # failed authentications a second per source address, after the burst
    failed_auth_burst: int = 20
    redis_url: str | None = field(default=None, repr=False)  # [limits] redis_url: rate limits shared through Redis


@dataclass(frozen=True)
class ClientSpec:
    """One ``[[clients]]`` entry: ``name`` plus a bearer token hash or a JWT secret (or neither, for
    callers that only the host application's ``identify`` hook names)."""

    name: str
    token_sha256: str | None = field(default=None, repr=False)
    jwt_secret: bytes | None = field(default=None, repr=False)
    jwt_claim: str = "sub"
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    max_token_lifetime: int = DEFAULT_TOKEN_LIFETIME
    rate_limit: float | None = None  # requests per second, per identity
    burst: int | None = None


@dataclass(frozen=True)
class Rule:
    """One ``[[rules]]`` entry: which clients may presign which methods for which keys of a bucket."""

    clients: tuple[str, ...]
    bucket: str
    key: str
    methods: tuple[str, ...]
    max_size: int | None = None
    content_types: tuple[str, ...] = ()
    max_expires_in: int = DEFAULT_MAX_EXPIRES_IN
    metadata: tuple[str, ...] = ()
    number: int = 0  # position in the file, from 1, for messages

    @cached_property  # a frozen dataclass keeps __dict__: computed once, not per request
    def tag(self) -> str:
        """8 hex digits that name this rule in the keys it issues (the end of their ``{uuid}``)."""
        import hashlib

        text = repr((self.number, self.clients, self.bucket, self.key, self.methods, self.max_size,
                     self.content_types, self.max_expires_in, self.metadata))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]

    def new_uuid(self, random_uuid: str) -> str:
        """A version-4 UUID whose last 8 hex digits are this rule's tag (90 random bits stay)."""
        return random_uuid[:-8] + self.tag

    def issued(self, key: str, *, identity: str, max_filename_bytes: int) -> bool:
        """True when ``key`` is one this rule built for ``identity`` (its ``{uuid}`` ends in the tag)."""
        return self.key_status(key, identity=identity, max_filename_bytes=max_filename_bytes) == "issued"

    def key_status(self, key: str, *, identity: str, max_filename_bytes: int) -> str | None:
        """``"issued"`` for a key this rule built for ``identity``, ``"allowed"`` for one it could have
        built (no tag of its own: an object put there otherwise), None for any other key."""
        found = _key_pattern(self.key, identity).fullmatch(key)
        if found is None:
            return None
        groups = found.groupdict()
        name = groups.get("filename")
        if name is not None and not _is_sanitized(name, max_bytes=max_filename_bytes):
            return None
        uuid = groups.get("uuid")
        return "issued" if uuid is not None and uuid.endswith(self.tag) else "allowed"

    def build_key(self, *, identity: str, uuid: str, filename: str) -> str:
        """The key for an upload: ``rule.build_key(identity="web", uuid=u, filename="a.txt")``."""
        values = {"client": identity, "uuid": uuid, "filename": filename}
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], self.key)

    def allows_key(self, key: str, *, identity: str, max_filename_bytes: int) -> bool:
        """True when this rule could have built ``key`` for ``identity``."""
        return self.key_status(key, identity=identity, max_filename_bytes=max_filename_bytes) is not None

    def allows_type(self, content_type: str) -> bool:
        """``text/*`` matches ``text/plain; charset=utf-8``; no ``content_types`` allows any type."""
        if not self.content_types:
            return True
        essence = content_type.split(";", 1)[0].strip().lower()
        for allowed in self.content_types:
            if allowed == essence or (allowed.endswith("/*") and essence.startswith(allowed[:-1])):
                return True
        return False

    @property
    def max_parts(self) -> int:
        """The most parts an upload within ``max_size`` needs: every part but the last is >= 5 MiB."""
        if self.max_size is None:
            return 10000
        return max(1, min(10000, -(-self.max_size // MIN_PART_SIZE)))


@dataclass(frozen=True)
class Policy:
    """A parsed policy file: ``load_policy("presign.toml").rules_for("web")``."""

    s3: S3Settings
    server: ServerSettings
    clients: tuple[ClientSpec, ...]
    rules: tuple[Rule, ...]
    source: str = "<policy>"

    def client(self, name: str) -> ClientSpec | None:
        """The ``[[clients]]`` entry called ``name``, or None."""
        for spec in self.clients:
            if spec.name == name:
                return spec
        return None

    def rules_for(self, client: str) -> list[Rule]:
        """The rules that list ``client``, in file order."""
        return [rule for rule in self.rules if client in rule.clients]


def sanitize_filename(name: str, *, max_bytes: int = DEFAULT_MAX_FILENAME_BYTES) -> str:
    """A file name safe inside a key: ``sanitize_filename("../a\\x00b.txt") == "ab.txt"``.

    NFC; only the last path segment (``/`` or ``\\``); control, format, line-separator, private-use
    and unassigned characters dropped (Unicode categories Cc, Cf, Cs, Zl, Zp, Co, Cn: NUL, escapes,
    bidi overrides); surrounding spaces and dots removed (no ``.``, ``..`` or hidden names); at
    most ``max_bytes`` of UTF-8, shortened before the extension. Raises ``ValueError`` when nothing is left.
    """
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[/\\]", text)[-1]
    if not text.isprintable():  # printable (C-fast) means none of those categories: nothing to drop
        text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"))
    text = unicodedata.normalize("NFC", text).strip(" .\t")
    if not text:
        raise ValueError(f"the file name {name!r} is empty once path segments and control characters are removed")
    if len(text.encode("utf-8")) > max_bytes:
        stem, dot, ext = text.rpartition(".")
        if not dot or not stem or len(ext.encode()) > 16:
            stem, ext = text, ""
        keep = max_bytes - (len(ext.encode()) + 1 if ext else 0)
        stem = stem.encode("utf-8")[:keep].decode("utf-8", "ignore").rstrip(" .")
        text = f"{stem}.{ext}" if ext else stem
    return text


def _is_sanitized(name: str, *, max_bytes: int = DEFAULT_MAX_FILENAME_BYTES) -> bool:
    """``sanitize_filename(name) == name``, without building the sanitised name for the usual one
    (NFC already, one segment, printable, nothing to strip or shorten: every step of
    ``sanitize_filename`` leaves it as it is): ``_is_sanitized("a b.txt") and not _is_sanitized("../a")``."""
    if ("/" not in name and "\\" not in name and name.isprintable() and name == name.strip(" .\t") and name
            and unicodedata.is_normalized("NFC", name) and len(name.encode("utf-8")) <= max_bytes):
        return True
    try:
        return sanitize_filename(name, max_bytes=max_bytes) == name
    except ValueError:
        return False


def qualified_identity(client: str, identity: str) -> str:
    """The ``{client}`` value of a caller: ``qualified_identity("browser", "alice") == "browser~alice"``;
    a client calling as itself (a static token) is just its name."""
    return client if identity == client else f"{client}{SEPARATOR}{identity}"


_TCHAR = r"[!#$%&'*+.^_`|~0-9A-Za-z-]"
_TOKEN = re.compile(rf"{_TCHAR}+")
_OWS = r"[ \t]*"
# RFC 9110, section 8.3.1: media-type = type "/" subtype parameters, with
# parameters = *( OWS ";" OWS [ parameter ] ), parameter = name "=" ( token / quoted-string ).
_PARAMETER = re.compile(rf'{_OWS};{_OWS}(?:({_TCHAR}+)=({_TCHAR}+|"(?:[\t !#-\[\]-~]|\\[\t -~])*"))?')
_TYPE = re.compile(rf"({_TCHAR}+)/({_TCHAR}+)")


def normalize_media_type(value: str) -> str:
    """One media type in RFC 9110 syntax, normalised: ``normalize_media_type('Text/Plain ;Charset="utf-8"')
    == "text/plain; charset=utf-8"``. ``ValueError`` for anything else: a second type, an unquoted
    comma, a parameter without a value, a repeated parameter, non-ASCII.

    The normalised value is what the service signs and the store serves, so the type a browser
    reads is the one the rule allowed (https://www.rfc-editor.org/rfc/rfc9110#section-8.3.1).
    """
    text = value.strip(" \t")
    found = _TYPE.match(text)
    if found is None:
        raise ValueError("not type/subtype")
    out = f"{found.group(1).lower()}/{found.group(2).lower()}"
    names: set[str] = set()
    at = found.end()
    while at < len(text):
        param = _PARAMETER.match(text, at)
        if param is None or param.end() == at:
            raise ValueError("not a parameter list")
        at = param.end()
        if param.group(1) is None:
            continue  # an empty parameter: ";;" is allowed and means nothing
        name, raw = param.group(1).lower(), param.group(2)
        if name in names:
            raise ValueError(f"the parameter {name} is given twice")
        names.add(name)
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            if not _TOKEN.fullmatch(raw):
                raw = '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out += f"; {name}={raw}"
    return out


def valid_identity(identity: str) -> bool:
    """An identity becomes a key segment: letters, digits, ``@+=._-``, not ``.`` or ``..``."""
    return bool(_IDENTITY.fullmatch(identity)) and identity not in (".", "..")


_PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {}


def _key_pattern(template: str, identity: str) -> re.Pattern[str]:
    cached = _PATTERNS.get((template, identity))
    if cached is not None:
        return cached
    pieces: list[str] = []
    seen: set[str] = set()
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
        pieces.append(re.escape(literal))
        if not name:
            continue
        if name == "client":
            pieces.append(re.escape(identity))
        elif name in seen:
            pieces.append(f"(?P={name})")
        else:
            pieces.append(f"(?P<{name}>{_UUID if name == 'uuid' else '[^/]+'})")
        seen.add(name)
    pattern = re.compile("".join(pieces))
    if len(_PATTERNS) > 4096:
        _PATTERNS.clear()
    _PATTERNS[(template, identity)] = pattern
    return pattern


# -- parsing --------------------------------------------------------------------------------------

_S3_KEYS = {"region", "endpoint_url", "addressing_style", "profile", "post_object", "timeout"}
_SERVER_KEYS = {"cors_origins", "audit_log", "max_filename_bytes", "jwt_leeway", "failed_auth_rate", "failed_auth_burst"}
_LIMITS_KEYS = {"redis_url"}
_CLIENT_KEYS = {"name", "token_sha256", "jwt_secret_env", "jwt_secret_file", "jwt_claim", "jwt_issuer",
                "jwt_audience", "max_token_lifetime", "rate_limit", "burst"}
_RULE_KEYS = {"clients", "bucket", "key", "methods", "max_size", "content_types", "max_expires_in", "metadata"}
_TOP_KEYS = {"s3", "server", "limits", "clients", "rules"}
_CLAIM = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
_NOT_IDENTITIES = {"exp", "nbf", "iat", "aud", "jti", "alg", "typ"}  # numbers, lists or per-token values


class _Reader:
    """Typed access to one table, with errors that name the file and the setting."""

    def __init__(self, table: object, where: str, source: str, known: set[str]) -> None:
        self.source = source
        self.where = where
        if not isinstance(table, dict):
            self.fail(f"{where} must be a table")
        self.table: dict[str, object] = table  # type: ignore[assignment]
        unknown = sorted(set(self.table) - known)
        if unknown:
            self.fail(f"unknown setting {unknown[0]!r} in {where}; known: {', '.join(sorted(known))}")

    def fail(self, message: str) -> None:
        raise ConfigFileError(f"{self.source}: {message}")

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.table.get(name, default)
        if value is None and required:
            self.fail(f"{self.where} needs {name} = \"...\"")
        if value is not None and (not isinstance(value, str) or not value):
            self.fail(f"{name} in {self.where} must be a non-empty string")
        return value  # type: ignore[return-value]

    def number(self, name: str, default: float | None, *, whole: bool = True, low: float = 1) -> float | None:
        value = self.table.get(name, default)
        if value is None:
            return None
        kinds = (int,) if whole else (int, float)
        if (isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or value < low
                or value > 1e15):
            kind = "a whole number" if whole else "a number"
            self.fail(f"{name} in {self.where} must be {kind}, at least {low:g}, not {value!r}")
        return value  # type: ignore[return-value]

    def strings(self, name: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.table.get(name)
        if value is None:
            if required:
                self.fail(f"{self.where} needs {name} = [\"...\"]")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(f"{name} in {self.where} must be a list of non-empty strings")
        if required and not value:
            self.fail(f"{name} in {self.where} is empty")
        return tuple(value)  # type: ignore[arg-type]


def parse_policy(data: Mapping[str, object], *, source: str = "<policy>", env: Mapping[str, str] | None = None,
                 base_dir: str = ".") -> Policy:
    """Check a parsed policy: ``parse_policy(tomllib.loads(text), source="presign.toml")``.

    ``env`` supplies the variables that ``jwt_secret_env`` names; ``base_dir`` anchors relative
    paths (the audit log, ``jwt_secret_file``). Raises ``ConfigFileError`` naming the setting.
    """
    env = {} if env is None else env
    top = _Reader(dict(data), "the policy", source, _TOP_KEYS)
    s3 = _parse_s3(_Reader(top.table.get("s3", {}), "[s3]", source, _S3_KEYS))
    server = _parse_server(_Reader(top.table.get("server", {}), "[server]", source, _SERVER_KEYS), base_dir)
    limits = _Reader(top.table.get("limits", {}), "[limits]", source, _LIMITS_KEYS)
    redis_url = limits.text("redis_url")
    if redis_url is not None:
        if not re.fullmatch(r"(redis|rediss|unix)://\S+", redis_url):
            limits.fail("redis_url in [limits] must be a redis://HOST:PORT/DB (or rediss://, unix://) URL")
        from dataclasses import replace

        server = replace(server, redis_url=redis_url)
    raw_clients = top.table.get("clients", [])
    raw_rules = top.table.get("rules", [])
    if not isinstance(raw_clients, list) or not raw_clients:
        top.fail("the policy needs at least one [[clients]] entry")
    if not isinstance(raw_rules, list) or not raw_rules:
        top.fail("the policy needs at least one [[rules]] entry")
    clients: list[ClientSpec] = []
    client_tables: list[object] = raw_clients  # type: ignore[assignment]
    for number, table in enumerate(client_tables, 1):
        spec = _parse_client(_Reader(table, f"[[clients]] #{number}", source, _CLIENT_KEYS), env, base_dir)
        if any(c.name == spec.name for c in clients):
            top.fail(f"two [[clients]] entries are called {spec.name!r}")
        if spec.token_sha256 and any(c.token_sha256 == spec.token_sha256 for c in clients):
            top.fail(f"[[clients]] {spec.name!r} has the same token_sha256 as another client")
        if spec.jwt_secret and any(c.jwt_secret == spec.jwt_secret for c in clients):
            top.fail(f"[[clients]] {spec.name!r} has the same JWT secret as another client: a token signed "
                     "for one would be read as the other's; give each client its own")
        clients.append(spec)
    names = {c.name for c in clients}
    rules = []
    rule_tables: list[object] = raw_rules  # type: ignore[assignment]
    for number, table in enumerate(rule_tables, 1):
        rule = _parse_rule(_Reader(table, f"[[rules]] #{number}", source, _RULE_KEYS), number)
        missing = sorted(set(rule.clients) - names)
        if missing:
            top.fail(f"[[rules]] #{number} names client {missing[0]!r}, which no [[clients]] entry defines")
        rules.append(rule)
    for i, first in enumerate(rules):
        for second in rules[i + 1:]:
            if _keys_could_meet(first, second):
                top.fail(f"the keys of [[rules]] #{first.number} ({first.key}) and #{second.number} ({second.key}) "
                         "could meet for two different callers: give them different literal path segments")
    return Policy(s3, server, tuple(clients), tuple(rules), source)


def _segment(text: str) -> tuple[str, str, str, str]:
    """(kind, regex, literal prefix, literal suffix) of one template segment: lit, client or var."""
    if text == "{client}":
        return "client", "", "", ""
    if "{" not in text:
        return "lit", re.escape(text), text, text
    pieces = re.split(r"\{(\w+)\}", text)
    regex = "".join(re.escape(p) if n % 2 == 0 else (_UUID if p == "uuid" else "[^/]+") for n, p in enumerate(pieces))
    return "var", regex, pieces[0], pieces[-1]


def _could_hold_identity(kind: str, regex: str, text: str, clients: tuple[str, ...]) -> bool:
    """Could a template segment (of another rule) equal the ``{client}`` value of one of ``clients``?"""
    if kind == "lit":
        return any(text == c or text.startswith(c + SEPARATOR) for c in clients) and bool(_QUALIFIED.fullmatch(text))
    if "[^/]+" in regex:  # a file name can be anything
        return True
    return any(re.fullmatch(regex, c) for c in clients) or SEPARATOR in text


def _keys_could_meet(first: Rule, second: Rule) -> bool:
    """True when a key ``first`` builds for one caller could be a key ``second`` builds for another.

    Segment by segment (a file name never holds ``/``): two templates of different depth never
    meet; two ``{client}`` segments at the same depth hold different values for different callers,
    so such a pair is safe; otherwise each pair of segments must be able to hold the same text.
    """
    if first.bucket != second.bucket:
        return False
    a, b = first.key.split("/"), second.key.split("/")
    if len(a) != len(b) or ("{client}" not in a and "{client}" not in b):
        return False
    for x, y in zip(a, b):
        if x == y == "{client}":
            return False
        kx, rx, px, sx = _segment(x)
        ky, ry, py, sy = _segment(y)
        if kx == "client" or ky == "client":
            other, clients = ((ky, ry, y), first.clients) if kx == "client" else ((kx, rx, x), second.clients)
            if not _could_hold_identity(other[0], other[1], other[2], clients):
                return False
        elif kx == "lit" and ky == "lit":
            if x != y:
                return False
        elif kx == "lit" or ky == "lit":
            regex, text = (ry, x) if kx == "lit" else (rx, y)
            if not re.fullmatch(regex, text):
                return False
        elif not (px.startswith(py) or py.startswith(px)) or not (sx.endswith(sy) or sy.endswith(sx)):
            return False
    return True


def _parse_s3(r: _Reader) -> S3Settings:
    from .._endpoints import ADDRESSING_STYLES, _parse_endpoint_url, validate_region
    from .._errors import ConfigurationError

    region, endpoint_url = r.text("region"), r.text("endpoint_url")
    style = r.text("addressing_style")
    try:
        if region is not None:
            validate_region(region)
        if endpoint_url is not None:
            _parse_endpoint_url(endpoint_url)
    except ConfigurationError as exc:
        r.fail(f"[s3]: {exc}")
    if style is not None and style not in ADDRESSING_STYLES:
        r.fail(f"addressing_style in [s3] must be auto, virtual or path, not {style!r}")
    post_object = r.table.get("post_object", True)
    if not isinstance(post_object, bool):
        r.fail("post_object in [s3] must be true or false")
    timeout = r.number("timeout", 30.0, whole=False, low=0.1)
    return S3Settings(region, endpoint_url, style, r.text("profile"), bool(post_object), float(timeout or 30.0))


def _parse_server(r: _Reader, base_dir: str) -> ServerSettings:
    origins = r.strings("cors_origins")
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/?#\s]+", origin):
            r.fail(f"cors_origins in [server]: {origin!r} is not an origin like https://app.example:8443 (no path)")
    audit = r.text("audit_log")
    if audit is not None and audit != "-":
        audit = os.path.join(base_dir, os.path.expanduser(audit))
    max_bytes = r.number("max_filename_bytes", DEFAULT_MAX_FILENAME_BYTES, low=16)
    leeway = r.number("jwt_leeway", DEFAULT_JWT_LEEWAY, low=0)
    if leeway is not None and leeway > 300:
        r.fail("jwt_leeway in [server] must be at most 300 seconds (it stretches every token's life)")
    rate = r.number("failed_auth_rate", 1.0, whole=False, low=0.001)
    burst = r.number("failed_auth_burst", 20)
    return ServerSettings(tuple(o.lower() for o in origins), audit, int(max_bytes or DEFAULT_MAX_FILENAME_BYTES),
                          int(leeway if leeway is not None else DEFAULT_JWT_LEEWAY), float(rate or 1.0),
                          int(burst or 20))


def _parse_client(r: _Reader, env: Mapping[str, str], base_dir: str) -> ClientSpec:
    name = r.text("name", required=True) or ""
    where = f"[[clients]] {name!r}"
    r.where = where
    if not valid_identity(name):
        r.fail(f"client name {name!r}: use letters, digits and @+=._- (it can become part of a key)")
    token_hash = r.text("token_sha256")
    if token_hash is not None:
        token_hash = token_hash.lower()
        if not _HEX64.fullmatch(token_hash):
            r.fail(f"token_sha256 in {where} must be 64 hex digits: the SHA-256 of the token, not the token")
    secret: bytes | None = None
    variable, path = r.text("jwt_secret_env"), r.text("jwt_secret_file")
    if variable is not None and path is not None:
        r.fail(f"{where}: give jwt_secret_env or jwt_secret_file, not both")
    if variable is not None:
        if not env.get(variable):
            r.fail(f"{where}: the environment variable {variable} (jwt_secret_env) is not set")
        secret = env[variable].encode("utf-8")
    if path is not None:
        full = os.path.join(base_dir, os.path.expanduser(path))
        try:
            with open(full, "rb") as file:
                secret = file.read().strip()
        except OSError as exc:
            r.fail(f"{where}: cannot read jwt_secret_file {full}: {exc.strerror}")
    if secret is not None and len(secret) < 32:
        r.fail(f"{where}: the JWT secret is {len(secret)} bytes; HS256 needs at least 32 (RFC 7518, section 3.2)")
    if secret is not None and token_hash is not None:
        r.fail(f"{where}: a client is either a bearer token (token_sha256) or JWT (jwt_secret_*), not both")
    claim = r.text("jwt_claim", "sub") or "sub"
    if not _CLAIM.fullmatch(claim) or claim in _NOT_IDENTITIES:
        r.fail(f"jwt_claim in {where}: {claim!r} cannot name a caller (it must be a claim holding a string, "
               "like sub or email)")
    if claim != "sub" and secret is None:
        r.fail(f"jwt_claim in {where} needs jwt_secret_env or jwt_secret_file")
    rate = r.number("rate_limit", None, whole=False, low=0.001)
    burst = r.number("burst", None)
    if burst is not None and rate is None:
        r.fail(f"{where}: burst needs rate_limit")
    lifetime = r.number("max_token_lifetime", DEFAULT_TOKEN_LIFETIME)
    return ClientSpec(
        name=name, token_sha256=token_hash, jwt_secret=secret, jwt_claim=claim,
        jwt_issuer=r.text("jwt_issuer"), jwt_audience=r.text("jwt_audience"),
        max_token_lifetime=int(lifetime or DEFAULT_TOKEN_LIFETIME),
        rate_limit=float(rate) if rate is not None else None, burst=int(burst) if burst is not None else None,
    )


def _parse_rule(r: _Reader, number: int) -> Rule:
    clients = r.strings("clients", required=True)
    bucket = r.text("bucket", required=True) or ""
    from .._endpoints import is_directory_bucket, is_virtual_hostable, validate_bucket
    from .._errors import InvalidRequestError

    try:
        validate_bucket(bucket)
    except InvalidRequestError as exc:
        r.fail(f"bucket in {r.where}: {exc}")
    if not bucket.startswith("arn:") and not is_directory_bucket(bucket) and not is_virtual_hostable(bucket, allow_dots=True):
        r.fail(f"bucket in {r.where}: {bucket!r} is not a name S3 gives buckets (3-63 lower-case letters, digits, "
               "'.' and '-', starting and ending with a letter or digit, not an IP address)")
    key = r.text("key", required=True) or ""
    methods = tuple(m.upper() for m in r.strings("methods", required=True))
    bad = [m for m in methods if m not in METHODS]
    if bad:
        r.fail(f"methods in {r.where}: {bad[0]!r} is not one of POST (forms), PUT (parts, uploads), GET (downloads)")
    names = re.findall(r"\{([^{}]*)\}", key)
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        r.fail(f"key in {r.where}: unknown placeholder {{{unknown[0]}}}; use {{client}}, {{uuid}}, {{filename}}")
    if re.sub(r"\{\w+\}", "", key).count("{") or re.sub(r"\{\w+\}", "", key).count("}"):
        r.fail(f"key in {r.where}: a brace outside a placeholder")
    segments = re.sub(r"\{\w+\}", "x", key).split("/")
    if key.startswith("/") or any(s in (".", "..") for s in segments):
        r.fail(f"key in {r.where} must not start with '/' or hold '.' or '..' segments")
    if any("{client}" in s and s != "{client}" for s in key.split("/")):
        r.fail(f"key in {r.where}: {{client}} must fill a whole path segment (like svc/{{client}}/{{uuid}}-{{filename}}), "
               "or one caller's names could be another's")
    uploads = {"POST", "PUT"} & set(methods)
    if uploads and "uuid" not in names:
        r.fail(f"key in {r.where} needs {{uuid}} so that two uploads never share a key")
    content_types = tuple(t.lower() for t in r.strings("content_types"))
    for pattern in content_types:
        if not _MIME.fullmatch(pattern) or ("*" in pattern and not pattern.endswith("/*")):
            r.fail(f"content_types in {r.where}: {pattern!r} is not a type like text/plain or text/*")
    max_size = r.number("max_size", None, low=0)
    expires = r.number("max_expires_in", DEFAULT_MAX_EXPIRES_IN)
    if expires is not None and expires > 604800:
        r.fail(f"max_expires_in in {r.where} must be at most 604800 (7 days, S3's limit)")
    metadata = tuple(m.lower() for m in r.strings("metadata"))
    for name in metadata:
        if not re.fullmatch(r"[a-z0-9_-]{1,64}", name):
            r.fail(f"metadata in {r.where}: {name!r} is not a metadata name (letters, digits, _ and -)")
    return Rule(clients, bucket, key, methods, int(max_size) if max_size is not None else None, content_types,
                int(expires or DEFAULT_MAX_EXPIRES_IN), metadata, number)


def load_policy(path: str, *, env: Mapping[str, str] | None = None) -> Policy:
    """Read and check a policy file: ``load_policy("presign.toml")``."""
    import tomllib

    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise ConfigFileError(f"cannot read the policy file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    except RecursionError:
        raise ConfigFileError(f"{path}: nested too deeply to be a policy") from None
    return parse_policy(data, source=path, env=os.environ if env is None else env,
                        base_dir=os.path.dirname(os.path.abspath(path)))
