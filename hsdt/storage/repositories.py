"""Repositories: the queries the use cases need, one small class per aggregate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, cast, func, insert, literal, or_, update
from sqlalchemy import select as select_core
from sqlmodel import Session, SQLModel, col, select

from hsdt.storage.leases import OWNER, live
from hsdt.storage.models import (
    Answer,
    Campaign,
    CampaignUnit,
    ChatIdentity,
    ConversationState,
    Evidence,
    InviteCode,
    OutboxMessage,
    ProcessedEvent,
    RubricVersion,
    Submission,
    Unit,
    UnitLevel,
    User,
)
from hsdt.storage.row_models import RowModels
from hsdt.storage.types import utcnow
from hsdt.texts.levels import STRUCTURES, LevelName, Levels, Structure


class _Repo:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def tenant(self) -> int:
        """The unit of work's tenant, which Core statements on tenant tables name themselves (ORM
        queries get it added by the session: `hsdt.storage.unit_of_work`)."""
        return int(self.session.info["tenant_id"])


_CU = SQLModel.metadata.tables[CampaignUnit.__tablename__]
_CI = SQLModel.metadata.tables[ChatIdentity.__tablename__]
_PE = SQLModel.metadata.tables[ProcessedEvent.__tablename__]
# Built once: a statement made per call pays SQLAlchemy's construction and cache-key walk every time.
_IS_MEMBER = select_core(_CU.c.unit_id).where(_CU.c.campaign_id == bindparam("campaign_id"),
                                              _CU.c.unit_id == bindparam("unit_id"))

# The roster's order (STT), then the name for units imported before there was one.
ROSTER_ORDER = (case((col(Unit.position).is_(None), 1), else_=0), col(Unit.position), col(Unit.name))


class UnitRepository(_Repo):
    def get(self, unit_id: int) -> Unit | None:
        return self.session.get(Unit, unit_id)

    def by_code(self, code: str) -> Unit | None:
        return self.session.exec(select(Unit).where(Unit.code == code)).first()

    def children(self, unit_id: int) -> Sequence[Unit]:
        return self.session.exec(select(Unit).where(Unit.parent_id == unit_id).order_by(*ROSTER_ORDER)).all()

    def of_kind(self, kind: str, campaign_id: int | None = None) -> Sequence[Unit]:
        """Units of a kind in the roster's order; with `campaign_id`, only those taking part in it."""
        query = select(Unit).where(Unit.kind == kind)
        if campaign_id is not None:
            query = query.join(CampaignUnit, col(CampaignUnit.unit_id) == col(Unit.id)).where(
                CampaignUnit.campaign_id == campaign_id
            )
        return self.session.exec(query.order_by(*ROSTER_ORDER)).all()

    def member_ids(self, campaign_id: int) -> set[int]:
        return set(
            self.session.exec(select(CampaignUnit.unit_id).where(CampaignUnit.campaign_id == campaign_id)).all()
        )

    def is_member(self, campaign_id: int, unit_id: int) -> bool:
        """One unit's membership, without loading the campaign's whole roster (asked on every event)."""
        found = self.session.connection().execute(_IS_MEMBER, {"campaign_id": campaign_id, "unit_id": unit_id})
        return found.first() is not None

    def join_campaign(self, campaign_id: int, unit_ids: Iterable[int]) -> int:
        """Add units to a campaign (those already in it are left alone); returns how many were added."""
        new = set(unit_ids) - self.member_ids(campaign_id)
        for unit_id in sorted(new):
            self.session.add(CampaignUnit(campaign_id=campaign_id, unit_id=unit_id))
        self.session.flush()
        return len(new)

    def ancestors(self, unit: Unit) -> list[Unit]:
        chain: list[Unit] = []
        seen: set[int] = set()
        current = unit
        while current.parent_id is not None and current.parent_id not in seen:
            seen.add(current.parent_id)
            parent = self.session.get(Unit, current.parent_id)
            if parent is None:
                break
            chain.append(parent)
            current = parent
        return chain

    def add(self, unit: Unit) -> Unit:
        self.session.add(unit)
        self.session.flush()
        return unit


class UserRepository(_Repo):
    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_code(self, code: str) -> User | None:
        return self.session.exec(select(User).where(User.code == code)).first()

    def in_unit(self, unit_id: int, role: str | None = None) -> Sequence[User]:
        query = select(User).where(User.unit_id == unit_id, User.active == True)  # noqa: E712
        if role is not None:
            query = query.where(User.role == role)
        return self.session.exec(query.order_by(col(User.id))).all()

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user


_IDENTITY = select(ChatIdentity).where(
    ChatIdentity.channel == bindparam("channel"), ChatIdentity.external_id == bindparam("external_id")
)
_USER_BY_IDENTITY = (
    select(User, Unit)
    .join(ChatIdentity, col(ChatIdentity.user_id) == col(User.id))
    .join(Unit, col(Unit.id) == col(User.unit_id))
    .where(ChatIdentity.channel == bindparam("channel"), ChatIdentity.external_id == bindparam("external_id"))
)

