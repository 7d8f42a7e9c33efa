"""Issue 4 end to end: the real bot process against the fake Telegram server. Two principals submit,
a district inspector re-scores one school (a changed criterion with its comment, a sample PDF), an
inspector of the other district cross-inspects the other, and the Sở gets the summary, the chart and
the workbook, whose numbers are checked against the database."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import Answer, Evidence, Submission
from hsdt.storage.unit_of_work import UnitOfWork

# The bot process and its fixtures; `bot` uses this module's `workdir` (more people, same campaign).
from tests.bot.test_telegram_e2e import bot, db_rows, pki, server, signed_pdf  # noqa: F401
from tests.conftest import seed
from tests.fakes.telegram_server import FakeTelegramServer, SentMessage
from tests.inspection.fixtures import add_people
from tests.present import present
from tests.reports.reading import sheets
from tests.reports.reading import table as form_table

HOASEN, SAOMAI, INSPECTOR, CROSS, SO = 7001, 7002, 7003, 7004, 7005


@pytest.fixture
def workdir(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    upgrade(engine)
    now = datetime.now(UTC)
    codes = {**seed(engine, now), **add_people(engine, now)}
    engine.dispose()
    return tmp_path, codes


class Person:
    def __init__(self, fake: FakeTelegramServer, user_id: int) -> None:
        self.server, self.user_id = fake, user_id

    async def expect(self, fragment: str, timeout: float = 30.0) -> SentMessage:
        return await self.server.wait_for_message(self.user_id, lambda m: fragment in (m.text or ""), timeout)

    async def expect_kind(self, kind: str, timeout: float = 60.0) -> SentMessage:
        return await self.server.wait_for_message(self.user_id, lambda m: m.kind == kind, timeout)

    def say(self, text: str) -> None:
        self.server.push_text(self.user_id, text)

    def press(self, message: SentMessage, label: str) -> None:
        """The button with `label`, or, where a long label became its number, the numbered one."""
        if not any(label.casefold() in shown.casefold() for shown in message.button_labels):
            listed = next(line for line in (message.text or "").splitlines() if label in line)
            number = listed.split(".", 1)[0]
            label = next(shown for shown in message.button_labels if shown.split(" ")[-1] == number)
        self.server.press_button(self.user_id, message, label)

    async def enrol(self, code: str) -> None:
        self.say(f"/start {code}")
        await self.expect("Thầy/Cô chọn một chức năng")


async def self_assess(principal: Person) -> None:
    principal.say("/tudanhgia")
    question = await principal.expect("Tiêu chí 1/12")
    principal.press(question, "trẻ em")
    question = await principal.expect("Đang chọn: Hồ sơ quản lý trẻ em")
    principal.press(question, "nhân sự")
    question = await principal.expect("nhân sự")
    principal.press(question, "Xong")
    await principal.expect("Tiêu chí 2/12")
    for typed, following in (("12/10", "Tiêu chí 3/12"), ("20/18", "Tiêu chí 4/12"), ("5/5", "Tiêu chí 5/12"),
                             ("1,2,3,4", "Tiêu chí 6/12")):
        principal.say(typed)
        question = await principal.expect(following)
    for label, following in (("Đầy đủ", "Tiêu chí 7/12"), ("Một phần", "Tiêu chí 8/12")):
        principal.press(question, label)
        question = await principal.expect(following)
    principal.say("85")
    question = await principal.expect("Tiêu chí 9/12")
    for label, following in (("Có", "Tiêu chí 10/12"), ("Xong", "Tiêu chí 11/12"), ("Đạt", "Tiêu chí 12/12")):
        principal.press(question, label)
        question = await principal.expect(following)
    principal.say("Không có ý kiến.")
    review = await principal.expect("Xem lại phiếu tự đánh giá")
    principal.press(review, "Gửi kết quả tự đánh giá")
    principal.press(await principal.expect("xác nhận gửi"), "Đồng ý gửi")
    # A1 4 + B1 6.67 + B2 9 + B3 6 + B4 16 + C1 10 + C2 5 + D1 6.8 + D2 2 + E1 0 + E2 4
    assert "69,47/100" in present((await principal.expect("Đã gửi kết quả tự đánh giá")).text)


async def accept_until(inspector: Person, question: SentMessage, first: int, last: int) -> SentMessage:
    """Accept the school's points on questions first..last; returns the screen after the last one."""
    for number in range(first, last + 1):
        inspector.press(question, "Đồng ý điểm của trường")
        question = await inspector.expect(f"Tiêu chí {number + 1}/11" if number < 11 else "Xem lại kết quả")
    return question


