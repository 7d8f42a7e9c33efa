"""What each channel's texts may say: "bấm" only with a typed variant for chats without buttons, no advice
to use a blocked channel, no blame on Zalo for what the system cannot do, the Vietnamese commands."""

from __future__ import annotations

import hsdt.texts
from hsdt.texts import typed
from tests.texts.test_catalogue import catalogue_texts

# Texts of web pages, which have real buttons whatever the chat: the upload page and the web page.
WEB_PAGES = ("hsdt.texts.channels.PAGE_", "hsdt.texts.dashboard.")


def test_every_bam_a_chat_shows_has_a_typed_variant() -> None:
    missing = []
    for name, text in catalogue_texts():
        if "bấm" not in text.lower() or name.startswith(WEB_PAGES) or name.startswith("hsdt.texts.typed."):
            continue
        variant = getattr(typed, name.rpartition(".")[2], None)
        if not isinstance(variant, str) or "bấm" in variant.lower() or "gõ" not in variant.lower():
            missing.append(name)
    assert missing == []
    assert [name for name, text in catalogue_texts() if name.startswith("hsdt.texts.typed.") and "bấm" in text] == []


def test_no_text_sends_users_to_telegram_or_blames_zalo() -> None:
    # Telegram is blocked in Vietnam: a text may name it (linking two accounts), never advise it.
    advice = [name for name, text in catalogue_texts()
              if "dùng telegram" in text.lower() or "qua telegram" in text.lower()]
    assert advice == []
    assert [name for name, text in catalogue_texts() if "Zalo chưa cho phép" in text] == []


def test_commands_are_named_in_vietnamese() -> None:
    found = [name for name, text in catalogue_texts() if "/help" in text or "/menu" in text or "/report" in text]
    assert found == []
    assert "/huongdan" in hsdt.texts.UNKNOWN_COMMAND and "/huongdan" in hsdt.texts.UNEXPECTED_INPUT


def test_a_criterion_is_a_tieu_chi_and_the_record_period_has_one_name() -> None:
    import re

    for name, text in catalogue_texts():
        # "câu trả lời" is an answer; "câu" alone would be a criterion.
        assert not re.search(r"\b[Cc]âu(?! trả lời)(?! hỏi của hệ thống)\b", text), name
        assert "thời kỳ hồ sơ" not in text, name
        assert "thời gian lưu hồ sơ" not in text and "thời điểm lưu hồ sơ" not in text.lower(), name
    assert "12/10" not in hsdt.texts.SA_HOW_COUNT_PAIR and hsdt.texts.EXAMPLE_COUNT_PAIR == "3/2"


def test_the_web_page_is_a_page_to_follow() -> None:
    assert [name for name, text in catalogue_texts() if "bảng điều khiển" in text.lower()
            and not name.startswith("hsdt.texts.__doc__")] == []
