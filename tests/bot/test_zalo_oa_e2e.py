"""The bot (built by the bootstrap, its web server on a port) against the fake Zalo Official Account
(`tests/bot/zalo_oa_support.py`):
signed webhook calls in, Open API calls out, the OA connected through `hsdt zalo-oa connect`.

Runs in this process so the platform's clock and the channel's are one test clock (8 days of silence,
07:00 against 23:00)."""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import OperationalError

from hsdt.app import zalo_oa
from hsdt.app.bootstrap import build
from hsdt.app.runner import enabled_services
from hsdt.channels.outbox import OutboxDelivery
from hsdt.channels.zalo_oa.events import dump_event, parse_event
from hsdt.channels.zalo_oa.render import text_messages
from hsdt.cli.status import cmd_status
from hsdt.config import Settings
from hsdt.events import Incoming, Kind, Reply
from hsdt.services.usage import month_of
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import ChatIdentity, Evidence, OutboxMessage, ProcessedEvent, Submission
from hsdt.storage.unit_of_work import UnitOfWork, tenant_session
from hsdt.storage.zalo_oa_inbox import Received
from hsdt.storage.zalo_oa_models import ZaloOAInbox, ZaloOAUsage, ZaloOAUser
from tests.bot.zalo_oa_support import LOCAL, Bot, enrolled, environment, morning, oa_bot, say, second_worker
from tests.conftest import POSTGRES_URL, postgres_schema_engine, seed
from tests.fakes.zalo_oa_server import FakeOAUser, FakeZaloOAServer, Seen
from tests.helpers import ChatDriver
from tests.signatures.testpki import TestPKI, build_pki, make_pdf, sign_pdf


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed_pdf(pki: TestPKI) -> bytes:
    return sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=datetime(2024, 10, 15, 2, 30, tzinfo=UTC))


def tampered(pdf: bytes) -> bytes:
    """The signed file with one character of its page changed: the signature no longer covers it."""
    assert b"Ke hoach" in pdf
    return pdf.replace(b"Ke hoach", b"Ke hoaCH", 1)


@pytest.fixture
async def bot(tmp_path: Path, pki: TestPKI) -> AsyncIterator[Bot]:
    async with oa_bot(tmp_path, pki.trust_dir, morning()) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgres"])
async def any_bot(request: pytest.FixtureRequest, tmp_path: Path, pki: TestPKI) -> AsyncIterator[Bot]:
    """The bot on SQLite, and on PostgreSQL (row claims in the outbox, upserts of the OA's records)."""
    if request.param == "sqlite":
        async with oa_bot(tmp_path, pki.trust_dir, morning()) as running:
            yield running
        return
    schema = f"hsdt_oa_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = postgres_schema_engine(schema)
    codes = seed(engine, datetime.now(UTC))
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    try:
        async with oa_bot(tmp_path, pki.trust_dir, morning(), database=url, codes=codes) as running:
            yield running
    finally:
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


async def enrolled_principal(bot: Bot) -> FakeOAUser:
    return await enrolled(bot, bot.codes["HT-HOASEN"])


def oa_messages(bot: Bot) -> int:
    return sum(len(user.seen) for user in bot.fake.users.values())


