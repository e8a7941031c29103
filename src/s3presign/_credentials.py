"""Credentials: an access key id, its secret and an optional session token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ._errors import CredentialsError

__all__ = ["Credentials"]


@dataclass(frozen=True, repr=False)
class Credentials:
    """AWS credentials; the repr shows the key id only, e.g. ``Credentials("AKID", "SECRET")``.

    ``expires_at`` is set for temporary credentials: a URL they sign stops working then.
    """

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.access_key_id, str) or not self.access_key_id:
            raise CredentialsError("the access key id is empty: give the key id of an IAM user or role")
        if not isinstance(self.secret_access_key, str) or not self.secret_access_key:
            raise CredentialsError(
                f"the secret access key for {self.access_key_id} is empty: give the secret that goes with it"
            )
        if any(c.isspace() for c in self.access_key_id) or "/" in self.access_key_id:
            raise CredentialsError(
                f"the access key id {self.access_key_id!r} contains a space or '/': check for a copy-paste error"
            )
        if self.session_token is not None and not isinstance(self.session_token, str):
            raise CredentialsError("the session token must be a string or None")
        if self.session_token == "":
            object.__setattr__(self, "session_token", None)
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise CredentialsError("expires_at must be an aware datetime, e.g. datetime.now(timezone.utc)")

    def __repr__(self) -> str:
        token = "'***'" if self.session_token else "None"
        expiry = f", expires_at={self.expires_at.isoformat()!r}" if self.expires_at else ""
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='***', "
            f"session_token={token}{expiry})"
        )

    __str__ = __repr__
