"""Otklik's settings: one class, read from the environment (prefix ``OTKLIK_``) and ``.env``.

Invalid values must stop a process at start-up with one clear line (see ``load_settings``),
never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OTKLIK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./.otklik"), description="Where both databases live")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "otklik"
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    temporal_ui_port: int = Field(default=8233, ge=1, le=65535)
    temporal_ui_url: str = Field(default="", description="Temporal UI as people open it; empty: localhost:ui_port")
    timezone: str = "Europe/Moscow"
    # Upserting custom search attributes needs them registered on the server; the time-skipping
    # test server cannot register them, so tests switch them off.
    search_attributes: bool = True
    vk_confirmation_code: str = ""
    vk_secret: str = ""
    # Networks (activities.networks): the key that encrypts bodies' community tokens, the APIs' addresses.
    secret_key: SecretStr = Field(default=SecretStr(""), description="Encrypts stored network tokens")
    vk_api_url: str = "https://api.vk.com/method/"
    vk_service_token: SecretStr = Field(default=SecretStr(""), description="VK app service key (screen names)")
    ok_api_url: str = "https://api.ok.ru/"
    ok_application_key: str = ""
    ok_application_secret_key: SecretStr = SecretStr("")
    ok_reply_method: str = Field(default="discussions.comment", pattern=r"^[a-zA-Z]+\.[a-zA-Z]+$",
                                 description="OK's method that writes a comment (unconfirmed: activities.networks.ok)")
    monitor_interval_minutes: int = Field(default=5, ge=1, le=1440)
    monitor_recent_posts: int = Field(default=20, ge=1, le=100)
    # The Order, A8: own publications a week an official account must have (п. 8 Порядка: не менее трёх).
    account_min_posts_per_week: int = Field(default=3, ge=1, le=100)
    # Temporal client over TLS (mutual TLS with a client certificate) and an optional API key / JWT
    # sent as "Authorization: Bearer"; models/temporal_client.py turns them into Client.connect options.
    temporal_tls: bool = False
    temporal_tls_ca: Path | None = Field(default=None, description="PEM of the CA that signed the frontend")
    temporal_tls_cert: Path | None = Field(default=None, description="PEM client certificate (mTLS)")
    temporal_tls_key: Path | None = Field(default=None, description="PEM private key of the client certificate")
    temporal_tls_server_name: str = ""
    temporal_api_key: str = ""
    # The worker's Prometheus endpoint (Temporal SDK runtime telemetry); port 0 switches it off.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Notifications (README «Уведомления»): links, digests, channels.
    public_url: str = "http://127.0.0.1:8000"
    notify_digest_minutes: int = Field(default=15, ge=0, le=1440)
    delivery_timeout_seconds: int = Field(default=30, ge=1, le=600)
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "Отклик <otklik@otklik.local>"
    max_api_url: str = "https://platform-api2.max.ru"  # dev.max.ru: platform-api2 instead of platform-api
    max_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_token: str = ""
    # PEM roots trusted besides the public ones by MAX, Telegram and webhooks: MAX needs НУЦ Минцифры's root.
    extra_ca_file: str | None = None
    webhook_replay_window_seconds: int = Field(default=300, ge=30, le=3600)
    surge_config: Path | None = None
    rating_config: Path | None = None  # the quarterly rating's formula (A11); default config/rating.yaml
    # Payload encryption in Temporal (workflows/codec.py): "k2:<base64 key>,k1:<base64 key>", first encrypts.
    codec_keys: SecretStr = SecretStr("")
    # Origins of the Temporal Web UI allowed to call /codec (comma-separated); empty: the dev server's UI.
    codec_cors_origins: str = ""
    # Authors' personal data is removed from the read model this many days after a message closed (0: never).
    personal_data_retention_days: int = Field(default=365, ge=0, le=36500)
    # Front door (api/middleware.py): request body limits in bytes, failed-authentication rate limit.
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=100 * 1_048_576)
    vk_callback_max_body_bytes: int = Field(default=262_144, ge=1024, le=10 * 1_048_576)
    auth_failures_per_minute: int = Field(default=20, ge=1, le=100_000)
    docs_enabled: bool = True  # /docs, /redoc, /openapi.json; switch off in production if not needed
    # Bound on one Temporal call from the API (seconds): an update the worker cannot take answers 503.
    temporal_rpc_timeout: float = Field(default=10.0, gt=0, le=300)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @field_validator("codec_keys")
    @classmethod
    def _codec_keys_format(cls, v: SecretStr) -> SecretStr:
        parse_codec_keys(v.get_secret_value())
        return v

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if v.startswith("postgresql://") or v.startswith("postgres://"):
            # psycopg 3 is the driver we ship.
            v = "postgresql+psycopg://" + v.split("://", 1)[1]
        if not (v.startswith("sqlite") or v.startswith("postgresql+psycopg")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return v

    @field_validator("database_url")
    @classmethod
    def _no_placeholder_password(cls, v: str | None) -> str | None:
        if v:
            from sqlalchemy.engine import make_url

            if is_placeholder_secret(make_url(v).password):
                raise ValueError("the database password is a placeholder from deploy/env.example: set a real one")
        return v

    @field_validator("temporal_tls_ca", "temporal_tls_cert", "temporal_tls_key")
    @classmethod
    def _readable_file(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(f"no such file: {v}")
        return v

    @model_validator(mode="after")
    def _client_cert_with_key(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError("OTKLIK_TEMPORAL_TLS_CERT and OTKLIK_TEMPORAL_TLS_KEY go together")
        return self

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'otklik.db').resolve()}"

    @property
    def temporal_db_file(self) -> Path:
        return (self.data_dir / "temporal.db").resolve()

    @property
    def codec_origins(self) -> list[str]:
        if self.codec_cors_origins.strip():
            return [o.strip().rstrip("/") for o in self.codec_cors_origins.split(",") if o.strip()]
        return [f"http://localhost:{self.temporal_ui_port}", f"http://127.0.0.1:{self.temporal_ui_port}"]


_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def parse_codec_keys(text: str) -> list[tuple[str, bytes]]:
    """``"k2:<base64>,k1:<base64>"`` → [(id, key)]; AES keys of 16, 24 or 32 bytes, ids unique."""
    keys: list[tuple[str, bytes]] = []
    for entry in filter(None, (e.strip() for e in text.replace("\n", ",").split(","))):
        kid, sep, b64 = entry.partition(":")
        if not sep or not _KEY_ID.match(kid):
            raise ValueError("each key must be written id:base64 (id: letters, digits, . _ -)")
        try:
            key = base64.b64decode(b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {kid!r} is not valid base64") from None
        if len(key) not in (16, 24, 32):
            raise ValueError(f"key {kid!r} must be 16, 24 or 32 bytes (AES), got {len(key)}")
        if any(k == kid for k, _ in keys):
            raise ValueError(f"key id {kid!r} is repeated")
        keys.append((kid, key))
    return keys


PLACEHOLDER_SECRETS = frozenset({"password", "secret", "changeme", "postgres", "temporal", "otklik", "admin"})


def is_placeholder_secret(value: str | None) -> bool:
    """The example values of deploy/env.example (``change-me…``) and the usual defaults are refused."""
    if not value:
        return False
    v = str(value).strip().lower()
    return v.startswith(("change-me", "change_me", "changeme")) or v in PLACEHOLDER_SECRETS


def load_settings(**overrides: object) -> Settings:
    """Settings or exit(2) with one line naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "OTKLIK_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
        print(f"otklik: invalid configuration: {name}: {err['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
