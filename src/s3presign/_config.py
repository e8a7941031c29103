"""AWS configuration as AWS CLI v2 resolves it: flags, environment, config and credentials files.

Every resolved value remembers where it came from (``Setting.source``) for ``--debug``.
Precedence (see the AWS CLI v2 "Configuration and credential file settings" guide):

- profile:  --profile > AWS_PROFILE > AWS_DEFAULT_PROFILE > "default"
- region:   --region > AWS_REGION > AWS_DEFAULT_REGION > profile ``region``
- endpoint: --endpoint-url > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL > ``[services X]`` ``s3 =
  endpoint_url`` > profile ``endpoint_url``; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the
  profile's ``ignore_configured_endpoint_urls``) keeps only the flag
- credentials: environment (not with an explicit --profile) > assume role > web identity > SSO >
  credentials file > ``credential_process`` > config file keys > container > instance metadata
  (the network sources live in ``_credential_sources``, imported only when used).

The files are read by ``_ini`` (the INI format, the profiles in them); a profile's own keys
and ``credential_process`` by ``_local_credentials``; store presets come from ``_stores`` and
are applied here (``apply_preset``), where the settings are resolved. May import those, the
network sources (``_credential_sources``, on demand), ``_endpoints`` and the ground; never a
signer: settings in, settings out.
"""

from __future__ import annotations

import os

from ._credentials import Credentials, RefreshableCredentials
from ._errors import ConfigurationError, CredentialsError
from ._ini import Files, Section, parse_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Refetch", "Resolved", "Setting", "apply_preset", "parse_config", "resolve", "secrets_for"]



def is_true(value: object) -> bool:
    """A boolean setting as AWS CLI v2 reads it (botocore's ``ensure_boolean``): ``true`` in any
    case is true, anything else (``1``, ``yes``, ``on``, ``" true"``, empty) is false."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


class Setting:
    """A resolved value and where it came from, e.g. ``Setting("us-west-2", "env AWS_REGION")``."""

    __slots__ = ("source", "value")

    def __init__(self, value: object, source: str) -> None:
        self.value = value
        self.source = source

    def __repr__(self) -> str:
        return f"Setting({self.value!r}, {self.source!r})"


# -- resolution ----------------------------------------------------------------------------------


class Resolved:
    """Everything needed to build a Presigner, each value with its source."""

    __slots__ = ("addressing_style", "credentials", "endpoint_url", "profile", "region", "signature_version",
                 "use_accelerate", "use_dualstack", "use_fips", "store", "account_id", "use_arn_region",
                 "disable_multiregion_access_points", "disable_express_session_auth", "ca_bundle")

    profile: Setting
    region: Setting
    endpoint_url: Setting
    addressing_style: Setting
    signature_version: Setting
    use_dualstack: Setting
    use_accelerate: Setting
    use_fips: Setting
    use_arn_region: Setting
    disable_multiregion_access_points: Setting
    disable_express_session_auth: Setting
    credentials: Setting
    store: Setting  # a _stores.Store (--provider, profile s3presign_provider) or None
    account_id: Setting
    ca_bundle: Setting  # AWS_CA_BUNDLE > profile ca_bundle (the command's --ca-bundle beats both)

    def presigner_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``Presigner`` besides the credentials."""
        return {
            "region": self.region.value,
            "endpoint_url": self.endpoint_url.value,
            "addressing_style": self.addressing_style.value,
            "signature_version": self.signature_version.value,
            "use_dualstack": self.use_dualstack.value,
            "use_accelerate": self.use_accelerate.value,
            "use_fips": self.use_fips.value,
            "use_arn_region": self.use_arn_region.value,
            "disable_multiregion_access_points": self.disable_multiregion_access_points.value,
            "disable_express_session_auth": self.disable_express_session_auth.value,
        }

    def describe(self) -> list[str]:
        """One line per setting, ``name = value (source)``; the secret never appears."""
        lines = []
        for name in self.__slots__:
            setting: Setting = getattr(self, name)
            value = setting.value
            refreshing = ""
            if isinstance(value, RefreshableCredentials):
                value, refreshing = value.current, ", refreshed before it expires"
            if isinstance(value, Credentials):
                token = ", with a session token" if value.session_token else ""
                value = f"access key id {value.access_key_id}{token}{refreshing}"
            elif name == "store" and value is not None:
                value = getattr(value, "name", value)
            lines.append(f"{name} = {value} ({setting.source})")
        return lines


