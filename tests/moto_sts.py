"""moto's server as the real STS on loopback, with signature checking turned on.

With ``INITIAL_NO_AUTH_ACTION_COUNT``, moto verifies every SigV4 signature after the first few
calls, so an AssumeRole that s3presign signs wrongly is refused just as AWS would refuse it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ACCOUNT = "123456789012"
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST_ALL = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]}]})


@dataclass(frozen=True)
class Sts:
    endpoint: str
    access_key_id: str
    secret_access_key: str
    role_arn: str
    second_role_arn: str


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def sts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sts]:
    """moto checking signatures (AssumeRole must be signed right)."""
    yield from _moto(tmp_path_factory, checking=True)


@pytest.fixture(scope="session")
def sts_unsigned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sts]:
    """moto not checking signatures: AssumeRoleWithWebIdentity is unsigned, which moto's checking
    mode cannot take (it requires an Authorization header on every call)."""
    yield from _moto(tmp_path_factory, checking=False)


def _moto(tmp_path_factory: pytest.TempPathFactory, *, checking: bool) -> Iterator[Sts]:
    import boto3

    port = _port()
    binary = Path(sys.executable).parent / "moto_server"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    env = {**os.environ, "MOTO_ACCOUNT_ID": ACCOUNT}
    if checking:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
    with log.open("wb") as out:
        process = subprocess.Popen([str(binary), "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"moto_server did not start:\n{log.read_text()[-2000:]}", pytrace=False)
                time.sleep(0.2)
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap",
                           aws_secret_access_key="bootstrap")
        iam.create_user(UserName="presigner")  # unauthenticated call 1
        key = iam.create_access_key(UserName="presigner")["AccessKey"]  # unauthenticated call 2
        iam.put_user_policy(UserName="presigner", PolicyName="all", PolicyDocument=ALLOW_ALL)  # and 3
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        arns = []
        for name in ("reader", "auditor"):
            arns.append(iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_ALL)["Role"]["Arn"])
            iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
        yield Sts(endpoint, key["AccessKeyId"], key["SecretAccessKey"], arns[0], arns[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
