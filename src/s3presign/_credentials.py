"""Credentials: an access key id, its secret and an optional session token."""

from __future__ import annotations

from ._errors import CredentialsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Credentials"]


class Credentials:
    """AWS credentials; the repr shows the key id only, e.g. ``Credentials("AKID", "SECRET")``.

    ``expires_at`` (an aware datetime) is set for temporary credentials: a URL they sign stops
    working then. Immutable, comparable and picklable. (A plain class rather than a dataclass:
    ``dataclasses`` costs more start-up time than the whole command may take.)
    """

    __slots__ = ("access_key_id", "expires_at", "secret_access_key", "session_token")

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    expires_at: datetime | None

    def __init__(self, access_key_id: str, secret_access_key: str, session_token: str | None = None,
                 expires_at: datetime | None = None) -> None:
        if not isinstance(access_key_id, str) or not access_key_id:
            raise CredentialsError("the access key id is empty: give the key id of an IAM user or role")
        if not isinstance(secret_access_key, str) or not secret_access_key:
            raise CredentialsError(
                f"the secret access key for {access_key_id} is empty: give the secret that goes with it"
            )
        if any(c.isspace() for c in access_key_id) or "/" in access_key_id:
            raise CredentialsError(
                f"the access key id {access_key_id!r} contains a space or '/': check for a copy-paste error"
            )
        if session_token is not None and not isinstance(session_token, str):
            raise CredentialsError("the session token must be a string or None")
        if expires_at is not None and expires_at.utcoffset() is None:
            raise CredentialsError("expires_at must be an aware datetime, e.g. datetime.now(timezone.utc)")
        set_ = object.__setattr__
        set_(self, "access_key_id", access_key_id)
        set_(self, "secret_access_key", secret_access_key)
        set_(self, "session_token", session_token or None)
        set_(self, "expires_at", expires_at)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Credentials are immutable: make new ones")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> tuple[object, ...]:
        return (Credentials, self._fields())

    def _fields(self) -> tuple[str, str, str | None, datetime | None]:
        return (self.access_key_id, self.secret_access_key, self.session_token, self.expires_at)

    def __repr__(self) -> str:
        token = "'***'" if self.session_token else "None"
        expiry = f", expires_at={self.expires_at.isoformat()!r}" if self.expires_at else ""
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='***', "
            f"session_token={token}{expiry})"
        )

    __str__ = __repr__
