"""How many SQL statements one answer costs: the work the database does per event is part of the
behaviour (it bounds the answers per second), so a change that adds a read shows up here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.unit_of_work import UnitOfWork
from tests.handlers.test_self_assessment import answers, principal

# One answer: the user with the active campaign, the unit's membership in it and whether the event was
# applied already; the conversation state; the submission row with the school's answers; then the answer,
# its audit row, the new state and the processed-event row with the replies. The same number on PostgreSQL:
# the event first takes its chat's advisory lock (workers apply a chat's events in turn) in the statement
# that names the transaction's tenant for the row-level security policies, and locks the submission row
# before reading the answers (which then come from after the wait): two statements more; it writes the
# answer with its audit row, and the new state with the processed-event row, in one statement each: two
# fewer.
ANSWER_BUDGET = 7
# Confirming a sent turn: the sent count, the stored replies, the screen the user now sees.
CONFIRM_BUDGET = 3


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements run on `engine` inside the block (transaction control left out)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def reads_of(table: str, seen: list[str]) -> int:
    return sum(1 for s in seen if s.startswith("SELECT") and (f" FROM {table} " in f"{s} " or f" JOIN {table} " in s))


def test_an_answer_runs_within_its_statement_budget(engine: Engine, dispatcher: Dispatcher,
                                                    codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.send("1,2,3")
    assert "Tiêu chí 2/12" in chat.text

    with statements(engine) as first:
        chat.send("12/10")
    assert "✔️ B1." in chat.text and "Tiêu chí 3/12" in chat.text
    assert answers(engine)["B1"] == {"issued": 12, "used": 10}
    assert len(first) <= ANSWER_BUDGET, "\n".join(first)
    assert reads_of("answer", first) == 1  # the school's answers are read once per event

    # Changing an answer (an update with its compare-and-set, not an insert) costs the same.
    chat.press("Quay lại")
    assert "Tiêu chí 2/12" in chat.text
    with statements(engine) as changed:
        chat.send("12/11")
    assert answers(engine)["B1"] == {"issued": 12, "used": 11}
    assert len(changed) <= ANSWER_BUDGET, "\n".join(changed)
    assert reads_of("answer", changed) == 1


def test_confirming_a_sent_turn_runs_within_its_statement_budget(engine: Engine, dispatcher: Dispatcher,
                                                                  codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    assert chat.last_event is not None and chat.replies[-1].screen
    with statements(engine) as seen:
        dispatcher.confirm([chat.receipt()])
    assert len(seen) <= CONFIRM_BUDGET, "\n".join(seen)
    with UnitOfWork(engine) as uow:
        stored = uow.events.stored("test", chat.last_event.event_id)
        identity = uow.identities.find("test", "p1")
        assert stored is not None and stored.settled and stored.sent == len(chat.replies)
        assert identity is not None
        assert uow.conversations.load_for_update(identity.user_id).shown_screen == chat.replies[-1].screen
