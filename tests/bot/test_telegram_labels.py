"""Button labels a phone would cut: numbered buttons, the full labels in the message."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from hsdt.channels.telegram.render import LABEL_VISIBLE, numbered
from tests.present import present


def _markup(*rows: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=f"x:{label[:10]}") for label in row] for row in rows])


def _labels(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    assert markup is not None
    return [[b.text for b in row] for row in markup.inline_keyboard]


def test_short_labels_are_left_alone() -> None:
    markup = _markup(("Đầy đủ",), ("Một phần",), ("⬅️ Quay lại", "⏭ Bỏ qua"))
    assert numbered("Câu hỏi", markup) == ("Câu hỏi", markup)


def test_long_labels_become_their_place_in_the_list_with_the_full_text_in_the_message() -> None:
    long_three = "⬜ Hồ sơ quản lý chuyên môn (kế hoạch giáo dục, sổ theo dõi trẻ)"
    long_four = "☑️ Hồ sơ quản lý văn bản đi/đến nhà trường"
    assert len(long_three) > LABEL_VISIBLE and len(long_four) > LABEL_VISIBLE
    markup = _markup(("⬜ Hồ sơ quản lý trẻ em",), ("⬜ Hồ sơ nhân sự",), (long_three,), (long_four,),
                     ("✅ Xong",), ("⬅️ Quay lại", "⏭ Bỏ qua"))
    text, shown = numbered("Câu 1/12", markup)
    assert text == f"Câu 1/12\n\n3. {long_three}\n4. {long_four}"
    # The tick box stays on the number; the numbers share a row; the rest keeps its layout.
    assert _labels(shown) == [["⬜ Hồ sơ quản lý trẻ em"], ["⬜ Hồ sơ nhân sự"], ["⬜ 3", "☑️ 4"], ["✅ Xong"],
                              ["⬅️ Quay lại", "⏭ Bỏ qua"]]
    assert all(len(label) <= LABEL_VISIBLE for row in _labels(shown) for label in row)
    third_row = present(shown).inline_keyboard[2]
    assert [b.callback_data for b in third_row] == [b.callback_data for r in markup.inline_keyboard[2:4] for b in r]


def test_a_button_alone_in_its_row_keeps_its_label() -> None:
    markup = _markup(("✅ Đồng ý điểm của trường (6,67) và hơn thế",), ("⬅️ Quay lại", "⏭ Bỏ qua"))
    assert numbered("Câu 1/11", markup) == ("Câu 1/11", markup)