_C = SQLModel.metadata.tables[Campaign.__tablename__]
_ACTIVE_CAMPAIGN_ID = (
    select_core(_C.c.id).where(_C.c.active == True, _C.c.tenant_id == bindparam("tenant_id"))  # noqa: E712
    .order_by(_C.c.id.desc()).limit(1)
    .scalar_subquery()
)
# Whether the user's unit takes part in the campaign of the row (asked by most features on every event).
_IN_CAMPAIGN = (
    select_core(_CU.c.unit_id)
    .where(_CU.c.campaign_id == col(Campaign.id), _CU.c.unit_id == col(User.unit_id))
    .exists()
)
# Who sent an event and the campaigns it may belong to, in one statement: both are read on every event.
# Several campaigns may be active at once: one row per active campaign the user's unit takes part in,
# or, when it takes part in none, one row with the newest active campaign (the features say it is not
# in it), or none at all.
# It names its tenant itself (read on every event, the session's general criteria cost more than the query).
# Every step is a primary-key lookup, whatever PostgreSQL knows of the tables: the chat identity of the
# tenant first, as a subquery, then the user by its id, then the user's unit by its id. Their tenant is
# checked on the rows read (`_sender`), not in the statement: given `tenant_id = ?` on those tables and
# no statistics yet (a roster just imported, before autovacuum analyses it), PostgreSQL's cached generic
# plan walked every user or unit of the Sở through the tenant's index on each event (4.5 ms instead of
# 0.2, measured).
_IDENTITY_USER_ID = (
    select_core(_CI.c.user_id)
    .where(_CI.c.tenant_id == bindparam("tenant_id"), _CI.c.channel == bindparam("channel"),
           _CI.c.external_id == bindparam("external_id"))
    .scalar_subquery()
)
# The sender's rows are read as Core rows and made into models here: on every event, the ORM's loading
# (its compile state, identity map and per-entity machinery) cost as much as the query itself (measured).
_USERS, _UNITS, _CAMPAIGNS = RowModels(User), RowModels(Unit), RowModels(Campaign)
_U = SQLModel.metadata.tables[User.__tablename__]
_UN = SQLModel.metadata.tables[Unit.__tablename__]
_USER_AND_CAMPAIGN = (
    select_core(*_USERS.columns, *_UNITS.columns, *_CAMPAIGNS.columns)
    .select_from(_U.join(_UN, _UN.c.id == _U.c.unit_id)
                 .outerjoin(_C, and_(_C.c.active == True,  # noqa: E712
                                     _C.c.tenant_id == bindparam("tenant_id"),
                                     or_(_IN_CAMPAIGN, _C.c.id == _ACTIVE_CAMPAIGN_ID))))
    .where(_U.c.id == _IDENTITY_USER_ID)
    .order_by(_C.c.id.desc())
)
_SENDER = _USER_AND_CAMPAIGN.add_columns(_IN_CAMPAIGN.label("in_campaign"))
# And whether the event being applied was applied already (its marker is stored): the duplicate check,
# in the same statement.
_MARKED = (
    select_core(_PE.c.event_id)
    .where(_PE.c.channel == bindparam("channel"), _PE.c.event_id == bindparam("event_id"),
           _PE.c.tenant_id == bindparam("tenant_id"))
    .exists()
    .label("marked")
)
_SENDER_AND_MARKER = _SENDER.add_columns(_MARKED)
_UNIT_AT = len(_USERS.columns)
_CAMPAIGN_AT = _UNIT_AT + len(_UNITS.columns)
_FLAGS_AT = _CAMPAIGN_AT + len(_CAMPAIGNS.columns)


@dataclass(frozen=True)
class Sender:
    """Who sent an event, the campaign it belongs to when that is plain, and whether their unit takes
    part in it. `campaigns`: every active campaign the unit takes part in, newest first; with more than
    one, `campaign` is None and the user's choice decides (`handlers/campaign_choice.py`).
    The models are not in the session (`RowModels`): read them, never add them to it."""

    user: User
    unit: Unit
    campaign: Campaign | None
    in_campaign: bool
    # The event asked about (`IdentityRepository.sender`'s event_id) has its processed-event marker.
    marked: bool = False
    campaigns: tuple[Campaign, ...] = ()


def _sender(rows: Sequence[Any], tenant: int) -> Sender | None:
    if not rows:
        return None
    first = rows[0]
    user = _USERS.build(first[:_UNIT_AT])
    unit = _UNITS.build(first[_UNIT_AT:_CAMPAIGN_AT])
    if user.tenant_id != tenant or unit.tenant_id != tenant:
        return None  # never so (an identity binds a user of its own tenant), but not taken on trust
    # One row per campaign (None: no active campaign at all, the outer join's empty side).
    campaigns = [_CAMPAIGNS.build(row[_CAMPAIGN_AT:_FLAGS_AT]) if row[_CAMPAIGN_AT + _CAMPAIGNS.id_at] is not None
                 else None for row in rows]
    members = tuple(campaign for campaign, row in zip(campaigns, rows, strict=True)
                    if campaign is not None and row[_FLAGS_AT])
    marked = bool(first[_FLAGS_AT + 1]) if len(first) > _FLAGS_AT + 1 else False
    if len(members) == 1:
        return Sender(user, unit, members[0], True, marked, members)
    if members:
        return Sender(user, unit, None, True, marked, members)
    # In no active campaign: the newest active one (if any), which the features refuse politely.
    return Sender(user, unit, campaigns[0], False, marked, ())


