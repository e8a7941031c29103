"""Read a CloudFront signed URL or set of signed cookies back: what it allows, whether it verifies, why it fails.

Theory of operation. CloudFront's check, as the developer guide describes it
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-signed-urls.html):
the request carries ``Expires`` (canned policy) or ``Policy`` (custom), ``Signature``,
``Key-Pair-Id`` and optionally ``Hash-Algorithm``, in the query or as ``CloudFront-`` cookies.
For a canned policy CloudFront rebuilds the policy from the request URL (the query without
those parameters) and ``Expires``; a custom policy is decoded from ``Policy``. The signature
must verify over the policy bytes under the public key named by ``Key-Pair-Id`` with SHA-1, or
SHA-256 when ``Hash-Algorithm=SHA256``. Then the policy's resource must match the request URL
(``*`` any run of characters, ``?`` one), the time must be before ``DateLessThan`` and not
before ``DateGreaterThan``, and the viewer's address inside ``IpAddress``.

``inspect_url`` and ``inspect_cookies`` decode; ``verify`` applies the checks with a public key
and says the first that fails; ``explain`` names every cause it can find, including the ones
that only show by trying the other hash algorithm.
"""

from __future__ import annotations

import time

from ._cloudfront import b64cf_decode, canned_policy, load_public_key, verify_signature
from ._errors import InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Mapping
    from typing import Any

__all__ = ["AUTH_PARAMS", "CloudFrontInfo", "CloudFrontVerdict", "explain", "inspect_cookies", "inspect_url",
           "resource_matches", "verify"]

AUTH_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")


class CloudFrontInfo:
    """What a signed URL or set of cookies says about itself."""

    __slots__ = ("expires_at", "form", "hash_algorithm", "ip_address", "key_pair_id", "policy", "policy_kind",
                 "resource", "signature", "starts_at", "url")

    def __init__(self) -> None:
        self.url = ""  # the request URL without the signing parameters (what a canned policy names)
        self.form = "url"  # or "cookies"
        self.policy_kind = "canned"
        self.policy = ""
        self.resource = ""
        self.expires_at = 0
        self.starts_at: int | None = None
        self.ip_address: str | None = None
        self.key_pair_id = ""
        self.hash_algorithm = "sha1"
        self.signature = b""

    def as_dict(self, now: int | None = None) -> dict[str, object]:
        """JSON-ready facts, with ``seconds_left`` (negative once expired)."""
        now = int(time.time()) if now is None else now
        return {
            "signature_version": "cloudfront", "form": self.form, "policy": self.policy_kind,
            "resource": self.resource, "key_pair_id": self.key_pair_id,
            "hash_algorithm": self.hash_algorithm.upper(), "expires_at": _iso(self.expires_at),
            "seconds_left": self.expires_at - now,
            "starts_at": _iso(self.starts_at) if self.starts_at is not None else None,
            "ip_address": self.ip_address, "policy_json": self.policy,
        }


def _iso(epoch: int) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    except (OverflowError, OSError, ValueError):
        return str(epoch)


def _epoch(condition: Any, name: str) -> int | None:
    if name not in condition:
        return None
    value = condition[name]
    if not isinstance(value, dict) or not isinstance(value.get("AWS:EpochTime"), int) or isinstance(
            value.get("AWS:EpochTime"), bool):
        raise InvalidRequestError(f"the policy's {name} is not {{\"AWS:EpochTime\": seconds}}: it was edited")
    return int(value["AWS:EpochTime"])


def _read_policy(info: CloudFrontInfo, text: str) -> None:
    import json

    try:
        document = json.loads(text)
        statement = document["Statement"]
        if not isinstance(statement, list) or len(statement) != 1:
            raise InvalidRequestError("the policy must hold exactly one statement (CloudFront's rule)")
        resource = statement[0].get("Resource", "*")
        condition = statement[0]["Condition"]
    except InvalidRequestError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidRequestError("the policy is not CloudFront policy JSON ({\"Statement\":[{\"Resource\":...,"
                                  "\"Condition\":...}]}): it was cut short or edited") from None
    if not isinstance(resource, str) or not isinstance(condition, dict):
        raise InvalidRequestError("the policy's Resource or Condition has the wrong type: it was edited")
    expires = _epoch(condition, "DateLessThan")
    if expires is None:
        raise InvalidRequestError("the policy has no DateLessThan: CloudFront requires one")
    info.resource, info.expires_at = resource, expires
    info.starts_at = _epoch(condition, "DateGreaterThan")
    ip = condition.get("IpAddress")
    if ip is not None:
        if not isinstance(ip, dict) or not isinstance(ip.get("AWS:SourceIp"), str):
            raise InvalidRequestError("the policy's IpAddress is not {\"AWS:SourceIp\": \"CIDR\"}: it was edited")
        info.ip_address = ip["AWS:SourceIp"]
    info.policy = text


