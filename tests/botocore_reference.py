"""botocore as the reference implementation: the same request signed at the same time.

botocore reads the clock itself, so its clock (not ours) is pinned here. Clients are cached
because building one takes tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from datetime import datetime
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.config import Config

# awscrt (a test dependency, for SigV4A and S3 Express) makes botocore swap its SigV4 signers for
# CRT ones, which read a clock this module cannot pin. SigV4 comparisons keep botocore's own
# Python signers, as botocore uses without awscrt; the SigV4A ("v4a") entries stay CRT's.
botocore.auth.AUTH_TYPE_MAPS.update({
    "v4": botocore.auth.SigV4Auth,
    "v4-query": botocore.auth.SigV4QueryAuth,
    "s3v4": botocore.auth.S3SigV4Auth,
    "s3v4-query": botocore.auth.S3SigV4QueryAuth,
})

OPERATIONS = {"GET": "get_object", "PUT": "put_object", "DELETE": "delete_object", "HEAD": "head_object"}


def botocore_style(style: str, endpoint_url: str | None) -> str:
    """The botocore setting that gives AWS CLI v2's hosts for our ``addressing_style``.

    AWS CLI v2's "auto" is virtual-hosted on AWS (botocore: explicit "virtual" plus the regional
    us-east-1 endpoint) and path style on a custom endpoint. We never put a bucket in front of
    an IP address; botocore sometimes does, so those cases compare with its "path".
    """
    if endpoint_url is None:
        return "path" if style == "path" else "virtual"
    host = endpoint_url.split("//", 1)[1].split("/", 1)[0]
    is_ip = host.startswith("[") or host.split(":")[0].replace(".", "").isdigit()
    return "virtual" if style == "virtual" and not is_ip else "path"


@contextlib.contextmanager
def pinned_clock(now: datetime) -> Iterator[None]:
    """Every clock botocore signs with reads ``now`` (an aware UTC datetime).

    With awscrt installed botocore signs through the CRT (``botocore.crt.auth``), which reads
    an aware time from its own import of ``get_current_datetime``; the pure-Python signers read
    a naive one from ``botocore.auth``; presigned POST reads ``botocore.signers``'.
    """
    def current(remove_tzinfo: bool = True) -> datetime:
        return now.replace(tzinfo=None) if remove_tzinfo else now

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("botocore.auth.get_current_datetime", current))
        stack.enter_context(mock.patch("botocore.auth.time.time", return_value=now.timestamp()))
        stack.enter_context(mock.patch("botocore.signers.get_current_datetime", current))
        try:
            import botocore.crt.auth  # noqa: F401 - only with awscrt
        except ImportError:
            pass
        else:
            stack.enter_context(mock.patch("botocore.crt.auth.get_current_datetime", current))
        yield


@functools.lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    """One botocore session for every client: its loader reads each service model and endpoint
    ruleset once. (A session per client kept a copy of them in each cached client: several GB
    over the hypothesis tests' thousands of settings.)"""
    return botocore.session.get_session()


@functools.lru_cache(maxsize=128)
def client(
    *,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
    region: str | None,
    endpoint_url: str | None = None,
    addressing_style: str = "auto",
    signature_version: str = "v4",
    use_dualstack: bool = False,
    use_accelerate: bool = False,
    use_fips: bool = False,
) -> object:
    config = Config(
        signature_version="s3v4" if signature_version == "v4" else "s3",
        use_fips_endpoint=use_fips,
        s3={
            "addressing_style": botocore_style(addressing_style, endpoint_url),
            "us_east_1_regional_endpoint": "regional",
            "use_dualstack_endpoint": use_dualstack,
            "use_accelerate_endpoint": use_accelerate,
        },
    )
    return _session().create_client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        config=config,
    )


def presign(bucket: str, key: str, *, method: str, expires_in: int, now: datetime, **settings: object) -> str:
    """botocore's presigned URL for the same request at ``now`` (an aware UTC datetime)."""
    c = client(**settings)  # type: ignore[arg-type]
    with pinned_clock(now):
        return c.generate_presigned_url(  # type: ignore[attr-defined,no-any-return]
            OPERATIONS[method], Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in, HttpMethod=method
        )


def presign_request(bucket: str, key: str, *, operation: str, params: dict[str, object], expires_in: int,
                    now: datetime, http_method: str | None = None, **settings: object) -> str:
    """botocore's URL for any operation with its API parameters (ContentType, VersionId, ...)."""
    c = client(**settings)  # type: ignore[arg-type]
    with pinned_clock(now):
        return c.generate_presigned_url(  # type: ignore[attr-defined,no-any-return]
            operation, Params={"Bucket": bucket, "Key": key, **params}, ExpiresIn=expires_in,
            HttpMethod=http_method)


def presign_post(bucket: str, key: str, *, fields: dict[str, str] | None, conditions: list[object],
                 expires_in: int, now: datetime, **settings: object) -> dict[str, object]:
    """botocore's ``generate_presigned_post`` at ``now`` (both its clocks pinned)."""
    c = client(**settings)  # type: ignore[arg-type]
    with pinned_clock(now):
        return c.generate_presigned_post(  # type: ignore[attr-defined,no-any-return]
            bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in)


def parts(url: str) -> tuple[str, str, str, list[str]]:
    """Scheme, host, encoded path and the sorted raw ``name=value`` query pairs of a URL."""
    split = urlsplit(url)
    return split.scheme, split.netloc, split.path, sorted(split.query.split("&"))


@functools.lru_cache(maxsize=128)
def arn_client(*, region: str | None, endpoint_url: str | None, use_fips: bool, use_dualstack: bool,
               use_arn_region: bool, disable_mrap: bool, sigv4a: bool, session_token: str | None,
               disable_express_session_auth: bool = False, addressing_style: str = "virtual") -> object:
    """A client as AWS CLI v2's s3 commands build it for ARNs and directory buckets.

    AWS CLI v2 names no signature version, so the endpoint rules' auth scheme decides: SigV4A
    (through awscrt) for Multi-Region Access Points and Outposts. For the others "s3v4" is
    named, since botocore's presigner would otherwise fall back to SigV2 in some regions.
    """
    config = Config(
        signature_version=None if sigv4a else "s3v4",
        use_fips_endpoint=use_fips,
        s3={
            "addressing_style": addressing_style,
            "us_east_1_regional_endpoint": "regional",
            "use_dualstack_endpoint": use_dualstack,
            "use_arn_region": use_arn_region,
            "s3_disable_multiregion_access_points": disable_mrap,
        },
        s3_disable_express_session_auth=disable_express_session_auth,
    )
    return _session().create_client(
        "s3", region_name=region, endpoint_url=endpoint_url, aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key=SECRET, aws_session_token=session_token, config=config)


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def presign_with(c: object, bucket: str, key: str, *, method: str, expires_in: int, now: datetime) -> str:
    """``generate_presigned_url`` on a given client at ``now``."""
    with pinned_clock(now):
        return c.generate_presigned_url(  # type: ignore[attr-defined,no-any-return]
            OPERATIONS[method], Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in, HttpMethod=method)
