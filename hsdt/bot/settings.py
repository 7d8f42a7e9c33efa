"""The one settings object. Every setting comes from the environment or `.env`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/hsdt.sqlite3",
        description="SQLAlchemy URL. SQLite file by default; postgresql+psycopg://... for PostgreSQL.",
    )
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str | None = Field(
        default=None, description="Bot API server base URL; None means the official api.telegram.org."
    )
    rubric: Path | None = Field(default=None, description="Rubric YAML; None means the packaged default.")
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"

    data_dir: Path = Path("data")
    files_dir: Path = Path("data/files")
    trust_dir: Path = Path("data/trust")
    record_period_start: date = date(2024, 9, 1)
    record_period_end: date = date(2024, 12, 31)
    verify_timeout_s: float = 20.0
    verify_memory_mb: int = 512
    max_upload_mb: int = 20
    verify_workers: int = 2

    invite_ttl_days: int = 60
    seed_demo: bool = Field(default=True, description="Seed the demo campaign on first start if empty.")

    @field_validator("telegram_bot_token", "telegram_api_base", "rubric", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `.env.example` lists these as `NAME=`; an empty value means "not set", not "empty token".
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
