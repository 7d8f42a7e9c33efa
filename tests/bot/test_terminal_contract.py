"""The terminal chat delivers through the same contract as every channel: it declares that it has no
buttons, so its screens say "gõ" (type) and never "bấm" (press), and it confirms what it printed, so its
turns settle in the reply ledger and the question on screen is the one a typed answer means."""

from __future__ import annotations

import io

from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.channels.terminal import TerminalChat
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import ConversationState, ProcessedEvent
from hsdt.storage.unit_of_work import UnitOfWork


async def _session(dispatcher: Dispatcher, *lines: str) -> str:
    out = io.StringIO()
    chat = TerminalChat(dispatcher, "ht-terminal")
    await chat.run(io.StringIO("\n".join([*lines, "/thoat"]) + "\n"), out)
    return out.getvalue()


async def test_the_terminal_says_type_never_press(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    out = await _session(dispatcher, codes["HT-HOASEN"], "/tudanhgia", "1", "7", "3/2", "b")
    assert "Tiêu chí 1/12" in out and "Tiêu chí 3/12" in out
    assert "bấm" not in out.lower(), [line for line in out.splitlines() if "bấm" in line.lower()]
    assert "Gõ số của từng phương án đúng" in out  # the multiple choice, worded for typing
    assert "(Gõ số của lựa chọn, ví dụ “1”.)" in out


async def test_the_terminal_confirms_what_it_printed(engine: Engine, dispatcher: Dispatcher,
                                                     codes: dict[str, str]) -> None:
    """Every turn printed is settled in the reply ledger, and the question on screen is the one on record."""
    out = await _session(dispatcher, codes["HT-HOASEN"], "/tudanhgia", "9", "3/2")
    assert "Tiêu chí 3/12" in out
    with UnitOfWork(engine) as uow:
        rows = list(uow.session.exec(select(ProcessedEvent).where(ProcessedEvent.channel == "terminal")).all())
        state = uow.session.exec(select(ConversationState)).one()
    assert len(rows) == 5  # /start, the code, /tudanhgia, "9", "3/2"
    assert all(row.settled_at is not None and row.sent == len(row.replies or []) for row in rows), [
        (row.sent, len(row.replies or []), row.settled_at) for row in rows]
    assert state.shown_screen is not None and state.shown_turn == state.version
    assert unsettled_count(engine) == 0


def unsettled_count(engine: Engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.events.unsettled_count()
