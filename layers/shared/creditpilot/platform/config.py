"""Settings: read once from the environment (plus the app secret in AWS), validated by pydantic.

Every variable the product reads is a field here, and the README's configuration table lists them.
An optional integration left empty is *disabled* (and `/health` says so); a value a function needs,
missing in `prod`, stops that function at start with a `ConfigError` naming the variable.

In AWS the environment holds names, never secret values: `APP_SECRET_ARN` names a Secrets Manager secret
whose JSON holds FERNET_KEY, LOANS_REFRESH_KEY, SENDGRID_API_KEY, TWILIO_SID and TWILIO_TOKEN, and
`DB_SECRET_ARN` names the Aurora master secret (username/password). Both are fetched once through
Powertools Parameters (cached). Locally the same names are plain environment variables.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from creditpilot.platform.errors import ConfigError

Env = Literal["local", "test", "dev", "prod"]
OcrProvider = Literal["textract", "tesseract", "demo"]

# Keys that may come from the app secret in AWS instead of the environment.
SECRET_KEYS = ("FERNET_KEY", "LOANS_REFRESH_KEY", "SENDGRID_API_KEY", "TWILIO_SID", "TWILIO_TOKEN")


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DatabaseSettings(_Part):
    url: str | None = Field(None, description="DATABASE_URL: postgresql://user:pass@host:port/db (local)")
    host: str | None = Field(None, description="DB_HOST: RDS Proxy endpoint (AWS)")
    port: int = 5432
    name: str = "creditpilot"
    secret_arn: str | None = Field(None, description="DB_SECRET_ARN: Aurora master secret (AWS)")
    ssl: Literal["disable", "require"] = "disable"
    connect_timeout: float = 2.0
    statement_timeout_ms: int = 15000
    pool_size: int = 8

    @property
    def configured(self) -> bool:
        return bool(self.url or (self.host and self.secret_arn))


class StorageSettings(_Part):
    invoices_bucket: str | None = None
    receipts_bucket: str | None = None
    snapshots_bucket: str | None = None
    receipts_queue_url: str | None = None
    endpoint_url: str | None = Field(None, description="AWS_ENDPOINT_URL: moto server locally")
    region: str = "ap-southeast-5"


class AuthSettings(_Part):
    user_pool_id: str | None = None
    client_id: str | None = None
    jwks_url: str | None = Field(None, description="COGNITO_JWKS_URL: override (moto locally)")
    region: str = "ap-southeast-5"

    @property
    def issuer(self) -> str | None:
        if not self.user_pool_id:
            return None
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def resolved_jwks_url(self) -> str | None:
        if self.jwks_url:
            return self.jwks_url.replace("{pool_id}", self.user_pool_id or "")
        return f"{self.issuer}/.well-known/jwks.json" if self.issuer else None


class MailSettings(_Part):
    sendgrid_api_key: str | None = Field(None, repr=False)
    mail_from: str | None = None
    sendgrid_host: str | None = Field(None, description="SENDGRID_HOST: API base URL override (tests)")

    @property
    def enabled(self) -> bool:
        return bool(self.sendgrid_api_key and self.mail_from)


class SmsSettings(_Part):
    twilio_sid: str | None = None
    twilio_token: str | None = Field(None, repr=False)
    twilio_from: str | None = None
    twilio_whatsapp_from: str | None = None
    enable_whatsapp: bool = False

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_sid and self.twilio_token and self.twilio_from)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(
            self.enable_whatsapp and self.twilio_sid and self.twilio_token and self.twilio_whatsapp_from
        )


class Settings(_Part):
    env: Env = "local"
    version: str = "1.0.0"
    # Secrets are plain strings kept out of repr (pydantic's SecretStr costs its types module at cold start).
    fernet_key: str | None = Field(None, repr=False)
    cors_allow: tuple[str, ...] = ()
    loans_refresh_key: str | None = Field(None, repr=False)
    loans_feeds: tuple[str, ...] = ()
    ocr_provider: OcrProvider = "demo"
    textract_region: str | None = None
    db: DatabaseSettings = DatabaseSettings()
    storage: StorageSettings = StorageSettings()
    auth: AuthSettings = AuthSettings()
    mail: MailSettings = MailSettings()
    sms: SmsSettings = SmsSettings()

    @field_validator("cors_allow", "loans_feeds", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def integrations(self) -> dict[str, str]:
        """What /health reports: each optional integration is enabled or disabled, never an error."""

        def state(on: bool) -> str:
            return "enabled" if on else "disabled"

        return {
            "sendgrid": state(self.mail.enabled),
            "twilio_sms": state(self.sms.sms_enabled),
            "twilio_whatsapp": state(self.sms.whatsapp_enabled),
            "ocr": self.ocr_provider,
            "loans_refresh": state(self.loans_refresh_key is not None),
            "cognito": state(bool(self.auth.user_pool_id and self.auth.client_id)),
            "storage": state(bool(self.storage.invoices_bucket)),
        }

    def require(self, *names: str) -> None:
        """Fail fast in prod when a value this function needs is missing; elsewhere defaults may stand."""
        if self.env != "prod":
            return
        missing = [name for name in names if not _has(self, name)]
        if missing:
            raise ConfigError("missing required setting(s): " + ", ".join(missing))


# Environment variable -> (section, field). The README's configuration table mirrors this map.
ENV_MAP: dict[str, tuple[str | None, str]] = {
    "ENV": (None, "env"),
    "VERSION": (None, "version"),
    "FERNET_KEY": (None, "fernet_key"),
    "CORS_ALLOW": (None, "cors_allow"),
    "LOANS_REFRESH_KEY": (None, "loans_refresh_key"),
    "LOANS_FEEDS": (None, "loans_feeds"),
    "OCR_PROVIDER": (None, "ocr_provider"),
    "TEXTRACT_REGION": (None, "textract_region"),
    "DATABASE_URL": ("db", "url"),
    "DB_HOST": ("db", "host"),
    "DB_PORT": ("db", "port"),
    "DB_NAME": ("db", "name"),
    "DB_SECRET_ARN": ("db", "secret_arn"),
    "DB_SSL": ("db", "ssl"),
    "DB_CONNECT_TIMEOUT": ("db", "connect_timeout"),
    "DB_STATEMENT_TIMEOUT_MS": ("db", "statement_timeout_ms"),
    "DB_POOL_SIZE": ("db", "pool_size"),
    "INVOICES_BUCKET": ("storage", "invoices_bucket"),
    "RECEIPTS_BUCKET": ("storage", "receipts_bucket"),
    "SNAPSHOTS_BUCKET": ("storage", "snapshots_bucket"),
    "RECEIPTS_QUEUE_URL": ("storage", "receipts_queue_url"),
    "AWS_ENDPOINT_URL": ("storage", "endpoint_url"),
    "AWS_REGION": ("storage", "region"),
    "COGNITO_USER_POOL_ID": ("auth", "user_pool_id"),
    "COGNITO_CLIENT_ID": ("auth", "client_id"),
    "COGNITO_JWKS_URL": ("auth", "jwks_url"),
    "SENDGRID_API_KEY": ("mail", "sendgrid_api_key"),
    "MAIL_FROM": ("mail", "mail_from"),
    "SENDGRID_HOST": ("mail", "sendgrid_host"),
    "TWILIO_SID": ("sms", "twilio_sid"),
    "TWILIO_TOKEN": ("sms", "twilio_token"),
    "TWILIO_FROM": ("sms", "twilio_from"),
    "TWILIO_WHATSAPP_FROM": ("sms", "twilio_whatsapp_from"),
    "ENABLE_WHATSAPP": ("sms", "enable_whatsapp"),
}
_REGION_ALSO = {"AWS_REGION": ("auth", "region")}


def _has(settings: Settings, env_name: str) -> bool:
    section, field = ENV_MAP[env_name]
    holder = getattr(settings, section) if section else settings
    return getattr(holder, field) not in (None, "", ())


def _fetch_app_secret(arn: str) -> dict[str, str]:
    # Imported here: only AWS needs it, and boto3 would otherwise cost every local cold start.
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(arn, max_age=300)
    try:
        data = json.loads(value) if isinstance(value, str) else {}
    except json.JSONDecodeError as exc:
        raise ConfigError("APP_SECRET_ARN does not hold a JSON object") from exc
    return {k: str(v) for k, v in data.items() if k in SECRET_KEYS and v not in (None, "")}


def settings_from(environ: Mapping[str, str], *, with_secrets: bool = True) -> Settings:
    """Build settings from an environment mapping (tests pass their own; the app uses os.environ).

    `with_secrets=False` skips the app secret (no network): enough for what is read at import time."""
    values = dict(environ)
    if with_secrets and values.get("APP_SECRET_ARN"):
        for key, secret in _fetch_app_secret(values["APP_SECRET_ARN"]).items():
            values.setdefault(key, secret)
    top: dict[str, object] = {}
    sections: dict[str, dict[str, object]] = {"db": {}, "storage": {}, "auth": {}, "mail": {}, "sms": {}}
    for env_name, (section, field) in {**ENV_MAP, **_REGION_ALSO}.items():
        if not str(values.get(env_name, "")).strip():
            continue  # blank means unset: an optional integration stays disabled
        target = sections[section] if section else top
        target[field] = values[env_name]
    try:
        return Settings(**top, **{name: part for name, part in sections.items()})
    except ValidationError as exc:
        names = {f"{section}.{field}" if section else field: env for env, (section, field) in ENV_MAP.items()}
        problems = []
        for err in exc.errors():
            dotted = ".".join(str(p) for p in err["loc"])
            problems.append(f"{names.get(dotted, dotted)}: {err['msg']}")
        raise ConfigError("invalid setting(s): " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this execution environment, read once."""
    return settings_from(os.environ)


@lru_cache(maxsize=1)
def env_settings() -> Settings:
    """Settings from the environment alone, never touching the network (safe at import time)."""
    return settings_from(os.environ, with_secrets=False)


def reset_settings_cache() -> None:
    """For tests and the local cloud, which change the environment between apps."""
    get_settings.cache_clear()
    env_settings.cache_clear()
