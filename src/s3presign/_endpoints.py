"""Where a request for a bucket goes: scheme, host, path prefix and signing region.

This follows AWS CLI v2 (botocore's S3 endpoint rules with ``addressing_style`` and the
regional us-east-1 endpoint), with two deliberate differences: combinations that cannot work
raise ``ConfigurationError`` instead of being silently changed (accelerate with path style),
and a custom endpoint refuses FIPS and dualstack instead of ignoring them.

Rules, in order:
- custom endpoint: path style ``{endpoint}{base}/{bucket}/{key}``; with ``virtual`` the bucket
  moves into the host (never for an IP address, nor a dotted bucket over https);
- AWS: virtual-hosted ``{bucket}.s3.{region}.{suffix}`` when the bucket is a DNS label
  (3-63 of ``a-z 0-9 -``, no dots, since AWS is https), else path style
  ``s3.{region}.{suffix}/{bucket}``; no region at all means the global host
  ``s3.amazonaws.com``, signed for us-east-1;
- variants: ``s3.dualstack.{region}``, ``s3-fips[.dualstack].{region}``,
  ``s3-accelerate[.dualstack].{suffix}`` (virtual-hosted only);
- access point ARNs (``_arn``): ``{name}-{account}.s3-accesspoint[-fips][.dualstack].{arn region}``,
  signed for the ARN's region; Multi-Region Access Points ``{alias}.accesspoint.s3-global.{suffix}``
  and Outposts ``{name}-{account}.{outpost}.s3-outposts.{region}``, signed with SigV4A; refused
  where botocore's S3 endpoint rules refuse them (partition mismatch, Accelerate, ...);
- S3 Express directory buckets ``{name}--{az}--x-s3``: ``{bucket}.s3express[-fips]-{az}[.dualstack].{region}``,
  service ``s3express`` (signed with a CreateSession's keys, see ``_express``).

A pure layer: imports ``_arn`` and ``_errors``.
"""

from __future__ import annotations

from ._errors import ConfigurationError, InvalidRequestError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["Endpoint", "EndpointRules", "is_directory_bucket", "is_virtual_hostable", "validate_bucket"]

ADDRESSING_STYLES = ("auto", "virtual", "path")


class _Partition:
    """One AWS partition: which regions it holds and what its S3 endpoints offer."""

    __slots__ = ("accelerate", "dns_suffix", "dualstack", "fips", "name", "prefix")

    def __init__(self, name: str, prefix: tuple[str, ...], dns_suffix: str, *, fips: bool = True,
                 dualstack: bool = True, accelerate: bool = True) -> None:
        self.name = name
        self.prefix = prefix  # region = prefix + (word, number), e.g. us-gov-west-1
        self.dns_suffix = dns_suffix
        self.fips = fips
        self.dualstack = dualstack
        self.accelerate = accelerate

    def holds(self, parts: list[str]) -> bool:
        n = len(self.prefix)
        return (len(parts) == n + 2 and tuple(parts[:n]) == self.prefix and parts[n] != ""
                and parts[n + 1].isdigit())


# From the AWS partitions model (botocore/data/partitions.json, "regionRegex") and the S3
# endpoint rules; regions that match none belong to "aws". (No regular expressions: start-up.)
_PARTITIONS = (
    _Partition("aws-cn", ("cn",), "amazonaws.com.cn", fips=False, accelerate=False),
    _Partition("aws-us-gov", ("us", "gov"), "amazonaws.com"),
    _Partition("aws-iso", ("us", "iso"), "c2s.ic.gov"),
    _Partition("aws-iso-b", ("us", "isob"), "sc2s.sgov.gov"),
    _Partition("aws-iso-e", ("eu", "isoe"), "cloud.adc-e.uk", dualstack=False),
    _Partition("aws-iso-f", ("us", "isof"), "csp.hci.ic.gov", dualstack=False),
    _Partition("aws-eusc", ("eusc", "de"), "amazonaws.eu"),
)
_AWS = _Partition("aws", (), "amazonaws.com")

_LOWER_DIGITS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_LABEL_CHARS = _LOWER_DIGITS | {"-"}
_BUCKET_CHARS = _LABEL_CHARS | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ._")


