"""Credential sources that talk to a service: assume role, web identity, SSO, container, instance metadata.

Imported only when a profile needs one of them (the static-key path never loads this module or
its network modules). Each follows AWS CLI v2 (botocore's credential providers), facts in
../shared/reference/s3-presign-facts.md:

- assume role: ``role_arn`` with ``source_profile`` (followed through chains, loops reported) or
  ``credential_source`` (Environment, Ec2InstanceMetadata, EcsContainer); ``mfa_serial`` asks for a
  code on the terminal; ``external_id``, ``role_session_name``, ``duration_seconds``; STS AssumeRole
  (SigV4-signed form POST) at the regional endpoint, or the one configured for ``sts``;
- web identity: STS AssumeRoleWithWebIdentity (unsigned) with the token file's contents;
- SSO: the token ``aws sso login`` cached, refreshed through SSO OIDC when it holds a refresh
  token, then the portal's GetRoleCredentials;
- container: ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` (169.254.170.2) or ``..._FULL_URI`` (https,
  or an allowed local host), with the authorization token or token file;
- instance metadata: IMDSv2 (a PUT for a token, then GETs with it), falling back to v1 when the
  token request is not supported, unless v1 is disabled.

Assume-role and web-identity results are cached in ``~/.aws/cli/cache`` under AWS CLI's file names
(sha1 of the sorted JSON of the call's arguments), mode 0600, so both tools share them (one MFA
prompt for both).

Settings layer: imports ``_ini``, ``_local_credentials``, ``_sigv4``, ``_endpoints``, ``_http``, ``_files``
and the ground; never ``_config`` (which imports it).
"""

from __future__ import annotations

import json
import os
import time

from ._credentials import Credentials
from ._errors import ConfigurationError, CredentialsError, Error
from ._http import HTTPError, Response, request, without_query

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from urllib.parse import SplitResult

    from ._ini import Files, Section

__all__ = ["container_credentials", "imds_credentials", "profile_credentials"]

EXPIRY_WINDOW = 15 * 60  # cached credentials this close to expiry are fetched again (botocore's window)
STS_VERSION = "2011-06-15"
_STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


# -- HTTP ----------------------------------------------------------------------------------------


def http(method: str, url: str, *, headers: Mapping[str, str] | None = None, body: bytes | None = None,
         timeout: float = 10.0, env: Mapping[str, str], ca_bundle: str | None = None, what: str) -> Response:
    """One credential call through ``_http`` (no redirects, bounded body, a deadline for the whole
    call). A redirect is refused here: the credential header must not follow it to another host."""
    try:
        response = request(method, url, headers=headers, body=body, timeout=timeout, env=env,
                           ca_bundle=ca_bundle, what=what)
    except HTTPError as exc:
        raise CredentialsError(str(exc)) from None
    if 300 <= response.status < 400:
        raise CredentialsError(
            f"{what} at {without_query(url)} answered with a redirect to {response.location or 'nowhere'}; "
            "credential calls never follow redirects: point the setting at the final address"
        )
    return response


# -- caching, shared with the AWS CLI --------------------------------------------------------------


def _cache_dir(env: Mapping[str, str]) -> str:
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".aws", "cli", "cache")


def cache_key(arguments: Mapping[str, object]) -> str:
    """AWS CLI's cache file name for an assume-role call: sha1 of its sorted JSON arguments."""
    import hashlib

    digest = hashlib.sha1(json.dumps(arguments, sort_keys=True).encode("utf-8")).hexdigest()
    return digest.replace(":", "_").replace(os.sep, "_").replace("/", "_")


