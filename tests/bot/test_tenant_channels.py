"""Each Sở's own Telegram bot in one process: the first Sở's from the environment, a second Sở's from
`tenant_channel`, both against one fake Bot API host that serves the two tokens (as api.telegram.org
does). Each bot's principals enrol with their own Sở's invite codes, their answers land in that Sở, the
replies go out through that Sở's token, a Sở's webhook refuses another Sở's secret; and each Sở's
monthly counts are its own (`hsdt status --tenant`)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt import texts as messages
from hsdt.app import runner
from hsdt.app.bootstrap import App, build, web_config
from hsdt.cli.main import main as cli_main
from hsdt.config import Settings
from hsdt.services.tenants import create_tenant
from hsdt.services.usage import month_of, record_sent
from hsdt.storage.models import Answer, ChatIdentity
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.tenant_channels import ChannelConfig, ChannelKind, remove_channel, save_channel
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.server import make_runner, make_web_app
from tests.conftest import seed
from tests.fakes.telegram_server import FakeTelegramCloud, FakeTelegramServer, SentMessage
from tests.fakes.zalo_server import FakeZaloCloud, FakeZaloServer
from tests.ports import free_port

TOKEN_A = "710001:FIRST-SO-TOKEN"
TOKEN_B = "720002:SECOND-SO-TOKEN"
SECRET_A = "first_so_webhook-secret"
SECRET_B = "second_so_webhook-secret"
# One Telegram user in each Sở (and one who writes to both bots).
USER_A, USER_B = 6101, 6202
PRINCIPAL = "HT-HOASEN"


@dataclass
class TwoSos:
    engine: Engine
    hue: int
    codes_a: dict[str, str]
    codes_b: dict[str, str]


def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def two_sos(engine: Engine) -> TwoSos:
    """The demo roster in the first Sở and again, with its own invite codes, in Huế's; Huế's bot is a
    `tenant_channel` row, the first Sở's comes from the settings."""
    now = datetime.now(UTC)
    codes_a = seed(engine, now)
    hue = create_tenant(engine, "hue", "Sở Giáo dục và Đào tạo Huế", "Huế").id
    with tenant_scope(hue):
        codes_b = seed(engine, now)
    save_channel(engine, ChannelConfig(hue, ChannelKind.TELEGRAM, TOKEN_B.split(":")[0], token=TOKEN_B,
                                       webhook_secret=SECRET_B))
    return TwoSos(engine, hue, codes_a, codes_b)


def settings_for(sos: TwoSos, tmp_path: Path, api_base: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {"telegram_bot_token": TOKEN_A, "zalo_bot_token": None, **extra}
    return Settings(_env_file=None, database_url=database_url(sos.engine), data_dir=tmp_path / "data",
                    files_dir=tmp_path / "data" / "files", trust_dir=tmp_path / "trust", seed_demo=False,
                    telegram_api_base=api_base, reminders_enabled=False, **values)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[App]:
    """`hsdt run`'s services for one process, in this event loop, until the block ends."""
    app = build(settings, with_checker=False)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.serve(app, stop))
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        app.close()


async def says(bot: FakeTelegramServer, user: int, fragment: str) -> SentMessage:
    return await bot.wait_for_message(user, predicate=lambda m: fragment in (m.text or ""), timeout=30)


async def enrol_and_answer(bot: FakeTelegramServer, user: int, code: str) -> None:
    """Enrol with `code`, open the questionnaire and answer its first criterion."""
    bot.push_text(user, f"/start {code}")
    await says(bot, user, "Thầy/Cô chọn một chức năng")
    bot.push_text(user, "/tudanhgia")
    question = await says(bot, user, "Tiêu chí 1/12")
    bot.press_button(user, question, "trẻ em")
    question = await says(bot, user, "Đang chọn: Hồ sơ quản lý trẻ em")
    bot.press_button(user, question, "Xong")
    await says(bot, user, "Tiêu chí 2/12")


def identities(engine: Engine, tenant: int) -> set[str]:
    with UnitOfWork(engine, tenant) as uow:
        return {row.external_id for row in uow.session.exec(select(ChatIdentity)).all()}