class IdentityRepository(_Repo):
    def find(self, channel: str, external_id: str) -> ChatIdentity | None:
        return self.session.exec(_IDENTITY, params={"channel": channel, "external_id": external_id}).first()

    def user_of(self, channel: str, external_id: str) -> tuple[User, Unit] | None:
        row = self.session.exec(_USER_BY_IDENTITY, params={"channel": channel, "external_id": external_id}).first()
        return (row[0], row[1]) if row is not None else None

    def user_and_campaign(self, channel: str, external_id: str) -> tuple[User, Unit, Campaign | None] | None:
        """`user_of` and the campaign of the user's events when that is plain (see `Sender`)."""
        found = self.sender(channel, external_id)
        return (found.user, found.unit, found.campaign) if found is not None else None

    def sender(self, channel: str, external_id: str, event_id: str | None = None) -> Sender | None:
        """The user, their campaigns and `UnitRepository.is_member` in one statement: all are read on every
        event. With `event_id`, also whether that event of the channel was applied (`Sender.marked`)."""
        params = {"channel": channel, "external_id": external_id, "tenant_id": self.tenant}
        if event_id is None:
            return _sender(self.session.connection().execute(_SENDER, params).all(), self.tenant)
        rows = self.session.connection().execute(_SENDER_AND_MARKER, {**params, "event_id": event_id}).all()
        return _sender(rows, self.tenant)

    def bind(self, channel: str, external_id: str, user_id: int, display_name: str | None) -> ChatIdentity:
        identity = self.find(channel, external_id)
        if identity is None:
            identity = ChatIdentity(
                channel=channel, external_id=external_id, user_id=user_id, display_name=display_name
            )
        else:
            identity.user_id = user_id
            identity.display_name = display_name
        self.session.add(identity)
        self.session.flush()
        return identity

    def of_user(self, user_id: int) -> Sequence[ChatIdentity]:
        return self.session.exec(select(ChatIdentity).where(ChatIdentity.user_id == user_id)).all()


class InviteRepository(_Repo):
    def get(self, code: str) -> InviteCode | None:
        return self.session.get(InviteCode, code)

    def add(self, invite: InviteCode) -> InviteCode:
        self.session.add(invite)
        self.session.flush()
        return invite

    def open_for_user(self, user_id: int, now: datetime) -> InviteCode | None:
        return self.session.exec(
            select(InviteCode).where(
                InviteCode.user_id == user_id,
                col(InviteCode.used_at).is_(None),
                InviteCode.expires_at > now,
            )
        ).first()


_ACTIVE_CAMPAIGN = select(Campaign).where(Campaign.active == True).order_by(col(Campaign.id).desc())  # noqa: E712


class CampaignRepository(_Repo):
    def active(self) -> Campaign | None:
        """The newest active campaign (several may be active at once: see `active_all`)."""
        return self.session.exec(_ACTIVE_CAMPAIGN).first()

    def active_all(self) -> Sequence[Campaign]:
        """Every active campaign, oldest first: each has its own schools, rubric and calendar."""
        return self.session.exec(
            select(Campaign).where(Campaign.active == True).order_by(col(Campaign.id))  # noqa: E712
        ).all()

    def active_of_unit(self, unit_id: int) -> Sequence[Campaign]:
        """The active campaigns a unit takes part in, newest first (as `Sender.campaigns`)."""
        return self.session.exec(
            select(Campaign).join(CampaignUnit, col(CampaignUnit.campaign_id) == col(Campaign.id))
            .where(Campaign.active == True, CampaignUnit.unit_id == unit_id)  # noqa: E712
            .order_by(col(Campaign.id).desc())
        ).all()

    def get(self, campaign_id: int) -> Campaign | None:
        return self.session.get(Campaign, campaign_id)

    def by_code(self, code: str) -> Campaign | None:
        return self.session.exec(select(Campaign).where(Campaign.code == code)).first()

    def all(self) -> Sequence[Campaign]:
        return self.session.exec(select(Campaign).order_by(col(Campaign.id))).all()

    def activate(self, campaign: Campaign) -> Campaign:
        """Make `campaign` active. Others stay as they are: several campaigns run side by side, and each
        is paused or closed on its own."""
        campaign.active = True
        campaign.closed_at = None
        self.session.add(campaign)
        self.session.flush()
        return campaign

    def add(self, campaign: Campaign) -> Campaign:
        self.session.add(campaign)
        self.session.flush()
        return campaign

    def rubric_version(self, version_id: int) -> RubricVersion | None:
        return self.session.get(RubricVersion, version_id)

    def rubric_by_sha(self, sha256: str) -> RubricVersion | None:
        return self.session.exec(select(RubricVersion).where(RubricVersion.sha256 == sha256)).first()

    def add_rubric(self, rubric: RubricVersion) -> RubricVersion:
        self.session.add(rubric)
        self.session.flush()
        return rubric


