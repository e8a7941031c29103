"""Store presets: what each S3-compatible store needs, and what it refuses.

Theory of operation. A preset never signs anything itself: it only chooses the settings the
signer already has (endpoint URL, region, addressing style), exactly as a user could with
``--endpoint-url``, ``--region`` and ``--addressing-style``; so a preset's URL is byte-equal to
botocore's for the same settings. Settings the user gave win over the preset, and are checked
against what the store documents (its regions, its addressing styles, its signature versions).
Then each request is checked against the store's limits (maximum expiry, POST Object, options
it documents as unsupported), and refused with one line naming the store and the alternative,
rather than signed into a URL the store will refuse.

Every rule carries its source: the store's own documentation where it says so. Where the
documentation is silent, the rule says "not documented" and s3presign does not guess: an
undocumented POST or SigV2 is allowed with a warning, an undocumented expiry limit is SigV4's
7 days. ("provider" is only the user-facing word: ``--provider``; in code these are stores, so
they cannot be confused with credential providers.)

Settings layer: imports only the shared rules (``_checks``) and ``_errors``; never a signer (the
signer is given a ``Store`` and calls its ``check``).
"""

from __future__ import annotations

from ._checks import MAX_EXPIRES_IN, pairs
from ._errors import InvalidRequestError, StoreSettingError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

__all__ = ["STORES", "Store", "StoreSettingError", "get_store", "limits", "preset_settings", "request_options", "shape",
           "table"]

_SIGV4_LIMIT = "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html"
_NOT_DOCUMENTED = "not documented by the store: SigV4's 604800 s (7 days) applies"