def _cache_read(env: Mapping[str, str], key: str) -> Credentials | None:
    from ._files import read_text

    try:
        data = json.loads(read_text(os.path.join(_cache_dir(env), key + ".json")))
        creds = _from_sts_json(data["Credentials"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError, CredentialsError):
        return None
    if creds.expires_at is None or creds.expires_at.timestamp() - time.time() < EXPIRY_WINDOW:
        return None
    return creds


def _cache_write(env: Mapping[str, str], key: str, response: dict[str, object]) -> None:
    from ._files import write_private

    try:  # atomic, 0600, never through a planted symlink
        write_private(os.path.join(_cache_dir(env), key + ".json"), json.dumps(response).encode("utf-8"))
    except OSError:
        pass  # a cache that cannot be written only costs a call next time


def _parse_time(text: str) -> datetime:
    from datetime import datetime, timezone

    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.utcoffset() is not None else value.replace(tzinfo=timezone.utc)


def _from_sts_json(data: Mapping[str, object]) -> Credentials:
    expiration = data.get("Expiration")
    return Credentials(str(data["AccessKeyId"]), str(data["SecretAccessKey"]), str(data.get("SessionToken") or ""),
                       _parse_time(str(expiration)) if expiration else None)


# -- STS -------------------------------------------------------------------------------------------


def sts_endpoint(region: str | None, env: Mapping[str, str], files: Files, section: Section) -> tuple[str, str]:
    """(endpoint URL, signing region) for STS: configured endpoints first, else the regional one."""
    signing = region or "us-east-1"
    configured = _service_endpoint("sts", "STS", env, files, section)
    if configured:
        return configured.rstrip("/"), signing
    if region is None:
        return "https://sts.amazonaws.com", signing
    from ._endpoints import partition_of

    return f"https://sts.{region}.{partition_of(region).dns_suffix}", signing


def _service_endpoint(service: str, variable: str, env: Mapping[str, str], files: Files,
                      section: Section) -> str | None:
    if (env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") or "").strip().lower() == "true":
        return None
    for name in (f"AWS_ENDPOINT_URL_{variable}", "AWS_ENDPOINT_URL"):
        if env.get(name):
            return env[name]
    services = section.get("services")
    if isinstance(services, str):
        block = files.services.get(services, {}).get(service)
        if isinstance(block, dict) and block.get("endpoint_url"):
            return block["endpoint_url"]
    value = section.get("endpoint_url")
    return value if isinstance(value, str) and value else None


def _sts_call(endpoint: str, region: str, form: dict[str, str], env: Mapping[str, str], *,
              signer: Credentials | None, ca_bundle: str | None) -> dict[str, object]:
    """POST an STS action; with ``signer``, SigV4-signed in the Authorization header."""
    import hashlib
    from urllib.parse import urlencode

    from . import _sigv4

    body = urlencode({"Action": form.pop("Action"), "Version": STS_VERSION, **form}).encode()
    parts = _split_url(endpoint, "the STS endpoint")
    host = parts.netloc
    path = parts.path or "/"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if signer is not None:
        signed = _sigv4.signed_headers(
            credentials=signer, method="POST", path=path, params=[], headers=[*headers.items(), ("Host", host)],
            payload_hash=hashlib.sha256(body).hexdigest(), region=region, service="sts",
            amz_date=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        headers = {name: value for name, value in signed if name != "Host"}  # the client sends Host from the URL
    response = http("POST", endpoint + ("" if parts.path else "/"), headers=headers, body=body, env=env,
                    ca_bundle=ca_bundle, what="STS")
    return _sts_result(response)


def _sts_result(response: Response) -> dict[str, object]:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(response.body)
    except ET.ParseError:
        raise CredentialsError(f"STS answered HTTP {response.status} with a body that is not XML") from None
    if response.status != 200:
        code = root.findtext(f".//{_STS_NS}Code") or root.findtext(".//Code") or f"HTTP {response.status}"
        message = root.findtext(f".//{_STS_NS}Message") or root.findtext(".//Message") or ""
        raise CredentialsError(f"STS refused: {code}: {message}".rstrip(": "))
    credentials = root.find(f".//{_STS_NS}Credentials")
    if credentials is None:
        raise CredentialsError("STS answered without Credentials")
    values = {child.tag.removeprefix(_STS_NS): child.text or "" for child in credentials}
    try:  # checked before anyone caches it: a bad reply must not be served from the cache later
        if not all(values.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")):
            raise ValueError("a field is missing")
        _from_sts_json(values)
    except (ValueError, Error):
        raise CredentialsError("STS answered without usable Credentials (AccessKeyId, SecretAccessKey, "
                               "SessionToken and an ISO 8601 Expiration)") from None
    user = root.find(f".//{_STS_NS}AssumedRoleUser")
    result: dict[str, object] = {"Credentials": values}
    if user is not None:
        result["AssumedRoleUser"] = {c.tag.removeprefix(_STS_NS): c.text or "" for c in user}
    return result


# -- profiles ----------------------------------------------------------------------------------------


def profile_credentials(name: str, files: Files, env: Mapping[str, str], *, region: str | None,
                        prompt: Callable[[str], str] | None = None, visited: tuple[str, ...] = ()) -> Credentials:
    """Credentials for a profile whose source needs a service (role_arn, web identity, SSO)."""
    section = files.merged(name)
    if name in visited:
        chain = " -> ".join((*visited, name))
        raise ConfigurationError(f"the profiles form a loop through source_profile: {chain}; break it")
    if section.get("role_arn") and not section.get("web_identity_token_file"):
        return _assume_role(name, section, files, env, region=region, prompt=prompt, visited=(*visited, name))
    if section.get("web_identity_token_file"):
        return web_identity(env, files, section, token_file=str(section["web_identity_token_file"]),
                            role_arn=str(section.get("role_arn") or ""), session_name=section.get("role_session_name"),
                            region=region, where=f"profile {name!r}")
    if section.get("sso_session") or section.get("sso_start_url"):
        return sso_credentials(name, section, files, env)
    from ._local_credentials import static_or_process

    found = static_or_process(files, name, env)
    if found is None:
        raise CredentialsError(f"profile {name!r} (a source_profile) has no credentials: add keys, a role_arn, "
                               "SSO settings or a credential_process to it")
    return found


def _assume_role(name: str, section: Section, files: Files, env: Mapping[str, str], *, region: str | None,
                 prompt: Callable[[str], str] | None, visited: tuple[str, ...]) -> Credentials:
    role_arn = str(section["role_arn"])
    source_profile, credential_source = section.get("source_profile"), section.get("credential_source")
    if source_profile and credential_source:
        raise ConfigurationError(f"profile {name!r} has both source_profile and credential_source: keep one")
    if not source_profile and not credential_source:
        raise ConfigurationError(f"profile {name!r} has role_arn but neither source_profile nor credential_source")
    arguments: dict[str, object] = {"RoleArn": role_arn}
    session_name = section.get("role_session_name")
    if session_name:
        arguments["RoleSessionName"] = str(session_name)
    if section.get("external_id"):
        arguments["ExternalId"] = str(section["external_id"])
    if section.get("mfa_serial"):
        arguments["SerialNumber"] = str(section["mfa_serial"])
    if section.get("duration_seconds"):
        try:
            arguments["DurationSeconds"] = int(str(section["duration_seconds"]))
        except ValueError:
            raise ConfigurationError(f"profile {name!r}: duration_seconds must be a number of seconds") from None
    key = cache_key(arguments)
    cached = _cache_read(env, key)
    if cached is not None:
        return cached
    if credential_source:
        source = _credential_source(str(credential_source), name, env)
    else:
        source_name = str(source_profile)
        if source_name != name and source_name not in visited and not files.has_profile(source_name):
            raise ConfigurationError(f"profile {name!r} names source_profile {source_name!r}, which does not exist")
        if source_name == name:  # a profile may name itself to use its own static keys
            from ._local_credentials import static_or_process

            own = static_or_process(files, name, env)
            if own is None:
                raise ConfigurationError(f"profile {name!r} is its own source_profile but has no keys")
            source = own
        else:
            source = profile_credentials(source_name, files, env, region=region, prompt=prompt, visited=visited)
    form = {"Action": "AssumeRole", "RoleArn": role_arn,
            "RoleSessionName": str(session_name or f"botocore-session-{int(time.time())}")}
    for field in ("ExternalId", "SerialNumber", "DurationSeconds"):
        if field in arguments:
            form[field] = str(arguments[field])
    if "SerialNumber" in arguments:
        ask = prompt or _tty_prompt
        form["TokenCode"] = ask(f"Enter MFA code for {arguments['SerialNumber']}: ").strip()
    region = region or _profile_region(section)
    endpoint, signing_region = sts_endpoint(region, env, files, section)
    response = _sts_call(endpoint, signing_region, form, env, signer=source, ca_bundle=_ca(section))
    _cache_write(env, key, response)
    return _from_sts_json(response["Credentials"])  # type: ignore[arg-type]


def _profile_region(section: Section) -> str | None:
    value = section.get("region")
    return value if isinstance(value, str) and value else None


def _ca(section: Section) -> str | None:
    value = section.get("ca_bundle")
    return value if isinstance(value, str) and value else None


def _credential_source(kind: str, name: str, env: Mapping[str, str]) -> Credentials:
    if kind == "Environment":
        key_id, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not key_id or not secret:
            raise CredentialsError(f"profile {name!r} uses credential_source = Environment, but "
                                   "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set")
        return Credentials(key_id, secret, env.get("AWS_SESSION_TOKEN"))
    if kind == "EcsContainer":
        found = container_credentials(env)
        if found is None:
            raise CredentialsError(f"profile {name!r} uses credential_source = EcsContainer, but "
                                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI is not set")
        return found
    if kind == "Ec2InstanceMetadata":
        found = imds_credentials(env, {})
        if found is None:
            raise CredentialsError(f"profile {name!r} uses credential_source = Ec2InstanceMetadata, but the "
                                   "instance metadata service gave no credentials")
        return found
    raise ConfigurationError(f"profile {name!r}: credential_source {kind!r} is not one of Environment, "
                             "Ec2InstanceMetadata, EcsContainer")


def _tty_prompt(message: str) -> str:
    """Ask on the terminal itself (not stdout, which may be a pipe), without echo."""
    import getpass

    try:
        return getpass.getpass(message)
    except (EOFError, OSError):
        raise CredentialsError("an MFA code is needed but there is no terminal to ask on; run once in a terminal "
                               "(the result is cached), or use a profile without mfa_serial") from None


def web_identity(env: Mapping[str, str], files: Files, section: Section, *, token_file: str, role_arn: str,
                 session_name: object, region: str | None, where: str) -> Credentials:
    """STS AssumeRoleWithWebIdentity with the token file's current contents (unsigned)."""
    if not role_arn:
        raise ConfigurationError(f"{where} sets a web identity token file but no role_arn (or AWS_ROLE_ARN)")
    arguments: dict[str, object] = {"RoleArn": role_arn}
    if session_name:
        arguments["RoleSessionName"] = str(session_name)
    key = cache_key(arguments)
    cached = _cache_read(env, key)
    if cached is not None:
        return cached
    token = _token_file(token_file, "the web identity token file")
    form = {"Action": "AssumeRoleWithWebIdentity", "RoleArn": role_arn, "WebIdentityToken": token,
            "RoleSessionName": str(session_name or f"botocore-session-{int(time.time())}")}
    endpoint, signing_region = sts_endpoint(region or _profile_region(section), env, files, section)
    response = _sts_call(endpoint, signing_region, form, env, signer=None, ca_bundle=_ca(section))
    _cache_write(env, key, response)
    return _from_sts_json(response["Credentials"])  # type: ignore[arg-type]


def _split_url(url: str, what: str) -> SplitResult:
    """``urlsplit`` with its ValueErrors (a bad IPv6 literal, a port out of range) as a configuration error."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsed lazily; raises for a port out of range
    except ValueError as exc:
        raise ConfigurationError(f"{what} {url!r} is not a valid URL ({exc})") from None
    return parts


def _token_file(path: str, what: str) -> str:
    """A token file's text: a regular UTF-8 file of at most 1 MiB (tokens are a few KiB)."""
    from ._files import read_text

    try:
        return read_text(path, max_bytes=1 << 20).strip()
    except UnicodeDecodeError:
        raise CredentialsError(f"cannot read {what} {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise CredentialsError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


# -- SSO ---------------------------------------------------------------------------------------------


def sso_credentials(name: str, section: Section, files: Files, env: Mapping[str, str]) -> Credentials:
    """Role credentials from the SSO portal with the token ``aws sso login`` cached."""
    import hashlib
    from urllib.parse import urlencode

    session_name = section.get("sso_session")
    if isinstance(session_name, str) and session_name:
        session = files.sso_sessions.get(session_name)
        if session is None:
            raise ConfigurationError(f"profile {name!r} names sso_session {session_name!r}, which has no "
                                     f"[sso-session {session_name}] section")
        start_url, sso_region = session.get("sso_start_url"), session.get("sso_region")
        cache_name = session_name
    else:
        start_url, sso_region = section.get("sso_start_url"), section.get("sso_region")
        cache_name = str(start_url)
    account, role = section.get("sso_account_id"), section.get("sso_role_name")
    missing = [k for k, v in (("sso_start_url", start_url), ("sso_region", sso_region), ("sso_account_id", account),
                              ("sso_role_name", role)) if not v]
    if missing:
        raise ConfigurationError(f"profile {name!r} is missing {', '.join(missing)} for SSO")
    home = env.get("HOME") or os.path.expanduser("~")
    token_path = os.path.join(home, ".aws", "sso", "cache", hashlib.sha1(cache_name.encode()).hexdigest() + ".json")
    login = f"run 'aws sso login --profile {name}'"
    from ._files import read_text

    try:
        token = json.loads(read_text(token_path, max_bytes=1 << 20))
    except (OSError, ValueError, RecursionError):
        raise CredentialsError(f"no SSO login for profile {name!r} ({token_path} is missing or unreadable): "
                               f"{login}") from None
    try:
        expires = _parse_time(str(token.get("expiresAt", "1970-01-01T00:00:00Z"))).timestamp()
        if not isinstance(token.get("accessToken"), str):
            raise TypeError("no accessToken")
    except (AttributeError, TypeError, ValueError):
        raise CredentialsError(f"the SSO login cached in {token_path} is malformed: {login}") from None
    if expires <= time.time() + 60:
        token = _refresh_sso_token(token, token_path, str(sso_region), env, files, section, login)
    portal = _service_endpoint("sso", "SSO", env, files, section) or f"https://portal.sso.{sso_region}.amazonaws.com"
    url = f"{portal.rstrip('/')}/federation/credentials?{urlencode({'role_name': role, 'account_id': account})}"
    response = http("GET", url, headers={"x-amz-sso_bearer_token": str(token["accessToken"])}, env=env,
                    ca_bundle=_ca(section), what="the SSO portal")
    if response.status in (401, 403):
        raise CredentialsError(f"the SSO portal refused the cached login for profile {name!r}: {login}")
    try:
        data = json.loads(response.body)["roleCredentials"]
        from datetime import datetime, timezone

        return Credentials(data["accessKeyId"], data["secretAccessKey"], data.get("sessionToken"),
                           datetime.fromtimestamp(int(data["expiration"]) / 1000, timezone.utc))
    except (ValueError, KeyError, TypeError, OverflowError, OSError, RecursionError, Error):
        raise CredentialsError(f"the SSO portal answered HTTP {response.status} without role credentials") from None


def _refresh_sso_token(token: dict[str, object], path: str, region: str, env: Mapping[str, str], files: Files,
                       section: Section, login: str) -> dict[str, object]:
    """Refresh an expired SSO token through SSO OIDC CreateToken, when the cache holds what it needs."""
    needed = ("refreshToken", "clientId", "clientSecret")
    registration_expires = token.get("registrationExpiresAt")
    try:
        registration_over = bool(registration_expires) and _parse_time(str(registration_expires)).timestamp() <= \
            time.time()
    except ValueError:
        registration_over = True
    if not all(token.get(k) for k in needed) or registration_over:
        raise CredentialsError(f"the SSO login has expired and cannot be refreshed: {login}")
    oidc = _service_endpoint("sso-oidc", "SSO_OIDC", env, files, section) or f"https://oidc.{region}.amazonaws.com"
    body = json.dumps({"grantType": "refresh_token", "clientId": token["clientId"],
                       "clientSecret": token["clientSecret"], "refreshToken": token["refreshToken"]}).encode()
    response = http("POST", f"{oidc.rstrip('/')}/token", headers={"Content-Type": "application/json"}, body=body,
                    env=env, ca_bundle=_ca(section), what="SSO OIDC")
    if response.status != 200:
        raise CredentialsError(f"the SSO login has expired and refreshing it failed (HTTP {response.status}): {login}")
    try:  # checked before it replaces the cached login
        fresh = json.loads(response.body)
        access, expires_in, refresh = fresh["accessToken"], fresh["expiresIn"], fresh.get("refreshToken")
        if not (isinstance(access, str) and access and type(expires_in) is int and 0 < expires_in <= 10 ** 8
                and isinstance(refresh, (str, type(None)))):
            raise TypeError("a field is missing or has the wrong type")
    except (ValueError, KeyError, TypeError, RecursionError):
        raise CredentialsError(f"SSO OIDC answered HTTP 200 without a usable token (accessToken, expiresIn): "
                               f"{login}") from None
    token = {**token, "accessToken": access,
             "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))}
    if refresh:
        token["refreshToken"] = refresh
    from ._files import write_private

    try:  # atomic and 0600 as the AWS CLI writes it: a crash leaves the old login whole; a symlink is replaced
        write_private(path, json.dumps(token).encode("utf-8"))
    except OSError:
        pass
    return token


# -- container and instance metadata -------------------------------------------------------------------

_CONTAINER_HOSTS = ("169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost")


def container_credentials(env: Mapping[str, str]) -> Credentials | None:
    """ECS/EKS container credentials, or None when the variables are not set."""
    relative, full = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    if relative:
        if not relative.startswith("/"):  # else "x@evil.example" would make the host evil.example
            raise CredentialsError(f"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI {relative!r} must be a path starting "
                                   "with /")
        url = f"http://169.254.170.2{relative}"
    elif full:
        parts = _split_url(full, "AWS_CONTAINER_CREDENTIALS_FULL_URI")
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" and not (host in _CONTAINER_HOSTS or host.startswith("127.") or host == "::1"):
            raise CredentialsError(f"AWS_CONTAINER_CREDENTIALS_FULL_URI {full!r} must be https, or http to a "
                                   "loopback host, 169.254.170.2, 169.254.170.23 or fd00:ec2::23")
        url = full
    else:
        return None
    headers = {}
    token_file = env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    if token_file:
        headers["Authorization"] = _token_file(token_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    elif env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN"):
        headers["Authorization"] = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    if any(c in headers.get("Authorization", "") for c in "\r\n"):
        raise CredentialsError("the container authorization token contains a line break")
    what = "the container credentials endpoint"
    for attempt in range(3):  # botocore: 2 s timeout, 3 attempts
        try:
            response = request("GET", url, headers=headers, timeout=2, env={}, what=what)
        except HTTPError as exc:
            if attempt == 2:
                raise CredentialsError(str(exc)) from None
            continue
        if 300 <= response.status < 400:
            raise CredentialsError(
                f"{what} at {without_query(url)} answered with a redirect to {response.location or 'nowhere'}; "
                "its token is never sent on: set AWS_CONTAINER_CREDENTIALS_FULL_URI to the final address")
        if response.status != 200:
            raise CredentialsError(f"{what} answered HTTP {response.status}")
        return _from_metadata_json(response.body, what)
    raise AssertionError("unreachable")  # the loop returns or raises


def imds_credentials(env: Mapping[str, str], section: Section) -> Credentials | None:
    """EC2 instance metadata credentials (IMDSv2, v1 fallback), or None when there are none."""
    if (env.get("AWS_EC2_METADATA_DISABLED") or "").strip().lower() == "true":
        return None
    endpoint = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or section.get("ec2_metadata_service_endpoint")
    if not endpoint:
        mode = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") or section.get("ec2_metadata_service_endpoint_mode")
        endpoint = "http://[fd00:ec2::254]" if str(mode).lower() == "ipv6" else "http://169.254.169.254"
    endpoint = str(endpoint).rstrip("/")
    try:
        timeout = float(str(env.get("AWS_METADATA_SERVICE_TIMEOUT") or section.get("metadata_service_timeout") or 1))
        attempts = int(str(env.get("AWS_METADATA_SERVICE_NUM_ATTEMPTS")
                           or section.get("metadata_service_num_attempts") or 1))
        if not (0 < timeout <= 3600 and 1 <= attempts <= 100):  # also refuses nan and inf
            raise ValueError("out of range")
    except ValueError:
        raise ConfigurationError("the metadata service timeout (AWS_METADATA_SERVICE_TIMEOUT, seconds, more than 0 "
                                 "and at most 3600) and attempts (AWS_METADATA_SERVICE_NUM_ATTEMPTS, 1 to 100) "
                                 "must be numbers in range") from None
    v1_disabled = str(env.get("AWS_EC2_METADATA_V1_DISABLED") or section.get("ec2_metadata_v1_disabled")
                      or "").lower() == "true"

    def call(method: str, path: str, headers: dict[str, str]) -> Response | None:
        for _ in range(max(attempts, 1)):
            try:
                response = request(method, endpoint + path, headers=headers, timeout=timeout, env={},
                                   what="instance metadata")
            except HTTPError:
                continue
            if 300 <= response.status < 400:  # never followed: the metadata token stays on this host
                raise CredentialsError(
                    f"instance metadata at {endpoint} answered with a redirect to {response.location or 'nowhere'}; "
                    "set AWS_EC2_METADATA_SERVICE_ENDPOINT to the metadata service itself")
            return response
        return None

    headers: dict[str, str] = {}
    token = call("PUT", "/latest/api/token", {"x-aws-ec2-metadata-token-ttl-seconds": "21600"})
    if token is not None and token.status == 200:
        headers["x-aws-ec2-metadata-token"] = token.body.decode()
    elif token is not None and token.status == 400:
        return None  # a malformed token request is never retried as v1
    elif v1_disabled:
        return None  # the token call failed and IMDSv1 is turned off
    # 403, 404, 405 or no answer to the token request: IMDSv1, as AWS CLI v2 falls back.
    role = call("GET", "/latest/meta-data/iam/security-credentials/", headers)
    if role is None or role.status != 200 or not role.body.strip():
        return None
    name = role.body.decode().strip().splitlines()[0]
    answer = call("GET", f"/latest/meta-data/iam/security-credentials/{name}", headers)
    if answer is None or answer.status != 200:
        return None
    return _from_metadata_json(answer.body, "instance metadata")


def _from_metadata_json(body: bytes, what: str) -> Credentials:
    """The JSON both the container endpoint and instance metadata answer with."""
    try:
        data = json.loads(body)
        return Credentials(data["AccessKeyId"], data["SecretAccessKey"], data.get("Token"),
                           _parse_time(data["Expiration"]) if data.get("Expiration") else None)
    except (ValueError, KeyError, TypeError):
        raise CredentialsError(f"{what} answered without credentials") from None