def _decode(info: CloudFrontInfo, values: Mapping[str, str], names: dict[str, str]) -> CloudFrontInfo:
    """Fill ``info`` from the signing values (``names`` maps each to its query or cookie name)."""
    for needed in ("Signature", "Key-Pair-Id"):
        if not values.get(needed):
            raise InvalidRequestError(f"the {names[needed]} is missing: it was cut short or edited")
    if ("Expires" in values) == ("Policy" in values):
        raise InvalidRequestError(f"give exactly one of {names['Expires']} (canned policy) and {names['Policy']} "
                                  "(custom policy)")
    info.key_pair_id = values["Key-Pair-Id"]
    algorithm = values.get("Hash-Algorithm")
    if algorithm is not None and algorithm not in ("SHA1", "SHA256"):
        raise InvalidRequestError(f"{names['Hash-Algorithm']} must be SHA1 or SHA256, not {algorithm!r}")
    info.hash_algorithm = (algorithm or "SHA1").lower()
    try:
        info.signature = b64cf_decode(values["Signature"])
    except ValueError:
        raise InvalidRequestError(f"the {names['Signature']} is not CloudFront base64: it was cut short or "
                                  "edited") from None
    if "Expires" in values:
        text = values["Expires"]
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise InvalidRequestError(f"the {names['Expires']} is not a whole number of seconds: it was edited")
        info.policy_kind = "canned"
        _read_policy(info, canned_policy(info.url, int(text)))
    else:
        info.policy_kind = "custom"
        try:
            text = b64cf_decode(values["Policy"]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise InvalidRequestError(f"the {names['Policy']} is not CloudFront base64 of UTF-8 JSON: it was cut "
                                      "short or edited") from None
        _read_policy(info, text)
    return info


def inspect_url(url: str) -> CloudFrontInfo:
    """Decode a signed URL: ``inspect_url(url).expires_at``."""
    from urllib.parse import unquote

    url = url.strip()
    base, _, query = url.partition("?")
    kept, values = [], {}
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        if name in AUTH_PARAMS:
            values[name] = unquote(value)
        else:
            kept.append(part)
    info = CloudFrontInfo()
    info.url = base + ("?" + "&".join(kept) if kept else "")
    info.form = "url"
    if not values:
        raise InvalidRequestError("that URL is not CloudFront-signed: it has no Signature and Key-Pair-Id")
    return _decode(info, values, {name: name for name in AUTH_PARAMS})


def inspect_cookies(cookies: Mapping[str, str] | str, url: str | None = None) -> CloudFrontInfo:
    """Decode signed cookies, a dict or a ``Cookie:`` header value: ``inspect_cookies(header, url)``.

    ``url``: the request they come with (needed to rebuild a canned policy)."""
    if isinstance(cookies, str):
        text = cookies.strip()
        if text.lower().startswith("cookie:"):
            text = text[7:]
        pairs = {}
        for part in text.split(";"):
            name, _, value = part.strip().partition("=")
            if name:
                pairs[name] = value.strip()
        cookies = pairs
    values = {name[len("CloudFront-"):]: value for name, value in cookies.items()
              if name.startswith("CloudFront-") and name[len("CloudFront-"):] in AUTH_PARAMS}
    if not values:
        raise InvalidRequestError("no CloudFront cookies (CloudFront-Policy or CloudFront-Expires, "
                                  "CloudFront-Signature, CloudFront-Key-Pair-Id)")
    info = CloudFrontInfo()
    info.form = "cookies"
    if "Expires" in values and not url:
        raise InvalidRequestError("canned-policy cookies (CloudFront-Expires) name no resource: give the URL "
                                  "they are sent with")
    info.url = (url or "").strip()
    return _decode(info, values, {name: f"CloudFront-{name} cookie" for name in AUTH_PARAMS})


def resource_matches(pattern: str, url: str) -> bool:
    """Whether a policy resource matches a URL: ``*`` any characters (``/`` too), ``?`` exactly one."""
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, url, flags=re.DOTALL) is not None


def _ip_allows(cidr: str, client_ip: str) -> bool | None:
    import ipaddress

    try:
        network = ipaddress.ip_network(cidr, strict=False)
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return None
    return address.version == network.version and address in network


class CloudFrontVerdict:
    """``status``: "valid", "invalid", "expired" or "not-yet-valid", with a reason."""

    __slots__ = ("reason", "status")

    def __init__(self, status: str, reason: str) -> None:
        self.status = status
        self.reason = reason

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def __repr__(self) -> str:
        return f"CloudFrontVerdict({self.status!r}, {self.reason!r})"


def _other(algorithm: str) -> str:
    return "sha1" if algorithm == "sha256" else "sha256"


