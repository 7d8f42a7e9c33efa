"""The OA's rendering of a turn: Zalo's limits kept before anything is sent."""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hsdt.channels.zalo_oa.limits import TEXT_LIMIT, text_length
from hsdt.channels.zalo_oa.render import File, Item, OATurns, Picture, Text, plan, text_messages
from hsdt.channels.zalo_oa.windows import WindowPolicy
from hsdt.events import Button, Document, Reply

PDF = b"%PDF-1.7\n" + b"0" * 1000


def turns() -> OATurns:
    # Composing reads no database and calls no API: nothing behind them is needed.
    return OATurns(cast(Any, None), cast(Any, None), cast(Any, None), "1" * 19,
                   WindowPolicy(ZoneInfo("Asia/Ho_Chi_Minh")))


def test_messages_fit_in_2000_utf16_units_even_with_emoji() -> None:
    text = "\n".join(["✅ " + "a" * 60 + " 📎"] * 80)  # each emoji counts twice on Zalo
    messages = text_messages([text])
    assert len(messages) > 1 and all(text_length(m) <= TEXT_LIMIT for m in messages)
    assert "".join(messages).replace("\n", "") == text.replace("\n", "")


def test_a_pdf_goes_as_a_file_and_the_rest_as_links_with_the_reason() -> None:
    small = Document("phu-luc-1.pdf", PDF, "application/pdf")
    big = Document("phu-luc-2.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "application/pdf")
    workbook = Document("bao-cao.xlsx", b"PK\x03\x04rest", "application/vnd.ms-excel")
    items = turns().compose("u1", None, [Reply("Phụ lục 1", document=small), Reply("Phụ lục 2", document=big),
                                          Reply("Bảng tính", document=workbook)])
    kinds = [(index, type(item).__name__) for index, item in items]
    assert kinds == [(0, "Text"), (0, "File"), (1, "Text"), (2, "Text")]
    assert isinstance(items[1][1], File) and items[1][1].attachment is small
    too_big = items[2][1]
    assert isinstance(too_big, Text) and "lớn hơn 5 MB" in too_big.text and "phu-luc-2.pdf" in too_big.text
    sheet = items[3][1]
    assert isinstance(sheet, Text) and "bao-cao.xlsx" in sheet.text


def test_options_are_numbered_and_a_pdf_screen_says_to_send_it_here() -> None:
    reply = Reply("Tiêu chí 10/12", buttons=((Button("Xong", "x"), Button("Bỏ qua", "s")),), upload="sa:ev:1:E1")
    (_, item), = turns().compose("u1", None, [reply])
    assert isinstance(item, Text)
    assert "[1] Xong" in item.text and "[2] Bỏ qua" in item.text
    assert "gửi tệp PDF đã ký số ngay trong cuộc trò chuyện này" in item.text


def test_a_chart_goes_as_an_image_with_its_caption() -> None:
    png = Document("bieu-do.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    (_, item), = turns().compose("u1", None, [Reply("Điểm trung bình theo quận", image=png)])
    assert isinstance(item, Picture) and item.attachment is png and item.caption == "Điểm trung bình theo quận"


def _reply_items(draw: st.DrawFn, index: int) -> list[tuple[int, Item]]:
    """What `OATurns.compose` makes of one reply: its text, then its file, then its picture (each perhaps)."""
    made: list[tuple[int, Item]] = []
    if draw(st.booleans()):
        lines = draw(st.integers(1, 90))
        emoji = draw(st.booleans())
        made.append((index, Text("\n".join(f"{index}.{n} Hồ sơ {'📎' if emoji else 'x'} " + "a" * 40
                                           for n in range(lines)))))
    if draw(st.integers(0, 3)) == 0:
        made.append((index, File(Document(f"{index}.pdf", PDF, "application/pdf"))))
    if draw(st.integers(0, 3)) == 0:
        made.append((index, Picture(f"ảnh {index}", Document(f"{index}.png", b"\x89PNG", "image/png"))))
    return made


@st.composite
def _turns(draw: st.DrawFn) -> tuple[list[tuple[int, Item]], int]:
    replies = draw(st.integers(1, 5))
    items = [item for index in range(replies) for item in _reply_items(draw, index)]
    return items, replies


@settings(max_examples=200, deadline=None)
@given(_turns())
def test_a_turn_resumed_after_any_message_sends_exactly_the_rest(turn: tuple[list[tuple[int, Item]], int]) -> None:
    """Whatever message of a turn Zalo failed, the turn sent again from the progress last reported (the
    replies not done, and the messages of the next one already out) is the rest of the turn: nothing twice,
    nothing lost."""
    items, replies = turn
    full = plan(items, replies)
    assert all(text_length(m.item.text) <= TEXT_LIMIT for m in full if isinstance(m.item, Text))
    if full:  # the last message finishes the last reply that has one
        assert (full[-1].done, full[-1].into) == (max(index for index, _ in items) + 1, 0)
    for sent in range(len(full)):
        done, into = (full[sent - 1].done, full[sent - 1].into) if sent else (0, 0)
        rest = [(index - done, item) for index, item in items if index >= done]
        assert [m.item for m in plan(rest, replies - done, into)] == [m.item for m in full[sent:]], sent