def resolve(
    *,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    addressing_style: str | None = None,
    signature_version: str | None = None,
    provider: str | None = None,
    account_id: str | None = None,
    env: Mapping[str, str] | None = None,
    refreshing: bool = True,
    sign: bool = True,
) -> Resolved:
    """Resolve settings and credentials: ``resolve(profile="dev")`` reads os.environ and ~/.aws.

    Temporary credentials (with an expiry) come back as ``RefreshableCredentials`` that run the
    same resolution again to refresh; ``refreshing=False`` returns them as fetched.
    """
    given_env = env
    env = os.environ if env is None else env
    files = Files(env)
    out = Resolved()

    if profile is not None:
        out.profile = Setting(profile, "--profile")
    elif "AWS_PROFILE" in env:  # set but empty names the profile "" (not found), as in AWS CLI v2
        out.profile = Setting(env["AWS_PROFILE"], "env AWS_PROFILE")
    elif "AWS_DEFAULT_PROFILE" in env:
        out.profile = Setting(env["AWS_DEFAULT_PROFILE"], "env AWS_DEFAULT_PROFILE")
    else:
        out.profile = Setting("default", "default")
    name = str(out.profile.value)
    if name != "default" and not files.has_profile(name):
        raise ConfigurationError(
            f"the profile {name!r} ({out.profile.source}) is not in {files.config_path} or "
            f"{files.credentials_path}; add it (aws configure --profile {name}) or choose another"
        )
    where = f"[profile {name}]" if name != "default" else "[default]"
    section = files.merged(name)

    def from_profile(key: str) -> Setting | None:
        value = section.get(key)
        if isinstance(value, str) and value:
            file = files.credentials_path if key in files.credential_profiles.get(name, {}) else files.config_path
            return Setting(value, f"{file} {where if file == files.config_path else '[' + name + ']'} {key}")
        return None

    def s3_setting(key: str) -> Setting | None:
        nested = section.get("s3")
        if isinstance(nested, dict) and nested.get(key):
            return Setting(nested[key], f"{files.config_path} {where} s3.{key}")
        return None

    out.region = (
        Setting(region, "--region") if region is not None
        else Setting(env["AWS_REGION"], "env AWS_REGION") if "AWS_REGION" in env
        else Setting(env["AWS_DEFAULT_REGION"], "env AWS_DEFAULT_REGION") if "AWS_DEFAULT_REGION" in env
        else from_profile("region") or Setting(None, "not set: the global endpoint, signed for us-east-1")
    )
    if out.region.value == "":  # aws builds s3..amazonaws.com, or signs for region "" (S3 refuses both)
        raise ConfigurationError(f"the region is empty ({out.region.source}): give a region such as us-east-1, "
                                 "or unset the variable")
    out.endpoint_url = _endpoint(endpoint_url, env, files, section, where, from_profile)

    style = (Setting(addressing_style, "--addressing-style") if addressing_style is not None
             else s3_setting("addressing_style") or Setting("auto", "default"))
    out.addressing_style = style
    version = (Setting(signature_version, "--signature-version") if signature_version is not None
               else s3_setting("signature_version") or Setting("v4", "default"))
    version.value = {"s3v4": "v4", "s3": "v2", "v4": "v4", "v2": "v2"}.get(str(version.value), version.value)
    out.signature_version = version
    out.use_dualstack = _flag(env, "AWS_USE_DUALSTACK_ENDPOINT", s3_setting("use_dualstack_endpoint")
                              or from_profile("use_dualstack_endpoint"))
    out.use_accelerate = _flag(env, None, s3_setting("use_accelerate_endpoint"))
    out.use_fips = _flag(env, "AWS_USE_FIPS_ENDPOINT", from_profile("use_fips_endpoint"))
    # Access points, Multi-Region Access Points, S3 Express (botocore's configprovider names):
    # AWS CLI v2's s3 commands use the ARN's region unless told not to.
    arn_region = _flag(env, "AWS_S3_USE_ARN_REGION", from_profile("s3_use_arn_region") or s3_setting("use_arn_region"))
    out.use_arn_region = arn_region if arn_region.source != "default" else Setting(True, "default")
    out.disable_multiregion_access_points = _flag(env, "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS",
                                                  s3_setting("s3_disable_multiregion_access_points"))
    out.disable_express_session_auth = _flag(env, "AWS_S3_DISABLE_EXPRESS_SESSION_AUTH",
                                             from_profile("s3_disable_express_session_auth"))
    # Store presets (--provider; s3presign_* settings, which other AWS tools ignore) fill in what
    # the flags, environment and profile left unset, and check what they set (see _stores).
    out.account_id = (Setting(account_id, "--account-id") if account_id is not None
                      else from_profile("s3presign_account_id") or Setting(None, "not set"))
    out.store = (Setting(provider, "--provider") if provider is not None
                 else from_profile("s3presign_provider") or Setting(None, "not set"))
    if out.store.value is not None:
        apply_preset(out)
    out.ca_bundle = (Setting(env["AWS_CA_BUNDLE"], "env AWS_CA_BUNDLE") if env.get("AWS_CA_BUNDLE")
                     else from_profile("ca_bundle") or Setting(None, "not set"))
    if not sign:  # AWS CLI v2's --no-sign-request: no credentials looked for
        out.credentials = Setting(None, "not signed (--no-sign-request)")
        return out
    out.credentials = _credentials(env, files, name, section, where, explicit_profile=profile is not None,
                                   region=out.region.value if isinstance(out.region.value, str) else None)
    creds = out.credentials.value
    if refreshing and isinstance(creds, Credentials) and creds.expires_at is not None:
        out.credentials.value = RefreshableCredentials(Refetch(profile, region, given_env), credentials=creds,
                                                       name=out.credentials.source)
    return out