class LevelRepository(_Repo):
    """The level names of a campaign: the one call messages and headers use to name a level."""

    def of_campaign(self, campaign_id: int | None) -> Levels:
        if campaign_id is None:
            return STRUCTURES[Structure.COMMUNE]
        rows = self.session.exec(select(UnitLevel).where(UnitLevel.campaign_id == campaign_id)).all()
        if not rows:
            return STRUCTURES[Structure.COMMUNE]
        return Levels({row.kind: LevelName(row.singular, row.plural, row.short, row.staff) for row in rows})

    def of_active(self) -> Levels:
        campaign = self.session.exec(_ACTIVE_CAMPAIGN).first()
        return self.of_campaign(campaign.id if campaign is not None else None)

    def put(self, campaign_id: int, levels: Levels) -> None:
        """Replace the campaign's level names."""
        for row in self.session.exec(select(UnitLevel).where(UnitLevel.campaign_id == campaign_id)).all():
            self.session.delete(row)
        self.session.flush()
        for kind, name in levels.names.items():
            self.session.add(UnitLevel(campaign_id=campaign_id, kind=kind, singular=name.singular,
                                       plural=name.plural, short=name.short, staff=name.staff))
        self.session.flush()


_ANSWERS_OF_SCHOOL = select(Answer).where(
    Answer.campaign_id == bindparam("campaign_id"),
    Answer.school_id == bindparam("school_id"),
    Answer.kind == bindparam("kind"),
)


class AnswerRepository(_Repo):
    """Reading stored answers (the dashboard's school page, the CLI). Only the assessment writes them
    (`AssessmentRepository.save`), which drops this memo of the school it changed."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # On the session, so every repository of this unit of work sees the same answers.
        self._memo: dict[tuple[int, int, str], dict[str, Answer]] = session.info.setdefault("answers_memo", {})

    def for_school(self, campaign_id: int, school_id: int, kind: str = "self") -> dict[str, Answer]:
        key = (campaign_id, school_id, kind)
        cached = self._memo.get(key)
        if cached is None:
            rows = self.session.exec(
                _ANSWERS_OF_SCHOOL, params={"campaign_id": campaign_id, "school_id": school_id, "kind": kind}
            ).all()
            cached = self._memo[key] = {row.criterion_id: row for row in rows}
        return dict(cached)

    def get(self, campaign_id: int, school_id: int, criterion_id: str, kind: str = "self") -> Answer | None:
        return self.for_school(campaign_id, school_id, kind).get(criterion_id)


_SUBMISSION = select(Submission).where(
    Submission.campaign_id == bindparam("campaign_id"),
    Submission.school_id == bindparam("school_id"),
    Submission.kind == bindparam("kind"),
)


class SubmissionRepository(_Repo):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._memo: dict[tuple[int, int, str], Submission | None] = {}

    def get(self, campaign_id: int, school_id: int, kind: str = "self") -> Submission | None:
        key = (campaign_id, school_id, kind)
        if key not in self._memo:
            self._memo[key] = self.session.exec(
                _SUBMISSION, params={"campaign_id": campaign_id, "school_id": school_id, "kind": kind}
            ).first()
        return self._memo[key]


# Built once: asked whenever an evidence question is drawn.
_EVIDENCE_OF_CRITERION = select(Evidence).where(
    Evidence.campaign_id == bindparam("campaign_id"),
    Evidence.school_id == bindparam("school_id"),
    Evidence.kind == bindparam("kind"),
    Evidence.criterion_id == bindparam("criterion_id"),
).order_by(col(Evidence.id))


class EvidenceRepository(_Repo):
    def all(self) -> Sequence[Evidence]:
        return self.session.exec(select(Evidence).order_by(col(Evidence.id))).all()

    def set_verdict(self, evidence: Evidence, status: str, verdict: dict[str, Any]) -> None:
        """A new verdict for stored evidence (after the trust roots changed)."""
        evidence.status = status
        evidence.verdict = dict(verdict)
        self.session.add(evidence)

    def add(self, evidence: Evidence) -> Evidence:
        self.session.add(evidence)
        self.session.flush()
        return evidence

    def remove(self, evidence_id: int, campaign_id: int, school_id: int, criterion_id: str,
               kind: str) -> Evidence | None:
        """Drop one file from a criterion's evidence (the content-addressed file stays on disk)."""
        found = self.session.get(Evidence, evidence_id)
        if found is None or (found.campaign_id, found.school_id, found.criterion_id, found.kind) != (
            campaign_id, school_id, criterion_id, kind
        ):
            return None
        self.session.delete(found)
        self.session.flush()
        return found

    def for_criterion(
        self, campaign_id: int, school_id: int, criterion_id: str, kind: str = "self"
    ) -> Sequence[Evidence]:
        return self.session.exec(_EVIDENCE_OF_CRITERION, params={
            "campaign_id": campaign_id, "school_id": school_id, "kind": kind, "criterion_id": criterion_id}).all()