async def test_principal_follows_enrols_answers_by_typing_sends_pdfs_in_chat_and_submits(
    bot: Bot, signed_pdf: bytes,
) -> None:
    fake = bot.fake
    fake.set_rate_limit(20, 1.0)  # Zalo's rate limit is on; the bot keeps under it or waits
    user = await enrolled_principal(bot)
    before = oa_messages(bot)
    await say(bot, user, "1", "Tiêu chí 1/12")
    second = await say(bot, user, "1,2", "Tiêu chí 2/12")
    assert "Hồ sơ quản lý trẻ em; Hồ sơ quản lý nhân sự" in second.text
    for typed, following in (("12/10", "Tiêu chí 3/12"), ("20/18", "Tiêu chí 4/12"), ("5/5", "Tiêu chí 5/12"),
                             ("1,2,3,4", "Tiêu chí 6/12"), ("1", "Tiêu chí 7/12"), ("Một phần", "Tiêu chí 8/12"),
                             ("85", "Tiêu chí 9/12")):
        await say(bot, user, typed, following)
    evidence = await say(bot, user, "Có", "Tiêu chí 10/12")
    assert "gửi tệp PDF đã ký số ngay trong cuộc trò chuyện này" in evidence.text
    assert "/u/" in evidence.text  # the upload page stays as the fallback

    fake.user_sends_file(user, signed_pdf, "ke-hoach-giao-duc.pdf")
    valid = await fake.wait_for_message(user, lambda m: "ke-hoach-giao-duc.pdf" in m.text, timeout=60)
    assert "✅ Hợp lệ" in valid.text and "[2] ✅ Xong" in valid.text, valid.text  # verdict and question: one turn
    fake.user_sends_file(user, tampered(signed_pdf), "ke-hoach-sua.pdf")
    refused = await fake.wait_for_message(user, lambda m: "ke-hoach-sua.pdf" in m.text, timeout=60)
    assert "❌ Không hợp lệ" in refused.text and "nội dung đã ký bị thay đổi" in refused.text, refused.text

    await say(bot, user, "Xong", "Tiêu chí 11/12")
    await say(bot, user, "Đạt", "Tiêu chí 12/12")
    review = await say(bot, user, "Không có ý kiến.", "Xem lại phiếu tự đánh giá")
    assert "[1] 📤 Gửi kết quả tự đánh giá" in review.text
    await say(bot, user, "1", "xác nhận gửi kết quả")
    done = await say(bot, user, "Đồng ý gửi", "Đã gửi kết quả tự đánh giá")
    # E1 scores the share of valid files: one valid, one tampered (75.47 with the valid file alone).
    assert "72,47/100" in done.text

    cost = oa_messages(bot) - before
    print(f"\nZalo OA messages for one full self-assessment (opening it to the result): {cost}")
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 2000 for m in user.seen)
    assert all(m.charge == "free" for m in user.seen)  # every reply inside the 48 hours of the user's message
    submission = bot.rows(Submission)[0]
    assert submission.status == "submitted" and submission.total == 72.47
    assert sorted((e.criterion_id, e.status) for e in bot.rows(Evidence)) == [("E1", "invalid"), ("E1", "valid")]
    assert [(i.channel, i.external_id) for i in bot.rows(ChatIdentity)] == [("zalo_oa", user.user_id)]
    await bot.channel.delivery.queues.drain()  # the last message's count commits after Zalo took it
    usage = bot.rows(ZaloOAUsage)
    assert sum(u.free for u in usage) == oa_messages(bot)


async def test_so_staff_receive_the_three_appendices_as_pdf_files(bot: Bot) -> None:
    fake = bot.fake
    staff = fake.add_user("Phạm Minh Tuấn")
    fake.clicks_chat_now(staff)
    await fake.wait_for_message(staff, timeout=30)
    await say(bot, staff, bot.codes["SO-01"], "Đăng ký thành công")
    summary = await say(bot, staff, "/baocao", "PDF")
    pdf_key = next(line.split("]")[0].strip(" [") for line in summary.text.splitlines()
                   if "PDF" in line and "[" in line)
    fake.user_sends_text(staff, pdf_key)
    files: list[Seen] = []
    for _ in range(3):
        files.append(await fake.wait_for_message(staff, lambda m: m.kind == "file", timeout=120))
    print("\nappendices received as files:", [f.file_name for f in files])
    assert all(f.file_name.endswith(".pdf") for f in files) and len({f.file_name for f in files}) == 3
    assert all(f.file_bytes.startswith(b"%PDF-") and len(f.file_bytes) <= 5 * 1024 * 1024 for f in files)
    assert len(fake.calls_to("/v2.0/oa/upload/file")) == 3


