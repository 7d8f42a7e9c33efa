"""One transaction per use case: commit on success, roll back on any exception."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Integer, bindparam, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, SessionTransaction, with_loader_criteria
from sqlmodel import Session

from hsdt.storage.assessments import AssessmentRepository
from hsdt.storage.channels_repository import ChannelsRepository
from hsdt.storage.dashboard_repository import DashboardRepository
from hsdt.storage.inspection_repository import InspectionRepository
from hsdt.storage.locks import CHAT_LOCK
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
from hsdt.storage.tenancy import TenantOwned, current_tenant, scope_connection
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

    @property
    def tenant(self) -> int:
        return int(self.info["tenant_id"])


@event.listens_for(_Session, "after_begin")
def _scope_transaction(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    """The connection names the tenant for the column default; PostgreSQL's policies read the setting,
    which lives as long as the transaction."""
    scope_connection(connection, session.info["tenant_id"], then_lock=session.info.pop(CHAT_LOCK, None))


@event.listens_for(_Session, "do_orm_execute")
def _scope_query(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load or state.is_insert:
        return
    state.statement = state.statement.options(_CRITERIA)
    # The criteria's parameter, given with the statement's own (a new dict: the caller's is left alone).
    parameters = state.parameters
    if parameters is None or isinstance(parameters, dict):
        state.parameters = {**(parameters or {}), TENANT_PARAMETER: state.session.info["tenant_id"]}


TENANT_PARAMETER = "hsdt_tenant"
# The tenant is a bound parameter filled per execution, not a value the lambda closes over: a closed-over
# value is extracted again, for every entity, on every execution, which cost more than the query.
_TENANT = bindparam(TENANT_PARAMETER, type_=Integer())
_CRITERIA = with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == _TENANT, include_aliases=True,
                                 track_closure_variables=False)


def tenant_session(engine: Engine, tenant: int | None = None, *, expire_on_commit: bool = True) -> Session:
    """A session of one tenant (the one in scope when none is given) for code that keeps its own
    transactions instead of a unit of work's (the Zalo OA's tokens and inbox)."""
    chosen = current_tenant() if tenant is None else tenant
    return _Session(engine, expire_on_commit=expire_on_commit, info={"tenant_id": chosen})


class UnitOfWork:
    """One transaction of one tenant (`tenant`, else the one in scope: `hsdt.storage.tenancy`)."""

    def __init__(self, engine: Engine, tenant: int | None = None) -> None:
        self._engine = engine
        self.tenant = current_tenant() if tenant is None else tenant

    @property
    def engine(self) -> Engine:
        """For work done after the commit in transactions of its own (report files)."""
        return self._engine

    def __enter__(self) -> UnitOfWork:
        self.session: Session = _Session(self._engine, expire_on_commit=False, info={"tenant_id": self.tenant})
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
