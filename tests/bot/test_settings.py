"""`.env.example` lists every setting, and every line in it is one the settings object knows."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsdt.channels.zalo_oa.settings import ZaloOASettings
from hsdt.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    names = {line.split("=", 1)[0].lower() for line in lines if line and not line.startswith("#")}
    # The Zalo OA channel keeps its settings in its own model (prefix ZALO_OA_).
    oa_names = {f"zalo_oa_{name}" for name in ZaloOASettings.model_fields}
    assert names == set(Settings.model_fields) | oa_names


def test_env_example_values_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.telegram_bot_token is None and settings.rubric is None
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    oa = ZaloOASettings()
    assert not oa.enabled and oa.app_secret is None and oa.free_messages_per_interaction is None
    assert oa.api_base == "https://openapi.zalo.me" and oa.consultation_window_days == 7


def test_run_refuses_what_a_second_worker_could_not_share() -> None:
    lone = Settings(_env_file=None, telegram_bot_token="1:x")
    assert lone.run_problems() == []
    crowd = Settings(_env_file=None, telegram_bot_token="1:x", workers=3)
    problems = "\n".join(crowd.run_problems())
    assert "PostgreSQL" in problems and "UPLOAD_SECRET" in problems and "TELEGRAM_MODE=webhook" in problems
    ready = Settings(_env_file=None, telegram_bot_token="1:x", workers=3,
                     database_url="postgresql+psycopg://db/hsdt", upload_secret="s" * 32, telegram_mode="webhook",
                     telegram_webhook_secret="abc_DEF-123", upload_base_url="https://hsdt.example.gov.vn")
    assert ready.run_problems() == []
