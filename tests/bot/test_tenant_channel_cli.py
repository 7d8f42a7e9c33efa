"""`hsdt tenant channel`: a Sở's own bots and OA are stored with secrets read from a named environment
variable or standard input (never the command line), listed without them, kept to one Sở per bot, and
removed; the bootstrap scrubs their secrets from the logs."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from hsdt.cli.main import main
from hsdt.redaction import MASK, redact_secrets
from hsdt.storage.db import make_engine
from hsdt.storage.tenant_channels import ChannelKind, all_channels

TOKEN = "730003:HUE-BOT-TOKEN-abcdef"
SECRET = "hue_webhook-secret"


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'hsdt.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEED_DEMO", "false")
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "DATABASE_OWNER_URL"):
        monkeypatch.delenv(name, raising=False)
    return url


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_channels_are_set_from_the_environment_or_stdin_listed_without_secrets_and_removed(
        operator: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(["tenant", "new", "hue", "--name", "Sở Giáo dục và Đào tạo Huế"], capsys, monkeypatch)[0] == 0
    monkeypatch.setenv("HUE_TELEGRAM", TOKEN)
    monkeypatch.setenv("HUE_SECRET", SECRET)
    code, out, _ = run(["tenant", "channel", "set", "--tenant", "hue", "telegram", "--token-env", "HUE_TELEGRAM",
                        "--webhook-secret-env", "HUE_SECRET"], capsys, monkeypatch)
    assert code == 0 and "730003" in out and "/t/hue/telegram/webhook" in out and TOKEN not in out
    # The OA's app secret and OA secret key from standard input, one a line.
    code, out, _ = run(["tenant", "channel", "set", "--tenant", "hue", "zalo-oa", "--oa-id", "4400", "--app-id", "77"],
                       capsys, monkeypatch, stdin="app-secret-value\noa-secret-key-value\n")
    assert code == 0 and "/zalo-oa/4400/webhook" in out
    code, out, _ = run(["tenant", "channel", "list"], capsys, monkeypatch)
    assert code == 0 and "730003" in out and "4400" in out
    for secret in (TOKEN, SECRET, "app-secret-value", "oa-secret-key-value"):
        assert secret not in out
    engine = make_engine(operator)
    try:
        stored = {(c.kind, c.account): c for c in all_channels(engine)}
    finally:
        engine.dispose()
    assert stored[(ChannelKind.TELEGRAM, "730003")].token == TOKEN
    assert stored[(ChannelKind.TELEGRAM, "730003")].webhook_secret == SECRET
    assert stored[(ChannelKind.ZALO_OA, "4400")].oa_secret_key == "oa-secret-key-value"
    assert TOKEN not in repr(stored[(ChannelKind.TELEGRAM, "730003")])

    # One bot serves one Sở: the first Sở cannot take Huế's.
    code, _, err = run(["tenant", "channel", "set", "--tenant", "default", "telegram"], capsys, monkeypatch,
                       stdin=f"{TOKEN}\n\n")
    assert code == 2 and "hue" in err and TOKEN not in err
    # A token on the command line is no option (not even as an abbreviation of --token-env, which would
    # then print the token as the name of a missing variable): the command is refused unread.
    code, _, err = run(["tenant", "channel", "set", "--tenant", "hue", "telegram", "--token", TOKEN], capsys,
                       monkeypatch)
    assert code == 2 and "Biến môi trường" not in err
    code, _, err = run(["tenant", "channel", "set", "--tenant", "hue", "telegram"], capsys, monkeypatch, stdin="")
    assert code == 2 and "token" in err
    code, _, err = run(["tenant", "channel", "set", "--tenant", "hue", "telegram"], capsys, monkeypatch,
                       stdin="not a token\n")
    assert code == 2 and "Token Telegram" in err

    code, out, _ = run(["tenant", "channel", "remove", "--tenant", "hue", "telegram"], capsys, monkeypatch)
    assert code == 0 and "Đã bỏ 1 kênh Telegram" in out
    code, out, _ = run(["tenant", "channel", "list", "--tenant", "hue"], capsys, monkeypatch)
    assert "730003" not in out and "4400" in out


def test_the_bootstrap_scrubs_every_sos_channel_secrets_from_the_logs(
        operator: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hsdt.app.bootstrap import build
    from hsdt.config import Settings

    assert run(["tenant", "new", "hue", "--name", "Sở Giáo dục và Đào tạo Huế"], capsys, monkeypatch)[0] == 0
    assert run(["tenant", "channel", "set", "--tenant", "hue", "zalo-bot"], capsys, monkeypatch,
               stdin="hue-zalo-bot-token-0987\nhue-zalo-webhook-secret\n")[0] == 0
    app = build(Settings(_env_file=None, database_url=operator, data_dir=tmp_path / "data",
                         files_dir=tmp_path / "data" / "files", seed_demo=False), with_checker=False)
    try:
        assert app.zalo is None and app.tenants[2].zalo is not None
        scrub = redact_secrets().scrub
        assert scrub("GET /bothue-zalo-bot-token-0987/getMe") == f"GET /bot{MASK}/getMe"
        assert scrub("secret hue-zalo-webhook-secret") == f"secret {MASK}"
    finally:
        app.close()
