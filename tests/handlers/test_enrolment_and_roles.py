"""Invite codes bind identities; every role is refused what it may not do, politely."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import Answer, ChatIdentity
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver, Clock
from tests.present import present


def test_invite_code_binds_once(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    first = ChatDriver(dispatcher, "tg-1")
    first.send("/start")
    assert "nhập mã mời" in first.text
    first.send(codes["HT-HOASEN"].lower()[:5] + "-" + codes["HT-HOASEN"].lower()[5:])
    assert "Đăng ký thành công" in first.text and "Trường Mầm non Hoa Sen" in first.text
    other = ChatDriver(dispatcher, "tg-2")
    other.enrol(codes["HT-HOASEN"])
    assert "đã được sử dụng" in other.text
    with UnitOfWork(engine) as uow:
        identities = uow.session.exec(select(ChatIdentity)).all()
        assert [(i.external_id) for i in identities] == ["tg-1"]


def test_unknown_and_expired_codes(dispatcher: Dispatcher, codes: dict[str, str], clock: Clock) -> None:
    chat = ChatDriver(dispatcher, "tg-3")
    chat.enrol("ZZZZZZZZZZ")
    assert "không đúng" in chat.text
    clock.advance(days=31)
    chat.enrol(codes["SO-01"])
    assert "hết hạn" in chat.text


def test_no_role_user_is_asked_for_a_code(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    stranger = ChatDriver(dispatcher, "nobody")
    actions: tuple[Callable[[], list[Reply]], ...] = (
        lambda: stranger.send("/tudanhgia"),
        lambda: stranger.send("/kiemtra"),
        lambda: stranger.send("/baocao"),
        lambda: stranger.press_action("sa:o:C1:full"),
        lambda: stranger.send("85"),
        lambda: stranger.photo(),
    )
    for action in actions:
        action()
        assert "mã mời" in stranger.text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Answer)).all() == []


@pytest.mark.parametrize("user_code", ["CB-HB-01", "PGD-HB-01", "SO-01"])
def test_only_principals_self_assess(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str], user_code: str
) -> None:
    chat = ChatDriver(dispatcher, f"u-{user_code}")
    chat.enrol(codes[user_code])
    assert "Đăng ký thành công" in chat.text
    assert all("Tự đánh giá" not in b.label for r in chat.replies for b in r.flat_buttons)
    chat.send("/tudanhgia")
    assert "chỉ dành cho Hiệu trưởng" in chat.text
    chat.press_action("sa:open")
    assert "chỉ dành cho Hiệu trưởng" in chat.text
    chat.press_action("sa:o:C1:full")
    assert "chỉ dành cho Hiệu trưởng" in chat.text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Answer)).all() == []


def test_unknown_command_photo_and_out_of_turn(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = ChatDriver(dispatcher, "p")
    chat.enrol(codes["HT-HOASEN"])
    chat.send("/xoahet")
    assert "Hệ thống không có lệnh “/xoahet”" in chat.text
    chat.photo()
    assert "tệp PDF" in chat.text and "không gửi ảnh" in chat.text
    chat.send("12/10")
    assert "chưa hiểu" in chat.text
    chat.press("Hướng dẫn")
    assert "/tudanhgia" in chat.text


def test_principal_sees_only_own_school(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    chat = ChatDriver(dispatcher, "p")
    chat.enrol(codes["HT-HOASEN"])
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    chat.send("4/4")
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(select(Answer)).all()
        school = uow.units.by_code("MN-HOASEN")
        assert [r.school_id for r in rows] == [present(school).id]
    assert "Hoa Sen" not in chat.text or "Sao Mai" not in chat.text


def test_invite_reissue_reuses_open_code(engine: Engine, codes: dict[str, str], clock: Clock) -> None:
    from hsdt.services.demo import DEMO_USERS
    from hsdt.services.invites import open_invites

    with UnitOfWork(engine) as uow:
        again = dict((u.code, c) for u, c in open_invites(
            uow, [u.code for u in DEMO_USERS], invite_ttl=timedelta(days=30), now=clock()))
    assert again == codes
