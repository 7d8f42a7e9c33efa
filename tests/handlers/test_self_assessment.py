"""Whole conversations through the channel-neutral interface, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.events import Handled, Incoming, Kind
from hsdt.handlers import conversation
from hsdt.handlers.conversation import SelfAssessmentState
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import Receipt, last_shown
from hsdt.storage.models import Answer, AnswerAudit, ConversationState, Role, Submission
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver
from tests.present import present


def principal(dispatcher: Dispatcher, codes: dict[str, str], ref: str = "p1") -> ChatDriver:
    chat = ChatDriver(dispatcher, ref)
    chat.enrol(codes["HT-HOASEN"])
    assert "Đăng ký thành công" in chat.text
    return chat


def answers(engine: Engine) -> dict[str, dict[str, Any]]:
    with UnitOfWork(engine) as uow:
        return {a.criterion_id: a.value for a in uow.session.exec(select(Answer)).all()}


def answer_all(chat: ChatDriver) -> None:
    """From question 1, answer the whole default rubric the way a principal would."""
    chat.send("/tudanhgia")
    assert "Tiêu chí 1/12" in chat.text
    for label in ("trẻ em", "nhân sự", "chuyên môn"):
        chat.press(label)
    chat.press("Xong")
    assert "✔️ A1." in chat.text and "Tiêu chí 2/12" in chat.text
    chat.send("12/10")
    chat.send("20 18")
    chat.send("5/5")
    chat.send("1,2,3,4")
    assert "Tiêu chí 6/12" in chat.text
    chat.press("Đầy đủ")
    chat.press("Một phần")
    chat.send("85")
    chat.press("Có")
    assert "Tiêu chí 10/12" in chat.text and "E1" in chat.text
    chat.press("Xong")
    chat.press("Đạt")
    assert "Tiêu chí 12/12" in chat.text
    chat.send("Đề nghị Sở tổ chức tập huấn thêm.")


def test_principal_completes_and_submits(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    answer_all(chat)
    assert "Thầy/Cô đã trả lời đủ" in chat.text
    assert "Tổng điểm:" in chat.text
    assert len(chat.replies) == 2  # the comment's one-line confirmation, then the review
    stored = answers(engine)
    assert stored["B1"] == {"issued": 12, "used": 10}
    assert stored["A1"] == {"options": ["c1", "c2", "c3"]}
    assert stored["E1"] == {"valid": 0, "total": 0, "in_period": 0, "in_period_proven": 0}
    assert len(stored) == 12
    chat.press("Gửi kết quả tự đánh giá")
    assert "xác nhận gửi" in chat.text
    chat.press("Đồng ý gửi")
    assert "Đã gửi kết quả tự đánh giá" in chat.text
    # A1 6 + B1 6.67 + B2 9 + B3 6 + B4 16 + C1 10 + C2 5 + D1 6.8 + D2 2 + E1 0 + E2 4 = 71.47 -> Khá
    assert "71,47/100" in chat.text and "Khá" in chat.text
    with UnitOfWork(engine) as uow:
        submission = uow.session.exec(select(Submission)).one()
        assert submission.status == "submitted" and submission.total == 71.47 and submission.band == "Khá"
    # Locked for the principal afterwards.
    chat.send("/tudanhgia")
    assert "đã được gửi" in chat.text
    chat.press_action("sa:o:C1:none")
    assert answers(engine)["C1"] == {"option": "full"}


def test_a_wrong_answer_gets_one_short_line_saying_what_to_type(
    dispatcher: Dispatcher, codes: dict[str, str], engine: Engine
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    assert "Tiêu chí 2/12" in chat.text
    cases = {
        "abc": "Cần hai số",
        "10/12": "Số CBQL đã sử dụng (12) lớn hơn Số CBQL được cấp chữ ký số (10). Thầy/Cô nhập lại, ví dụ 10/9.",
        "-3/1": "Thầy/Cô nhập lại",
        "1.5/1": "Thầy/Cô nhập lại",
    }
    for typed, expected in cases.items():
        chat.send(typed)
        assert len(chat.replies) == 1 and "\n" not in chat.text, (typed, chat.text)
        assert expected in chat.text, (typed, chat.text)
        assert "Tiêu chí 2/12" not in chat.text  # the question is still on screen above: not repeated
    chat.press("Danh sách")
    chat.press("D1.")
    for typed in ("150", "-1", "tám mươi"):
        chat.send(typed)
        assert "ví dụ 85" in chat.text and len(chat.replies) == 1, chat.text
    chat.send("150")
    assert "Tỷ lệ phải từ 0 đến 100" in chat.text
    chat.press("Danh sách")
    chat.press("C1.")
    chat.send("có lẽ")
    assert "lựa chọn" in chat.text and len(chat.replies) == 1
    chat.send("9")
    assert "lựa chọn" in chat.text and len(chat.replies) == 1
    chat.press("Danh sách")
    chat.press("E1.")
    chat.send("đây là văn bản")
    assert "cần tệp PDF" in chat.text
    assert answers(engine) == {}


def test_navigation_back_skip_jump_cancel_and_resume(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Quay lại")
    assert "tiêu chí đầu tiên" in chat.text
    chat.press("Bỏ qua")
    chat.send("8/8")
    assert "Tiêu chí 3/12" in chat.text
    chat.press("Quay lại")
    assert "Tiêu chí 2/12" in chat.text and "Câu trả lời hiện tại" in chat.text
    chat.press("Giữ nguyên")
    assert "Tiêu chí 3/12" in chat.text
    chat.send("/huy")
    assert "Đã dừng" in chat.text
    chat.send("xin chào")
    assert "chưa hiểu" in chat.text
    # A fresh dispatcher is a restarted bot: the state comes from the database.
    restarted = Dispatcher(engine, dispatcher.config, checker=None, clock=dispatcher.clock,
                           router=dispatcher.router)
    again = ChatDriver(restarted, "p1")
    again.send("/tudanhgia")
    assert "Tiêu chí 3/12" in again.text
    again.press("Danh sách")
    assert "✅ B1" in " ".join(b.label for r in again.replies for b in r.flat_buttons)
    again.press("C2.")
    assert "Tiêu chí 7/12" in again.text
    again.press("Chưa")
    assert "Tiêu chí 8/12" in again.text


def test_review_edit_and_submit_blocked_until_complete(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Xem lại")
    assert "Xem lại phiếu tự đánh giá" in chat.text and "chưa trả lời" in chat.text
    chat.press("Gửi kết quả tự đánh giá")
    assert "Chưa thể gửi kết quả" in chat.text and "A1" in chat.text
    chat.press("Sửa câu trả lời")
    chat.press("D1.")
    chat.send("50")
    # Answering from the review goes back to the review.
    assert "Xem lại phiếu tự đánh giá" in chat.text and "D1. " in chat.text and "50%" in chat.text


def test_two_members_last_write_wins_with_audit(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    first = principal(dispatcher, codes, "p1")
    with UnitOfWork(engine) as uow:
        from hsdt.services.invites import issue_invite

        user = uow.users.by_code("HT-HOASEN")
        # A second member of the same school (vice-principal) joins with their own account.
        from hsdt.storage.models import User

        vice = uow.users.add(User(code="PHT-HOASEN", full_name="Đỗ Thu Trang", role=Role.PRINCIPAL,
                                  unit_id=present(user).unit_id))
        vice_code = issue_invite(uow, vice, dispatcher.clock(), __import__("datetime").timedelta(days=1)).code
    second = ChatDriver(dispatcher, "p2")
    second.enrol(vice_code)
    first.send("/tudanhgia")
    first.press("Bỏ qua")
    first.send("10/5")
    second.send("/tudanhgia")
    second.press("Bỏ qua")
    assert "Câu trả lời hiện tại" in second.text and "Nguyễn Thị Hồng Nhung" in second.text
    second.send("10/9")
    assert answers(engine)["B1"] == {"issued": 10, "used": 9}
    with UnitOfWork(engine) as uow:
        audit = uow.session.exec(select(AnswerAudit).where(AnswerAudit.criterion_id == "B1")).all()
        assert [a.new_value for a in audit] == [{"issued": 10, "used": 5}, {"issued": 10, "used": 9}]
        assert audit[1].old_value == {"issued": 10, "used": 5}


def test_duplicate_delivery_applies_once(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    event = Incoming(channel="test", user_ref="p1", event_id="dup-1", kind=Kind.TEXT, text="12/10")
    first = dispatcher.process_sync(event)
    assert first.replies and not first.duplicate
    # Redelivered before its replies were confirmed sent: the same replies again, nothing re-applied.
    again = dispatcher.process_sync(event)
    assert again.duplicate and again.replies == first.replies
    dispatcher.confirm([Receipt("test", "dup-1", len(first.replies), settled=True, user_ref="p1",
                                shown=last_shown(first.replies, first.turn, "test"))])
    assert dispatcher.process_sync(event) == Handled([], duplicate=True, first=len(first.replies))
    with UnitOfWork(engine) as uow:
        assert len(uow.session.exec(select(AnswerAudit)).all()) == 1
        state = uow.session.exec(select(ConversationState)).one()
        loaded = conversation.load(state.flow, state.data)
        assert isinstance(loaded, SelfAssessmentState) and (loaded.criterion, loaded.mode) == ("B2", "q")


def test_stale_button_reshows_current_question(dispatcher: Dispatcher, codes: dict[str, str], engine: Engine) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    chat.press("Bỏ qua")
    chat.press("Bỏ qua")
    chat.press("Bỏ qua")
    chat.press("Bỏ qua")
    assert "Tiêu chí 6/12" in chat.text
    chat.press_action("sa:t:A1:c1")
    assert "tin nhắn cũ" in chat.text and "Tiêu chí 6/12" in chat.text
    chat.press_action("zz:unknown")
    assert "Tiêu chí 6/12" in chat.text
    assert answers(engine) == {}
