"""Settings of the Zalo Official Account channel (environment or `.env`, prefix `ZALO_OA_`).

Three different secrets are involved and must not be mixed up: the app secret (`secret_key`
header of the OAuth calls), the OA secret key (signs the webhook calls), and the OAuth tokens
themselves (kept in the database, never in settings).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"


class ZaloOASettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZALO_OA_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    app_id: str | None = Field(default=None, description="The Zalo app's id (developers.zalo.me). Empty: no OA.")
    app_secret: SecretStr | None = Field(default=None, description="The app's secret key (OAuth `secret_key`).")
    oa_secret_key: SecretStr | None = Field(
        default=None, description="The OA secret key of the app-OA link: it signs webhook calls (not the app secret)."
    )
    oa_id: str | None = Field(default=None, description="The Official Account's id.")
    redirect_uri: str | None = Field(
        default=None, description="The callback URL registered on the app, where Zalo sends the authorisation code."
    )
    api_base: str = Field(default=DEFAULT_API_BASE, description="Open API base URL (tests point it at a fake).")
    oauth_base: str = Field(default=DEFAULT_OAUTH_BASE, description="OAuth v4 base URL.")

    request_timeout_s: float = Field(default=15.0, gt=0, description="One Open API call (messages, user detail).")
    upload_timeout_s: float = Field(default=60.0, gt=0, description="One file or image upload.")
    oauth_timeout_s: float = Field(
        default=10.0, gt=0, le=30,
        description="One OAuth token call. A refresh holds the token row's lock this long at most.",
    )
    refresh_margin_s: int = Field(
        default=1800, ge=60, description="Refresh the access token (about 25 h) this long before it expires."
    )
    refresh_retry_s: int = Field(
        default=600, ge=10, description="After a refused or unanswered refresh, wait this long before trying again."
    )
    rate_retry_s: float = Field(default=60.0, gt=0, description="After Zalo's rate limit (-32), send again after this.")
    quota_retry_s: float = Field(
        default=600.0, gt=0, description="After a quota refusal (-211), try again after this (the message is kept)."
    )
    answer_within_s: float = Field(
        default=1.5, gt=0, le=1.9,
        description="The webhook answers 200 after the event's commit or after this long (Zalo wants 2 s).",
    )

    intake_grace_s: float = Field(
        default=30.0, ge=1,
        description="A received webhook event a worker stopped holding this long ago (it died) is applied by another.",
    )

    webhook_max_age_s: int = Field(
        default=86400, ge=60,
        description="A signed webhook call older than this is refused (Zalo retries a call for about 12 h).",
    )
    webhook_max_future_s: int = Field(default=300, ge=0, description="Clock skew allowed for a call from the future.")
    webhook_max_bytes: int = Field(default=262144, ge=1024, description="Larger webhook bodies are refused unread.")
    webhook_max_depth: int = Field(default=16, ge=4, description="Deeper-nested webhook bodies are refused unparsed.")

    consultation_window_days: int = Field(
        default=7, ge=1, description="Consultation messages reach only users who interacted within this many days."
    )
    free_window_hours: int = Field(
        default=48, ge=0, description="Consultation messages this soon after the user's last interaction are free."
    )
    free_messages_per_interaction: int | None = Field(
        default=None, ge=0,
        description="Free messages per interaction inside the free window (older rule: 8). Empty: unlimited.",
    )
    transaction_start_hour: int = Field(default=6, ge=0, le=23, description="Transaction messages from this hour...")
    transaction_end_hour: int = Field(default=22, ge=1, le=24, description="...until this hour (exclusive), local.")

    @field_validator("app_id", "app_secret", "oa_secret_key", "oa_id", "redirect_uri",
                     "free_messages_per_interaction", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.app_secret and self.oa_secret_key and self.oa_id)

    @property
    def consultation_window(self) -> timedelta:
        return timedelta(days=self.consultation_window_days)

    @property
    def free_window(self) -> timedelta:
        return timedelta(hours=self.free_window_hours)

    def secrets(self) -> list[str]:
        """Every secret these settings hold, for the log redaction filter."""
        return [s.get_secret_value() for s in (self.app_secret, self.oa_secret_key) if s is not None]
