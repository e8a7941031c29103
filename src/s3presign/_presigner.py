"""The front door: ``Presigner``, the signing core plus the conveniences that need the layers
around it (configuration files, store presets, POST policies, bulk input, S3 Express sessions).

May import the core (``_signer``) and what it stands on; the wings (``_post``, ``_bulk``,
``_express``, ``_stores``) and ``_config`` only inside the method that needs them, so a plain
presign loads none of them. No wing imports this module: they take a ``Signer``.
"""

from __future__ import annotations

from ._checks import MAX_EXPIRES_IN, METHODS, normal_method, pairs, whole_seconds
from ._credentials import Credentials, RefreshableCredentials
from ._signer import PresignedRequest, SignedDetails, Signer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from datetime import datetime
    from typing import Any

    from ._express import ExpressSessions
    from ._post import PresignedPost

__all__ = ["METHODS", "MAX_EXPIRES_IN", "PresignedRequest", "Presigner", "SignedDetails", "presign"]


class Presigner(Signer):
    """Makes presigned S3 URLs, e.g. ``Presigner(Credentials("AKID", "SECRET"), region="us-west-2")``.

    ``region=None`` signs for us-east-1 and uses the global host, as AWS CLI v2 does;
    ``endpoint_url`` points at an S3-compatible store; ``store`` keeps a preset's limits (see
    ``for_provider``). The same inputs and ``now`` always give the same URL. Safe to share
    between threads and to pickle. The signing itself is ``Signer``'s; this class adds only
    methods that reach the configuration and the wings.
    """

    __slots__ = ()

    @classmethod
    def from_config(
        cls,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        *,
        addressing_style: str | None = None,
        advisory_refresh: float = 900,
        mandatory_refresh: float = 600,
        refresh_for_url_lifetime: bool = False,
    ) -> Presigner:
        """A signer configured as AWS CLI v2 would be: ``Presigner.from_config(profile="dev")``.

        Reads the environment and the AWS config and credentials files (see ``_config``).
        Temporary credentials (role, web identity, SSO, container, instance metadata, a
        credential_process with Expiration) refresh themselves: see ``RefreshableCredentials``
        for the three refresh settings. A profile's ``s3presign_provider`` brings its store's limits.
        """
        from ._config import resolve

        resolved = resolve(profile=profile, region=region, endpoint_url=endpoint_url,
                           addressing_style=addressing_style)
        credentials = resolved.credentials.value
        if isinstance(credentials, RefreshableCredentials):
            credentials = RefreshableCredentials(
                credentials.fetch, advisory_refresh=advisory_refresh, mandatory_refresh=mandatory_refresh,
                refresh_for_url_lifetime=refresh_for_url_lifetime, credentials=credentials.current,
                name=credentials.name)
        store = resolved.store.value
        if store is not None:  # the profile's s3presign_provider
            from ._stores import limits

            store = limits(store)  # type: ignore[arg-type]
        return cls(credentials, store=store, **resolved.presigner_kwargs())  # type: ignore[arg-type]

    @classmethod
    def for_provider(
        cls,
        name: str,
        credentials: Credentials,
        *,
        region: str | None = None,
        account_id: str | None = None,
        endpoint_url: str | None = None,
        addressing_style: str | None = None,
        signature_version: str = "v4",
    ) -> Presigner:
        """A signer set up for a store, e.g. ``Presigner.for_provider("r2", creds, account_id="abc123")``.

        The preset fills in the endpoint, region and addressing style (the arguments given win)
        and the signer refuses what the store refuses (``s3presign providers`` lists them).
        """
        from ._stores import preset_settings

        store, settings = preset_settings(name, region=region, account_id=account_id, endpoint_url=endpoint_url,
                                          addressing_style=addressing_style, signature_version=signature_version)
        return cls(credentials, store=store, signature_version=signature_version, **settings)

    @property
    def express_sessions(self) -> ExpressSessions:
        """The S3 Express One Zone session keys this signer uses, per directory bucket (cached in memory)."""
        if self._express is None:
            from ._express import ExpressSessions

            self._express = ExpressSessions()
        return self._express  # type: ignore[return-value]

    def presign_post(
        self,
        bucket: str,
        key: str,
        *,
        expires_in: int = 3600,
        conditions: Iterable[object] = (),
        fields: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> PresignedPost:
        """A browser form upload: ``signer.presign_post("bkt", "uploads/${filename}",
        conditions=[["content-length-range", 1, 10_000_000]])`` -> url, fields, expires_at."""
        from ._post import presign_post

        expires_in = whole_seconds(expires_in)
        return presign_post(self, bucket, key, expires_in=expires_in, conditions=conditions, fields=fields, now=now)

    def presign_many(
        self,
        items: Iterable[str | tuple[str, str]],
        method: str = "GET",
        expires_in: int = 3600,
    ) -> Iterator[str]:
        """Yield URLs lazily, in order: ``signer.presign_many(["s3://bkt/a", ("bkt", "b")])``."""
        from ._bulk import presign_many

        return presign_many(self, items, method=normal_method(method), expires_in=whole_seconds(expires_in))

    def presign_request(
        self,
        bucket: str,
        key: str,
        *,
        method: str = "GET",
        expires_in: int = 3600,
        params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        now: datetime | None = None,
        **options: Any,
    ) -> PresignedRequest:
        """``Signer.presign_request`` with the command's request options as keywords:
        ``signer.presign_request("bkt", "k", method="PUT", content_type="text/csv",
        metadata={"owner": "alice"}, acl="private").headers``.

        Options: content_type, content_md5, checksum_crc32, checksum_crc32c, checksum_sha1,
        checksum_sha256, metadata (a mapping), acl, storage_class, tagging, sse, sse_kms_key_id,
        sse_c_key (the 32-byte key, or its base64), if_none_match, version_id, the response_*
        overrides (response_content_disposition, ...), upload_id and part_number. Each header is
        signed, never moved into the query.
        """
        if options:  # the rule is the command's, in the _request_options wing
            from ._request_options import keyword_parts

            parts = keyword_parts(options, normal_method(method))
            params, headers = [*pairs(params), *parts.params], [*pairs(headers), *parts.headers]
        return super().presign_request(bucket, key, method=method, expires_in=expires_in, params=params,
                                       headers=headers, now=now)


def presign(
    uri: str,
    method: str = "GET",
    expires_in: int = 3600,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
) -> str:
    """One URL with the AWS configuration, like ``aws s3 presign``: ``presign("s3://bkt/key")``."""
    from ._uri import parse_s3_uri

    bucket, key = parse_s3_uri(uri)
    signer = Presigner.from_config(profile=profile, region=region, endpoint_url=endpoint_url)
    return signer.presign_details(bucket, key, method, expires_in).url