async def submit_review(inspector: Person, review: SentMessage) -> str:
    inspector.press(review, "Gửi kết quả chấm")
    inspector.press(await inspector.expect("xác nhận gửi kết quả"), "Đồng ý gửi")
    return (await inspector.expect("Đã gửi kết quả")).text or ""


async def test_rescore_cross_inspection_and_city_report(
    server: FakeTelegramServer, bot: object, workdir: tuple[Path, dict[str, str]], signed_pdf: bytes  # noqa: F811
) -> None:
    path, codes = workdir
    await server.wait_for_calls("getUpdates", 1, timeout=60)
    people = {code: Person(server, uid) for code, uid in (("HT-HOASEN", HOASEN), ("HT-SAOMAI", SAOMAI),
                                                          ("CB-HB-01", INSPECTOR), ("CB-TN-01", CROSS),
                                                          ("SO-01", SO))}
    for code, person in people.items():
        await person.enrol(codes[code])
    await self_assess(people["HT-HOASEN"])
    await self_assess(people["HT-SAOMAI"])

    # The district inspector re-scores Hoa Sen: B1 lower, with the comment it requires, and a sample PDF.
    inspector = people["CB-HB-01"]
    inspector.say("/chamdiem")
    schools = await inspector.expect("Các trường Thầy/Cô được phân công")
    # The labels are longer than a phone shows: numbered buttons, the full labels in the message.
    assert "Hoa Sen — Chấm lại: đã nộp" in (schools.text or "")
    assert all(len(label) <= 30 for label in schools.button_labels)
    inspector.press(schools, "Hoa Sen — Chấm lại")
    question = await inspector.expect("Tiêu chí 1/11")
    inspector.press(question, "Đồng ý điểm của trường")
    await inspector.expect("Tiêu chí 2/11")
    inspector.say("5,5")
    await inspector.expect("vui lòng gõ nhận xét")
    inspector.say("Chỉ 10 CBQL có văn bản ký số")
    question = await inspector.expect("Tiêu chí 3/11")
    question = await accept_until(inspector, question, 3, 9)
    assert "E1." in (question.text or "")
    server.push_document(INSPECTOR, signed_pdf, "van-ban-mau.pdf")
    await inspector.expect("Hợp lệ")
    await inspector.expect("Đã lưu tệp làm minh chứng của đoàn kiểm tra cho tiêu chí E1")
    question = await inspector.expect("Tiêu chí 10/11")
    assert "van-ban-mau.pdf — ✅ Hợp lệ" in (question.text or "")
    review = await accept_until(inspector, question, 10, 11)
    assert "Tổng điểm chấm: 68,3/100 — Xếp loại: Đạt" in (review.text or "")
    assert "68,3/100" in await submit_review(inspector, review)

    # An inspector of the other district cross-inspects Sao Mai.
    cross = people["CB-TN-01"]
    cross.say("/chamdiem")
    schools = await cross.expect("Các trường Thầy/Cô được phân công")
    cross.press(schools, "Sao Mai — Kiểm tra chéo")
    await cross.expect("Kiểm tra chéo — Trường Mầm non Sao Mai — Tiêu chí 1/11")
    cross.say("3 Danh mục nhân sự chưa đủ hồ sơ")
    question = await cross.expect("Tiêu chí 2/11")
    review = await accept_until(cross, question, 2, 11)
    assert "68,47/100" in await submit_review(cross, review)

    # The Sở: summary, chart and workbook.
    so = people["SO-01"]
    so.say("/report")
    summary = await so.expect("Tổng hợp đến")  # the summary with its buttons first, then the chart
    chart = await so.expect_kind("photo")
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    assert "Đã nộp tự đánh giá: 2/4" in (summary.text or "") and "Đã chấm lại: 1. Đã kiểm tra chéo: 1." in (
        summary.text or "")
    so.press(summary, "Tải Excel")
    document = await so.expect_kind("document")
    assert document.document is not None and document.document[0].endswith(".xlsx")
    await server.wait_until(lambda: not server.unanswered_callbacks(), timeout=10, what="callbacks answered")

    # The workbook's numbers are the database's.
    # Keyed by the kind's name (an AssessmentKind is its name).
    submissions: dict[tuple[int, str], Submission] = {(s.school_id, s.kind): s for s in db_rows(path, Submission)}
    answers: dict[tuple[int, str, str], Answer] = {(a.school_id, a.kind, a.criterion_id): a
                                                   for a in db_rows(path, Answer)}
    engine = make_engine(f"sqlite:///{path / 'bot.sqlite3'}")
    with UnitOfWork(engine) as uow:
        ids = {code: present(present(uow.units.by_code(code)).id) for code in ("MN-HOASEN", "MN-SAOMAI")}
    engine.dispose()
    workbook = load_workbook(io.BytesIO(document.document[1]))
    assert [s.title for s in sheets(workbook, "PL1 ")] == ["PL1 MN-HOASEN", "PL1 MN-SAOMAI", "PL1 MN-HOAMAI",
                                                          "PL1 MN-TUOITHO"]
    for code, school_id in ids.items():
        rows = {r["Nội dung, tiêu chí"]: r for r in form_table(workbook[f"PL1 {code}"])}
        assert rows["TỔNG ĐIỂM"]["Điểm tự chấm"] == submissions[(school_id, "self")].total == 69.47
        assert rows["Thiết lập danh mục hồ sơ điện tử"]["Điểm tự chấm"] == answers[(school_id, "self", "A1")].points
    # An unsubmitted school's form has no points.
    tuoitho = {r["Nội dung, tiêu chí"]: r for r in form_table(workbook["PL1 MN-TUOITHO"])}
    assert tuoitho["TỔNG ĐIỂM"]["Điểm tự chấm"] is None
    hongbang = form_table(workbook["PL2 PGD-HB"])
    rescored = next(r for r in hongbang if r["Tên trường"] == "Trường Mầm non Hoa Sen")
    assert rescored["Chấm lại"] == submissions[(ids["MN-HOASEN"], "district")].total == 68.3
    assert rescored["Nhận xét của cán bộ kiểm tra; ý kiến của nhà trường"].startswith(
        "B1: Chỉ 10 CBQL có văn bản ký số")
    # Phụ lục 3: one form per inspector, who signs it.
    by_inspector = {sheet.title: (sheet, form_table(sheet)) for sheet in sheets(workbook, "PL3 ")}
    done = [(sheet, r) for sheet, rows in by_inspector.values() for r in rows
            if r["Trường được kiểm tra"] == "Trường Mầm non Sao Mai"]
    assert [("Ngô Thị Lan" in {c.value for row in sheet.iter_rows() for c in row}, r["Kiểm tra chéo"])
            for sheet, r in done] == [(True, submissions[(ids["MN-SAOMAI"], "cross")].total)]
    remarks = [r for _, r in done]
    assert remarks[0]["Nhận xét"] == "A1: Danh mục nhân sự chưa đủ hồ sơ"
    # Hồng Bàng's management score: Hoa Sen's re-score and Sao Mai's own score (a cross-inspection is not final).
    # (68,3 + 69,47) / 2 = 68,885, rounded half up like every score.
    hoasen_final = submissions[(ids["MN-HOASEN"], "district")].total
    saomai_final = submissions[(ids["MN-SAOMAI"], "self")].total
    assert (hoasen_final, saomai_final) == (68.3, 69.47)
    assert hongbang[-1]["Tự đánh giá"] == 68.89
    assert form_table(workbook["PL2 PGD-TN"])[-1]["Tự đánh giá"] == "chưa có"
    evidence = db_rows(path, Evidence)
    assert [(e.kind, e.criterion_id, e.status) for e in evidence] == [("district", "E1", "valid")]
