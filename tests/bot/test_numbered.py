"""Numbered options shared by the terminal and Zalo: keys, labels, packing into few messages."""

from __future__ import annotations

from hsdt.channels.numbered import last_options, option_keys, render, resolve
from hsdt.channels.text_split import pack, split_text
from hsdt.events import Button, Reply, rows

MENU = Reply("Thầy/Cô chọn một chức năng",
             buttons=rows(Button("📝 Tự đánh giá", "sa:open"), Button("❓ Hướng dẫn", "m:help")))
COUNT = Reply("Gõ hai số", buttons=((Button("⬅️ Quay lại", "sa:b"), Button("⏭ Bỏ qua", "sa:s")),),
              expects_number=True)


def test_numbers_or_letters() -> None:
    assert option_keys(MENU) == ["1", "2"]
    assert option_keys(COUNT) == ["a", "b"]
    assert render(MENU).splitlines()[1:] == ["  [1] 📝 Tự đánh giá", "  [2] ❓ Hướng dẫn"]


def test_typed_key_or_label_resolves() -> None:
    options = last_options([Reply("xin chào"), MENU])
    assert options is not None
    for typed in ("1", " 1. ", "(1)", "tự đánh giá", "📝 Tự đánh giá", "TỰ ĐÁNH GIÁ"):
        assert resolve(typed, options) == Button("📝 Tự đánh giá", "sa:open"), typed
    for typed in ("3", "12/10", "", "tự đánh", "1,2"):
        assert resolve(typed, options) is None, typed
    lettered = last_options([COUNT])
    assert lettered is not None and resolve("B", lettered) == Button("⏭ Bỏ qua", "sa:s")
    assert resolve("1", lettered) is None  # a number stays an answer


def test_last_reply_with_buttons_wins() -> None:
    assert last_options([MENU, Reply("x")]) == {"1": MENU.flat_buttons[0], "2": MENU.flat_buttons[1]}
    assert last_options([Reply("no buttons")]) is None


def test_pack_joins_and_splits_within_the_limit() -> None:
    assert pack(["một", "hai", "ba"], 2000) == ["một\n\nhai\n\nba"]
    long = "\n".join(f"dòng {i:04d} " + "x" * 40 for i in range(100))
    messages = pack(["đầu", long, "cuối"], 2000)
    assert all(len(m) <= 2000 for m in messages)
    assert len(messages) == 3  # 5,1 k characters: the fewest messages of <= 2,000 that keep lines whole
    assert "".join(messages).replace("\n", "").count("dòng") == 100
    assert messages[0].startswith("đầu\n\ndòng 0000") and messages[-1].endswith("cuối")
    assert split_text("y" * 4500, 2000) == ["y" * 2000, "y" * 2000, "y" * 500]
