"""Telegram updates read into the bot's own models: what `translate` uses, the rest ignored."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hsdt.channels.telegram.translate import parse_update, user_key
from hsdt.channels.telegram.updates import TgUpdate

USER = {"id": 7001, "is_bot": False, "first_name": "Nhung", "last_name": "Nguyễn", "language_code": "vi"}
CHAT = {"id": 7001, "type": "private", "first_name": "Nhung"}


def test_a_press_on_a_message_with_its_keyboard_reads_the_press_and_the_pressed_message() -> None:
    update = parse_update({"update_id": 9, "callback_query": {
        "id": "77", "from": USER, "chat_instance": "1", "data": "sa:c:6:full",
        "message": {"message_id": 10, "date": 1700000000, "chat": CHAT, "text": "Tiêu chí 6/12",
                    "reply_markup": {"inline_keyboard": [[{"text": "Đầy đủ", "callback_data": "sa:c:6:full"}]]}}}})
    press = update.callback_query
    assert press is not None and press.data == "sa:c:6:full" and press.from_user.full_name == "Nhung Nguyễn"
    assert press.message is not None and press.message.message_id == 10 and press.message.editable
    assert user_key(update) == "7001"


def test_a_press_on_a_message_too_old_to_edit_is_not_edited() -> None:
    update = parse_update({"update_id": 9, "callback_query": {
        "id": "78", "from": USER, "chat_instance": "1", "data": "m:menu",
        "message": {"message_id": 3, "date": 0, "chat": CHAT}}})
    assert update.callback_query is not None and update.callback_query.message is not None
    assert not update.callback_query.message.editable


def test_a_document_and_a_photo_are_read() -> None:
    document = parse_update({"update_id": 10, "message": {
        "message_id": 11, "date": 1700000000, "chat": CHAT, "from": USER, "caption": "E1",
        "document": {"file_id": "F", "file_unique_id": "U", "file_name": "ke-hoach.pdf", "file_size": 1200,
                     "mime_type": "application/pdf"}}})
    assert document.message is not None and document.message.document is not None
    assert (document.message.document.file_name, document.message.caption) == ("ke-hoach.pdf", "E1")
    photo = TgUpdate.model_validate({"update_id": 11, "message": {
        "message_id": 12, "date": 1700000000, "chat": CHAT,
        "photo": [{"file_id": "P", "file_unique_id": "Q", "width": 90, "height": 90}]}})
    assert photo.message is not None and photo.message.photo and photo.message.from_user is None
    assert user_key(photo) == "7001"  # no sender (a channel post): the chat


@pytest.mark.parametrize("body", [{}, {"update_id": "x"}, {"update_id": 1, "message": {"message_id": 1}}, []])
def test_what_is_not_an_update_is_refused(body: object) -> None:
    with pytest.raises(ValidationError):
        parse_update(body)
