"""The one settings object. Every setting comes from the environment or `.env`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/hsdt.sqlite3",
        description="SQLAlchemy URL. SQLite file by default; postgresql+psycopg://... for PostgreSQL.",
    )
    database_owner_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL: the URL of the role that owns the tables, used only to migrate them. The bot "
                    "connects with DATABASE_URL as a role that owns none (`hsdt db grant-app ROLE`), so the "
                    "row-level security that keeps each Sở's rows apart applies to it.",
    )
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str | None = Field(
        default=None, description="Bot API server base URL; None means the official api.telegram.org."
    )
    telegram_busy_poll_s: float = Field(
        default=0.03, gt=0, le=1.0,
        description="While updates are in flight (not confirmed yet), how often to ask for new ones.",
    )
    telegram_mode: Literal["polling", "webhook"] = Field(
        default="polling", description="polling (getUpdates, one process) or webhook (Telegram calls the web server)."
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret (1-256 of A-Z a-z 0-9 _ -) Telegram sends in X-Telegram-Bot-Api-Secret-Token."
    )
    telegram_webhook_reply_wait_s: float = Field(
        default=10.0, ge=0, le=50,
        description="A webhook call is answered once its event committed and, up to this long, its replies went out.",
    )
    workers: int = Field(
        default=1, ge=1, description="How many `hsdt run` processes share the database (more than 1: PostgreSQL)."
    )
    worker_lease_s: float = Field(
        default=15.0, gt=0,
        description="A worker unheard of this long is taken for dead: a live one takes over its unsent replies.",
    )
    stop_grace_s: float = Field(
        default=10.0, ge=0,
        description="On SIGTERM, how long the webhook calls in flight, then the unsent replies, may take.",
    )
    send_rate_per_s: float = Field(
        default=30.0, gt=0,
        description="Messages per second each bot may send, replies and reminders together, over all workers.",
    )
    rubric: Path | None = Field(default=None, description="Rubric YAML; None means the packaged default.")
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line (production); text: plain lines."
    )

    data_dir: Path = Path("data")
    files_dir: Path = Path("data/files")
    trust_dir: Path = Path("data/trust")
    record_period_start: date = date(2024, 9, 1)
    record_period_end: date = date(2024, 12, 31)
    verify_timeout_s: float = 20.0
    verify_memory_mb: int = 512
    max_upload_mb: int = 20
    verify_workers: int = 2
    verify_online: bool = Field(
        default=True, description="Ask the CAs' OCSP/CRL servers whether a certificate is suspended or revoked."
    )
    verify_revocation_timeout_s: float = Field(default=3.0, gt=0, description="Seconds to wait for OCSP/CRL.")
    verify_cache_dir: Path | None = Field(
        default=Path("data/revocation"), description="OCSP/CRL answers kept until nextUpdate; empty: memory only."
    )

    invite_ttl_days: int = 60
    seed_demo: bool = Field(default=True, description="Seed the demo campaign on first start if empty.")

    @field_validator(
        "telegram_bot_token", "telegram_api_base", "telegram_webhook_secret", "rubric", "verify_cache_dir",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `.env.example` lists these as `NAME=`; an empty value means "not set", not "empty token".
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def migration_url(self) -> str:
        """Who migrates: the tables' owner when one is configured, else DATABASE_URL's role."""
        owner = self.database_owner_url.get_secret_value() if self.database_owner_url is not None else ""
        return owner or self.database_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    # --- zalo & upload page ---
    zalo_bot_token: SecretStr | None = Field(default=None, description="Zalo Bot Platform token; None: no Zalo.")
    zalo_api_base: str = Field(default="https://bot-api.zaloplatforms.com", description="Zalo Bot API base URL.")
    zalo_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret (8-256 chars) Zalo sends in X-Bot-Api-Secret-Token; needed for webhook."
    )
    zalo_mode: Literal["polling", "webhook"] = "polling"
    zalo_quota_retry_s: float = Field(
        default=60.0, gt=0, description="When Zalo refuses a send for now (quota, flood), wait this long to retry."
    )
    zalo_monthly_quota: int = Field(
        default=3000, ge=0,
        description="Messages a month the Zalo plan allows (free: 3,000); the Sở staff are warned at 80%. 0: none.",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the bot's web server (upload page) listens on.")
    web_port: int = 8080
    web_header_timeout_s: float = Field(
        default=10.0, gt=0, description="A connection must send its request headers within this time."
    )
    web_body_timeout_s: float = Field(
        default=120.0, gt=0, description="A request body (an upload, a webhook call) must arrive within this time."
    )
    upload_base_url: str | None = Field(
        default=None, description="Public base URL of the web server; set it to serve one-time upload links."
    )
    upload_secret: SecretStr | None = Field(
        default=None, description="HMAC key for upload links; None: a random key kept in DATA_DIR/upload_secret."
    )
    upload_link_ttl_minutes: int = 30

    @field_validator("zalo_bot_token", "zalo_webhook_secret", "upload_base_url", "upload_secret", mode="before")
    @classmethod
    def _empty_is_unset_channels(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def message_quotas(self) -> dict[str, int]:
        """Each channel's monthly message plan (0: unlimited)."""
        return {"zalo": self.zalo_monthly_quota}

    @property
    def can_push(self) -> bool:
        """A channel is configured that can write to a user first (reminders, notifications)."""
        return self.telegram_bot_token is not None or self.zalo_bot_token is not None

    @property
    def web_enabled(self) -> bool:
        """The web server runs when there is something to serve: upload links or the Zalo webhook."""
        return (self.upload_base_url is not None or self.zalo_bot_token is not None
                or self.telegram_webhook_enabled)

    @property
    def telegram_webhook_enabled(self) -> bool:
        return self.telegram_bot_token is not None and self.telegram_mode == "webhook"

    def run_problems(self) -> list[str]:
        """Why `hsdt run` must not start with these settings: what a second worker would need and
        not find (a shared key, PostgreSQL, webhooks instead of polling)."""
        from hsdt.texts import cli as tc

        problems = []
        if self.telegram_webhook_enabled and self.telegram_webhook_secret is None:
            problems.append(tc.NEED_WEBHOOK_SECRET)
        if self.telegram_webhook_enabled and self.upload_base_url is None:
            problems.append(tc.NEED_WEBHOOK_URL)
        if self.workers > 1:
            if self.is_sqlite:
                problems.append(tc.NEED_POSTGRES.format(workers=self.workers))
            if self.upload_secret is None:
                problems.append(tc.NEED_UPLOAD_SECRET.format(workers=self.workers))
            if self.telegram_bot_token is not None and self.telegram_mode != "webhook":
                problems.append(tc.NEED_TELEGRAM_WEBHOOK.format(workers=self.workers))
            if self.zalo_bot_token is not None and self.zalo_mode != "webhook":
                problems.append(tc.NEED_ZALO_WEBHOOK.format(workers=self.workers))
        return problems

    # --- reminders ---
    reminders_enabled: bool = Field(default=True, description="Schedule reminders and deliver the outbox.")
    reminder_rate_per_s: float = Field(default=30.0, description="Outbound messages per second, all chats.")
    reminder_rate_per_chat_per_s: float = Field(default=1.0, description="Outbound messages per second, per chat.")
    outbox_concurrency: int = Field(default=8, description="Sends in flight at once (also the crash window).")
    outbox_poll_s: float = Field(default=2.0, description="How often the delivery looks for queued messages.")
    reminder_sync_s: float = Field(default=30.0, description="How often the leader re-reads the calendar.")
    leader_retry_s: float = Field(default=10.0, description="How often a non-leader tries to take over.")

    # --- web dashboard ---
    dashboard_link_ttl_minutes: int = Field(default=15, description="A dashboard sign-in link expires after this.")
    dashboard_session_hours: int = Field(default=12, description="A dashboard session lasts this long.")
    dashboard_cookie_secure: bool | None = Field(
        default=None, description="Secure session cookie; None: when UPLOAD_BASE_URL is https://."
    )

    @field_validator("dashboard_cookie_secure", mode="before")
    @classmethod
    def _empty_is_auto(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value