async def test_a_redelivered_file_is_answered_once(any_bot: Bot, signed_pdf: bytes) -> None:
    bot = any_bot
    fake = bot.fake
    user = await enrolled_principal(bot)
    payload = fake.user_sends_file(user, signed_pdf, "cong-van.pdf")
    verdict = await fake.wait_for_message(user, lambda m: "cong-van.pdf" in m.text, timeout=60)
    assert "Hợp lệ" in verdict.text
    fake.redeliver(payload)
    fake.push(payload, duplicate=True)
    await fake.wait_until(lambda: sum(1 for d in fake.deliveries if d.body == fake.encode(payload)) >= 4,
                          timeout=30, what="the copies delivered")
    await say(bot, user, "/danhmuc", "chọn một chức năng")
    assert sum(1 for m in user.seen if "cong-van.pdf" in m.text) == 1
    assert all(d.status == 200 for d in fake.deliveries)
    msg_id = payload["message"]["msg_id"]
    assert f"{fake.oa_id}:{msg_id}" in {e.event_id for e in bot.rows(ProcessedEvent)}


async def test_bad_calls_are_refused_with_no_effect(bot: Bot) -> None:
    fake = bot.fake
    user = fake.add_user()
    event = fake._user_message(user, "user_send_text", text=bot.codes["HT-HOASEN"])
    body = fake.encode(event)
    assert (await fake.deliver(body, signature="mac=" + "0" * 64)).status == 403
    assert (await fake.deliver(body, signature="")).status == 403
    stale = dict(event, timestamp=str(int((bot.clock() - timedelta(days=2)).timestamp() * 1000)))
    assert (await fake.deliver(fake.encode(stale))).status == 403
    other_app = dict(event, app_id="1234567890123456789")
    assert (await fake.deliver(fake.encode(other_app))).status == 403
    assert (await fake.deliver(b"not json", signature="mac=00")).status == 400
    deep = b'{"a":' * 40 + b"1" + b"}" * 40
    assert (await fake.deliver(deep, signature="mac=00")).status == 400
    assert (await fake.deliver(b" " * 300_000, signature="mac=00")).status == 413
    # Signed by this app but for another of its OAs: not this route's (answered, nothing applied).
    elsewhere = dict(event, recipient={"id": "1234567890123456789"})
    assert (await fake.deliver(fake.encode(elsewhere))).status == 200
    await bot.channel.delivery.queues.drain()
    assert bot.rows(ChatIdentity) == [] and bot.rows(ProcessedEvent) == [] and user.seen == []


async def test_photo_sticker_and_echo(bot: Bot) -> None:
    fake = bot.fake
    fake.echo_oa_sends = True  # the OA's own sends come back as oa_send_* events: ignored
    user = await enrolled_principal(bot)
    fake.user_sends_image(user)
    photo = await fake.wait_for_message(user, timeout=30)
    assert "ảnh" in photo.text and "tệp PDF ngay trong cuộc trò chuyện này" in photo.text
    fake.user_sends_sticker(user)
    sticker = await fake.wait_for_message(user, timeout=30)
    assert "chỉ đọc được tin nhắn chữ" in sticker.text
    fake.user_sends_file(user, b"PK\x03\x04 not a pdf", "bang-tinh.xlsx")
    other = await fake.wait_for_message(user, lambda m: "bang-tinh.xlsx" in m.text, timeout=30)
    assert "PDF" in other.text
    url = fake.host_user_file(b"%PDF-1.7", "het-han.pdf")
    fake.expire_file(url)
    gone = fake._user_message(user, "user_send_file", attachments=[
        {"type": "file", "payload": {"url": url, "name": "het-han.pdf", "size": "8", "type": "pdf"}}])
    fake.push(gone)
    dead = await fake.wait_for_message(user, lambda m: "het-han.pdf" in m.text, timeout=30)
    assert "không tải được tệp" in dead.text
    # Over the cap: the declared size is refused before a byte is fetched; a size that lies is cut while streaming.
    cap = bot.app.settings.max_upload_bytes
    huge = fake.host_user_file(b"%PDF-1.7\n" + b"0" * (cap + 10), "qua-lon.pdf")
    fake.push(fake._user_message(user, "user_send_file", attachments=[
        {"type": "file", "payload": {"url": huge, "name": "qua-lon.pdf", "size": str(cap + 10), "type": "pdf"}}]))
    assert "quá lớn" in (await fake.wait_for_message(user, lambda m: "qua-lon.pdf" in m.text, timeout=30)).text
    fake.push(fake._user_message(user, "user_send_file", attachments=[
        {"type": "file", "payload": {"url": huge, "name": "noi-doi.pdf", "size": "1000", "type": "pdf"}}]))
    assert "quá lớn" in (await fake.wait_for_message(user, lambda m: "noi-doi.pdf" in m.text, timeout=30)).text
    assert [e.criterion_id for e in bot.rows(Evidence)] == []
    sent = len(user.seen)
    await say(bot, user, "/danhmuc", "chọn một chức năng")
    assert len(user.seen) == sent + 1  # the echoes of every send changed nothing


