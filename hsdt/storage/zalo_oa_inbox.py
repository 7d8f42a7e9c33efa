"""The OA's received webhook events (`ZaloOAInbox`): recorded before the webhook answers, held by the
worker applying them, marked applied once the dispatcher has committed them.

Every change is one conditional statement, so two workers racing for an event cannot both take it:
the row count says who won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from hsdt.storage.tenancy import current_tenant
from hsdt.storage.unit_of_work import tenant_session
from hsdt.storage.zalo_oa_models import ZaloOAInbox

# A worker that took an event this many times and never applied it (each died on it) gives it up.
MAX_ATTEMPTS = 5


class Received(StrEnum):
    MINE = "mine"  # new, or left by a dead worker: this worker applies it
    APPLIED = "applied"  # applied already (a redelivery)
    HELD = "held"  # another live worker has it in hand


@dataclass(frozen=True)
class Taken:
    event_id: str
    user_id: str
    event: dict[str, Any]
    attempts: int


class OAInbox:
    def __init__(self, engine: Engine, oa_id: str, worker: str, grace: timedelta,
                 tenant: int | None = None) -> None:
        self.engine = engine
        self.tenant = current_tenant() if tenant is None else tenant
        self.oa_id = oa_id
        self.worker = worker[:40]
        self.grace = grace

    def _insert(self, session: Session) -> postgresql.Insert | sqlite.Insert:
        if session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(ZaloOAInbox)
        return sqlite.insert(ZaloOAInbox)

    def _takeable(self, now: datetime) -> Any:
        """Unapplied, and held by this worker or by one silent for longer than the grace period."""
        return ((col(ZaloOAInbox.oa_id) == self.oa_id) & col(ZaloOAInbox.applied_at).is_(None)
                & ((col(ZaloOAInbox.claimed_by) == self.worker) | (col(ZaloOAInbox.claimed_at) < now - self.grace)))

    def _take(self, session: Session, event_id: str, now: datetime) -> bool:
        taken = session.execute(
            update(ZaloOAInbox).where(self._takeable(now), col(ZaloOAInbox.event_id) == event_id)
            .values(claimed_by=self.worker, claimed_at=now, attempts=ZaloOAInbox.attempts + 1)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]

    def receive(self, event_id: str, user_id: str, event: dict[str, Any], now: datetime) -> Received:
        """Records the event as received and held by this worker; a copy already recorded is taken over
        only from a dead worker."""
        with tenant_session(self.engine, self.tenant) as session, session.begin():
            statement = self._insert(session).values(
                oa_id=self.oa_id, event_id=event_id, user_id=user_id, event=event, received_at=now,
                claimed_by=self.worker, claimed_at=now, applied_at=None, attempts=1)
            # RETURNING, not the row count: psycopg reports none (-1) for a skipped insert.
            inserted = session.execute(statement.on_conflict_do_nothing(index_elements=["oa_id", "event_id"])
                                       .returning(col(ZaloOAInbox.event_id))).first()
            if inserted is not None:
                return Received.MINE
            if self._take(session, event_id, now):
                return Received.MINE
            row = session.get(ZaloOAInbox, (self.oa_id, event_id))
            return Received.APPLIED if row is None or row.applied_at is not None else Received.HELD

    def take_abandoned(self, now: datetime, limit: int = 200) -> list[Taken]:
        """The unapplied events of dead workers, now held by this one, oldest first. One given up too
        often is marked applied instead (and logged by the caller from `attempts`)."""
        cutoff = now - self.grace
        with tenant_session(self.engine, self.tenant) as session, session.begin():
            rows = session.exec(
                select(ZaloOAInbox).where(col(ZaloOAInbox.oa_id) == self.oa_id, col(ZaloOAInbox.applied_at).is_(None),
                                          col(ZaloOAInbox.claimed_at) < cutoff)
                .order_by(col(ZaloOAInbox.received_at)).limit(limit)
            ).all()
            found = [(row.event_id, row.user_id, dict(row.event), row.attempts) for row in rows]
        taken: list[Taken] = []
        for event_id, user_id, event, attempts in found:
            with tenant_session(self.engine, self.tenant) as session, session.begin():
                if attempts >= MAX_ATTEMPTS:
                    self._mark(session, event_id, now)
                    taken.append(Taken(event_id, user_id, event, attempts))
                elif self._take(session, event_id, now):
                    taken.append(Taken(event_id, user_id, event, attempts + 1))
        return taken

    def _mark(self, session: Session, event_id: str, now: datetime) -> None:
        session.execute(update(ZaloOAInbox).where(col(ZaloOAInbox.oa_id) == self.oa_id,
                                                  col(ZaloOAInbox.event_id) == event_id,
                                                  col(ZaloOAInbox.applied_at).is_(None)).values(applied_at=now))

    def mark_applied(self, event_id: str, now: datetime) -> None:
        with tenant_session(self.engine, self.tenant) as session, session.begin():
            self._mark(session, event_id, now)

    def renew(self, event_ids: Sequence[str], now: datetime) -> None:
        """This worker still has these events in hand (queued or being handled): no one takes them over."""
        if not event_ids:
            return
        with tenant_session(self.engine, self.tenant) as session, session.begin():
            session.execute(update(ZaloOAInbox).where(
                col(ZaloOAInbox.oa_id) == self.oa_id, col(ZaloOAInbox.event_id).in_(list(event_ids)),
                col(ZaloOAInbox.claimed_by) == self.worker, col(ZaloOAInbox.applied_at).is_(None),
            ).values(claimed_at=now))

    def prune(self, before: datetime) -> int:
        """Applied events received before `before` (past the webhook's age limit, Zalo can no longer
        send them again; the dispatcher's record still knows them)."""
        with tenant_session(self.engine, self.tenant) as session, session.begin():
            gone = session.execute(delete(ZaloOAInbox).where(
                col(ZaloOAInbox.oa_id) == self.oa_id, col(ZaloOAInbox.applied_at).is_not(None),
                col(ZaloOAInbox.received_at) < before))
            return int(gone.rowcount)  # type: ignore[attr-defined]

    def unapplied(self) -> int:
        with tenant_session(self.engine, self.tenant) as session:
            return len(session.exec(select(ZaloOAInbox.event_id).where(
                col(ZaloOAInbox.oa_id) == self.oa_id, col(ZaloOAInbox.applied_at).is_(None))).all())
