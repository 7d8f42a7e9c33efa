"""Inspectors re-score through the channel-neutral handlers, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import Answer, AnswerAudit, OutboxMessage, Submission
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver
from tests.inspection.fixtures import add_people, submit_self
from tests.present import present


@pytest.fixture
def people(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> dict[str, str]:
    return {**codes, **add_people(engine, dispatcher.clock())}


def chat(dispatcher: Dispatcher, codes: dict[str, str], user: str) -> ChatDriver:
    driver = ChatDriver(dispatcher, f"ref-{user}")
    driver.enrol(codes[user])
    assert "Đăng ký thành công" in driver.text
    return driver


M = TypeVar("M", bound=SQLModel)


def rows(engine: Engine, model: type[M], **where: object) -> list[M]:
    with UnitOfWork(engine) as uow:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(uow.session.exec(query).all())


def school_id(engine: Engine, code: str) -> int:
    with UnitOfWork(engine) as uow:
        return present(present(uow.units.by_code(code)).id)


def test_list_states_and_unsubmitted_school(engine: Engine, dispatcher: Dispatcher, people: dict[str, str]) -> None:
    inspector = chat(dispatcher, people, "CB-HB-01")
    inspector.send("/chamdiem")
    labels = " | ".join(b.label for r in inspector.replies for b in r.flat_buttons)
    assert "Hoa Sen — Chấm lại: chưa tự đánh giá" in labels
    assert "Hoa Mai — Kiểm tra chéo: chưa tự đánh giá" in labels
    inspector.press("Hoa Sen")
    assert "chưa nộp phiếu tự đánh giá" in inspector.text
    submit_self(engine, "MN-HOASEN")
    inspector.send("/chamdiem")
    assert "Hoa Sen — Chấm lại: đã nộp" in " ".join(b.label for r in inspector.replies for b in r.flat_buttons)


def test_rescore_walk_comment_required_and_submit(
    engine: Engine, dispatcher: Dispatcher, people: dict[str, str]
) -> None:
    self_total = submit_self(engine, "MN-HOASEN")
    assert self_total == 71.47
    inspector = chat(dispatcher, people, "CB-HB-01")
    inspector.send("/chamdiem")
    inspector.press("Hoa Sen")
    text = inspector.text
    assert "Chấm lại — Trường Mầm non Hoa Sen — Tiêu chí 1/11" in text
    assert "Trường tự đánh giá:" in text and "6/12 điểm" in text and "Minh chứng của trường" in text
    assert inspector.replies[-1].expects_number
    inspector.press("Đồng ý điểm của trường")
    assert "Đã lưu điểm tiêu chí A1: 6/12" in inspector.text and "Tiêu chí 2/11" in inspector.text
    # Points out of range, and not a number: explained, nothing stored.
    inspector.send("9")
    assert "Điểm phải từ 0 đến 8" in inspector.text
    inspector.send("mười")
    assert "không phải là điểm hợp lệ" in inspector.text
    # Different points need a comment; decimal comma accepted.
    inspector.send("5,5")
    assert "vui lòng gõ nhận xét" in inspector.text and "ít nhất 10 ký tự" in inspector.text
    # A one-letter comment does not justify other points: asked again, nothing stored.
    inspector.send("x")
    assert "Nhận xét “x” quá ngắn" in inspector.text and "ít nhất 10 ký tự" in inspector.text
    assert "Đã lưu điểm" not in inspector.text
    # Nor does a short one typed after the points.
    inspector.press("Hủy, quay lại tiêu chí")
    inspector.send("5,5 ok")
    assert "Nhận xét “ok” quá ngắn" in inspector.text and "Đã lưu điểm" not in inspector.text
    inspector.send("Chỉ 7 CBQL có văn bản ký số trong kỳ")
    assert "Đã lưu điểm tiêu chí B1: 5,5/8" in inspector.text and "Tiêu chí 3/11" in inspector.text
    # Points and comment in one message.
    inspector.send("8 - Kiểm tra thực tế: 16/20 giáo viên")
    assert "Đã lưu điểm tiêu chí B2: 8/10" in inspector.text
    for _ in range(8):
        inspector.press("Đồng ý điểm của trường")
    assert "chấm hết các tiêu chí" in inspector.text
    assert "Tổng điểm chấm: 69,3/100 — Xếp loại: Đạt" in inspector.text
    inspector.press("Gửi kết quả chấm")
    inspector.press("Đồng ý gửi")
    assert "Đã gửi kết quả chấm lại của Trường Mầm non Hoa Sen: 69,3/100" in inspector.text
    hoasen = school_id(engine, "MN-HOASEN")
    [rescore] = rows(engine, Submission, kind="district")
    assert (rescore.school_id, rescore.status, rescore.total, rescore.band) == (hoasen, "submitted", 69.3, "Đạt")
    stored = {a.criterion_id: a.value for a in rows(engine, Answer, kind="district")}
    assert stored["B1"] == {"points": 5.5, "comment": "Chỉ 7 CBQL có văn bản ký số trong kỳ"}
    assert stored["B2"] == {"points": 8.0, "comment": "Kiểm tra thực tế: 16/20 giáo viên"}
    assert len(stored) == 11 and "G1" not in stored
    assert len(rows(engine, AnswerAudit, kind="district")) == 11
    # The school's own answers are untouched; the re-score is locked afterwards.
    assert rows(engine, Submission, kind="self")[0].total == 71.47
    inspector.send("/chamdiem")
    inspector.press("Hoa Sen")
    assert "Kết quả đã khóa" in inspector.text


def test_cross_inspection_is_stored_apart_from_the_rescore(
    engine: Engine, dispatcher: Dispatcher, people: dict[str, str]
) -> None:
    submit_self(engine, "MN-SAOMAI")
    district = chat(dispatcher, people, "CB-HB-01")
    cross = chat(dispatcher, people, "CB-TN-01")
    district.send("/chamdiem")
    district.press("Sao Mai")
    district.send("3 Chỉ 3 danh mục")
    cross.send("/chamdiem")
    cross.press("Sao Mai — Kiểm tra chéo")
    assert "Kiểm tra chéo — Trường Mầm non Sao Mai — Tiêu chí 1/11" in cross.text
    assert "Điểm đã chấm" not in cross.text  # the district's points are not the cross-inspection's
    cross.send("4 Bốn danh mục")
    by_kind = {(a.kind, a.criterion_id): a.points for a in rows(engine, Answer) if a.kind != "self"}
    assert by_kind == {("district", "A1"): 3.0, ("cross", "A1"): 4.0}


def test_unassigned_school_refused_even_with_a_crafted_button(
    engine: Engine, dispatcher: Dispatcher, people: dict[str, str]
) -> None:
    submit_self(engine, "MN-TUOITHO")
    inspector = chat(dispatcher, people, "CB-HB-01")
    tuoitho = school_id(engine, "MN-TUOITHO")
    inspector.press_action(f"ins:p:{tuoitho}:d")
    assert "không được phân công" in inspector.text
    inspector.press_action(f"ins:p:{tuoitho}:c")
    assert "không được phân công" in inspector.text
    # A district re-score assignment does not allow the cross-inspection of the same school, nor the reverse.
    submit_self(engine, "MN-HOASEN")
    inspector.press_action(f"ins:p:{school_id(engine, 'MN-HOASEN')}:c")
    assert "không được phân công" in inspector.text
    principal = chat(dispatcher, people, "HT-HOASEN")
    principal.send("/chamdiem")
    assert "chỉ dành cho Cán bộ kiểm tra" in principal.text
    assert rows(engine, Answer, kind="district") == [] and rows(engine, Answer, kind="cross") == []


def test_concurrent_edit_loses_no_update(engine: Engine, dispatcher: Dispatcher, people: dict[str, str]) -> None:
    submit_self(engine, "MN-HOASEN")
    first = chat(dispatcher, people, "CB-HB-01")
    second = chat(dispatcher, people, "CB-HB-02")
    first.send("/chamdiem")
    first.press("Hoa Sen")
    second.send("/chamdiem")
    second.press("Hoa Sen")
    assert "Tiêu chí 1/11" in first.text and "Tiêu chí 1/11" in second.text
    first.send("5 Thiếu danh mục 4")
    second.send("4 Thiếu danh mục 4 và 5")
    assert "Trần Văn Đức vừa chấm tiêu chí A1" in second.text and "chưa được lưu" in second.text
    assert "5 điểm" in second.text and "Điểm đã chấm: 5/12" in second.text
    [a1] = rows(engine, Answer, kind="district")
    assert a1.value == {"points": 5.0, "comment": "Thiếu danh mục 4"} and a1.version == 1
    # Having seen the new points, the second inspector may now change them.
    second.send("4 Thiếu danh mục 4 và 5")
    assert "Đã lưu điểm tiêu chí A1: 4/12" in second.text
    [a1] = rows(engine, Answer, kind="district")
    assert a1.points == 4.0 and a1.version == 2
    audit = rows(engine, AnswerAudit, kind="district")
    assert [present(a.new_value)["points"] for a in audit] == [5.0, 4.0]


def test_resume_after_restart_and_navigation(engine: Engine, dispatcher: Dispatcher, people: dict[str, str]) -> None:
    submit_self(engine, "MN-HOASEN")
    inspector = chat(dispatcher, people, "CB-HB-01")
    inspector.send("/chamdiem")
    inspector.press("Hoa Sen")
    inspector.press("Quay lại")
    assert "tiêu chí đầu tiên" in inspector.text
    inspector.press("Bỏ qua")
    inspector.press("Đồng ý điểm")
    assert "Tiêu chí 3/11" in inspector.text
    inspector.send("/huy")
    restarted = Dispatcher(engine, dispatcher.config, checker=None, clock=dispatcher.clock,
                           router=dispatcher.router)
    again = ChatDriver(restarted, inspector.user_ref)
    again.send("/chamdiem")
    assert "Tiếp tục chấm lại Trường Mầm non Hoa Sen" in again.text and "Tiêu chí 3/11" in again.text
    again.press("Danh sách tiêu chí")
    labels = " ".join(b.label for r in again.replies for b in r.flat_buttons)
    assert "✅ B1" in labels and "⬜ A1" in labels
    again.press("E2.")
    assert "Tiêu chí 11/11" in again.text
    again.press("Xem lại")
    assert "Còn 10 tiêu chí chưa chấm" in again.text
    again.press("Gửi kết quả chấm")
    assert "Chưa thể gửi kết quả" in again.text
    again.press_action("ins:a:A1")  # a stale button from an old screen
    assert "tin nhắn cũ" in again.text


def test_reopen_notifies_principals_and_unlocks_the_self_assessment(
    engine: Engine, dispatcher: Dispatcher, people: dict[str, str]
) -> None:
    submit_self(engine, "MN-HOASEN")
    principal = chat(dispatcher, people, "HT-HOASEN")
    principal.send("/tudanhgia")
    assert "đã được gửi" in principal.text
    inspector = chat(dispatcher, people, "CB-HB-01")
    inspector.send("/chamdiem")
    inspector.press("Hoa Sen")
    inspector.press("Mở lại cho trường sửa")
    assert "gõ lý do" in inspector.text
    inspector.send("  ")
    assert "gõ lý do" in inspector.text
    inspector.send("Câu B2 khai số giáo viên chưa khớp danh sách")
    assert "Đã mở lại phiếu tự đánh giá của Trường Mầm non Hoa Sen" in inspector.text
    assert "trường đang sửa lại" in inspector.text or "trường đang sửa lại" in " ".join(
        b.label for r in inspector.replies for b in r.flat_buttons)
    [own] = rows(engine, Submission, kind="self")
    assert own.status == "reopened"
    [notice] = rows(engine, OutboxMessage, kind="reopen")
    with UnitOfWork(engine) as uow:
        assert notice.user_id == present(uow.users.by_code("HT-HOASEN")).id
    assert "Câu B2 khai số giáo viên chưa khớp" in notice.replies[0]["text"]
    # The principal can edit and submit again; the inspector is held back meanwhile.
    inspector.press("Hoa Sen")
    assert "chưa nộp phiếu tự đánh giá" in inspector.text
    principal.send("/tudanhgia")
    principal.press("Danh sách")
    principal.press("B2.")
    principal.send("20/16")
    assert "✔️ B2." in principal.text
    principal.press("Xem lại")
    principal.press("Gửi kết quả tự đánh giá")
    principal.press("Đồng ý gửi")
    assert "Đã gửi kết quả tự đánh giá" in principal.text
    assert rows(engine, Submission, kind="self")[0].status == "submitted"
    # A cross-inspector may not reopen.
    cross = chat(dispatcher, people, "CB-TN-01")
    submit_self(engine, "MN-SAOMAI")
    cross.send("/chamdiem")
    cross.press("Sao Mai")
    assert "Mở lại cho trường sửa" not in " ".join(b.label for r in cross.replies for b in r.flat_buttons)
    cross.press_action("ins:ro")
    assert "Chỉ cán bộ chấm lại" in cross.text