async def test_reminder_after_eight_silent_days_goes_as_a_transaction_message_at_seven(any_bot: Bot) -> None:
    bot = any_bot
    fake = bot.fake
    user = await enrolled_principal(bot)
    with UnitOfWork(bot.app.engine) as uow:
        identity = uow.identities.find("zalo_oa", user.user_id)
        assert identity is not None
        uow.outbox.enqueue(identity.user_id, [{"text": "⏰ Nhắc việc: hạn nộp tự đánh giá còn 3 ngày.",
                                               "buttons": []}], kind="reminder", dedupe_key="r-1")
    # Eight days later, 23:00 local: outside the 7-day window, and no transaction message at night.
    night = datetime.combine((bot.clock() + timedelta(days=8)).astimezone(LOCAL).date(), time(23, 0), LOCAL)
    bot.clock.now = night.astimezone(UTC)
    delivery = OutboxDelivery(bot.app.engine, dict(bot.app.senders), clock=bot.clock, digest_channels=frozenset())
    await delivery.drain()
    assert [m for m in user.seen if m.kind == "transaction"] == []
    assert not any(path.endswith("/cs") and code == -230 for path, code in fake.refused)  # not even tried
    row = bot.rows(OutboxMessage)[0]
    assert row.sent_at is None and row.failed_at is None
    assert row.not_before is not None and row.not_before.astimezone(LOCAL).hour == 6
    # 07:00 the next morning: it goes, as a transaction message.
    bot.clock.now = datetime.combine(night.date() + timedelta(days=1), time(7, 0), LOCAL).astimezone(UTC)
    await OutboxDelivery(bot.app.engine, dict(bot.app.senders), clock=bot.clock,
                         digest_channels=frozenset()).drain()
    sent = [m for m in user.seen if m.kind == "transaction"]
    assert len(sent) == 1 and sent[0].sent_at.astimezone(LOCAL).hour == 7
    assert sent[0].transaction is not None
    assert any("hạn nộp tự đánh giá" in str(e.get("content")) for e in sent[0].transaction["elements"])
    assert bot.rows(OutboxMessage)[0].sent_at is not None
    assert sum(u.transaction for u in bot.rows(ZaloOAUsage)) == 1
    assert fake.refresh_calls  # the 25-hour access token was refreshed on the way, before it was refused
    assert not any(code in (-216, -220) for _, code in fake.refused)


