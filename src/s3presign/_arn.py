"""S3 resource ARNs given as a bucket: access points, Multi-Region Access Points, Outposts.

An ARN is ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). The forms S3 accepts in
place of a bucket name, as AWS CLI v2 reads them (botocore's S3 endpoint rules and the CLI's
``find_bucket_key``):

- access point: ``arn:aws:s3:us-west-2:123456789012:accesspoint/NAME`` (or ``accesspoint:NAME``);
- Multi-Region Access Point: the same with an empty region, ``arn:aws:s3::123456789012:accesspoint/ALIAS.mrap``;
- Outposts access point:
  ``arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-ID/accesspoint/NAME`` (``/`` or ``:``);
- S3 Object Lambda access point (``s3-object-lambda``) and Outposts bucket ARNs: refused, as AWS
  CLI v2's ``s3`` commands refuse them.

Parsing only: where each one points and how it is signed is ``_endpoints``' business.

A pure layer: imports only ``_errors``.
"""

from __future__ import annotations

from ._errors import InvalidRequestError

__all__ = ["Arn", "is_arn", "parse_arn", "split_arn_uri"]

_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_LABEL = _ALNUM | {"-"}
_REGION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


class Arn:
    """A parsed S3 resource ARN: ``parse_arn("arn:aws:s3:us-west-2:123456789012:accesspoint/ap").name == "ap"``.

    ``kind`` is ``"accesspoint"``, ``"mrap"`` (Multi-Region Access Point) or ``"outposts"``;
    ``outpost_id`` is set for Outposts only; ``region`` is empty for a Multi-Region Access Point.
    """

    __slots__ = ("account", "kind", "name", "outpost_id", "partition", "region", "service", "text")

    def __init__(self, text: str, *, partition: str, service: str, region: str, account: str, kind: str,
                 name: str, outpost_id: str = "") -> None:
        self.text = text
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.kind = kind
        self.name = name
        self.outpost_id = outpost_id

    def __repr__(self) -> str:
        return f"Arn({self.text!r})"


def is_arn(bucket: str) -> bool:
    """Whether a bucket argument is an ARN rather than a bucket name: ``is_arn("arn:aws:s3:...")``."""
    return bucket[:4] == "arn:"


def _is_host_label(text: str) -> bool:
    """botocore's ``isValidHostLabel``: 1-63 of ``a-z A-Z 0-9 -``, starting and ending alphanumeric."""
    return (0 < len(text) <= 63 and _LABEL.issuperset(text) and text[0] in _ALNUM
            and text[-1] in _ALNUM)


def _bad(text: str, why: str) -> InvalidRequestError:
    return InvalidRequestError(f"invalid ARN {text!r}: {why}")