class Store:
    """One store's preset, e.g. ``get_store("r2").endpoint == "https://{account_id}.r2.cloudflarestorage.com"``.

    ``endpoint``: template with ``{region}`` and ``{account_id}``, or None when the store runs at
    the user's own address (``--endpoint-url`` required) or is AWS itself. ``regions``: the
    documented ones (None: any region name). ``signing_region``: a fixed region for the
    credential scope (R2, GCS and Tigris sign for ``auto``), else the chosen region.
    ``post`` and ``sigv2``: True (documented as supported), False (documented as unsupported),
    None (not documented). ``unsupported``: option -> the one-line refusal.
    """

    __slots__ = ("account_id_name", "default_region", "endpoint", "max_expires", "name", "post", "post_needs_sigv4",
                 "post_needs_virtual", "region_aliases", "region_hosts", "regions", "sigv2", "signing_region",
                 "sources", "style", "styles", "title", "unsupported")

    def __init__(self, name: str, title: str, *, endpoint: str | None, sources: Mapping[str, str],
                 regions: tuple[str, ...] | None = None, default_region: str | None = None,
                 signing_region: str | None = None, region_aliases: tuple[str, ...] = (),
                 style: str = "path", styles: tuple[str, ...] = ("path", "virtual"),
                 max_expires: int = MAX_EXPIRES_IN, post: bool | None = None, post_needs_virtual: bool = False,
                 post_needs_sigv4: bool = False, sigv2: bool | None = None, unsupported: Mapping[str, str] | None = None,
                 account_id_name: str = "account id", region_hosts: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.title = title
        self.endpoint = endpoint
        self.regions = regions
        self.default_region = default_region
        self.signing_region = signing_region
        self.region_aliases = region_aliases
        self.style = style
        self.styles = styles
        self.max_expires = max_expires
        self.post = post
        self.post_needs_virtual = post_needs_virtual
        self.post_needs_sigv4 = post_needs_sigv4
        self.sigv2 = sigv2
        self.unsupported = dict(unsupported or {})
        self.sources = dict(sources)
        self.account_id_name = account_id_name
        self.region_hosts = dict(region_hosts or {})  # a region whose documented endpoint breaks the template

    def __repr__(self) -> str:
        return f"Store({self.name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (get_store, (self.name,))  # a signer pickles its preset by name

    @property
    def needs_endpoint(self) -> bool:
        """Self-hosted stores (MinIO, Ceph ...) have no public endpoint: ``--endpoint-url`` is required."""
        return self.endpoint is None and self.name != "aws"

    def region_rule(self) -> str:
        """The region rule in words, for the table: ``get_store("r2").region_rule() == "signs for auto"``."""
        if self.signing_region:
            return f"signs for {self.signing_region}"
        if self.regions:
            listed = ", ".join(self.regions) if len(self.regions) <= 4 else \
                f"{', '.join(self.regions[:3])} ... ({len(self.regions)} listed)"
            return f"{listed}, default {self.default_region}" if self.default_region else f"one of {listed}"
        if self.default_region:
            return f"any, default {self.default_region}"
        return "any region name; required" if self.endpoint and "{region}" in self.endpoint else "any"

    def refusals(self) -> list[str]:
        """What the store documents as unsupported, for the table."""
        found = []
        if self.post is False:
            found.append("POST")
        if self.sigv2 is False:
            found.append("SigV2")
        if len(self.styles) == 1:
            found.append(f"{'virtual' if self.styles == ('path',) else 'path'} style")
        found += ["--" + option.replace("_", "-") for option in self.unsupported]
        return found

    def unknowns(self) -> list[str]:
        """What the store's documentation does not say, for the table."""
        return [what for what, flag in (("POST", self.post), ("SigV2", self.sigv2)) if flag is None]

    # -- requests ---------------------------------------------------------------------------

    def check_request(self, *, method: str, expires_in: int, signature_version: str = "v4",
                      addressing_style: str = "auto", options: Iterable[str] = ()) -> list[str]:
        """Refuse what the store refuses (``InvalidRequestError``); return warnings for what its
        documentation does not say. ``options``: option names as in ``--acl`` -> ``"acl"``."""
        warnings = []
        if method == "POST":
            if self.post is False:
                raise InvalidRequestError(f"{self.title} has no POST Object (browser form uploads): "
                                          "use --http-method PUT")
            if self.post is None:
                warnings.append(f"{self.title}'s documentation does not say whether it accepts POST Object "
                                "(browser form uploads); if the upload is refused, use --http-method PUT")
            if self.post_needs_sigv4 and signature_version == "v2":
                raise InvalidRequestError(f"{self.title} accepts POST Object with SigV4 only: "
                                          "drop --signature-version v2")
            if self.post_needs_virtual and addressing_style == "path":
                raise InvalidRequestError(f"{self.title} accepts POST Object on virtual-hosted URLs only: "
                                          "drop --addressing-style path")
        if signature_version == "v2":
            if self.sigv2 is False:
                raise InvalidRequestError(f"{self.title} accepts SigV4 only: drop --signature-version v2")
            if self.sigv2 is None:
                warnings.append(f"{self.title}'s documentation does not say whether it accepts SigV2; "
                                "if the URL is refused, drop --signature-version v2")
        elif expires_in > self.max_expires:
            raise InvalidRequestError(f"{self.title} presigned URLs last at most {self.max_expires} seconds: "
                                      f"use --expires-in {self.max_expires} or less")
        for option in options:
            if option in self.unsupported:
                raise InvalidRequestError(self.unsupported[option])
        return warnings

    def check(self, *, method: str, expires_in: int, signature_version: str = "v4", addressing_style: str = "auto",
              params: Iterable[tuple[str, str]] = (), headers: Iterable[tuple[str, str]] = (),
              options: Iterable[str] = ()) -> list[str]:
        """``check_request`` for a request's own parameters and headers (the signer's limit check):
        ``get_store("r2").check(method="PUT", expires_in=600, headers=[("x-amz-acl", "private")])``."""
        names = request_options(pairs(params), pairs(headers)) | set(options)
        return self.check_request(method=method, expires_in=expires_in, signature_version=signature_version,
                                  addressing_style=addressing_style, options=names)


# Header and query names -> the option that makes them, so the library's requests are checked
# by the same table as the command's options.
_HEADER_OPTIONS = {"x-amz-acl": "acl", "x-amz-server-side-encryption": "sse",
                   "x-amz-server-side-encryption-aws-kms-key-id": "sse_kms_key_id",
                   "x-amz-server-side-encryption-customer-algorithm": "sse_c_key_file",
                   "x-amz-storage-class": "storage_class", "x-amz-tagging": "tagging"}
_PARAM_OPTIONS = {"versionId": "version_id"}


def request_options(params: Iterable[tuple[str, str]] = (), headers: Iterable[tuple[str, str]] = ()) -> set[str]:
    """The option names a request's parameters and headers come from: ``{"acl"}`` for ``x-amz-acl``."""
    found = {_PARAM_OPTIONS[name] for name, _ in params if name in _PARAM_OPTIONS}
    found |= {_HEADER_OPTIONS[name.lower()] for name, _ in headers if name.lower() in _HEADER_OPTIONS}
    return found


# -- the presets ------------------------------------------------------------------------------

_GARAGE = "https://garagehq.deuxfleurs.fr/documentation/reference-manual/s3-compatibility/"
_STORJ = "https://storj.dev/dcs/api/s3/s3-compatibility"
_OVH = ("https://github.com/ovh/docs/blob/develop/pages/storage_and_backup/object_storage/"
        "s3_location/guide.en-gb.md")
_B2 = "https://www.backblaze.com/docs/cloud-storage-call-the-s3-compatible-api"
_MINIO = "https://github.com/minio/minio-py/blob/master/docs/API.md"
_LINODE_API = ("https://www.linode.com/docs/api/object-storage/#object-storage-object-url-create (read as "
               "https://developers-linode.netlify.app/api/v4/object-storage-buckets-cluster-id-bucket-object-url)")
_SCALEWAY_CLI = "https://www.scaleway.com/en/docs/object-storage/api-cli/object-storage-aws-cli/"
_SCALEWAY_POST = "https://www.scaleway.com/en/docs/object-storage/api-cli/post-object/"

STORES: dict[str, Store] = {store.name: store for store in (
    Store("aws", "Amazon S3", endpoint=None, style="auto", styles=("auto", "path", "virtual"), post=True,
          sigv2=True, sources={
              "endpoint": "https://docs.aws.amazon.com/general/latest/gr/s3.html",
              "region": "https://docs.aws.amazon.com/general/latest/gr/s3.html",
              "style": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html",
              "expiry": _SIGV4_LIMIT,
              "post": "https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTForms.html",
              "sigv2": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html"}),
    Store("r2", "Cloudflare R2", endpoint="https://{account_id}.r2.cloudflarestorage.com", signing_region="auto",
          region_aliases=("us-east-1",), style="virtual", post=False, sources={
              "endpoint": "https://developers.cloudflare.com/r2/api/s3/api/",
              "region": "https://developers.cloudflare.com/r2/api/s3/api/ (auto; empty and us-east-1 alias to it)",
              "style": "https://developers.cloudflare.com/r2/api/s3/presigned-urls/ "
                       "(its example: https://BUCKET.ACCOUNT_ID.r2.cloudflarestorage.com)",
              "expiry": "https://developers.cloudflare.com/r2/api/s3/presigned-urls/ (1 s to 7 days)",
              "post": "https://developers.cloudflare.com/r2/api/s3/presigned-urls/ (POST is not supported)",
              "sigv2": "not documented"}),
    Store("gcs", "Google Cloud Storage", endpoint="https://storage.googleapis.com", signing_region="auto",
          style="path", post=False, sources={
              "endpoint": "https://cloud.google.com/storage/docs/request-endpoints",
              "region": "https://cloud.google.com/storage/docs/authentication/signatures (HMAC keys, SigV4; "
                        "region auto)",
              "style": "https://cloud.google.com/storage/docs/request-endpoints "
                       "(storage.googleapis.com/BUCKET/OBJECT)",
              "expiry": "https://cloud.google.com/storage/docs/access-control/signed-urls (at most 7 days)",
              "post": "https://cloud.google.com/storage/docs/xml-api/post-object-forms (its forms use "
                      "x-goog-* policy fields, which s3presign does not produce)",
              "sigv2": "not documented for HMAC keys with AWS's SigV2"},
          unsupported={}),
    Store("b2", "Backblaze B2", endpoint="https://s3.{region}.backblazeb2.com", style="path", post=False,
          sigv2=False, sources={
              "endpoint": _B2,
              "region": "https://www.backblaze.com/apidocs/introduction-to-the-s3-compatible-api "
                        "(the bucket's region, like us-west-004; one region per account)",
              "style": _B2 + " (both path and virtual-hosted)",
              "expiry": "not documented by B2: SigV4's 604800 s applies",
              "post": _B2 + " (PostObject is not among the supported calls)",
              "sigv2": _B2 + " (v4 signatures only)",
              "acl": "https://www.backblaze.com/docs/cloud-storage-s3-compatible-api (no object-level ACLs)"},
          unsupported={"acl": "Backblaze B2 has no object ACLs (the bucket's private or public setting "
                              "applies): drop --acl"}),
    Store("minio", "MinIO", endpoint=None, default_region="us-east-1", style="path", post=True, sources={
              "endpoint": "your server (--endpoint-url): " + _MINIO + " (Minio(\"play.min.io\"))",
              "region": _MINIO + " (make_bucket's location defaults to us-east-1)",
              "style": "not documented in the client reference: path style, as AWS CLI v2 uses for custom endpoints",
              "expiry": _MINIO + " (presigned URLs: expires defaults to 7 days, SigV4's maximum)",
              "post": _MINIO + " (presigned_post_policy)",
              "sigv2": "not documented in the client reference"}),
    Store("seaweedfs", "SeaweedFS", endpoint=None, default_region="us-east-1", style="path", post=True, sigv2=True,
          sources={
              "endpoint": "your server (--endpoint-url): https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API",
              "region": "not documented: any region is accepted (checked by this project's tests)",
              "style": "https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API (path; virtual-hosted with "
                       "-s3.domainName)",
              "expiry": _NOT_DOCUMENTED,
              "post": "https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API (and this project's tests)",
              "sigv2": "https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API (and this project's tests)"}),
    Store("wasabi", "Wasabi", endpoint="https://s3.{region}.wasabisys.com", regions=(
              "us-east-1", "us-east-2", "us-central-1", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1",
              "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "ap-northeast-1",
              "ap-northeast-2", "ap-southeast-1", "ap-southeast-2"),
          default_region="us-east-1", region_hosts={"us-east-1": "https://s3.wasabisys.com"}, style="path", sources={
              "endpoint": "https://docs.wasabi.com/docs/service-urls-for-wasabis-storage-regions-2 (us-east-1: "
                          "s3.wasabisys.com)",
              "region": "https://docs.wasabi.com/docs/service-urls-for-wasabis-storage-regions-2",
              "style": "https://docs.wasabi.com/docs/how-do-i-generate-pre-signed-urls-for-temporary-access-with-"
                       "wasabi (aws s3 presign with --endpoint-url: path style)",
              "expiry": "https://docs.wasabi.com/docs/how-do-i-generate-pre-signed-urls-for-temporary-access-with-"
                        "wasabi (up to 7 days)",
              "post": "not documented", "sigv2": "not documented"}),
    Store("digitalocean", "DigitalOcean Spaces", endpoint="https://{region}.digitaloceanspaces.com", regions=(
              "nyc3", "ams3", "sfo2", "sfo3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1", "atl1"),
          style="virtual", sigv2=True, sources={
              "endpoint": "https://docs.digitalocean.com/reference/api/spaces-api/ (${REGION}.digitaloceanspaces.com)",
              "region": "https://docs.digitalocean.com/products/spaces/details/availability/",
              "style": "https://docs.digitalocean.com/products/spaces/reference/s3-compatibility/ (bucket hosts "
                       "[bucket-name].[region]...: virtual-hosted chosen)",
              "expiry": _NOT_DOCUMENTED, "post": "not documented",
              "sigv2": "https://docs.digitalocean.com/products/spaces/reference/s3-compatibility/ (presigned URLs "
                       "with SigV2 and SigV4)",
              "sse": "https://docs.digitalocean.com/products/spaces/reference/s3-compatibility/ (SSE-C only)",
              "sse_kms_key_id": "https://docs.digitalocean.com/products/spaces/reference/s3-compatibility/ "
                                "(SSE-C only)"},
          unsupported={"sse": "DigitalOcean Spaces encrypts with customer keys only (SSE-C): use --sse-c-key-file "
                              "instead of --sse",
                       "sse_kms_key_id": "DigitalOcean Spaces has no KMS: use --sse-c-key-file instead of "
                                         "--sse-kms-key-id"}),
    Store("linode", "Akamai (Linode) Object Storage", endpoint="https://{region}.linodeobjects.com", style="path",
          sigv2=True, sources={
              "endpoint": "https://techdocs.akamai.com/cloud-computing/docs/access-buckets-and-files-through-urls",
              "region": "https://www.linode.com/docs/products/storage/object-storage/guides/urls/ (the cluster id, "
                        "e.g. us-east-1, us-ord-1)",
              "style": _LINODE_API + " (its presigned URL is path style; bucket URLs are virtual-hosted)",
              "expiry": _NOT_DOCUMENTED, "post": "not documented",
              "sigv2": _LINODE_API + " (the API's own presigned URLs are SigV2)"}),
    Store("scaleway", "Scaleway Object Storage", endpoint="https://s3.{region}.scw.cloud",
          regions=("fr-par", "nl-ams", "pl-waw", "it-mil"), style="path", post=True, post_needs_sigv4=True, sources={
              "endpoint": _SCALEWAY_CLI + " (endpoint_url = https://s3.nl-ams.scw.cloud)",
              "region": _SCALEWAY_CLI + " (fr-par, nl-ams, pl-waw, it-mil)",
              "style": _SCALEWAY_POST + " (its form posts to http://s3.fr-par.scw.cloud/BUCKET: path style)",
              "expiry": _NOT_DOCUMENTED,
              "post": _SCALEWAY_POST + " (SigV4 only)",
              "sigv2": "not documented for presigned URLs"}),
    Store("ovh", "OVHcloud Object Storage", endpoint="https://s3.{region}.io.cloud.ovh.net", regions=(
              "gra", "rbx", "sbg", "eu-west-par", "eu-south-mil", "de", "uk", "waw", "bhs", "ca-east-tor", "sgp",
              "ap-southeast-syd", "ap-south-mum"),
          style="virtual", post=True, post_needs_virtual=True, sigv2=False, sources={
              "endpoint": _OVH, "region": _OVH + " (lower case)",
              "style": _OVH + " (https://BUCKET.s3.REGION.io.cloud.ovh.net)",
              "expiry": _NOT_DOCUMENTED + " (its POST guide: signed within 7 days)",
              "post": "https://github.com/ovh/docs/blob/develop/pages/storage_and_backup/object_storage/"
                      "s3_post_object_upload/guide.en-gb.md (virtual-hosted URLs only)",
              "sigv2": _OVH + " (signature version 4 in every region)"}),
    Store("ibm", "IBM Cloud Object Storage", endpoint="https://s3.{region}.cloud-object-storage.appdomain.cloud",
          style="path", sources={
              "endpoint": "https://cloud.ibm.com/docs/cloud-object-storage?topic=cloud-object-storage-endpoints",
              "region": "https://cloud.ibm.com/docs/cloud-object-storage?topic=cloud-object-storage-endpoints "
                        "(the location, e.g. us-south; the region in the signature is not documented)",
              "style": "https://cloud.ibm.com/docs/cloud-object-storage?topic=cloud-object-storage-presign-url "
                       "(aws s3 presign --endpoint-url: path style)",
              "expiry": "https://cloud.ibm.com/docs/cloud-object-storage?topic=cloud-object-storage-presign-url "
                        "(no 7-day maximum there; s3presign keeps SigV4's 604800 s)",
              "post": "not documented", "sigv2": "not documented"}),
    Store("oci", "Oracle Cloud (OCI) Object Storage",
          endpoint="https://{account_id}.compat.objectstorage.{region}.oraclecloud.com", style="path",
          styles=("path",), post=True, account_id_name="Object Storage namespace", sources={
              "endpoint": "https://docs.oracle.com/iaas/Content/Object/Tasks/s3compatibleapi.htm "
                          "(NAMESPACE.compat.objectstorage.REGION.oraclecloud.com)",
              "region": "https://docs.oracle.com/iaas/Content/Object/Tasks/s3compatibleapi.htm (the OCI region "
                        "identifier, e.g. us-ashburn-1)",
              "style": "https://docs.oracle.com/iaas/Content/Object/s3-virtual-style.htm (path style on the "
                       "compat endpoint; virtual-hosted only on the separate vhcompat endpoint)",
              "expiry": _NOT_DOCUMENTED,
              "post": "https://docs.oracle.com/iaas/Content/Object/s3-post-upload.htm (HTML forms, POST policy)",
              "sigv2": "not documented"}),
    Store("hetzner", "Hetzner Object Storage", endpoint="https://{region}.your-objectstorage.com",
          regions=("fsn1", "nbg1", "hel1"), style="virtual", sources={
              "endpoint": "https://docs.hetzner.com/storage/object-storage/faq/buckets-objects (names \"the Hetzner "
                          "S3 endpoint\" without its shape; {region}.your-objectstorage.com is from users' "
                          "configurations, e.g. https://motherduck.com/docs/integrations/cloud-storage/"
                          "hetzner-object-storage/)",
              "region": "not found in Hetzner's pages here: fsn1, nbg1, hel1 from users' configurations (same page)",
              "style": "not documented in what was found: virtual-hosted chosen",
              "expiry": _NOT_DOCUMENTED, "post": "not documented", "sigv2": "not documented"}),
    Store("ceph", "Ceph Object Gateway (RGW)", endpoint=None, default_region="us-east-1", style="path", post=True,
          sigv2=True, sources={
              "endpoint": "your gateway (--endpoint-url): https://docs.ceph.com/en/latest/radosgw/s3/",
              "region": "https://docs.ceph.com/en/latest/radosgw/multisite/ (the zonegroup's api_name; "
                        "us-east-1 as botocore sends by default)",
              "style": "https://docs.ceph.com/en/latest/radosgw/s3/commons/ (path; virtual-hosted with "
                       "rgw_dns_name)",
              "expiry": _NOT_DOCUMENTED,
              "post": "https://docs.ceph.com/en/latest/radosgw/s3/ (POST Object: supported)",
              "sigv2": "https://docs.ceph.com/en/latest/radosgw/s3/authentication/",
              "storage_class": "https://docs.ceph.com/en/latest/radosgw/s3/ (Storage Class: not supported; use "
                               "Bucket Location)"},
          unsupported={"storage_class": "Ceph RGW's S3 API has no storage classes (its documentation points to "
                                        "placement by bucket location): drop --storage-class"}),
    Store("garage", "Garage", endpoint=None, default_region="garage", style="path", post=True, sigv2=False,
          sources={
              "endpoint": "your cluster (--endpoint-url): " + _GARAGE,
              "region": "https://garagehq.deuxfleurs.fr/documentation/reference-manual/configuration/ "
                        "(s3_region; garage in its examples)",
              "style": _GARAGE + " (path; vhost-style with root_domain)",
              "expiry": _NOT_DOCUMENTED, "post": _GARAGE + " (PostObject implemented)",
              "sigv2": _GARAGE + " (signature v2 missing)", "acl": _GARAGE + " (no ACLs)",
              "version_id": _GARAGE + " (no versioning)"},
          unsupported={"acl": "Garage has no ACLs (access is granted per key and bucket): drop --acl",
                       "version_id": "Garage has no object versioning: drop --version-id"}),
    Store("storj", "Storj", endpoint="https://gateway.storjshare.io", default_region="us-east-1", style="path",
          sigv2=True, sources={
              "endpoint": "https://storj.dev/dcs/api/s3/presigned-urls",
              "region": "not documented: its examples sign with boto3's default, us-east-1",
              "style": "https://storj.dev/dcs/api/s3/presigned-urls (its example URL is path style)",
              "expiry": _NOT_DOCUMENTED, "post": "not documented (not in " + _STORJ + ")",
              "sigv2": "https://storj.dev/dcs/api/s3/presigned-urls (its example URL is SigV2)",
              "acl": _STORJ + " (ACL actions are not supported)"},
          unsupported={"acl": "Storj has no ACLs (access comes from the access grant): drop --acl"}),
    Store("tigris", "Tigris", endpoint="https://t3.storage.dev", signing_region="auto", style="virtual", post=True,
          sigv2=False, sources={
              "endpoint": "https://www.tigrisdata.com/docs/sdks/s3/aws-cli/",
              "region": "https://www.tigrisdata.com/docs/sdks/s3/aws-cli/ (region auto)",
              "style": "https://www.tigrisdata.com/docs/sdks/s3/aws-ruby-sdk/ (force_path_style false)",
              "expiry": "https://www.tigrisdata.com/docs/ai-agents/presigned-urls.md (up to 90 days; s3presign "
                        "keeps SigV4's 604800 s)",
              "post": "https://www.tigrisdata.com/docs/objects/upload-via-html-form/ (SigV4, region auto)",
              "sigv2": "https://www.tigrisdata.com/docs/objects/upload-via-html-form/ (Signature version 4 only)"}),
    Store("idrive", "IDrive e2", endpoint="https://s3.{region}.idrivee2.com", regions=(
              "us-west-1", "us-west-2", "us-west-3", "us-southwest-1", "us-midwest-1", "us-central-1", "us-east-1",
              "us-southeast-1", "ca-east-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-west-4", "eu-central-1",
              "eu-central-2"),
          style="path", sigv2=True, sources={
              "endpoint": "https://www.idrive.com/s3-storage-e2/e2-endpoint-urls",
              "region": "https://www.idrive.com/s3-storage-e2/e2-endpoint-urls (the region code; its table lists "
                        "more regions than s3presign knows: give others with --endpoint-url)",
              "style": "not documented: path style chosen",
              "expiry": _NOT_DOCUMENTED, "post": "not documented",
              "sigv2": "https://www.idrive.com/e2/guides/s3_developer_guide.htm (SigV2 and SigV4)"}),
)}


def get_store(name: str) -> Store:
    """The preset named ``name`` (``get_store("b2")``), or ``StoreSettingError`` listing the names."""
    store = STORES.get(name.strip().lower()) if isinstance(name, str) else None
    if store is None:
        raise StoreSettingError(f"unknown provider {name!r}: use one of {', '.join(STORES)} "
                                "(s3presign providers lists them)", setting="provider")
    return store


def shape(store: Store, *, region: str | None = None, endpoint_url: str | None = None,
          addressing_style: str | None = None, account_id: str | None = None) -> dict[str, tuple[object, str]]:
    """The settings the preset chooses, as ``{name: (value, why)}``, for the ones the caller left
    None; the ones given are checked against the store. ``shape(get_store("r2"), account_id="abc")``
    -> endpoint_url ``https://abc.r2.cloudflarestorage.com``, region ``auto``, addressing_style virtual."""
    chosen: dict[str, tuple[object, str]] = {}
    where = f"preset {store.name}"
    if region is not None:
        _check_region(store, region)
    elif store.signing_region:
        chosen["region"] = (store.signing_region, f"{where}: {store.title} signs for region {store.signing_region}")
        region = store.signing_region
    elif store.default_region:
        chosen["region"] = (store.default_region, f"{where}: default region")
        region = store.default_region
    elif store.endpoint and "{region}" in store.endpoint or store.regions:
        example = store.regions[0] if store.regions else {"b2": "us-west-004", "linode": "us-east-1",
                                                          "ibm": "us-south", "oci": "us-ashburn-1"}.get(store.name, "")
        raise StoreSettingError(f"{store.title} needs the bucket's region: give --region (e.g. {example})",
                                setting="region")
    if endpoint_url is None:
        if store.needs_endpoint:
            raise StoreSettingError(f"{store.title} runs at your own address: give --endpoint-url "
                                    "(e.g. http://127.0.0.1:9000)", setting="endpoint_url")
        if store.endpoint is not None:
            if "{account_id}" in store.endpoint and not account_id:
                raise StoreSettingError(f"{store.title} needs your {store.account_id_name}: give --account-id "
                                        "(or s3presign_account_id in the profile)", setting="account_id")
            if account_id is not None and not _is_label(account_id):
                raise StoreSettingError(f"invalid {store.account_id_name} {account_id!r}: letters, digits and '-'",
                                        setting="account_id")
            url = store.region_hosts.get(str(region)) or store.endpoint.format(region=region,
                                                                               account_id=(account_id or "").lower())
            chosen["endpoint_url"] = (url, f"{where}: {store.endpoint}")
    if addressing_style is None:
        chosen["addressing_style"] = (store.style, f"{where}: {store.title}'s addressing style")
    elif addressing_style not in store.styles and addressing_style != "auto":
        raise StoreSettingError(f"{store.title} does not take {addressing_style}-style URLs: "
                                f"use --addressing-style {store.style}", setting="addressing_style")
    return chosen


def _is_label(text: str) -> bool:
    return bool(text) and len(text) <= 63 and all(c.isascii() and (c.isalnum() or c == "-") for c in text)


def _check_region(store: Store, region: str) -> None:
    if store.signing_region:
        # R2 documents its only region and aliases; GCS and Tigris document "auto" without saying
        # that others are refused, so a region given for them is taken as given (an override).
        if store.region_aliases and region not in (store.signing_region, *store.region_aliases):
            also = f" ({', '.join(store.region_aliases)} is an alias)" if store.region_aliases else ""
            raise StoreSettingError(f"{store.title} signs for region {store.signing_region}{also}, not {region!r}: "
                                    f"drop the region or use {store.signing_region}", setting="region")
    elif store.regions is not None and region not in store.regions:
        raise StoreSettingError(f"{store.title} has no region {region!r}: use one of {', '.join(store.regions)} "
                                "(or --endpoint-url for another)", setting="region")
    elif store.name == "b2":
        # "s3.<region>.backblazeb2.com, where <region> is similar to us-west-004" (the B2 docs):
        # a region without the three-digit cluster number names no B2 endpoint.
        tail = region.rsplit("-", 1)[-1]
        if not (len(tail) == 3 and tail.isdigit()):
            raise StoreSettingError(f"Backblaze B2 has no region {region!r}: B2 regions look like us-west-004 "
                                    "(see the bucket's endpoint)", setting="region")


# -- the signer's settings ------------------------------------------------------------------------


def limits(store: Store | None) -> Store | None:
    """The preset whose limits a signer keeps: ``store``, or None for aws (S3's own are the signer's)."""
    return None if store is None or store.name == "aws" else store


def preset_settings(name: str, *, region: str | None = None, account_id: str | None = None,
                    endpoint_url: str | None = None, addressing_style: str | None = None,
                    signature_version: str = "v4") -> tuple[Store | None, dict[str, Any]]:
    """``Presigner.for_provider``'s settings: (the limits to keep, the signer's keyword arguments):
    the preset's choices, with the caller's own winning and checked against the store."""
    store = get_store(name)
    chosen = shape(store, region=region, endpoint_url=endpoint_url, addressing_style=addressing_style,
                   account_id=account_id)
    settings: dict[str, Any] = {"region": region, "endpoint_url": endpoint_url, "addressing_style": addressing_style}
    settings.update({name: value for name, (value, _) in chosen.items()})
    if signature_version == "v2" and store.sigv2 is False:
        raise StoreSettingError(f"{store.title} accepts SigV4 only: use signature_version='v4'",
                                setting="signature_version")
    return limits(store), settings


# -- the table ---------------------------------------------------------------------------------


def table() -> list[dict[str, str]]:
    """One row per store for ``s3presign providers``: name, endpoint, region, style, max expiry, refused, unknown."""
    rows = []
    for store in STORES.values():
        endpoint = store.endpoint or ("AWS's own (region, dualstack, FIPS ...)" if store.name == "aws"
                                      else "--endpoint-url (self-hosted)")
        rows.append({
            "name": store.name, "store": store.title, "endpoint": endpoint, "region": store.region_rule(),
            "style": store.style, "max_expiry": str(store.max_expires),
            "unsupported": ", ".join(store.refusals()) or "-",
            "not_documented": ", ".join(store.unknowns()) or "-",
        })
    return rows