async def test_a_user_enrolled_on_another_channel_links_the_oa_with_a_code(bot: Bot) -> None:
    telegram = ChatDriver(bot.app.dispatcher, "tg-777", channel="telegram")
    await asyncio.to_thread(telegram.enrol, bot.codes["HT-HOASEN"])
    await asyncio.to_thread(telegram.send, "/lienket")
    code = next(line for line in telegram.text.splitlines() if "Mã liên kết" in line).split(":", 1)[1].strip()
    user = bot.fake.add_user()
    bot.fake.clicks_chat_now(user)
    await bot.fake.wait_for_message(user, timeout=30)
    linked = await say(bot, user, code, "Đăng ký thành công")
    assert "Hoa Sen" in linked.text
    identities = {(i.channel, i.user_id) for i in bot.rows(ChatIdentity)}
    assert len({user_id for _, user_id in identities}) == 1 and {c for c, _ in identities} == {"telegram", "zalo_oa"}


async def test_rate_limited_sends_are_retried_not_lost_and_status_shows_the_oa(
    bot: Bot, capsys: pytest.CaptureFixture[str],
) -> None:
    fake = bot.fake
    bot.channel.turns.rate_wait_s = 0.3
    user = await enrolled_principal(bot)
    fake.set_rate_limit(1, 1.0)
    for _ in range(3):
        fake.user_sends_text(user, "/danhmuc")
    for _ in range(3):
        await fake.wait_for_message(user, lambda m: "chọn một chức năng" in m.text, timeout=30)
    assert any(code == -32 for _, code in fake.refused)
    fake.set_rate_limit(None)
    await bot.channel.delivery.queues.drain()
    month = month_of(bot.clock(), LOCAL)
    assert cmd_status(argparse.Namespace(month=month), bot.app.settings) == 0
    shown = capsys.readouterr().out
    assert f"Zalo OA {fake.oa_id}: miễn phí {len(user.seen)}, tính vào hạn mức 0, tin giao dịch 0." in shown, shown
    assert "Mã truy cập: ok" in shown


async def test_a_turn_committed_by_a_worker_that_died_before_sending_arrives_once(bot: Bot) -> None:
    fake = bot.fake
    user = await enrolled_principal(bot)
    # What a worker killed between the commit and the send leaves: the event applied, its replies unsent.
    payload = fake._user_message(user, "user_send_text", text="/danhmuc")
    event_id = f"{fake.oa_id}:{payload['message']['msg_id']}"
    handled = await bot.app.dispatcher.process(Incoming(channel="zalo_oa", user_ref=user.user_id,
                                                        event_id=event_id, kind=Kind.COMMAND, text="/danhmuc"))
    assert handled.replies and not handled.duplicate
    menus = sum(1 for m in user.seen if "chọn một chức năng" in m.text)  # the welcome's, so far
    # Zalo delivers the call again (it got no answer from the dead worker); the next start recovers.
    fake.redeliver(payload)
    await bot.channel.delivery.recover()
    await fake.wait_for_message(user, lambda m: "chọn một chức năng" in m.text, timeout=30)
    await fake.wait_until(lambda: any(d.body == fake.encode(payload) and d.status == 200 for d in fake.deliveries),
                          timeout=30, what="the redelivery answered")
    await asyncio.sleep(bot.channel.orphan_grace_s + 0.5)
    await bot.channel.delivery.queues.drain()
    assert sum(1 for m in user.seen if "chọn một chức năng" in m.text) == menus + 1  # once, not twice


async def test_a_user_the_oa_cannot_reach_is_reported_not_dropped(
    bot: Bot, capsys: pytest.CaptureFixture[str],
) -> None:
    user = await enrolled_principal(bot)
    with tenant_session(bot.app.engine) as session, session.begin():
        # The OA has no record of the user ever interacting (an identity from before the OA was tracked).
        session.execute(delete(ZaloOAUser))
    with UnitOfWork(bot.app.engine) as uow:
        identity = uow.identities.find("zalo_oa", user.user_id)
        assert identity is not None
        # Due on the test's clock (9:00 local today), which the real one may have passed.
        uow.outbox.enqueue(identity.user_id, [{"text": "⏰ Nhắc việc.", "buttons": []}], kind="reminder",
                           dedupe_key="r-2", not_before=bot.clock())
    seen = len(user.seen)
    await OutboxDelivery(bot.app.engine, dict(bot.app.senders), clock=bot.clock).drain()
    assert len(user.seen) == seen
    row = bot.rows(OutboxMessage)[0]
    assert row.failed_at is not None and row.sent_at is None
    assert cmd_status(argparse.Namespace(month=row.failed_at.strftime("%Y-%m")), bot.app.settings) == 0
    assert "1 tin nhắn trong tháng không gửi được" in capsys.readouterr().out


