"""s3presign: presigned URLs for Amazon S3 and S3-compatible stores.

    >>> from s3presign import Presigner, Credentials
    >>> signer = Presigner(Credentials("AKID", "SECRET"), region="us-west-2")
    >>> url = signer.presign("my-bucket", "reports/2026.csv", expires_in=3600)

The front door's package: re-exports the public names lazily, on first use, so a plain presign
never loads the wings (``_inspect``, ``_post``, ``_cloudfront``, ``_boto3``).
"""

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._boto3 import from_boto3, patch_boto3
    from ._cloudfront import CloudFrontSigner
    from ._credentials import Credentials, RefreshableCredentials
    from ._endpoints import Endpoint
    from ._errors import (
        CloudFrontKeyError,
        ConfigFileError,
        ConfigurationError,
        CredentialsError,
        Error,
        InvalidRequestError,
        ServiceError,
    )
    from ._inspect import Explanation, PresignInfo, Verification, explain, inspect, verify
    from ._post import PresignedPost
    from ._presigner import PresignedRequest, Presigner, SignedDetails, presign
del TYPE_CHECKING  # not a public name

# Every name loads on first use (PEP 562), so ``import s3presign.cli`` runs no module the command
# does not need, and runs it after the command has set the collector for a short-lived process
# (see cli.run); the wings (_inspect, _post, _cloudfront, _boto3) stay off a plain presign's path.
_LAZY = {
    "Credentials": "._credentials", "RefreshableCredentials": "._credentials", "Endpoint": "._endpoints",
    **dict.fromkeys(("CloudFrontKeyError", "ConfigFileError", "ConfigurationError", "CredentialsError", "Error",
                     "InvalidRequestError", "ServiceError"), "._errors"),
    **dict.fromkeys(("PresignedRequest", "Presigner", "SignedDetails", "presign"), "._presigner"),
    "CloudFrontSigner": "._cloudfront", "from_boto3": "._boto3", "patch_boto3": "._boto3",
    **dict.fromkeys(("Explanation", "PresignInfo", "Verification", "explain", "inspect", "verify"), "._inspect"),
    "PresignedPost": "._post",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 's3presign' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CloudFrontKeyError",
    "CloudFrontSigner",
    "ConfigFileError",
    "ConfigurationError",
    "Credentials",
    "CredentialsError",
    "Endpoint",
    "Error",
    "Explanation",
    "InvalidRequestError",
    "PresignInfo",
    "PresignedPost",
    "PresignedRequest",
    "Presigner",
    "RefreshableCredentials",
    "ServiceError",
    "SignedDetails",
    "Verification",
    "__version__",
    "explain",
    "from_boto3",
    "inspect",
    "patch_boto3",
    "presign",
    "verify",
]
