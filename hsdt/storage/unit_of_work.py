"""One transaction per use case: commit on success, roll back on any exception."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from hsdt.storage.assessments import AssessmentRepository
from hsdt.storage.channels_repository import ChannelsRepository
from hsdt.storage.dashboard_repository import DashboardRepository
from hsdt.storage.inspection_repository import InspectionRepository
from hsdt.storage.reminder_repository import ReminderRepository
from hsdt.storage.repositories import (
    AnswerRepository,
    CampaignRepository,
    ConversationRepository,
    EventRepository,
    EvidenceRepository,
    IdentityRepository,
    InviteRepository,
    LevelRepository,
    OutboxRepository,
    SubmissionRepository,
    UnitRepository,
    UserRepository,
)
from hsdt.storage.usage_repository import UsageRepository
from hsdt.storage.zalo_oa_repository import ZaloOARepository


class _Session(Session):
    """A session that hands out its transaction's connection without the ORM's bookkeeping each time.

    The repositories run most statements of an event as Core on `session.connection()` (a dozen per
    answer); resolving the bind and the transaction state for each costs more than the statement's
    own Python work. The connection is kept while it stays open: the session closes it when its
    transaction ends (commit, rollback), and the next call then asks the session again.
    """

    _current: Connection | None = None

    def connection(self, bind_arguments: Any = None, execution_options: Any = None) -> Connection:
        if bind_arguments is not None or execution_options is not None:
            return super().connection(bind_arguments, execution_options)
        current = self._current
        if current is None or current.closed or not current.in_transaction():
            current = self._current = super().connection()
        return current


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """For work done after the commit in transactions of its own (report files)."""
        return self._engine

    def __enter__(self) -> UnitOfWork:
        self.session: Session = _Session(self._engine, expire_on_commit=False)
        self.units = UnitRepository(self.session)
        self.users = UserRepository(self.session)
        self.identities = IdentityRepository(self.session)
        self.invites = InviteRepository(self.session)
        self.campaigns = CampaignRepository(self.session)
        self.levels = LevelRepository(self.session)
        self.answers = AnswerRepository(self.session)
        self.submissions = SubmissionRepository(self.session)
        self.assessments = AssessmentRepository(self.session)
        self.evidence = EvidenceRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.events = EventRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        # Feature repositories (one line per feature, below)
        self.reminders = ReminderRepository(self.session)
        self.inspection = InspectionRepository(self.session)
        self.channels = ChannelsRepository(self.session)
        self.dashboard = DashboardRepository(self.session)
        self.usage = UsageRepository(self.session)
        self.zalo_oa = ZaloOARepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def flush(self) -> None:
        self.session.flush()