_STATE = SQLModel.metadata.tables[ConversationState.__tablename__]
_STATE_FOR_UPDATE = (
    select_core(_STATE.c.flow, _STATE.c.data, _STATE.c.version, _STATE.c.shown_screen, _STATE.c.shown_ref,
                _STATE.c.last_event_stream, _STATE.c.last_event_seq, _STATE.c.shown_turn,
                _STATE.c.pending_screen, _STATE.c.pending_turn)
    .where(_STATE.c.user_id == bindparam("user_id"))
    .with_for_update()
)
_STATE_INSERT = insert(_STATE)
_STATE_UPDATE = (
    update(_STATE)
    .where(_STATE.c.user_id == bindparam("b_user_id"))
    .values(flow=bindparam("flow"), data=bindparam("data"), version=bindparam("version"),
            updated_at=bindparam("updated_at"), last_event_stream=bindparam("last_event_stream"),
            last_event_seq=bindparam("last_event_seq"), pending_screen=bindparam("pending_screen"),
            pending_turn=bindparam("pending_turn"))
)

# Never back to an older turn's screen; a screen sent outside a turn (no turn) is always the newest.
_TURN = cast(bindparam("b_turn", type_=Integer), Integer)  # typed, so PostgreSQL can read "IS NULL"
_NOT_OLDER = or_(_STATE.c.shown_turn.is_(None), _TURN.is_(None), _STATE.c.shown_turn <= _TURN)
# A screen sent outside a turn is newer than any turn's screen not yet confirmed, too.
_SHOWN_VALUES = {"shown_screen": bindparam("shown_screen"), "shown_ref": bindparam("shown_ref"),
                 "shown_turn": func.coalesce(_TURN, _STATE.c.shown_turn),
                 "pending_screen": case((_TURN.is_(None), None), else_=_STATE.c.pending_screen),
                 "pending_turn": case((_TURN.is_(None), None), else_=_STATE.c.pending_turn)}
_MARK_SHOWN = update(_STATE).where(_STATE.c.user_id == bindparam("b_user_id"), _NOT_OLDER).values(_SHOWN_VALUES)
_MARK_SHOWN_TO = update(_STATE).where(_STATE.c.user_id == (
    select_core(_CI.c.user_id)
    .where(_CI.c.channel == bindparam("b_channel"), _CI.c.external_id == bindparam("b_external_id"),
           _CI.c.tenant_id == bindparam("b_tenant"))
    .scalar_subquery()), _NOT_OLDER).values(_SHOWN_VALUES)
# A turn whose screen the platform refused for good: the user still sees the screen before it.
_DROP_PENDING = update(_STATE).where(_STATE.c.user_id == (
    select_core(_CI.c.user_id)
    .where(_CI.c.channel == bindparam("b_channel"), _CI.c.external_id == bindparam("b_external_id"),
           _CI.c.tenant_id == bindparam("b_tenant"))
    .scalar_subquery()), _STATE.c.pending_turn == bindparam("b_turn")).values(pending_screen=None, pending_turn=None)


@dataclass
class StoredState:
    """A user's conversation state row, as read at the start of an event."""

    user_id: int
    flow: str
    data: dict[str, Any]
    version: int
    shown_screen: str | None
    new: bool = False
    shown_ref: str | None = None
    # The last applied event's stream and position (`Incoming.stream`, `Incoming.sequence`).
    last_stream: str | None = None
    last_seq: int | None = None
    shown_turn: int | None = None
    pending_screen: str | None = None
    pending_turn: int | None = None

    @property
    def on_screen(self) -> str | None:
        """The screen the user's next message answers: the last committed turn's, unless a newer one
        is confirmed shown (or that turn's screen was refused for good and dropped)."""
        if self.pending_turn is not None and (self.shown_turn is None or self.pending_turn > self.shown_turn):
            return self.pending_screen
        return self.shown_screen

    def put_up(self, screen: str | None) -> None:
        """The turn being saved shows `screen` (None: it shows none, the screen on record stays)."""
        if screen is not None:
            self.pending_screen, self.pending_turn = screen, self.version + 1

    def is_stale(self, stream: str, sequence: int | None) -> bool:
        """An event older than the last one applied from the same stream (it arrived late)."""
        return (sequence is not None and stream[:40] == self.last_stream and self.last_seq is not None
                and sequence < self.last_seq)

    def applied(self, stream: str, sequence: int | None) -> None:
        if sequence is not None and stream:
            self.last_stream, self.last_seq = stream[:40], sequence


@dataclass(frozen=True)
class StateWrite:
    """A conversation state's next version, as its statement's values (`ConversationRepository.stage`)."""

    user_id: int
    new: bool  # no row yet: an insert
    values: dict[str, Any]

    def update_parameters(self) -> dict[str, Any]:
        return {"b_user_id": self.user_id, **self.values}


