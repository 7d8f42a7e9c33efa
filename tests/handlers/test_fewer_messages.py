"""Fewer, better messages: an answered question is shown in place as one line (the dispatcher finds
the message that shows it, from what the channel confirmed), corrections are one short line,
instructions are shown once per flow and then behind a button, a refused submit says only why."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.events import Incoming, Kind
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import Receipt, Shown
from hsdt.storage.models import User
from hsdt.storage.unit_of_work import UnitOfWork
from tests.handlers.test_self_assessment import principal
from tests.present import present


def _user_id(engine: Engine) -> int:
    with UnitOfWork(engine) as uow:
        user_id = uow.session.exec(select(User).where(User.code == "HT-HOASEN")).one().id
    assert user_id is not None
    return user_id


def test_a_typed_answer_edits_the_question_message_the_channel_reported(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    event = Incoming(channel="test", user_ref="p1", event_id="skip-1", kind=Kind.BUTTON, payload=chat.button("Bỏ qua"))
    handled = dispatcher.process_sync(event)
    line, question = handled.replies
    assert line.replace_previous and not line.buttons and "A1." in line.text  # the pressed question, one line
    assert "Tiêu chí 2/12" in question.text and question.screen is not None
    # The channel sent the question as its message 4711 and confirms it.
    dispatcher.confirm([Receipt("test", "skip-1", 2, settled=True, user_ref="p1",
                                shown=Shown(question.screen, "test:4711", handled.turn))])
    chat.send("12/10")
    saved, following = chat.replies
    assert saved.replaces == question.screen and saved.edit_ref == "4711" and not saved.buttons
    assert saved.text.startswith("✔️ B1.") and "6,67 điểm" in saved.text and "\n" not in saved.text
    assert "Tiêu chí 3/12" in following.text and following.edit_ref is None
    # Stored with the event: a redelivery edits the same message.
    stored = present(dispatcher.stored("test", present(chat.last_event).event_id))
    assert stored.replies[0]["edit_ref"] == "4711"
    # Another channel's message is never the one edited.
    with UnitOfWork(engine) as uow:
        uow.conversations.mark_shown(_user_id(engine), following.screen or "", "other:99")
    chat.send("20/18")
    assert chat.replies[0].edit_ref is None


def test_instructions_once_per_flow_then_behind_a_button(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    assert "gõ hai số" in chat.text and "Hướng dẫn" not in " ".join(b.label for b in chat.replies[-1].flat_buttons)
    chat.send("12/10")
    question = chat.replies[-1]
    assert "Tiêu chí 3/12" in question.text and "gõ hai số" not in question.text
    chat.press("ℹ️ Hướng dẫn")
    [shown] = chat.replies
    assert shown.replace_previous and "Tiêu chí 3/12" in shown.text and "gõ hai số" in shown.text
    chat.send("20/18")
    assert "Tiêu chí 4/12" in chat.text and "gõ hai số" not in chat.text


def test_a_refused_submit_says_only_why(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Xem lại")
    chat.press("Gửi kết quả tự đánh giá")
    [refusal] = chat.replies
    assert "Chưa thể gửi kết quả" in refusal.text and "Xem lại" not in refusal.text and not refusal.buttons


def test_skip_and_keep_leave_one_line_in_place(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    chat.send("8/8")
    chat.press("Quay lại")
    chat.press("Giữ nguyên")
    kept, following = chat.replies
    assert kept.replace_previous and "giữ nguyên" in kept.text and "B1." in kept.text and not kept.buttons
    assert "Tiêu chí 3/12" in following.text