async def test_a_reply_refused_for_the_quota_is_kept_and_sent_when_the_quota_allows(any_bot: Bot) -> None:
    bot = any_bot
    fake = bot.fake
    bot.channel.turns.quota_wait_s = 0.3
    user = await enrolled_principal(bot)
    bot.clock.advance(hours=72)  # past the 48 free hours: this message counts against the quota
    fake.set_quota(0)
    with tenant_session(bot.app.engine) as session, session.begin():
        # The user's last interaction, as the OA recorded it three days ago.
        session.execute(update(ZaloOAUser).values(last_interaction_at=bot.clock() - timedelta(hours=72)))
    await bot.app.dispatcher.process(Incoming(channel="zalo_oa", user_ref=user.user_id, event_id=f"{fake.oa_id}:late-1",
                                              kind=Kind.COMMAND, text="/danhmuc"))
    await bot.channel.delivery.recover()
    await fake.wait_until(lambda: any(code == -211 for _, code in fake.refused), timeout=30, what="quota refusal")
    fake.set_quota(5)
    late = await fake.wait_for_message(user, lambda m: "chọn một chức năng" in m.text and m.charge == "quota",
                                       timeout=30)
    assert late.charge == "quota"
    await bot.channel.delivery.queues.drain()
    assert sum(u.quota for u in bot.rows(ZaloOAUsage)) == 1


async def test_ids_sent_as_bare_json_numbers_stay_exact(bot: Bot) -> None:
    bot.fake.numeric_ids = True  # integration guides warn that webhook bodies carry longs
    user = await enrolled_principal(bot)
    assert [i.external_id for i in bot.rows(ChatIdentity)] == [user.user_id]  # 19 digits, not a float's
    assert int(user.user_id) > 2**53


async def test_one_call_delivered_to_two_workers_at_once_is_applied_and_answered_once(
    any_bot: Bot, signed_pdf: bytes,
) -> None:
    bot = any_bot
    fake = bot.fake
    user = await enrolled_principal(bot)
    async with second_worker(bot) as (other, other_url), aiohttp.ClientSession() as http:
        for payload in (fake._user_message(user, "user_send_text", text="/danhmuc"),
                        fake._user_message(user, "user_send_file", attachments=[{"type": "file", "payload": {
                            "url": fake.host_user_file(signed_pdf, "hai-may.pdf"), "name": "hai-may.pdf",
                            "size": str(len(signed_pdf)), "type": "pdf"}}])):
            body = fake.encode(payload)
            headers = {"Content-Type": "application/json", "X-ZEvent-Signature": fake.sign(body)}

            async def post(url: str, body: bytes = body, headers: dict[str, str] = headers) -> int:
                async with http.post(url, data=body, headers=headers) as response:
                    return response.status

            assert list(await asyncio.gather(post(fake.webhook_url), post(other_url))) == [200, 200]
        await fake.wait_for_message(user, lambda m: "hai-may.pdf" in m.text, timeout=60)
        await asyncio.sleep(other.orphan_grace_s + 1.0)  # a copy's replies, were they to go, would be out by now
        await asyncio.gather(bot.channel.delivery.queues.drain(), other.delivery.queues.drain())
    menus = [m for m in user.seen if "chọn một chức năng" in m.text]
    assert len(menus) == 2  # the welcome's, and the one answer to /danhmuc
    assert sum(1 for m in user.seen if "hai-may.pdf" in m.text) == 1