def parse_arn(text: str) -> Arn:
    """Parse an S3 access point, Multi-Region Access Point or Outposts access point ARN.

    Raises ``InvalidRequestError`` (one sentence, naming what is wrong) for anything else.
    """
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise _bad(text, "an S3 ARN reads arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME")
    _, partition, service, region, account, resource = parts
    if service == "s3" and not region and not account and resource and "/" not in resource and ":" not in resource:
        raise InvalidRequestError(f"{text!r} is a bucket ARN: give the bucket's name, s3://{resource}/KEY "
                                  "(ARNs in an S3 URI name access points)")
    if partition not in ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f",
                         "aws-eusc"):
        raise _bad(text, f"unknown partition {partition!r} (aws, aws-cn, aws-us-gov, ...)")
    if service == "s3-object-lambda":
        raise InvalidRequestError(
            f"{text!r} is an S3 Object Lambda access point: presigned URLs for it are not supported "
            "(aws s3 presign refuses it too); use the supporting access point's ARN or call it through an SDK"
        )
    if service not in ("s3", "s3-outposts"):
        raise _bad(text, f"the service is {service!r}; S3 ARNs name s3 or s3-outposts")
    if len(account) != 12 or not account.isascii() or not account.isdigit():
        raise _bad(text, f"the account id {account!r} must be 12 digits")
    if region and (not _REGION_CHARS.issuperset(region) or "fips" in region.split("-")
                   or region[0] == "-" or region[-1] == "-"):
        raise _bad(text, f"{region!r} is not a region; give one like us-west-2 (FIPS is a setting, not a region)")
    words = resource.replace(":", "/").split("/")
    if service == "s3":
        if len(words) != 2 or words[0] != "accesspoint":
            raise _bad(text, "an S3 ARN names an access point: ...:accesspoint/NAME")
        name = words[1]
        if not region:  # a Multi-Region Access Point: its alias, dotted labels allowed
            if not 0 < len(name) <= 63 or not all(_is_host_label(label) for label in name.split(".")):
                raise _bad(text, f"the Multi-Region Access Point alias {name!r} must be host name labels")
            return Arn(text, partition=partition, service=service, region="", account=account, kind="mrap",
                       name=name)
        if not _is_host_label(name):
            raise _bad(text, f"the access point name {name!r} may only contain a-z, A-Z, 0-9 and '-' "
                             "(not at either end), at most 63 characters")
        return Arn(text, partition=partition, service=service, region=region, account=account,
                   kind="accesspoint", name=name)
    if not region:
        raise _bad(text, "an Outposts ARN needs the Outpost's region")
    if len(words) >= 3 and words[0] == "outpost" and words[2] == "bucket":
        raise InvalidRequestError(
            f"{text!r} is an Outposts bucket ARN: presign through its access point's ARN "
            "(...:outpost/ID/accesspoint/NAME), as aws s3 presign requires"
        )
    if len(words) != 4 or words[0] != "outpost" or words[2] != "accesspoint":
        raise _bad(text, "an Outposts ARN reads ...:outpost/OUTPOST_ID/accesspoint/NAME")
    for label, what in ((words[1], "Outpost id"), (words[3], "access point name")):
        if not _is_host_label(label):
            raise _bad(text, f"the {what} {label!r} may only contain a-z, A-Z, 0-9 and '-'")
    return Arn(text, partition=partition, service=service, region=region, account=account, kind="outposts",
               name=words[3], outpost_id=words[1])


def split_arn_uri(rest: str) -> tuple[str, str]:
    """Split ``ARN/KEY`` (an S3 URI without ``s3://``) where the ARN ends, as AWS CLI v2 does.

    ``split_arn_uri("arn:aws:s3:us-west-2:123456789012:accesspoint/ap/a/b.txt")`` ->
    ``("arn:aws:s3:us-west-2:123456789012:accesspoint/ap", "a/b.txt")``. An access point ARN ends
    at the first ``/`` after ``accesspoint[:/]NAME``; an Outposts one after
    ``outpost[:/]ID[:/]accesspoint[:/]NAME`` (the separator after it may be ``/`` or ``:``).
    """
    head = rest.split(":", 5)
    if len(head) == 6 and head[2] == "s3-outposts":
        resource = head[5]
        cut = 0
        for _ in range(3):  # skip "outpost", the id and "accesspoint" (or "bucket")
            seps = [i for i in (resource.find("/", cut), resource.find(":", cut)) if i >= 0]
            if not seps:
                return rest, ""
            cut = min(seps) + 1
        seps = [i for i in (resource.find("/", cut), resource.find(":", cut)) if i >= 0]
        if not seps:
            return rest, ""
        end = len(rest) - len(resource) + min(seps)
        return rest[:end], rest[end + 1:]
    if len(head) == 6 and head[2] not in ("s3", "s3-object-lambda"):  # not S3: parse_arn says so
        resource = head[5]
        end = rest.find("/", len(rest) - len(resource))
        return (rest, "") if end < 0 else (rest[:end], rest[end + 1:])
    if len(head) == 6 and not head[5].startswith(("accesspoint/", "accesspoint:")):
        # not an access point (a bucket ARN, arn:aws:s3:::BUCKET/KEY): the ARN ends at the first '/'
        resource = head[5]
        end = rest.find("/", len(rest) - len(resource))
        return (rest, "") if end < 0 else (rest[:end], rest[end + 1:])
    if len(head) == 6:
        resource = head[5]
        name_start = len(rest) - len(resource) + len("accesspoint") + 1
        end = rest.find("/", name_start)
        if end < 0:
            return rest, ""
        return rest[:end], rest[end + 1:]
    return rest, ""