def partition_of(region: str) -> _Partition:
    """The partition a region belongs to: ``partition_of("cn-north-1").dns_suffix == "amazonaws.com.cn"``."""
    parts = region.split("-")
    for partition in _PARTITIONS:
        if partition.holds(parts):
            return partition
    return _AWS


def _is_dns_label(text: str) -> bool:
    """``[a-z0-9]([a-z0-9-]*[a-z0-9])?``."""
    return bool(text) and _LABEL_CHARS.issuperset(text) and text[0] != "-" and text[-1] != "-"


def _is_ipv4_shape(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isascii() and p.isdigit() for p in parts)


def validate_bucket(bucket: str) -> None:
    """Raise ``InvalidRequestError`` unless S3 could hold a bucket of that name (or it is an S3 ARN)."""
    if not isinstance(bucket, str) or not bucket:
        raise InvalidRequestError("the bucket name is empty: give it as s3://BUCKET/KEY")
    if bucket.startswith("arn:"):
        from ._arn import parse_arn

        parse_arn(bucket)
        return
    if len(bucket) > 255 or not _BUCKET_CHARS.issuperset(bucket):
        raise InvalidRequestError(
            f"invalid bucket name {bucket!r}: bucket names use only letters, digits, '.', '-' and '_' "
            "(new buckets: 3-63 lower-case letters, digits, '.' and '-')"
        )
    if bucket.endswith("--x-s3"):
        _directory_bucket_zone(bucket)


def is_directory_bucket(bucket: str) -> bool:
    """Whether a bucket is an S3 Express One Zone directory bucket: ``is_directory_bucket("b--usw2-az1--x-s3")``."""
    return bucket.endswith("--x-s3")


def _directory_bucket_zone(bucket: str) -> str:
    """The zone id of ``NAME--ZONE--x-s3`` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-bucket-naming-rules.html)."""
    base, sep, zone = bucket[: -len("--x-s3")].rpartition("--")
    if not sep or not base or not _is_dns_label(zone) or not is_virtual_hostable(bucket, allow_dots=False):
        raise InvalidRequestError(
            f"invalid directory bucket name {bucket!r}: S3 Express names read NAME--ZONE_ID--x-s3, "
            "e.g. my-bucket--usw2-az1--x-s3, in lower-case letters, digits and '-'"
        )
    return zone


def is_virtual_hostable(bucket: str, *, allow_dots: bool) -> bool:
    """Whether the bucket can be the first label(s) of a host name: ``is_virtual_hostable("my-bkt", allow_dots=False)``."""
    if not 3 <= len(bucket) <= 63:
        return False
    if not allow_dots:
        return _is_dns_label(bucket)
    if _is_ipv4_shape(bucket):
        return False
    return all(_is_dns_label(label) for label in bucket.split("."))


class Endpoint:
    """Where one bucket's objects live: ``url_prefix + encoded_key`` is the URL without its query.

    ``netloc`` is host[:port] as in the URL; ``host_header`` is what the client sends as Host,
    hence what is signed (a default port dropped); ``path_prefix`` is "/bucket/",
    "/base/bucket/", or "/" when the bucket is in the host.
    """

    __slots__ = ("algorithm", "host_header", "netloc", "path_prefix", "scheme", "signing_region", "signing_service")

    def __init__(self, scheme: str, netloc: str, host_header: str, path_prefix: str, signing_region: str,
                 signing_service: str = "s3", algorithm: str = "v4") -> None:
        self.scheme = scheme
        self.netloc = netloc
        self.host_header = host_header
        self.path_prefix = path_prefix
        self.signing_region = signing_region  # "*" (every region) for SigV4A
        self.signing_service = signing_service  # "s3", "s3-outposts" or "s3express"
        self.algorithm = algorithm  # "v4", or "v4a" (SigV4A: Multi-Region Access Points, Outposts)

    def __repr__(self) -> str:
        extra = "" if self.signing_service == "s3" and self.algorithm == "v4" else (
            f", signing_service={self.signing_service!r}, algorithm={self.algorithm!r}")
        return f"Endpoint(url_prefix={self.url_prefix!r}, signing_region={self.signing_region!r}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Endpoint):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    @property
    def url_prefix(self) -> str:
        """``https://bucket.s3.us-west-2.amazonaws.com/``."""
        return f"{self.scheme}://{self.netloc}{self.path_prefix}"


