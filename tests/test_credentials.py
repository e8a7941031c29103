"""Credentials never show their secret or token."""

from __future__ import annotations

import pickle

import pytest

from s3presign import Credentials, CredentialsError, Presigner

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"


def test_repr_and_str_hide_secret_and_token() -> None:
    creds = Credentials("AKIDEXAMPLE", SECRET, session_token=TOKEN)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr(Presigner(creds))):
        assert SECRET not in text
        assert TOKEN not in text
    assert "AKIDEXAMPLE" in repr(creds)


def test_pickled_presigner_signs_the_same() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET, session_token=TOKEN), region="eu-west-1",
                       endpoint_url="https://h.example/base", addressing_style="virtual")
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    clone = pickle.loads(pickle.dumps(signer))
    assert clone.presign("my-bucket", "k", now=now) == signer.presign("my-bucket", "k", now=now)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", SECRET), "access key id is empty"),
        (("AKID", ""), "secret access key for AKID is empty"),
        (("AK ID", SECRET), "space"),
    ],
)
def test_bad_credentials(args: tuple[str, str], message: str) -> None:
    with pytest.raises(CredentialsError, match=message) as info:
        Credentials(*args)
    assert SECRET not in str(info.value)


def test_result_reprs_do_not_show_the_session_token() -> None:
    signer = Presigner(Credentials("AKIDEXAMPLE", SECRET, session_token=TOKEN), region="eu-west-1")
    request = signer.presign_request("my-bucket", "k", method="PUT", headers={"Content-Type": "text/csv"})
    details = signer.presign_details("my-bucket", "k")
    post = signer.presign_post("my-bucket", "up/${filename}")
    assert TOKEN in request.url  # by design: the URL carries it
    for text in (repr(request), repr(details), repr(post), repr(signer)):
        assert TOKEN not in text and SECRET not in text
