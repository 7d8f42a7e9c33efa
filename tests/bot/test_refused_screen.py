"""A screen the platform refuses for good never reached the chat: the reply delivery's receipt names the
refused turn, and the ledger drops that turn's pending screen, so a typed answer still means the screen
shown before (the receipt carries it; nothing is read back from the stored replies)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.channels.contract import SendRefused
from hsdt.channels.delivery import Progress, ReplyDelivery
from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import Receipt
from hsdt.storage.models import Answer, User
from hsdt.storage.unit_of_work import UnitOfWork
from tests.handlers.test_self_assessment import principal


class RefusesScreens:
    """Takes each reply until one shows a screen, which the platform refuses for good."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_turn(self, user_ref: str, replies: list[Reply], progress: Progress, hint: None,
                        resume: int = 0) -> None:
        for index, reply in enumerate(replies):
            if reply.screen:
                raise SendRefused("Bad Request: message is too long")
            self.sent.append(reply.text)
            progress(index + 1)




async def test_a_refused_screen_leaves_the_chat_answering_the_screen_before(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    question = chat.replies[-1]
    assert "Tiêu chí 2/12" in question.text and question.screen is not None
    with UnitOfWork(engine) as uow:
        user_id = uow.session.exec(select(User).where(User.code == "HT-HOASEN")).one().id
    assert user_id is not None
    dispatcher.mark_shown(user_id, question.screen)
    chat.send("12/10")
    assert "✔️ B1." in chat.text and "Tiêu chí 3/12" in chat.text
    lost = chat.last_event
    assert lost is not None
    receipts: list[Receipt] = []
    confirm = dispatcher.confirm_async

    async def recording(batch: Sequence[Receipt]) -> None:
        receipts.extend(batch)
        await confirm(batch)

    monkeypatch.setattr(dispatcher, "confirm_async", recording)
    sender = RefusesScreens()
    delivery: ReplyDelivery[None] = ReplyDelivery("test", dispatcher, sender)
    whole = await asyncio.wait_for(
        delivery.send(lost.event_id, chat.user_ref, chat.replies, 0, None, chat.handled.turn), timeout=30)
    await delivery.close()
    assert not whole and any("✔️ B1." in text for text in sender.sent)
    last = receipts[-1]
    assert chat.handled.turn is not None
    assert last.error is not None and last.settled and last.refused == chat.handled.turn
    chat.send("12/11")  # typed while B1 is still the question on the phone
    assert "✔️ B1." in chat.text and "Tiêu chí 3/12" in chat.text
    with UnitOfWork(engine) as uow:
        stored = {a.criterion_id: a.value for a in uow.session.exec(select(Answer))}
    assert stored == {"B1": {"issued": 12, "used": 11}}