def _signature_verdict(info: CloudFrontInfo, public: Any, kind: str, key_pair_id: str | None) -> str | None:
    """None when the signature is right, else the reason it is not."""
    data = info.policy.encode()
    if verify_signature(public, kind, data, info.signature, info.hash_algorithm):
        return None
    where = "the URL" if info.form == "url" else "the cookies"
    if verify_signature(public, kind, data, info.signature, _other(info.hash_algorithm)):
        if info.hash_algorithm == "sha1":
            return (f"the signature is SHA-256 but {where} lack{'s' if info.form == 'url' else ''} "
                    f"{'Hash-Algorithm=SHA256' if info.form == 'url' else 'the CloudFront-Hash-Algorithm=SHA256 cookie'}"
                    ": CloudFront checks it as SHA-1 and refuses it; add it (s3presign adds it for sha256)")
        return (f"the signature is SHA-1 but {where} say{'s' if info.form == 'url' else ''} Hash-Algorithm=SHA256: "
                "remove it or sign with SHA-256")
    if key_pair_id is not None and key_pair_id != info.key_pair_id:
        return (f"the Key-Pair-Id is {info.key_pair_id}, not {key_pair_id} whose key was given: it was signed "
                "with another key pair")
    if info.policy_kind == "canned":
        return ("the signature does not match this key and the canned policy rebuilt from the URL: the URL "
                "(path or query) or Expires was changed after signing, or another key signed it")
    return "the signature does not match this key and the policy: the policy was edited, or another key signed it"


def verify(info: CloudFrontInfo, public_key: str | bytes | os.PathLike[str], *, key_pair_id: str | None = None,
           request_url: str | None = None, client_ip: str | None = None, now: int | None = None) -> CloudFrontVerdict:
    """CloudFront's checks, in its order: ``verify(inspect_url(url), "public.pem").valid``.

    ``public_key``: the PEM public key (or the private key, whose public half is used).
    ``request_url``: the URL requested (default: the signed URL itself; for cookies, the URL
    they were given with). ``client_ip``: the viewer's address, checked against IpAddress."""
    public, kind = load_public_key(public_key)
    reason = _signature_verdict(info, public, kind, key_pair_id)
    if reason is not None:
        return CloudFrontVerdict("invalid", reason)
    target = request_url if request_url is not None else info.url
    if target and not resource_matches(info.resource, target):
        return CloudFrontVerdict("invalid", f"the policy's resource {info.resource} does not match {target}")
    now = int(time.time()) if now is None else now
    if now >= info.expires_at:
        return CloudFrontVerdict("expired", f"the signature is right, but it expired at {_iso(info.expires_at)}")
    if info.starts_at is not None and now < info.starts_at:
        return CloudFrontVerdict("not-yet-valid", f"the signature is right, but it works only from "
                                                  f"{_iso(info.starts_at)}")
    if info.ip_address is not None and client_ip is not None and not _ip_allows(info.ip_address, client_ip):
        return CloudFrontVerdict("invalid", f"the policy allows {info.ip_address} only, not {client_ip}")
    return CloudFrontVerdict("valid", f"the signature matches key pair {info.key_pair_id}; it works until "
                                      f"{_iso(info.expires_at)}")


def explain(info: CloudFrontInfo, *, public_key: str | bytes | os.PathLike[str] | None = None,
            key_pair_id: str | None = None, request_url: str | None = None, client_ip: str | None = None,
            now: int | None = None) -> list[str]:
    """The likely causes of a refusal, in plain words (checks that need no key come first)."""
    now = int(time.time()) if now is None else now
    causes: list[str] = []
    if now >= info.expires_at:
        causes.append(f"it expired at {_iso(info.expires_at)}: sign a new one")
    if info.starts_at is not None and now < info.starts_at:
        causes.append(f"it is not valid yet: the policy's DateGreaterThan is {_iso(info.starts_at)}")
    target = request_url if request_url is not None else info.url
    if target and not resource_matches(info.resource, target):
        causes.append(f"the policy's resource {info.resource} does not match the request {target}: CloudFront "
                      "compares the whole URL, scheme, host and query included (a * matches any characters)")
    if any(c == " " or ord(c) > 127 for c in info.resource):
        causes.append("the resource holds spaces or non-ASCII characters: CloudFront compares it with the URL as "
                      "sent, percent-encoded; sign the percent-encoded URL")
    if info.ip_address is not None:
        allowed = _ip_allows(info.ip_address, client_ip) if client_ip is not None else True
        if allowed is False:
            causes.append(f"the policy allows {info.ip_address} only, and the viewer is {client_ip}: behind a "
                          "proxy or with IPv6 the address CloudFront sees may be another")
        if ":" in info.ip_address and info.ip_address.endswith("/32"):
            causes.append(f"the policy allows {info.ip_address}: an IPv6 /32 is 2**96 addresses (botocore and the "
                          "AWS CLI append /32 to any bare address); for one address use /128")
    if public_key is not None:
        public, kind = load_public_key(public_key)
        reason = _signature_verdict(info, public, kind, key_pair_id)
        if reason is not None:
            causes.append(reason)
    elif info.hash_algorithm == "sha1" and len(info.signature) < 100:
        causes.append("the signature is ECDSA and no Hash-Algorithm is given: if it was made with SHA-256 (the usual "
                      "for ECDSA keys) CloudFront needs Hash-Algorithm=SHA256; give the public key to check")
    if not causes:
        causes.append("nothing in it explains a refusal: check that the distribution's trusted key group holds "
                      f"the public key {info.key_pair_id} and that the behavior restricts viewer access")
    return causes
