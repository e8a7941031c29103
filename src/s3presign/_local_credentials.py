"""Credentials a profile holds itself, without the network: static keys and ``credential_process``.

Below both ``_config`` (which resolves the chain) and ``_credential_sources`` (roles follow a
``source_profile`` to these); imports the file layer (``_ini``), ``_credentials`` and ``_errors``.
A ``credential_process`` runs without a shell, bounded in time and output; its output is never
echoed (it may hold a secret).
"""

from __future__ import annotations

import os

from ._credentials import Credentials
from ._errors import ConfigurationError, CredentialsError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._ini import Files, Section

__all__ = ["CREDENTIAL_PROCESS_MAX_OUTPUT", "CREDENTIAL_PROCESS_TIMEOUT", "run_credential_process", "static_keys",
           "static_or_process"]

CREDENTIAL_PROCESS_TIMEOUT = 60.0  # seconds; S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT overrides
CREDENTIAL_PROCESS_MAX_OUTPUT = 1 << 20  # bytes on stdout; its JSON is a few hundred


def static_or_process(files: Files, name: str, env: Mapping[str, str]) -> Credentials | None:
    """A source profile's own keys: credentials file, credential_process, then config file."""
    found = static_keys(files.credential_profiles.get(name, {}), f"{files.credentials_path} [{name}]")
    if found is not None:
        return found
    process = files.merged(name).get("credential_process")
    if isinstance(process, str) and process:
        return run_credential_process(process, name, env)
    return static_keys(files.config_profiles.get(name, {}), f"{files.config_path} [profile {name}]")


def static_keys(section: Section, where: str) -> Credentials | None:
    """A section's ``aws_access_key_id`` and ``aws_secret_access_key`` (and token), None when it has
    neither, ``CredentialsError`` naming ``where`` when it has one only."""
    key_id, secret = section.get("aws_access_key_id"), section.get("aws_secret_access_key")
    if not key_id and not secret:
        return None
    if not (isinstance(key_id, str) and key_id and isinstance(secret, str) and secret):
        missing = "aws_secret_access_key" if key_id else "aws_access_key_id"
        raise CredentialsError(f"partial credentials in {where}: {missing} is missing; add it or remove the other")
    token = section.get("aws_session_token") or section.get("aws_security_token")
    return Credentials(key_id, secret, token if isinstance(token, str) else None)


def run_credential_process(command: str, profile: str, env: Mapping[str, str]) -> Credentials:
    """Run a ``credential_process`` command (split like a shell would, run without one) and parse its JSON."""
    import json
    import shlex
    import subprocess

    what = f"credential_process for profile {profile!r}"
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise CredentialsError(f"{what} cannot be parsed ({exc}); check its quotes") from None
    if not argv:
        raise CredentialsError(f"{what} is empty")
    timeout = _credential_process_timeout(env)
    try:
        returncode, stdout, stderr = _run_bounded(argv, env, timeout, CREDENTIAL_PROCESS_MAX_OUTPUT)
    except FileNotFoundError:
        raise CredentialsError(f"{what} cannot run: {argv[0]!r} was not found") from None
    except PermissionError:
        raise CredentialsError(f"{what} cannot run: {argv[0]!r} is not executable") from None
    except OSError as exc:
        raise CredentialsError(f"{what} cannot run: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise CredentialsError(f"{what} did not finish within {timeout:g} seconds "
                               "(set S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT to wait longer)") from None
    if stdout is None:
        raise CredentialsError(f"{what} printed more than {CREDENTIAL_PROCESS_MAX_OUTPUT >> 20} MiB on stdout; "
                               "credentials JSON is a few hundred bytes: check the command")
    if returncode != 0:
        lines = stderr.decode(errors="replace").strip().splitlines()
        detail = f": {lines[-1][:200]}" if lines else ""
        raise CredentialsError(f"{what} failed with exit code {returncode}{detail}")
    try:
        data = json.loads(stdout)
    except (ValueError, RecursionError):
        # Never echo the output: it may hold a secret.
        raise CredentialsError(f"{what} did not print valid JSON on stdout") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{what} printed JSON that is not an object")
    if data.get("Version") != 1:
        raise CredentialsError(f"{what} printed Version {data.get('Version')!r}; only Version 1 is supported")
    key_id, secret, token = data.get("AccessKeyId"), data.get("SecretAccessKey"), data.get("SessionToken")
    if not isinstance(key_id, str) or not key_id or not isinstance(secret, str) or not secret:
        raise CredentialsError(f"{what} printed JSON without AccessKeyId and SecretAccessKey")
    expires_at = None
    if data.get("Expiration"):
        from datetime import datetime, timezone

        try:
            expires_at = datetime.fromisoformat(str(data["Expiration"]).replace("Z", "+00:00"))
        except ValueError:
            raise CredentialsError(f"{what} printed an Expiration that is not an ISO 8601 time") from None
        if expires_at.utcoffset() is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        if expires_at <= datetime.now(timezone.utc):
            raise CredentialsError(f"{what} returned credentials that expired at "
                                   f"{expires_at.strftime('%Y-%m-%dT%H:%M:%SZ')}; refresh them and try again")
    return Credentials(key_id, secret, token if isinstance(token, str) else None, expires_at)


def _credential_process_timeout(env: Mapping[str, str]) -> float:
    text = env.get("S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT")
    if not text:
        return CREDENTIAL_PROCESS_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86400:  # also refuses nan and inf
        raise ConfigurationError(f"S3PRESIGN_CREDENTIAL_PROCESS_TIMEOUT must be a number of seconds from 0 to "
                                 f"86400, not {text!r}")
    return value


def _run_bounded(argv: list[str], env: Mapping[str, str], timeout: float, max_bytes: int,
                 ) -> tuple[int, bytes | None, bytes]:
    """Run a command without a shell; (exit code, stdout or None when over ``max_bytes``, the last
    64 KiB of stderr). Both pipes are drained together, so a chatty stderr cannot block the child;
    the whole run, not each read, is bounded by ``timeout`` (subprocess.TimeoutExpired)."""
    import selectors
    import subprocess
    import time

    deadline = time.monotonic() + timeout
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=dict(env))
    out, err = bytearray(), bytearray()
    too_much = False
    with child, selectors.DefaultSelector() as selector:
        assert child.stdout is not None and child.stderr is not None  # both are pipes (PIPE above)
        selector.register(child.stdout, selectors.EVENT_READ, out)
        selector.register(child.stderr, selectors.EVENT_READ, err)
        try:
            while selector.get_map() and not too_much:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired(argv, timeout)
                for key, _ in selector.select(left):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    buffer: bytearray = key.data
                    buffer += chunk
                    too_much = too_much or len(out) > max_bytes
                    del err[:-65536]
            if too_much:
                child.kill()
            returncode = child.wait(max(deadline - time.monotonic(), 0.01))
        except BaseException:
            child.kill()
            child.wait()
            raise
    return returncode, None if too_much else bytes(out), bytes(err)