class EndpointRules:
    """The settings that decide every bucket's ``Endpoint``, checked once when built."""

    __slots__ = ("addressing_style", "disable_multiregion_access_points", "endpoint_url", "region",
                 "use_accelerate", "use_arn_region", "use_dualstack", "use_fips")

    def __init__(self, *, region: str | None = None, endpoint_url: str | None = None,
                 addressing_style: str = "auto", use_dualstack: bool = False, use_accelerate: bool = False,
                 use_fips: bool = False, use_arn_region: bool = True,
                 disable_multiregion_access_points: bool = False) -> None:
        if region == "aws-global":  # botocore's name for "the global endpoint"
            region = None
        elif region is not None:
            validate_region(region)
        self.region = region
        self.endpoint_url = endpoint_url
        self.addressing_style = addressing_style
        self.use_dualstack = use_dualstack
        self.use_accelerate = use_accelerate
        self.use_fips = use_fips
        self.use_arn_region = use_arn_region  # AWS CLI v2's s3 commands: on unless configured off
        self.disable_multiregion_access_points = disable_multiregion_access_points
        if self.addressing_style not in ADDRESSING_STYLES:
            raise ConfigurationError(
                f"invalid addressing style {self.addressing_style!r}: use one of auto, virtual, path"
            )
        if self.use_accelerate and self.use_fips:
            raise ConfigurationError("S3 Accelerate cannot be used with FIPS endpoints: turn one of them off")
        if self.endpoint_url is not None:
            _parse_endpoint_url(self.endpoint_url)
            for flag, name in ((self.use_accelerate, "S3 Accelerate"), (self.use_fips, "FIPS"),
                               (self.use_dualstack, "dualstack")):
                if flag:
                    raise ConfigurationError(
                        f"a custom endpoint cannot be combined with {name}: drop one of them"
                    )
            return
        partition = partition_of(self.region or "us-east-1")
        if self.use_fips and not partition.fips:
            raise ConfigurationError(f"the {partition.name} partition has no FIPS endpoints for S3: turn FIPS off")
        if self.use_dualstack and not partition.dualstack:
            raise ConfigurationError(
                f"the {partition.name} partition has no dualstack endpoints for S3: turn dualstack off"
            )
        if self.use_accelerate and not partition.accelerate:
            raise ConfigurationError(f"S3 Accelerate is not available in {self.region}: turn it off")

    @property
    def signing_region(self) -> str:
        """The region in the credential scope: the configured one, else us-east-1."""
        return self.region or "us-east-1"

    def endpoint_for(self, bucket: str) -> Endpoint:
        """Resolve one bucket: ``EndpointRules(region="us-west-2").endpoint_for("my-bkt")``."""
        validate_bucket(bucket)
        if bucket[:4] == "arn:":
            return self._arn_endpoint(bucket)
        if bucket.endswith("--x-s3"):
            return self._directory_endpoint(bucket)
        if self.endpoint_url is not None:
            return self._custom_endpoint(bucket)
        # Accelerate is virtual-hosted whatever the addressing style: AWS CLI v2 presigns
        # addressing_style = path with use_accelerate_endpoint on at bucket.s3-accelerate...
        virtual = ((self.addressing_style != "path" or self.use_accelerate)
                   and is_virtual_hostable(bucket, allow_dots=False))
        if self.use_accelerate and not virtual:  # a setting that cannot apply: configuration (AWS CLI v2: 255)
            raise ConfigurationError(
                f"bucket {bucket!r} cannot use S3 Accelerate: its name must be a DNS label "
                "(3-63 lower-case letters, digits and '-', no dots)"
            )
        host = self._aws_host()
        if virtual:
            return Endpoint("https", f"{bucket}.{host}", f"{bucket}.{host}", "/", self.signing_region)
        return Endpoint("https", host, host, f"/{bucket}/", self.signing_region)

    def _aws_host(self) -> str:
        dualstack = ".dualstack" if self.use_dualstack else ""
        if self.use_accelerate:
            return f"s3-accelerate{dualstack}.{partition_of(self.signing_region).dns_suffix}"
        if self.region is None and not (self.use_fips or self.use_dualstack):
            return "s3.amazonaws.com"
        region = self.signing_region
        name = "s3-fips" if self.use_fips else "s3"
        return f"{name}{dualstack}.{region}.{partition_of(region).dns_suffix}"

    def _custom_endpoint(self, bucket: str) -> Endpoint:
        assert self.endpoint_url is not None
        scheme, netloc, host_header, hostname, base = _parse_endpoint_url(self.endpoint_url)
        is_ip = ":" in hostname or _is_ipv4_shape(hostname)
        if (
            self.addressing_style == "virtual"
            and not is_ip
            and is_virtual_hostable(bucket, allow_dots=scheme == "http")
        ):
            return Endpoint(scheme, f"{bucket}.{netloc}", f"{bucket}.{host_header}", f"{base}/",
                            self.signing_region)
        return Endpoint(scheme, netloc, host_header, f"{base}/{bucket}/", self.signing_region)


    # -- ARNs and directory buckets, after botocore's S3 endpoint rules (endpoint-rule-set-1.json) --

    def _arn_endpoint(self, text: str) -> Endpoint:
        from ._arn import parse_arn

        arn = parse_arn(text)
        # The signed Host is lower case (host names are case-insensitive, RFC 4343; botocore signs
        # urlsplit's lower-cased hostname); the URL keeps the name as given, as botocore's does.
        kind = {"accesspoint": "access points", "mrap": "Multi-Region Access Points",
                "outposts": "Outposts access points"}[arn.kind]

        def refuse(why: str) -> ConfigurationError:
            return ConfigurationError(f"cannot presign for {text}: {why}")

        client_partition = partition_of(self.signing_region)
        if arn.partition != client_partition.name:
            where = f"region {self.region}" if self.region else "no region (aws)"
            raise refuse(f"the ARN is in partition {arn.partition} but the client is configured for "
                         f"{where}; set a region in {arn.partition}")
        if self.use_accelerate:
            raise refuse(f"{kind} do not support S3 Accelerate; turn use_accelerate_endpoint off")
        if arn.kind == "mrap":
            return self._mrap_endpoint(arn, refuse)
        if partition_of(arn.region).name != arn.partition:
            raise refuse(f"region {arn.region} is not in partition {arn.partition}")
        if not self.use_arn_region and arn.region != (self.region or "aws-global"):
            raise refuse(f"the ARN's region {arn.region} is not the client region {self.region or 'aws-global'} "
                         "and use_arn_region is false; use --region "
                         f"{arn.region} or set s3.use_arn_region (AWS_S3_USE_ARN_REGION) to true")
        partition = partition_of(arn.region)
        prefix = f"{arn.name}-{arn.account}"
        if arn.kind == "outposts":
            if self.use_fips or self.use_dualstack:
                raise refuse(f"{kind} support neither FIPS nor dualstack; turn them off")
            prefix = f"{prefix}.{arn.outpost_id}"
            if self.endpoint_url is not None:
                scheme, netloc, host_header, _, base = _parse_endpoint_url(self.endpoint_url)
                # botocore silently drops a base path and turns http into https here; we refuse
                # rather than sign for a URL the user did not name.
                if base or scheme != "https":
                    raise refuse("an Outposts endpoint URL must be https:// with no base path")
                return Endpoint(scheme, f"{prefix}.{netloc}", f"{prefix}.{host_header}".lower(), "/", "*",
                                "s3-outposts", "v4a")
            host = f"{prefix}.s3-outposts.{arn.region}.{partition.dns_suffix}"
            return Endpoint("https", host, host.lower(), "/", "*", "s3-outposts", "v4a")
        if self.use_fips and not partition.fips:
            raise refuse(f"the {partition.name} partition has no FIPS access point endpoints; turn FIPS off")
        if self.use_dualstack and not partition.dualstack:
            raise refuse(f"the {partition.name} partition has no dualstack endpoints; turn dualstack off")
        if self.endpoint_url is not None:
            scheme, netloc, host_header, _, base = _parse_endpoint_url(self.endpoint_url)
            return Endpoint(scheme, f"{prefix}.{netloc}", f"{prefix}.{host_header}".lower(), f"{base}/", arn.region)
        name = ("s3-accesspoint-fips" if self.use_fips else "s3-accesspoint") + (
            ".dualstack" if self.use_dualstack else "")
        host = f"{prefix}.{name}.{arn.region}.{partition.dns_suffix}"
        return Endpoint("https", host, host.lower(), "/", arn.region)

    def _mrap_endpoint(self, arn: Any, refuse: Callable[[str], ConfigurationError]) -> Endpoint:
        if self.disable_multiregion_access_points:
            raise refuse("Multi-Region Access Point ARNs are disabled (s3_disable_multiregion_access_points)")
        for flag, name in ((self.use_fips, "FIPS"), (self.use_dualstack, "dualstack")):
            if flag:
                raise refuse(f"Multi-Region Access Points do not support {name}; turn it off")
        if self.endpoint_url is not None:  # botocore ignores the endpoint here; we refuse rather than
            raise refuse("a Multi-Region Access Point is always reached at s3-global, not a custom endpoint; "
                         "drop the endpoint URL")
        host = f"{arn.name}.accesspoint.s3-global.{partition_of(self.signing_region).dns_suffix}"
        return Endpoint("https", host, host.lower(), "/", "*", "s3", "v4a")

    def _directory_endpoint(self, bucket: str) -> Endpoint:
        zone = _directory_bucket_zone(bucket)
        if self.use_accelerate:
            raise ConfigurationError(f"directory bucket {bucket}: S3 Express does not support S3 Accelerate; "
                                     "turn use_accelerate_endpoint off")
        if self.endpoint_url is not None:
            scheme, netloc, host_header, hostname, base = _parse_endpoint_url(self.endpoint_url)
            if ":" in hostname or _is_ipv4_shape(hostname):  # AWS CLI v2: path style for an IP endpoint
                return Endpoint(scheme, netloc, host_header, f"{base}/{bucket}/", self.signing_region, "s3express")
            return Endpoint(scheme, f"{bucket}.{netloc}", f"{bucket}.{host_header}", f"{base}/",
                            self.signing_region, "s3express")
        if self.region is None:
            raise ConfigurationError(f"directory bucket {bucket} needs a region (the one its zone {zone} is in): "
                                     "use --region or set one in the profile")
        name = f"s3express-fips-{zone}" if self.use_fips else f"s3express-{zone}"
        dualstack = ".dualstack" if self.use_dualstack else ""
        host = f"{bucket}.{name}{dualstack}.{self.region}.{partition_of(self.region).dns_suffix}"
        return Endpoint("https", host, host, "/", self.region, "s3express")


