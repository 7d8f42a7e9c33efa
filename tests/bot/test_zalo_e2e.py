"""The real bot process against a fake Zalo Bot API server, the evidence step through the upload page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from hsdt.channels.contract import bot_scope
from hsdt.storage.models import Answer, ChatIdentity, Evidence, ProcessedEvent, Submission
from tests.bot.test_telegram_e2e import BotProcess, db_rows, pki, running, signed_pdf, workdir  # noqa: F401
from tests.bot.zalo_support import ZALO_TOKEN, channel_bot, free_port
from tests.fakes.zalo_server import FakeZaloServer, SentMessage
from tests.signatures.testpki import TestPKI

USER = "e4ea2cd5189df1c3a88c"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/u/\S+")


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloServer]:
    async with FakeZaloServer(ZALO_TOKEN) as server:
        yield server


@pytest.fixture
async def polling_bot(workdir: tuple[Path, dict[str, str]], zalo: FakeZaloServer, pki: TestPKI  # noqa: F811
                      ) -> AsyncIterator[BotProcess]:
    async with running(channel_bot(workdir[0], pki.trust_dir, free_port(),
                                   ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE=zalo.base_url)) as process:
        yield process


async def say(zalo: FakeZaloServer, text: str, expect: str, timeout: float = 30.0) -> SentMessage:
    zalo.push_text(USER, text)
    return await zalo.wait_for_message(USER, lambda m: expect in m.text, timeout=timeout)


async def test_full_self_assessment_on_zalo_with_upload_link(
    zalo: FakeZaloServer, polling_bot: BotProcess, workdir: tuple[Path, dict[str, str]],  # noqa: F811
    signed_pdf: bytes,  # noqa: F811
) -> None:
    path, codes = workdir
    await zalo.wait_until(lambda: zalo.calls_of("getUpdates"), timeout=60, what="bot polling")
    assert zalo.calls_of("deleteWebhook"), "polling starts by removing any webhook"
    welcome = await say(zalo, codes["HT-HOASEN"], "Đăng ký thành công")
    assert "chọn một chức năng" in welcome.text and "[1] 📝 Tự đánh giá" in welcome.text  # one message per turn
    enrolled = len(zalo.calls_of("sendMessage"))
    await say(zalo, "1", "Tiêu chí 1/12")  # the menu's first option, typed
    second = await say(zalo, "1,2", "Tiêu chí 2/12")  # several options typed at once: one turn, not three
    assert "✔️ A1." in second.text and "Hồ sơ quản lý trẻ em; Hồ sơ quản lý nhân sự" in second.text
    count_question = await say(zalo, "12/10", "Tiêu chí 3/12")
    assert "[a] ⬅️ Quay lại" in count_question.text  # lettered: a typed number is the answer here
    for typed, following in (("20/18", "Tiêu chí 4/12"), ("5/5", "Tiêu chí 5/12"), ("1,2,3,4", "Tiêu chí 6/12")):
        await say(zalo, typed, following)
    await say(zalo, "1", "Tiêu chí 7/12")  # C1 “Đầy đủ”
    await say(zalo, "Một phần", "Tiêu chí 8/12")
    percent = await say(zalo, "85", "Tiêu chí 9/12")
    assert "[1] Có" in percent.text
    evidence = await say(zalo, "Có", "Tiêu chí 10/12")
    assert "Thầy/Cô tải tệp PDF lên qua liên kết sau" in evidence.text
    link = LINK.search(evidence.text)
    assert link is not None, evidence.text

    async with aiohttp.ClientSession() as http:
        async with http.get(link.group(0)) as page:
            form = await page.text()
        assert page.status == 200 and "Minh chứng cho tiêu chí E1 của Trường Mầm non Hoa Sen" in form
        data = aiohttp.FormData()
        data.add_field("files", signed_pdf, filename="ke-hoach-giao-duc.pdf", content_type="application/pdf")
        async with http.post(link.group(0), data=data) as result:
            verdict_page = await result.text()
        assert result.status == 200, verdict_page
        assert "Hợp lệ" in verdict_page and "Nguyễn Thị Hồng Nhung" in verdict_page
        assert "Đã lưu tệp làm minh chứng cho tiêu chí E1" in verdict_page
        in_chat = await zalo.wait_for_message(USER, lambda m: "ke-hoach-giao-duc.pdf" in m.text, timeout=30)
        assert "Hợp lệ" in in_chat.text and "Tiêu chí 10/12" in in_chat.text  # verdict and the question: one message
        again = aiohttp.FormData()
        again.add_field("files", signed_pdf, filename="lan-hai.pdf", content_type="application/pdf")
        async with http.post(link.group(0), data=again) as reused:
            assert reused.status == 410 and "đã được sử dụng" in await reused.text()

    await say(zalo, "Xong", "Tiêu chí 11/12")  # a label works as well as its number
    await say(zalo, "Đạt", "Tiêu chí 12/12")
    review = await say(zalo, "Không có ý kiến.", "Xem lại phiếu tự đánh giá")
    assert "[1] 📤 Gửi kết quả tự đánh giá" in review.text
    await say(zalo, "1", "xác nhận gửi kết quả")
    done = await say(zalo, "Đồng ý gửi", "Đã gửi kết quả tự đánh giá")
    # A1 4 + B1 6.67 + B2 9 + B3 6 + B4 16 + C1 10 + C2 5 + D1 6.8 + D2 2 + E1 6 + E2 4 = 75.47
    assert "75,47/100" in done.text and "Khá" in done.text

    user_turns = len(zalo.pushed)
    assert len(zalo.calls_of("sendMessage")) == user_turns + 1  # one message per turn, plus the upload result
    # The whole self-assessment, from opening it to the result, within the free plan's budget.
    assert len(zalo.calls_of("sendMessage")) - enrolled <= 16
    assert all(len(params["text"]) <= 2000 for params in zalo.calls_of("sendMessage"))
    submission = db_rows(path, Submission)[0]
    assert submission.status == "submitted" and submission.total == 75.47
    assert len(db_rows(path, Answer)) == 12
    assert [(e.criterion_id, e.status) for e in db_rows(path, Evidence)] == [("E1", "valid")]
    assert ZALO_TOKEN not in polling_bot.log.read_text(errors="replace")


async def test_every_zalo_event_gets_an_answer(
    zalo: FakeZaloServer, polling_bot: BotProcess, workdir: tuple[Path, dict[str, str]],  # noqa: F811
    signed_pdf: bytes,  # noqa: F811
) -> None:
    path, codes = workdir
    await zalo.wait_until(lambda: zalo.calls_of("getUpdates"), timeout=60, what="bot polling")
    await say(zalo, codes["CB-HB-01"], "Đăng ký thành công")
    zalo.push_sticker(USER)
    assert "chỉ đọc được tin nhắn chữ" in (await zalo.wait_for_message(USER, timeout=30)).text
    zalo.push_voice(USER)
    assert "chỉ đọc được tin nhắn chữ" in (await zalo.wait_for_message(USER, timeout=30)).text
    zalo.push_image(USER)
    photo = await zalo.wait_for_message(USER, timeout=30)
    assert "Thầy/Cô vừa gửi ảnh" in photo.text and LINK.search(photo.text)
    assert "chưa nhận được tệp" not in photo.text, "one answer to a photo, not two that disagree"
    zalo.push_unsupported(None)  # no message at all: nobody to answer, nothing breaks
    zalo.push_unsupported(USER)
    unsupported = await zalo.wait_for_message(USER, timeout=30)
    assert "Hệ thống chưa nhận được tệp" in unsupported.text and LINK.search(unsupported.text)
    prompt = await say(zalo, "/kiemtra", "gửi tệp PDF")
    assert LINK.search(prompt.text), "the check command offers the link on a channel without documents"
    zalo.push_file(USER, signed_pdf, "cong-van.pdf")  # a file event with a URL: checked directly
    verdict = await zalo.wait_for_message(USER, lambda m: "cong-van.pdf" in m.text, timeout=30)
    assert "Hợp lệ" in verdict.text
    duplicate = zalo.pushed[-1]
    zalo.push_raw(duplicate)  # redelivered: same message id, applied once
    await say(zalo, "/menu", "Thầy/Cô chọn một chức năng")
    assert sum(1 for m in zalo.messages(USER) if "cong-van.pdf" in m.text) == 1
    events = {e.event_id for e in db_rows(path, ProcessedEvent) if e.channel == "zalo"}
    assert f"{bot_scope(ZALO_TOKEN)}:{duplicate['message']['message_id']}" in events


@pytest.fixture
async def webhook_bot(workdir: tuple[Path, dict[str, str]], zalo: FakeZaloServer, pki: TestPKI  # noqa: F811
                      ) -> AsyncIterator[BotProcess]:
    async with running(channel_bot(workdir[0], pki.trust_dir, free_port(), ZALO_BOT_TOKEN=ZALO_TOKEN,
                                   ZALO_API_BASE=zalo.base_url, ZALO_MODE="webhook",
                                   ZALO_WEBHOOK_SECRET="webhook-secret-123")) as process:
        yield process


async def test_webhook_with_wrong_secret_changes_nothing(
    zalo: FakeZaloServer, webhook_bot: BotProcess, workdir: tuple[Path, dict[str, str]],  # noqa: F811
) -> None:
    path, codes = workdir
    await zalo.wait_until(lambda: bool(zalo.webhook_url), timeout=60, what="setWebhook")
    assert zalo.webhook_url.endswith("/zalo/webhook") and zalo.webhook_secret == "webhook-secret-123"
    enrol = {"event_name": "message.text.received", "message": {
        "from": {"id": USER, "display_name": "Hoa"}, "chat": {"id": USER, "chat_type": "PRIVATE"},
        "message_id": "m-enrol-1", "date": 1766619597466, "text": codes["HT-HOASEN"]}}
    for wrong in ("", "webhook-secret-124"):
        refused = await zalo.deliver_webhook(enrol, secret=wrong)
        assert refused.status == 403
    assert db_rows(path, ChatIdentity) == [] and db_rows(path, ProcessedEvent) == []
    assert zalo.messages(USER) == []
    zalo.wrap_webhook = False  # the body has been seen bare as well as wrapped in {ok, result}
    accepted = await zalo.deliver_webhook(enrol)
    assert accepted.status == 200
    assert "Đăng ký thành công" in (await zalo.wait_for_message(USER, timeout=30)).text
    assert [(i.channel, i.external_id) for i in db_rows(path, ChatIdentity)] == [("zalo", USER)]
    zalo.wrap_webhook = True
    zalo.push_text(USER, "/tudanhgia")
    assert "Tiêu chí 1/12" in (await zalo.wait_for_message(USER, timeout=30)).text