async def test_an_event_a_dead_worker_received_is_applied_by_another_once_its_hold_lapses(any_bot: Bot) -> None:
    bot = any_bot
    fake = bot.fake
    user = await enrolled_principal(bot)
    menus = sum(1 for m in user.seen if "chọn một chức năng" in m.text)
    payload = fake._user_message(user, "user_send_text", text="/danhmuc")
    event = parse_event(payload)
    event_id = f"{fake.oa_id}:{payload['message']['msg_id']}"
    async with second_worker(bot) as (other, _url):
        # The other worker recorded the event, answered 200, and died before applying it.
        assert other.inbox.receive(event_id, user.user_id, dump_event(event), other.lease_clock()) is Received.MINE
        assert await bot.channel.recover_received() == 0  # its hold is fresh: it may still be at work
        assert bot.channel.inbox.receive(event_id, user.user_id, dump_event(event),
                                         bot.channel.lease_clock()) is Received.HELD
    later = datetime.now(UTC) + timedelta(seconds=bot.channel.intake_grace_s + 1)
    bot.channel.lease_clock = lambda: later
    assert await bot.channel.recover_received() == 1
    await fake.wait_for_message(user, lambda m: "chọn một chức năng" in m.text, timeout=30)
    await bot.channel.delivery.queues.drain()
    assert await bot.channel.recover_received() == 0  # applied: taken once
    assert sum(1 for m in user.seen if "chọn một chức năng" in m.text) == menus + 1
    assert [row.applied_at is not None for row in bot.rows(ZaloOAInbox) if row.event_id == event_id] == [True]


