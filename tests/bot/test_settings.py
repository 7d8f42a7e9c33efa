"""`.env.example` lists every setting, and every line in it is one the settings object knows."""

from __future__ import annotations

from pathlib import Path

from hsdt.bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    names = {line.split("=", 1)[0].lower() for line in lines if line and not line.startswith("#")}
    assert names == set(Settings.model_fields)


def test_env_example_values_load(monkeypatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.telegram_bot_token is None and settings.rubric is None
    assert settings.timezone == "Asia/Ho_Chi_Minh"
