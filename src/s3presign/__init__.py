"""s3presign: presigned URLs for Amazon S3 and S3-compatible stores.

    >>> from s3presign import Presigner, Credentials
    >>> signer = Presigner(Credentials("AKID", "SECRET"), region="us-west-2")
    >>> url = signer.presign("my-bucket", "reports/2026.csv", expires_in=3600)
"""

from ._credentials import Credentials, RefreshableCredentials
from ._endpoints import Endpoint
from ._errors import (
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

__version__ = "0.1.0"

__all__ = [
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
    "inspect",
    "presign",
    "verify",
]
