"""Shared pieces of the Zalo and upload-page end-to-end tests: the bot process and a free port."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_telegram_e2e import BotProcess
from tests.ports import free_port

__all__ = ["ZALO_TOKEN", "channel_bot", "free_port"]

ZALO_TOKEN = "3210987654:zalo-TEST-token-abcdef"


def channel_bot(workdir: Path, trust_dir: Path, port: int, **env: str) -> BotProcess:
    """`hsdt run` with the web server on `port`, no Telegram, and the given extra settings."""
    process = BotProcess(workdir, "", trust_dir)
    process.env.pop("TELEGRAM_BOT_TOKEN", None)
    process.env.pop("TELEGRAM_API_BASE", None)
    process.env.update({
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "UPLOAD_BASE_URL": f"http://127.0.0.1:{port}",
        "UPLOAD_SECRET": "test-upload-secret-0123456789abcdef",
        **env,
    })
    return process