async def test_an_oa_without_upload_base_url_is_said_at_start_and_by_status(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    async with FakeZaloOAServer() as fake:
        env: dict[str, str | None] = {
            "TELEGRAM_BOT_TOKEN": None, "ZALO_BOT_TOKEN": None, "UPLOAD_BASE_URL": None,
            "ZALO_OA_APP_ID": fake.app_id, "ZALO_OA_APP_SECRET": fake.app_secret, "ZALO_OA_OA_ID": fake.oa_id,
            "ZALO_OA_OA_SECRET_KEY": fake.oa_secret_key, "ZALO_OA_API_BASE": fake.base_url,
            "ZALO_OA_OAUTH_BASE": fake.base_url}
        with environment(env):
            settings = Settings(database_url=url, data_dir=tmp_path / "data", files_dir=tmp_path / "data" / "files",
                                seed_demo=False, _env_file=None)
            # The OA's service starts, the web server (its only door) does not.
            started = [s.name for s in enabled_services(settings)]
            assert "zalo_oa" in started and "web" not in started
            app = build(settings)
            stop = asyncio.Event()
            service = asyncio.create_task(zalo_oa.run(app, stop, every_s=0.1))
            try:
                await asyncio.sleep(0.5)
            finally:
                stop.set()
                await service
                await app.aclose()
                app.close()
            errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
            assert any("UPLOAD_BASE_URL" in line and f"/zalo-oa/{fake.oa_id}/webhook" in line for line in errors)
            capsys.readouterr()
            assert cmd_status(argparse.Namespace(month=None), settings) == 0
            shown = capsys.readouterr().out
            assert "Thiếu UPLOAD_BASE_URL" in shown and f"/zalo-oa/{fake.oa_id}/webhook" in shown, shown


async def test_a_dead_workers_file_overtaken_by_a_later_message_asks_to_send_it_again(
    bot: Bot, signed_pdf: bytes,
) -> None:
    fake = bot.fake
    user = await enrolled_principal(bot)
    payload = fake._user_message(user, "user_send_file", attachments=[{"type": "file", "payload": {
        "url": fake.host_user_file(signed_pdf, "muon.pdf"), "name": "muon.pdf", "size": str(len(signed_pdf)),
        "type": "pdf"}}])
    event_id = f"{fake.oa_id}:{payload['message']['msg_id']}"
    async with second_worker(bot) as (other, _url):
        # The other worker recorded the file, answered 200 and died; the principal wrote again meanwhile.
        assert other.inbox.receive(event_id, user.user_id, dump_event(parse_event(payload)),
                                   other.lease_clock()) is Received.MINE
    bot.clock.advance(seconds=30)
    await say(bot, user, "/danhmuc", "chọn một chức năng")
    later = datetime.now(UTC) + timedelta(seconds=bot.channel.intake_grace_s + 1)
    bot.channel.lease_clock = lambda: later
    assert await bot.channel.recover_received() == 1
    late = await fake.wait_for_message(user, lambda m: "muon.pdf" in m.text, timeout=30)
    assert "gửi lại" in late.text and "Hợp lệ" not in late.text, late.text  # not read against today's question
    await bot.channel.delivery.queues.drain()
    assert sum(1 for m in user.seen if "muon.pdf" in m.text) == 1


async def test_an_event_the_database_cannot_record_is_not_answered_200_so_zalo_sends_it_again(bot: Bot) -> None:
    fake = bot.fake
    user = await enrolled_principal(bot)
    real = bot.channel.inbox.receive
    failures = [OperationalError("INSERT", {}, Exception("database is locked"))]

    def flaky(*args: object) -> Received:
        if failures:
            raise failures.pop()
        return real(*args)  # type: ignore[arg-type]

    bot.channel.inbox.receive = flaky  # type: ignore[method-assign, assignment]
    payload = fake.user_sends_text(user, "/danhmuc")
    await fake.wait_for_message(user, lambda m: "chọn một chức năng" in m.text, timeout=30)
    statuses = [d.status for d in fake.deliveries if d.body == fake.encode(payload)]
    assert statuses == [503, 200], statuses


def _lines(tag: str, count: int) -> str:
    return "\n".join(f"{tag} dòng {number}: Hồ sơ quản lý trẻ em đã được ký số 📎 đầy đủ." for number in range(count))


@pytest.mark.parametrize("failing", [2, 3, 4])
async def test_a_message_zalo_refuses_mid_turn_is_sent_again_alone(bot: Bot, failing: int) -> None:
    """Three replies, the middle one longer than an OA message (2,000 UTF-16 units, an emoji two): four
    messages. Zalo refuses one of them for its rate (-32, nothing sent): the turn goes on from that message,
    so the user gets each once and the OA's count of free messages is exact."""
    user = await enrolled_principal(bot)
    bot.channel.turns.rate_wait_s = 0.2
    turn = [Reply(_lines("A", 24)), Reply(_lines("B", 50)), Reply(_lines("C", 24))]
    expected = text_messages([reply.text for reply in turn])
    assert len(expected) == 4
    await bot.channel.delivery.queues.drain()  # the enrolment's turn counted
    free_before = sum(row.free for row in bot.rows(ZaloOAUsage))
    seen_before = len(user.seen)
    with UnitOfWork(bot.app.engine) as uow:
        uow.events.record("zalo_oa", "mid-turn", user.user_id, [reply.to_record() for reply in turn], bot.clock())
    bot.fake.inject_error("/v3.0/oa/message/cs", -32, "Rate limit", after=failing - 1)
    assert await bot.channel.delivery.send("mid-turn", user.user_id, turn, 0, None)
    await bot.channel.delivery.confirmations.flush()
    assert [seen.text for seen in user.seen[seen_before:]] == expected
    assert [code for _, code in bot.fake.refused] == [-32]
    assert sum(row.free for row in bot.rows(ZaloOAUsage)) == free_before + 4
    with UnitOfWork(bot.app.engine) as uow:
        stored = uow.events.stored("zalo_oa", "mid-turn")
        assert stored is not None and (stored.sent, stored.settled) == (3, True)