class ConversationRepository(_Repo):
    """Plain Core statements: the state is read and written on every event."""

    def load_for_update(self, user_id: int) -> StoredState:
        """Row-locks the state on PostgreSQL so two workers cannot interleave one user's events."""
        row = self.session.connection().execute(_STATE_FOR_UPDATE, {"user_id": user_id}).first()
        if row is None:
            return StoredState(user_id, "idle", {}, 0, None, new=True)
        return StoredState(user_id, row.flow, row.data, row.version, row.shown_screen, shown_ref=row.shown_ref,
                           last_stream=row.last_event_stream, last_seq=row.last_event_seq,
                           shown_turn=row.shown_turn, pending_screen=row.pending_screen,
                           pending_turn=row.pending_turn)

    def stage(self, state: StoredState, flow: str, data: dict[str, Any], now: datetime) -> StateWrite:
        """The state's next version, to be written with the event's marker (`EventRepository.record`); `state`
        already shows it."""
        staged = StateWrite(state.user_id, state.new, {
            "flow": flow, "data": data, "version": state.version + 1, "updated_at": now,
            "last_event_stream": state.last_stream, "last_event_seq": state.last_seq,
            "pending_screen": state.pending_screen, "pending_turn": state.pending_turn})
        state.new = False
        state.flow, state.data, state.version = flow, data, state.version + 1
        return staged

    def write(self, staged: StateWrite) -> None:
        if staged.new:
            self.session.connection().execute(_STATE_INSERT, {"user_id": staged.user_id, **staged.values})
        else:
            self.session.connection().execute(_STATE_UPDATE, staged.update_parameters())

    def mark_shown(self, user_id: int, screen: str, ref: str | None = None, turn: int | None = None) -> None:
        """The user was shown `screen` (in the message `ref`), sent by the turn that left the conversation
        at version `turn`; ignored when a newer turn's screen is already on record."""
        self.session.connection().execute(_MARK_SHOWN, {"b_user_id": user_id, "shown_screen": screen,
                                                        "shown_ref": ref, "b_turn": turn})

    def drop_pending_to(self, channel: str, external_id: str, turn: int) -> None:
        """The screen of turn `turn` never reached the chat (refused for good): it is not on screen."""
        self.session.connection().execute(
            _DROP_PENDING, {"b_channel": channel, "b_external_id": external_id, "b_turn": turn,
                            "b_tenant": self.tenant})

    def mark_shown_to(self, channel: str, external_id: str, screen: str, ref: str | None = None,
                      turn: int | None = None) -> None:
        """`mark_shown` for the user behind a chat identity (none: nothing to mark)."""
        self.session.connection().execute(
            _MARK_SHOWN_TO, {"b_channel": channel, "b_external_id": external_id, "shown_screen": screen,
                             "shown_ref": ref, "b_turn": turn, "b_tenant": self.tenant})

    def mark_shown_to_all(self, rows: Sequence[tuple[str, str, str, str | None, int | None]]) -> None:
        """`mark_shown_to` for each (channel, external_id, screen, ref, turn), in the order given, as one
        statement executed for every row."""
        if not rows:
            return
        self.session.connection().execute(_MARK_SHOWN_TO, [
            {"b_channel": channel, "b_external_id": external_id, "shown_screen": screen, "shown_ref": ref,
             "b_turn": turn, "b_tenant": self.tenant}
            for channel, external_id, screen, ref, turn in rows])


@dataclass(frozen=True)
class StoredEvent:
    event_id: str
    user_ref: str | None
    replies: list[dict[str, Any]]
    sent: int
    settled: bool


_STORED = select_core(_PE.c.event_id, _PE.c.user_ref, _PE.c.replies, _PE.c.sent, _PE.c.settled_at)
# Built once: a statement made per call pays SQLAlchemy's cache-key walk (and the ORM's bulk-insert
# path) on every event, more than the query itself costs.
_STORED_ONE = _STORED.where(_PE.c.channel == bindparam("channel"), _PE.c.event_id == bindparam("event_id"),
                            _PE.c.tenant_id == bindparam("tenant_id"))
_RECORD = insert(_PE)
_RECORD_COLUMNS = ("channel", "event_id", "processed_at", "user_ref", "replies", "sent", "settled_at", "owner",
                   "turn")
# PostgreSQL: the conversation's new state and the event's marker in one statement (a data-modifying WITH
# runs whether or not the statement reads it). The tenant is a parameter: SQLAlchemy applies no column
# default to an insert that carries a data-modifying WITH. The marker's parameters are prefixed: a parameter
# named like a column of the state's table would be set on the state too.
_RECORD_AFTER_STATE = (
    insert(_PE).values({name: bindparam(f"marker_{name}", type_=_PE.c[name].type)
                        for name in ("tenant_id", *_RECORD_COLUMNS)})
    .add_cte(_STATE_UPDATE.cte("state"))
)
# The columns set are the parameters given besides the b_ ones (sent, and settled_at, last_error if known).
_CONFIRM = update(_PE).where(_PE.c.channel == bindparam("b_channel"), _PE.c.event_id == bindparam("b_event_id"),
                             _PE.c.tenant_id == bindparam("b_tenant"), _PE.c.sent <= bindparam("b_sent"))