class Refetch:
    """The fetch of ``RefreshableCredentials`` from the configuration: the same resolution again,
    files re-read (keys rotated in them are picked up), e.g. ``Refetch("dev", None, None)()``.

    It pickles as the profile, the region and the environment given (None: ``os.environ`` wherever
    it runs), so bulk workers refresh on their own.
    """

    __slots__ = ("env", "profile", "region")

    def __init__(self, profile: str | None, region: str | None, env: Mapping[str, str] | None) -> None:
        self.profile, self.region, self.env = profile, region, env

    def __call__(self) -> Credentials:
        creds = resolve(profile=self.profile, region=self.region, env=self.env, refreshing=False).credentials.value
        assert isinstance(creds, Credentials)
        return creds

    def __reduce__(self) -> tuple[object, ...]:
        return (Refetch, (self.profile, self.region, None if self.env is None else dict(self.env)))


def _flag(env: Mapping[str, str], variable: str | None, configured: Setting | None) -> Setting:
    # A variable that is set wins even when empty (then false), as botocore's EnvironmentProvider has it.
    if variable and variable in env:
        return Setting(is_true(env[variable]), f"env {variable}")
    if configured is not None:
        return Setting(is_true(configured.value), configured.source)
    return Setting(False, "default")


def _endpoint(flag: str | None, env: Mapping[str, str], files: Files, section: Section, where: str,
              from_profile: object) -> Setting:
    if flag is not None:
        return Setting(flag, "--endpoint-url")
    ignore = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if ignore is not None:
        if is_true(ignore):
            return Setting(None, "not set (env AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)")
    elif is_true(section.get("ignore_configured_endpoint_urls")):
        return Setting(None, f"not set ({files.config_path} {where} ignore_configured_endpoint_urls)")
    for variable in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        if env.get(variable):
            return Setting(env[variable], f"env {variable}")
    services = section.get("services")
    if isinstance(services, str) and services:
        block = files.services.get(services, {}).get("s3")
        if isinstance(block, dict) and block.get("endpoint_url"):
            return Setting(block["endpoint_url"], f"{files.config_path} [services {services}] s3.endpoint_url")
    value = section.get("endpoint_url")
    if isinstance(value, str) and value:
        return Setting(value, f"{files.config_path} {where} endpoint_url")
    return Setting(None, "not set: AWS")