def validate_region(region: str) -> None:
    """Raise ``ConfigurationError`` unless ``region`` looks like ``us-west-2``."""
    if not isinstance(region, str) or len(region) > 63 or not _is_dns_label(region):
        raise ConfigurationError(
            f"invalid region {region!r}: a region is lower-case letters, digits and '-', like us-west-2"
        )


def _parse_endpoint_url(url: str) -> tuple[str, str, str, str, str]:
    """Split and check an endpoint URL: (scheme, netloc, host header, hostname, base path)."""
    from urllib.parse import urlsplit  # only custom endpoints need it: kept off start-up

    problem = None
    if not isinstance(url, str) or not url:
        problem = "it is empty"
    else:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            problem = str(exc)
        else:
            if parts.scheme not in ("http", "https"):
                problem = "it must start with http:// or https://"
            elif not parts.hostname:
                problem = "it has no host name"
            elif parts.username is not None or parts.password is not None:
                problem = "it must not contain a user name or password"
            elif parts.query or parts.fragment or "?" in url or "#" in url:
                problem = "it must not have a query or fragment"
            elif any(c.isspace() for c in url):
                problem = "it contains white space"
    if problem is not None:
        raise ConfigurationError(
            f"invalid endpoint URL {url!r}: {problem}; give one like http://127.0.0.1:9000"
        )
    default_port = 443 if parts.scheme == "https" else 80
    netloc = parts.netloc.lower()
    hostname = parts.hostname or ""
    host = f"[{hostname}]" if ":" in hostname else hostname
    host_header = host if port in (None, default_port) else f"{host}:{port}"
    return parts.scheme, netloc, host_header, hostname, parts.path.rstrip("/")
