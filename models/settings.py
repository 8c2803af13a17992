"""Otklik's settings: one class, read from the environment (prefix ``OTKLIK_``) and ``.env``.

Invalid values must stop a process at start-up with one clear line (see ``load_settings``),
never a traceback.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
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
    monitor_interval_minutes: int = Field(default=5, ge=1, le=1440)
    monitor_recent_posts: int = Field(default=20, ge=1, le=100)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
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

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'otklik.db').resolve()}"

    @property
    def temporal_db_file(self) -> Path:
        return (self.data_dir / "temporal.db").resolve()


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