def _credentials(env: Mapping[str, str], files: Files, name: str, section: Section, where: str, *,
                 explicit_profile: bool, region: str | None) -> Setting:
    """The credential chain in AWS CLI v2's order; network sources load ``_credential_sources`` on demand."""
    if not explicit_profile:
        key_id, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if key_id or secret:
            if not (key_id and secret):
                missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
                raise CredentialsError(f"partial credentials in the environment: {missing} is not set; "
                                       "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
            token = env.get("AWS_SESSION_TOKEN") or env.get("AWS_SECURITY_TOKEN")
            return Setting(Credentials(key_id, secret, token), "env AWS_ACCESS_KEY_ID")
    if section.get("role_arn") and not section.get("web_identity_token_file"):
        from ._credential_sources import profile_credentials

        return Setting(profile_credentials(name, files, env, region=region),
                       f"assume role {section['role_arn']} ({files.config_path} {where})")
    token_file = section.get("web_identity_token_file") or env.get("AWS_WEB_IDENTITY_TOKEN_FILE")
    if token_file:
        from ._credential_sources import web_identity

        role_arn = section.get("role_arn") or env.get("AWS_ROLE_ARN") or ""
        session = section.get("role_session_name") or env.get("AWS_ROLE_SESSION_NAME")
        origin = f"{files.config_path} {where}" if section.get("web_identity_token_file") else \
            "env AWS_WEB_IDENTITY_TOKEN_FILE"
        return Setting(web_identity(env, files, section, token_file=str(token_file), role_arn=str(role_arn),
                                    session_name=session, region=region, where=origin),
                       f"web identity {role_arn} ({origin})")
    if section.get("sso_session") or section.get("sso_start_url"):
        from ._credential_sources import sso_credentials

        return Setting(sso_credentials(name, section, files, env), f"SSO ({files.config_path} {where})")
    from ._local_credentials import run_credential_process, static_keys  # not on the environment-keys path

    where_keys = f"{files.credentials_path} [{name}]"
    found = static_keys(files.credential_profiles.get(name, {}), where_keys)
    if found is not None:
        return Setting(found, where_keys)
    process = section.get("credential_process")
    if isinstance(process, str) and process:
        return Setting(run_credential_process(process, name, env),
                       f"credential_process in {files.config_path} {where}")
    found = static_keys(files.config_profiles.get(name, {}), f"{files.config_path} {where}")
    if found is not None:
        return Setting(found, f"{files.config_path} {where}")
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        from ._credential_sources import container_credentials

        creds = container_credentials(env)
        if creds is not None:
            return Setting(creds, "container credentials (AWS_CONTAINER_CREDENTIALS_*)")
    if not is_true(env.get("AWS_EC2_METADATA_DISABLED")):
        from ._credential_sources import imds_credentials

        creds = imds_credentials(env, section)
        if creds is not None:
            return Setting(creds, "instance metadata (IMDS)")
    raise CredentialsError(
        f"no credentials found for profile {name!r}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add "
        f"aws_access_key_id and aws_secret_access_key to {files.credentials_path} [{name}], or configure a role, "
        "SSO or credential_process (no container or instance metadata credentials either)"
    )


def apply_preset(resolved: Resolved) -> None:
    """Fill a ``Resolved`` from its store's preset, each value with its source for
    ``--debug`` ("preset r2: https://{account_id}.r2.cloudflarestorage.com"). A refusal is a
    ``StoreSettingError`` whose ``from_flag`` says whether the command line caused it (exit 252)."""
    from ._stores import StoreSettingError, get_store, shape

    provider = resolved.store
    try:
        store = get_store(str(provider.value))
        resolved.store = Setting(store, provider.source)
        if provider.source.startswith("--"):
            # flags > presets > environment > profile: an explicit --provider's own endpoint and
            # region replace AWS_ENDPOINT_URL, AWS_REGION and the profile's (flags still win).
            if store.endpoint is not None and not resolved.endpoint_url.source.startswith("--"):
                resolved.endpoint_url = Setting(None, "not set")
            if store.signing_region and not resolved.region.source.startswith("--"):
                resolved.region = Setting(None, "not set")
        given = {"region": resolved.region, "endpoint_url": resolved.endpoint_url, "account_id": resolved.account_id}
        style = resolved.addressing_style
        chosen = shape(store, region=_text(resolved.region), endpoint_url=_text(resolved.endpoint_url),
                       addressing_style=None if style.source == "default" else str(style.value),
                       account_id=_text(resolved.account_id))
        if resolved.signature_version.value == "v2" and store.sigv2 is False:
            given["signature_version"] = resolved.signature_version
            source = resolved.signature_version.source
            where = "" if source.startswith("--") else f" ({source})"
            raise StoreSettingError(f"{store.title} accepts SigV4 only: drop signature version v2{where}",
                                    setting="signature_version")
    except StoreSettingError as exc:
        setting = given.get(exc.setting) if "given" in locals() else None
        source = setting.source if setting is not None and setting.value is not None else provider.source
        if exc.setting == "addressing_style":
            source = resolved.addressing_style.source
        raise StoreSettingError(str(exc), setting=exc.setting, from_flag=source.startswith("--")) from None
    for name, (value, why) in chosen.items():
        setattr(resolved, name, Setting(value, why))


def _text(setting: Setting) -> str | None:
    return None if setting.value is None else str(setting.value)


def secrets_for(access_key_id: str, *, profile: str | None = None, env: Mapping[str, str] | None = None,
                ) -> list[tuple[str, str]]:
    """Every local secret for ``access_key_id``: the environment, the resolved profile, and static keys
    in any profile of the config and credentials files, as ``[(where, secret), ...]``."""
    env = os.environ if env is None else env
    found: list[tuple[str, str]] = []
    from_env = []
    if env.get("AWS_ACCESS_KEY_ID") == access_key_id and env.get("AWS_SECRET_ACCESS_KEY"):
        from_env.append(("env AWS_SECRET_ACCESS_KEY", env["AWS_SECRET_ACCESS_KEY"]))
    if profile is None:
        found += from_env
    try:
        resolved = resolve(profile=profile, env=env).credentials
        creds = resolved.value
        if isinstance(creds, RefreshableCredentials):
            creds = creds.current
        if isinstance(creds, Credentials) and creds.access_key_id == access_key_id:
            found.append((resolved.source, creds.secret_access_key))
    except ConfigurationError:
        if profile is not None:  # a profile asked for by name that is not there: say so, never fall back
            raise
    except CredentialsError:
        pass
    if profile is not None:  # the named profile's secret first, then the others
        found += from_env
    files = Files(env)
    for path, profiles in ((files.credentials_path, files.credential_profiles),
                           (files.config_path, files.config_profiles)):
        for name, section in profiles.items():
            if section.get("aws_access_key_id") == access_key_id and isinstance(section.get("aws_secret_access_key"), str):
                found.append((f"{path} [{name}]", str(section["aws_secret_access_key"])))
    unique: dict[str, tuple[str, str]] = {}
    for where, secret in found:
        unique.setdefault(secret, (where, secret))
    return list(unique.values())