def answers(engine: Engine, tenant: int) -> list[Answer]:
    with UnitOfWork(engine, tenant) as uow:
        return list(uow.session.exec(select(Answer)).all())


async def test_two_sos_bots_in_one_process_keep_their_principals_answers_and_replies_apart(
        two_sos: TwoSos, tmp_path: Path) -> None:
    async with FakeTelegramCloud(TOKEN_A, TOKEN_B) as cloud:
        bot_a, bot_b = cloud.bot(TOKEN_A), cloud.bot(TOKEN_B)
        async with serving(settings_for(two_sos, tmp_path, cloud.base_url)) as app:
            assert set(app.tenants) == {DEFAULT_TENANT, two_sos.hue}
            # The first Sở's bot is still the App's own, as in a one-Sở deployment.
            assert app.telegram is app.tenants[DEFAULT_TENANT].telegram
            await bot_a.wait_for_calls("getUpdates", 1, timeout=30)
            await bot_b.wait_for_calls("getUpdates", 1, timeout=30)  # one poll loop per token

            # The first Sở's invite code means nothing to Huế's bot: the usual wrong-code reply.
            wrong = two_sos.codes_a[PRINCIPAL]
            bot_b.push_text(USER_B, f"/start {wrong}")
            await says(bot_b, USER_B, messages.INVITE_NOT_FOUND.format(code=wrong))

            await asyncio.gather(enrol_and_answer(bot_a, USER_A, two_sos.codes_a[PRINCIPAL]),
                                 enrol_and_answer(bot_b, USER_B, two_sos.codes_b[PRINCIPAL]))

    engine = two_sos.engine
    assert identities(engine, DEFAULT_TENANT) == {str(USER_A)}
    assert identities(engine, two_sos.hue) == {str(USER_B)}
    first, second = answers(engine, DEFAULT_TENANT), answers(engine, two_sos.hue)
    assert first and {a.tenant_id for a in first} == {DEFAULT_TENANT}
    assert second and {a.tenant_id for a in second} == {two_sos.hue}
    assert {a.school_id for a in first}.isdisjoint({a.school_id for a in second})
    # Each bot's replies went out through its own token, to its own Sở's principal only.
    for bot, own_user in ((bot_a, USER_A), (bot_b, USER_B)):
        sent_to = {int(call.params["chat_id"]) for call in bot.calls_of("sendMessage")}
        assert sent_to == {own_user}
    assert cloud.unknown_tokens == []


async def post_update(url: str, secret: str, update: dict[str, object]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as response:
        return response.status, await response.text()


def start_update(update_id: int, user: int, text: str) -> dict[str, object]:
    person = {"id": user, "is_bot": False, "first_name": "Lan"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(datetime.now(UTC).timestamp()), "text": text,
        "chat": {"id": user, "type": "private", "first_name": "Lan"}, "from": person,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}}


