"""Wording that used to mislead: each case is a conversation a principal or an inspector really has."""

from __future__ import annotations

from hsdt import texts
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.texts import reminders
from tests.handlers.test_self_assessment import answer_all, principal
from tests.helpers import ChatDriver


def _submitted(dispatcher: Dispatcher, codes: dict[str, str]) -> ChatDriver:
    chat = principal(dispatcher, codes)
    answer_all(chat)
    chat.press("Gửi kết quả tự đánh giá")
    chat.press("Đồng ý gửi")
    assert "Đã gửi kết quả tự đánh giá" in chat.text
    return chat


def test_stopping_tells_each_role_the_command_that_resumes_its_own_work(
    dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    _submitted(dispatcher, codes)
    inspector = ChatDriver(dispatcher, "insp")
    inspector.enrol(codes["CB-HB-01"])
    inspector.send("/chamdiem")
    inspector.press("Hoa Sen")
    inspector.send("/huy")
    assert "gõ /chamdiem để tiếp tục" in inspector.text and "/tudanhgia" not in inspector.text

    other = ChatDriver(dispatcher, "so")
    other.enrol(codes["SO-01"])
    other.send("/huy")
    assert texts.NOTHING_TO_CANCEL in other.text


def test_a_principal_is_told_the_command_of_the_self_assessment(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.send("/huy")
    assert "gõ /tudanhgia để tiếp tục" in chat.text


def test_confirmations_carry_no_points_for_a_remark_and_no_double_punctuation(
    dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Danh sách")
    chat.press("E1.")
    chat.press("Xong")  # no file sent: the school's answer is "none", 0 points
    assert "✔️ E1." in chat.text and "chưa gửi tệp minh chứng — 0 điểm" in chat.text
    assert ". —" not in chat.text and ". (" not in chat.text
    chat.press("Danh sách")
    chat.press("G1.")
    chat.send("Đề nghị Sở tổ chức tập huấn thêm.")
    assert "✔️ G1. Ý kiến, đề xuất: Đề nghị Sở tổ chức tập huấn thêm." in chat.text
    assert "0 điểm" not in chat.replies[0].text
    chat.press("Sửa câu trả lời")
    chat.press("G1.")
    assert "Câu trả lời hiện tại: Đề nghị Sở tổ chức tập huấn thêm." in chat.text
    assert "0 điểm" not in chat.text


def test_a_percentage_is_shown_a_percentage_example(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Danh sách")
    chat.press("D1.")
    chat.send("tám mươi")
    assert "ví dụ 85" in chat.text and "3/2" not in chat.text
    chat.press("Danh sách")
    chat.press("B1.")
    chat.send("mười/hai")
    assert "ví dụ 3/2" in chat.text  # counts a preschool can have


def test_the_end_of_the_list_does_not_claim_all_answered_while_a_required_one_is_left(
    dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")  # A1, required
    for _ in range(10):
        chat.press("Bỏ qua")
    chat.send("Không có ý kiến.")  # the last one, the school's remarks
    assert texts.SA_ALL_ANSWERED not in chat.text and "đã trả lời đủ" not in chat.text
    assert "Còn 11 tiêu chí bắt buộc chưa trả lời: A1, B1" in chat.text


def test_the_reminder_names_buttons_that_exist(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    text = reminders.PRINCIPAL_ALL_ANSWERED.format(school="Trường Mầm non Hoa Sen", total=12)
    assert "Nộp bản tự đánh giá" not in text
    chat = principal(dispatcher, codes)
    answer_all(chat)  # ends on the review
    labels = [b.label for r in chat.replies for b in r.flat_buttons]
    review, submit = texts.BTN_REVIEW.split(" ", 1)[1], texts.BTN_SUBMIT.split(" ", 1)[1]
    assert f"“{review}”" in text and f"“{submit}”" in text
    assert any(label.endswith(submit) for label in labels)
    chat.press("Tiếp tục trả lời")
    assert any(b.label.endswith(review) for r in chat.replies for b in r.flat_buttons)
