"""`/lienket`: the same user on two channels, one conversation state."""

from __future__ import annotations

from hsdt.handlers.dispatcher import Dispatcher
from tests.helpers import ChatDriver, Clock


def _code(text: str) -> str:
    line = next(line for line in text.splitlines() if "Mã liên kết" in line)
    return line.split(":", 1)[1].strip()


def test_link_code_binds_a_second_channel_to_the_same_user(
    dispatcher: Dispatcher, codes: dict[str, str], clock: Clock
) -> None:
    telegram = ChatDriver(dispatcher, "111", channel="telegram")
    telegram.enrol(codes["HT-HOASEN"])
    telegram.send("/tudanhgia")
    telegram.press("Bỏ qua")
    assert "Tiêu chí 2/12" in telegram.text
    telegram.send("/lienket")
    code = _code(telegram.text)
    assert "10 phút" in telegram.text and len(code.replace("-", "")) == 10

    zalo = ChatDriver(dispatcher, "z-abc", channel="zalo")
    zalo.send(code)
    assert "Đăng ký thành công" in zalo.text and "Hoa Sen" in zalo.text
    zalo.send("12/10")  # the shared state: Zalo answers the question Telegram was on
    assert "✔️ B1." in zalo.text and "Tiêu chí 3/12" in zalo.text
    telegram.send("/tudanhgia")
    assert "Tiêu chí 3/12" in telegram.text

    stranger = ChatDriver(dispatcher, "z-other", channel="zalo")
    stranger.send(code)
    assert "đã được sử dụng" in stranger.text  # single use


def test_link_code_expires(dispatcher: Dispatcher, codes: dict[str, str], clock: Clock) -> None:
    telegram = ChatDriver(dispatcher, "222", channel="telegram")
    telegram.enrol(codes["CB-HB-01"])
    telegram.send("/lienket")
    code = _code(telegram.text)
    clock.advance(minutes=11)
    zalo = ChatDriver(dispatcher, "z-late", channel="zalo")
    zalo.send(code)
    assert "hết hạn" in zalo.text
    zalo.send("/menu")
    assert "mã mời" in zalo.text.lower()  # still not enrolled