async def test_a_sos_webhook_takes_only_its_own_secret_and_unknown_sos_look_forged(
        two_sos: TwoSos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeTelegramCloud(TOKEN_A, TOKEN_B) as cloud:
        settings = settings_for(two_sos, tmp_path, cloud.base_url, telegram_mode="webhook",
                                telegram_webhook_secret=SECRET_A, upload_base_url=base,
                                upload_secret="test-upload-secret-0123456789abcdef")
        app = build(settings, with_checker=False)
        web_runner = make_runner(make_web_app(app, web_config(app)), 10.0)
        await web_runner.setup()
        await web.TCPSite(web_runner, "127.0.0.1", port).start()
        try:
            code_b = two_sos.codes_b[PRINCIPAL]
            forged = await post_update(f"{base}/telegram/webhook", "not-the-secret", start_update(1, USER_B, "/start"))
            assert forged[0] == 403
            # Huế's path with the first Sở's secret, an unknown Sở, and a Sở without that bot: all refused
            # exactly as a forged call is, whether or not the Sở exists.
            for path, secret in (("/t/hue/telegram/webhook", SECRET_A), ("/t/nowhere/telegram/webhook", SECRET_B),
                                 ("/t/nowhere/telegram/webhook", SECRET_A), ("/t/hue/zalo/webhook", SECRET_B)):
                refused = await post_update(base + path, secret, start_update(2, USER_B, f"/start {code_b}"))
                assert refused == forged, path
            assert identities(two_sos.engine, two_sos.hue) == set()
            assert cloud.bot(TOKEN_B).calls_of("sendMessage") == []

            # The operator registers Huế's webhook (its own path and secret); Telegram then calls it, and
            # the call is applied in Huế and answered through Huế's bot.
            for name, value in (("DATABASE_URL", database_url(two_sos.engine)), ("UPLOAD_BASE_URL", base),
                                ("TELEGRAM_API_BASE", cloud.base_url), ("DATA_DIR", str(tmp_path / "data"))):
                monkeypatch.setenv(name, value)
            monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
            monkeypatch.chdir(tmp_path)
            assert await asyncio.to_thread(cli_main, ["webhook", "set", "--tenant", "hue"]) == 0
            bot_b = cloud.bot(TOKEN_B)
            assert (bot_b.webhook_url, bot_b.webhook_secret) == (f"{base}/t/hue/telegram/webhook", SECRET_B)
            assert cloud.bot(TOKEN_A).webhook_url == ""
            bot_b.push_text(USER_B, f"/start {code_b}")
            await says(bot_b, USER_B, "Thầy/Cô chọn một chức năng")
            assert identities(two_sos.engine, two_sos.hue) == {str(USER_B)}
            assert identities(two_sos.engine, DEFAULT_TENANT) == set()
            # The first Sở's bot keeps its path and its secret.
            code_a = two_sos.codes_a[PRINCIPAL]
            first = await post_update(f"{base}/telegram/webhook", SECRET_A, start_update(4, USER_A, f"/start {code_a}"))
            assert first[0] == 200
            await says(cloud.bot(TOKEN_A), USER_A, "Thầy/Cô chọn một chức năng")
            assert identities(two_sos.engine, DEFAULT_TENANT) == {str(USER_A)}
            assert {int(c.params["chat_id"]) for c in cloud.bot(TOKEN_A).calls_of("sendMessage")} == {USER_A}
        finally:
            for own in app.tenants.values():
                if own.telegram is not None:
                    await own.telegram.close()
            await web_runner.cleanup()
            await app.aclose()
            app.close()


ZALO_A = "8100010001:first-so-zalo-token"
ZALO_B = "8200020002:second-so-zalo-token"
ZALO_SECRET_A = "first-so-zalo-secret"
ZALO_SECRET_B = "second-so-zalo-secret"


async def test_two_sos_zalo_bots_take_their_webhooks_at_their_paths_and_count_their_own_messages(
        two_sos: TwoSos, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Huế runs a Zalo bot instead of its Telegram one.
    assert remove_channel(two_sos.engine, two_sos.hue, ChannelKind.TELEGRAM) == 1
    save_channel(two_sos.engine, ChannelConfig(two_sos.hue, ChannelKind.ZALO_BOT, "8200020002", token=ZALO_B,
                                               webhook_secret=ZALO_SECRET_B))
    async with FakeZaloCloud(ZALO_A, ZALO_B) as cloud:
        zalo_a, zalo_b = cloud.bot(ZALO_A), cloud.bot(ZALO_B)
        settings = settings_for(two_sos, tmp_path, "http://127.0.0.1:9", telegram_bot_token=None,
                                zalo_bot_token=ZALO_A, zalo_api_base=cloud.base_url, zalo_mode="webhook",
                                zalo_webhook_secret=ZALO_SECRET_A, web_host="127.0.0.1", web_port=port,
                                upload_base_url=base, upload_secret="test-upload-secret-0123456789abcdef")
        async with serving(settings):
            # Each bot registers its own Sở's path and secret.
            await zalo_a.wait_until(lambda: bool(zalo_a.webhook_url), timeout=30, what="setWebhook A")
            await zalo_b.wait_until(lambda: bool(zalo_b.webhook_url), timeout=30, what="setWebhook B")
            assert (zalo_a.webhook_url, zalo_a.webhook_secret) == (f"{base}/zalo/webhook", ZALO_SECRET_A)
            assert (zalo_b.webhook_url, zalo_b.webhook_secret) == (f"{base}/t/hue/zalo/webhook", ZALO_SECRET_B)
            # Huế's path refuses the first Sở's secret.
            forged = {"event_name": "message.text.received", "message": zalo_b._message("zb0", "Hoa", text="x")}
            refused = await zalo_b.deliver_webhook(forged, secret=ZALO_SECRET_A)
            assert refused.status == 403
            wrong = two_sos.codes_a[PRINCIPAL]
            zalo_b.push_text("zb1", wrong)
            await zalo_b.wait_for_message("zb1", lambda m: messages.INVITE_NOT_FOUND.format(code=wrong) in m.text,
                                          timeout=30)
            zalo_a.push_text("za", two_sos.codes_a[PRINCIPAL])
            zalo_b.push_text("zb", two_sos.codes_b[PRINCIPAL])
            await zalo_a.wait_for_message("za", lambda m: "Đăng ký thành công" in m.text, timeout=30)
            await zalo_b.wait_for_message("zb", lambda m: "Đăng ký thành công" in m.text, timeout=30)
            zalo_b.push_text("zb", "/tudanhgia")
            await zalo_b.wait_for_message("zb", lambda m: "Tiêu chí 1/12" in m.text, timeout=30)

            def sent(bot: FakeZaloServer) -> int:
                return len(bot.calls_of("sendMessage")) + len(bot.calls_of("sendPhoto"))

            month = month_of(datetime.now(UTC), ZoneInfo(settings.timezone))

            def counted(tenant: int) -> int:
                with UnitOfWork(two_sos.engine, tenant) as uow:
                    return uow.usage.count("zalo", month)

            # Each Sở's plan counts what its own bot sent (recorded as each turn is confirmed).
            await zalo_a.wait_until(lambda: counted(DEFAULT_TENANT) == sent(zalo_a), timeout=30, what="A's count")
            await zalo_b.wait_until(lambda: counted(two_sos.hue) == sent(zalo_b), timeout=30, what="B's count")
            assert 0 < sent(zalo_a) < sent(zalo_b)
    assert identities(two_sos.engine, DEFAULT_TENANT) == {"za"}
    # The one who tried the first Sở's code is not enrolled in Huế (nor anywhere).
    assert "zb1" not in identities(two_sos.engine, two_sos.hue) | identities(two_sos.engine, DEFAULT_TENANT)
    assert "zb" in identities(two_sos.engine, two_sos.hue)
    assert cloud.unknown_tokens == []


def test_each_sos_monthly_count_is_its_own_and_status_shows_the_one_asked_for(
        two_sos: TwoSos, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)
    with UnitOfWork(two_sos.engine, DEFAULT_TENANT) as uow:
        assert record_sent(uow, "zalo", 7, now, tz, {}) == 7
    with UnitOfWork(two_sos.engine, two_sos.hue) as uow:
        assert record_sent(uow, "zalo", 40, now, tz, {}) == 40
        assert record_sent(uow, "zalo", 2, now, tz, {}) == 42
    monkeypatch.setenv("DATABASE_URL", database_url(two_sos.engine))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for name in ("ZALO_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "DATABASE_OWNER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's

    def status(code: str) -> str:
        printed = io.StringIO()
        with redirect_stdout(printed):
            assert cli_main(["status", "--month", "2024-12", "--tenant", code]) == 0
        return printed.getvalue()

    assert "Zalo: 42" in status("hue").replace("/", " ").replace(" tin", "")
    assert "Zalo: 7" in status("default").replace("/", " ").replace(" tin", "")


async def test_each_oa_webhook_is_applied_in_the_oas_own_so(two_sos: TwoSos, tmp_path: Path) -> None:
    """The first Sở's OA from the environment, Huế's from its row: each OA's calls, routed by OA id, are
    applied in its own Sở, and another Sở's invite code is not found there."""
    from hsdt.app.zalo_oa import wire
    from hsdt.cli.zalo_oa import connect
    from tests.bot.zalo_oa_support import REDIRECT_URI, environment, oa_settings
    from tests.fakes.zalo_oa_server import FakeZaloOAServer

    assert remove_channel(two_sos.engine, two_sos.hue, ChannelKind.TELEGRAM) == 1
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeZaloOAServer() as first, FakeZaloOAServer() as hue_oa:
        save_channel(two_sos.engine, ChannelConfig(two_sos.hue, ChannelKind.ZALO_OA, hue_oa.oa_id, app_id=hue_oa.app_id,
                                                   app_secret=hue_oa.app_secret, oa_secret_key=hue_oa.oa_secret_key,
                                                   redirect_uri=REDIRECT_URI))
        settings = settings_for(two_sos, tmp_path, "http://127.0.0.1:9", telegram_bot_token=None,
                                web_host="127.0.0.1", web_port=port, upload_base_url=base,
                                upload_secret="test-upload-secret-0123456789abcdef")
        # Huế's row takes the API hosts (and timings) from the environment's ZALO_OA_* like the first Sở's.
        hue_env: dict[str, str | None] = {"ZALO_OA_APP_ID": None, "ZALO_OA_API_BASE": hue_oa.base_url,
                                          "ZALO_OA_OAUTH_BASE": hue_oa.base_url}
        with environment(hue_env):
            app = build(settings, with_checker=False)
        first_channel = wire(app, oa_settings(first))
        assert first_channel is not None and first_channel.tenant == DEFAULT_TENANT
        hue_channel = app.tenants[two_sos.hue].zalo_oa[hue_oa.oa_id]
        assert hue_channel.tenant == two_sos.hue and hue_oa.oa_id not in app.zalo_oa

        # Each OA connected by its Sở's operator (`hsdt zalo-oa connect --tenant ...`).
        first_env: dict[str, str | None] = {
            "ZALO_OA_APP_ID": first.app_id, "ZALO_OA_APP_SECRET": first.app_secret, "ZALO_OA_OA_ID": first.oa_id,
            "ZALO_OA_OA_SECRET_KEY": first.oa_secret_key, "ZALO_OA_REDIRECT_URI": REDIRECT_URI,
            "ZALO_OA_API_BASE": first.base_url, "ZALO_OA_OAUTH_BASE": first.base_url}
        for fake, env, tenant in ((first, first_env, DEFAULT_TENANT), (hue_oa, hue_env, two_sos.hue)):
            printed: list[str] = []

            def approve(_prompt: str, fake: FakeZaloOAServer = fake, printed: list[str] = printed) -> str:
                return fake.approve(printed[-1].split("\n")[1])  # the admin opens the printed link

            with environment(env), tenant_scope(tenant):
                assert await connect(settings, approve, printed.append) == 0

        web_runner = make_runner(make_web_app(app, web_config(app)), 10.0)
        await web_runner.setup()
        await web.TCPSite(web_runner, "127.0.0.1", port).start()
        first.webhook_url = f"{base}{first_channel.path}"
        hue_oa.webhook_url = f"{base}{hue_channel.path}"
        try:
            stranger = hue_oa.add_user("Trần Văn Khách")
            hue_oa.follows(stranger)
            await hue_oa.wait_for_message(stranger, timeout=30)
            wrong = two_sos.codes_a[PRINCIPAL]
            hue_oa.user_sends_text(stranger, wrong)
            await hue_oa.wait_for_message(stranger, lambda m: messages.INVITE_NOT_FOUND.format(code=wrong) in m.text,
                                          timeout=30)
            for fake, code in ((first, two_sos.codes_a[PRINCIPAL]), (hue_oa, two_sos.codes_b[PRINCIPAL])):
                user = fake.add_user("Nguyễn Thị Hồng Nhung")
                fake.follows(user)
                await fake.wait_for_message(user, timeout=30)
                fake.user_sends_text(user, code)
                await fake.wait_for_message(user, lambda m: "Đăng ký thành công" in m.text, timeout=30)
        finally:
            for channel in (first_channel, hue_channel):
                await channel.delivery.queues.drain()
            await web_runner.cleanup()
            await app.aclose()
            app.close()
    first_ids, hue_ids = identities(two_sos.engine, DEFAULT_TENANT), identities(two_sos.engine, two_sos.hue)
    assert len(first_ids) == 1 and len(hue_ids) == 1 and first_ids.isdisjoint(hue_ids)