# `confirm` for many events as one statement run for each (the same parameters for all: a settled time or
# an error not given keeps the stored one, as `_CONFIRM` without them does).
_CONFIRM_ALL = _CONFIRM.values(
    sent=bindparam("b_sent"),
    settled_at=func.coalesce(bindparam("b_settled_at", type_=_PE.c.settled_at.type), _PE.c.settled_at),
    last_error=func.coalesce(bindparam("b_last_error", type_=_PE.c.last_error.type), _PE.c.last_error))


class EventRepository(_Repo):
    def seen(self, channel: str, event_id: str) -> bool:
        return self.stored(channel, event_id) is not None

    def stored(self, channel: str, event_id: str) -> StoredEvent | None:
        row = self.session.connection().execute(
            _STORED_ONE, {"channel": channel, "event_id": event_id, "tenant_id": self.tenant}).first()
        return None if row is None else StoredEvent(row[0], row[1], row[2] or [], row[3], row[4] is not None)

    def owner_of(self, channel: str, event_id: str) -> str | None:
        """The worker that sends the event's turn (None: a process outside the fleet, or no such event)."""
        return self.session.connection().execute(
            select_core(_PE.c.owner).where(_PE.c.channel == channel, _PE.c.event_id == event_id,
                                           _PE.c.tenant_id == self.tenant)).scalar()

    def record(self, channel: str, event_id: str, user_ref: str, replies: list[dict[str, Any]],
               now: datetime, turn: int | None = None, state: StateWrite | None = None) -> None:
        """The event's marker with its replies, in the event's transaction, and the conversation's `state`
        staged by the event. A racing duplicate in another transaction fails here or at commit (primary
        key), rolling back its effects."""
        params = {"channel": channel, "event_id": event_id, "processed_at": now, "user_ref": user_ref[:64],
                  "replies": replies, "sent": 0, "settled_at": now if not replies else None, "owner": OWNER.get(),
                  "turn": turn}
        conn = self.session.connection()
        if state is not None and not state.new and conn.dialect.name == "postgresql":
            conn.execute(_RECORD_AFTER_STATE, {**{f"marker_{name}": value for name, value in params.items()},
                                               "marker_tenant_id": self.tenant, **state.update_parameters()})
            return
        if state is not None:
            ConversationRepository(self.session).write(state)
        conn.execute(_RECORD, params)

    def mark(self, channel: str, event_id: str) -> None:
        now = utcnow()
        self.session.connection().execute(_RECORD, {
            "channel": channel, "event_id": event_id, "processed_at": now, "sent": 0, "settled_at": now})

    def confirm(self, channel: str, event_id: str, sent: int, settled_at: datetime | None,
                error: str | None) -> None:
        values: dict[str, Any] = {"b_channel": channel, "b_event_id": event_id, "b_sent": sent, "sent": sent,
                                  "b_tenant": self.tenant}
        if settled_at is not None:
            values["settled_at"] = settled_at
        if error is not None:
            values["last_error"] = error[:300]
        self.session.connection().execute(_CONFIRM, values)

    def confirm_all(self, rows: Sequence[tuple[str, str, int, datetime | None, str | None]]) -> None:
        """`confirm` for each (channel, event_id, sent, settled_at, error), in the order given (rows are
        locked in that order), as one statement executed for every row: SQLAlchemy's cost per statement,
        more than the update's own, is paid once for the batch."""
        if not rows:
            return
        self.session.connection().execute(_CONFIRM_ALL, [
            {"b_channel": channel, "b_event_id": event_id, "b_sent": sent, "b_settled_at": settled_at,
             "b_last_error": error[:300] if error is not None else None, "b_tenant": self.tenant}
            for channel, event_id, sent, settled_at, error in rows])

    def unsettled(self, channel: str, limit: int, scope: str | None = None,
                  before: datetime | None = None) -> list[StoredEvent]:
        """Committed replies not confirmed sent. `scope`: only one bot's events (its namespace) and
        the upload page's, which any bot of the channel may send; `before`: committed before then."""
        query = _STORED.where(_PE.c.channel == channel, _PE.c.tenant_id == self.tenant, _PE.c.settled_at.is_(None))
        if scope is not None:
            query = query.where(or_(_PE.c.event_id.like(f"{scope}:%"), _PE.c.event_id.like("web:%")))
        if before is not None:
            query = query.where(_PE.c.processed_at < before)
        rows = self.session.execute(query.order_by(_PE.c.processed_at, _PE.c.event_id).limit(limit)).all()
        return [StoredEvent(r[0], r[1], r[2] or [], r[3], False) for r in rows]

    def take_orphaned(self, channel: str, owner: str, limit: int, scope: str | None = None, *,
                      alone: bool = False, event_id: str | None = None) -> list[StoredEvent]:
        """Unsent turns no live worker sends, now `owner`'s to send, oldest first: their worker's lease
        expired or was released, or they were committed outside the fleet. `alone` (one process on
        the database): every turn not already `owner`'s. `event_id`: only that one. Rows another
        worker is taking right now are skipped, so a turn is taken once."""
        conn = self.session.connection()
        query = select_core(*_STORED.selected_columns, _PE.c.processed_at).where(
            _PE.c.channel == channel, _PE.c.tenant_id == self.tenant, _PE.c.settled_at.is_(None))
        if scope is not None:
            query = query.where(or_(_PE.c.event_id.like(f"{scope}:%"), _PE.c.event_id.like("web:%")))
        if event_id is not None:
            query = query.where(_PE.c.event_id == event_id)
        if alone:
            query = query.where(or_(_PE.c.owner.is_(None), _PE.c.owner != owner))
        else:
            query = query.where(or_(_PE.c.owner.is_(None), ~live(conn, _PE.c.owner)))
        rows = conn.execute(query.order_by(_PE.c.processed_at, _PE.c.event_id).limit(limit)
                            .with_for_update(skip_locked=True, of=_PE)).all()
        if rows:
            conn.execute(update(_PE).where(_PE.c.channel == channel, _PE.c.tenant_id == self.tenant,
                                           _PE.c.event_id.in_([r[0] for r in rows]))
                         .values(owner=owner))
        return [StoredEvent(r[0], r[1], r[2] or [], r[3], False) for r in rows]

    def earlier_unsent(self, channel: str, event_id: str, owner: str) -> bool:
        """An earlier turn of the same chat is still being sent by another live worker."""
        conn = self.session.connection()
        mine = _PE.alias("mine")
        query = (select_core(literal(1)).select_from(_PE).join(mine, and_(
            mine.c.channel == channel, mine.c.event_id == event_id, mine.c.tenant_id == self.tenant,
            mine.c.turn.is_not(None), _PE.c.tenant_id == mine.c.tenant_id,
            _PE.c.user_ref == mine.c.user_ref))
            .where(_PE.c.channel == channel, _PE.c.settled_at.is_(None), _PE.c.turn < mine.c.turn,
                   _PE.c.owner.is_not(None), _PE.c.owner != owner, live(conn, _PE.c.owner))
            .limit(1))
        return conn.execute(query).first() is not None

    def last_screen(self, channel: str, user_ref: str, within: int = 20) -> dict[str, Any] | None:
        """The last screen reply stored for the chat (among its `within` latest turns)."""
        rows = self.session.connection().execute(
            select_core(_PE.c.replies).where(_PE.c.channel == channel, _PE.c.user_ref == user_ref[:64],
                                             _PE.c.tenant_id == self.tenant)
            .order_by(_PE.c.processed_at.desc()).limit(within)).all()
        for (replies,) in rows:
            for record in reversed(replies or []):
                if record.get("screen"):
                    return dict(record)
        return None

    def unsettled_count(self) -> int:
        """Turns committed whose replies are not all confirmed sent, every channel of the tenant (a metric)."""
        count = self.session.execute(
            select_core(func.count()).select_from(_PE).where(_PE.c.settled_at.is_(None),
                                                             _PE.c.tenant_id == self.tenant)).scalar()
        return int(count or 0)

    def adopt_legacy(self, channel: str, scope: str) -> int:
        """Ids stored before events were namespaced by bot (a bare update id, a Zalo message id or
        content hash) move into `scope`, so a late redelivery of one is still recognised."""
        legacy = or_(~_PE.c.event_id.like("%:%"), _PE.c.event_id.like("h:%"))
        result = self.session.execute(
            update(_PE).where(_PE.c.channel == channel, _PE.c.tenant_id == self.tenant, legacy)
            .values(event_id=func.substr(literal(f"{scope}:") + _PE.c.event_id, 1, 64))
            .execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class OutboxRepository(_Repo):
    def enqueue(
        self,
        user_id: int,
        replies: list[dict[str, Any]],
        *,
        kind: str,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> OutboxMessage | None:
        """Queue a message; returns None when `dedupe_key` was already queued (never twice)."""
        if dedupe_key is not None and self.by_key(dedupe_key) is not None:
            return None
        message = OutboxMessage(user_id=user_id, kind=kind, dedupe_key=dedupe_key, replies=replies)
        if not_before is not None:
            message.not_before = not_before
        self.session.add(message)
        self.session.flush()
        return message

    def by_key(self, dedupe_key: str) -> OutboxMessage | None:
        return self.session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).first()

    def pending(self, now: datetime, limit: int = 100, *, after_id: int = 0) -> Sequence[OutboxMessage]:
        """Due rows, oldest first; `after_id` pages through them."""
        return self.session.exec(
            select(OutboxMessage)
            .where(
                col(OutboxMessage.sent_at).is_(None),
                col(OutboxMessage.failed_at).is_(None),
                OutboxMessage.not_before <= now,
                col(OutboxMessage.id) > after_id,
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        ).all()


    def depth(self, now: datetime) -> int:
        """Rows due and neither sent nor given up (a metric)."""
        count = self.session.execute(
            select_core(func.count()).select_from(OutboxMessage).where(
                col(OutboxMessage.sent_at).is_(None),
                col(OutboxMessage.failed_at).is_(None),
                col(OutboxMessage.not_before) <= now,
            )).scalar()
        return int(count or 0)


def ids(rows: Iterable[Any]) -> list[int]:
    return [row.id for row in rows]
