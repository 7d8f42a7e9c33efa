"""Loads a school's `Assessment` under a row lock and saves what the event changed, in its transaction.

The lock is the submission row (`SELECT ... FOR UPDATE` on PostgreSQL; created first if missing), so
two members of one school, or two inspectors of one team, apply their events one after the other:
an answer can never commit after a concurrent submit, and the stored total always matches the
stored answers. SQLite needs no row lock: its transactions start with `BEGIN IMMEDIATE`.
Plain SQLAlchemy Core on this path: it runs on every answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Row, and_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert, Update
from sqlmodel import Session, SQLModel

from hsdt.scoring.assessment import Assessment, AssessmentKind, AssessmentStatus, StoredAnswer
from hsdt.scoring.rubric import Rubric
from hsdt.scoring.values import read_stored
from hsdt.storage.models import Answer, AnswerAudit, Submission
from hsdt.storage.tenancy import OPTION

_S = SQLModel.metadata.tables[Submission.__tablename__]
_A = SQLModel.metadata.tables[Answer.__tablename__]
_AUDIT = SQLModel.metadata.tables[AnswerAudit.__tablename__]

_SCOPE_S = and_(_S.c.campaign_id == bindparam("campaign_id"), _S.c.school_id == bindparam("school_id"),
                _S.c.kind == bindparam("kind"))
_ANSWERS = select(_A.c.criterion_id, _A.c.value, _A.c.points, _A.c.answered_by, _A.c.answered_at,
                  _A.c.version).where(
    _A.c.campaign_id == bindparam("campaign_id"), _A.c.school_id == bindparam("school_id"),
    _A.c.kind == bindparam("kind"))
# The submission row (locked) and the school's answers in one statement, one row per answer (a single
# row of NULL answer columns when there is none): the assessment is loaded on every answer.
_ANSWER_COLUMNS = (_A.c.criterion_id, _A.c.value, _A.c.points, _A.c.answered_by, _A.c.answered_at,
                   _A.c.version.label("answer_version"))
_WITH_ANSWERS = (
    select(_S.c.id, _S.c.status, _S.c.version, _S.c.total, _S.c.band, _S.c.submitted_at, _S.c.submitted_by,
           *_ANSWER_COLUMNS)
    .select_from(_S.outerjoin(_A, and_(_A.c.campaign_id == _S.c.campaign_id, _A.c.school_id == _S.c.school_id,
                                       _A.c.kind == _S.c.kind)))
    .where(_SCOPE_S)
)
# PostgreSQL locks the submission row by itself first, then reads the answers in a statement of their own:
# in one statement, answers a concurrent member committed while this one waited for the lock would be
# read from the snapshot taken before the wait (READ COMMITTED re-reads only the locked row).
_LOCK_SUBMISSION = select(_S.c.id).where(_SCOPE_S).with_for_update()
_INSERT_ANSWER = insert(_A)
_UPDATE_ANSWER = (
    update(_A)
    .where(_A.c.campaign_id == bindparam("b_campaign_id"), _A.c.school_id == bindparam("b_school_id"),
           _A.c.kind == bindparam("b_kind"), _A.c.criterion_id == bindparam("b_criterion_id"),
           _A.c.version == bindparam("b_version"))
    .values(value=bindparam("value"), points=bindparam("points"), answered_by=bindparam("answered_by"),
            answered_at=bindparam("answered_at"), version=bindparam("version"))
)
_INSERT_AUDIT = insert(_AUDIT)
_AUDIT_COLUMNS = [c for c in _AUDIT.columns if not c.primary_key]


def _audited(write: Insert | Update) -> Insert:
    """PostgreSQL: `write` (one answer) and its audit row in one statement, the audit row inserted once for
    each row written (its rowcount is the write's). The audit's values are the `audit_*` parameters."""
    written = write.returning(_A.c.criterion_id).cte("written")
    values = select(*(bindparam(f"audit_{c.name}", type_=c.type) for c in _AUDIT_COLUMNS)).select_from(written)
    # An insert's rowcount is kept only when asked (SQLAlchemy reads it by default for updates and deletes).
    return insert(_AUDIT).from_select([c.name for c in _AUDIT_COLUMNS], values).execution_options(
        preserve_rowcount=True)


# SQLAlchemy applies no column default to a statement that carries a data-modifying WITH: the tenant is a
# parameter. Every parameter is named in the statement: one named like a column and not named in it would be
# set on that column of the answer too.
_INSERT_ANSWER_AUDITED = _audited(
    insert(_A).values({c.name: bindparam(c.name, type_=c.type) for c in _A.columns if not c.primary_key}))
_UPDATE_ANSWER_AUDITED = _audited(_UPDATE_ANSWER)
# The statement that writes one answer: (an insert?, with its audit row?).
_WRITES: dict[tuple[bool, bool], Executable] = {
    (True, False): _INSERT_ANSWER, (False, False): _UPDATE_ANSWER,
    (True, True): _INSERT_ANSWER_AUDITED, (False, True): _UPDATE_ANSWER_AUDITED}
_UPDATE_SUBMISSION = (
    update(_S)
    .where(_S.c.id == bindparam("b_id"), _S.c.version == bindparam("b_version"))
    .values(status=bindparam("status"), version=bindparam("version"), total=bindparam("total"),
            band=bindparam("band"), submitted_at=bindparam("submitted_at"),
            submitted_by=bindparam("submitted_by"), updated_at=bindparam("updated_at"))
)


class ConcurrentChange(Exception):
    """The stored assessment moved on under us (only possible without the row lock): roll back."""


class AssessmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # id of the submission row behind each loaded assessment
        self._ids: dict[int, int] = {}
        self._scopes: dict[int, tuple[int, int, str]] = {}

    def load(self, campaign_id: int, school_id: int, kind: AssessmentKind | str, rubric: Rubric, *,
             now: datetime, lock: bool = True) -> Assessment:
        """The assessment as stored; with `lock`, its submission row is created if missing and locked."""
        params = {"campaign_id": campaign_id, "school_id": school_id, "kind": str(kind)}
        rows = self._with_answers(params, lock)
        if not rows and lock:
            self._create_submission(params, now)
            rows = self._with_answers(params, lock)
        row = rows[0] if rows else None
        # Each value read as its type from the JSON stored since the first release (see hsdt.scoring.values).
        if row is not None:
            answers = {
                r.criterion_id: StoredAnswer(r.criterion_id, read_stored(r.value), r.points, r.answered_by,
                                             r.answered_at, r.answer_version)
                for r in rows if r.criterion_id is not None
            }
        else:
            # No submission row (read without the lock before anything was saved): the answers alone.
            answers = {
                r.criterion_id: StoredAnswer(r.criterion_id, read_stored(r.value), r.points, r.answered_by,
                                             r.answered_at, r.version)
                for r in self._conn().execute(_ANSWERS, params)
            }
        assessment = Assessment(rubric=rubric, kind=AssessmentKind(str(kind)), answers=answers)
        if row is not None:
            assessment.status = AssessmentStatus(row.status)
            assessment.version = row.version
            assessment.total, assessment.band = row.total, row.band
            assessment.submitted_at, assessment.submitted_by = row.submitted_at, row.submitted_by
            self._ids[id(assessment)] = row.id
        self._scopes[id(assessment)] = (campaign_id, school_id, str(kind))
        return assessment

    def save(self, assessment: Assessment, *, channel: str, event_id: str) -> None:
        """Write the answers this event changed (each with its audit row) and the new submission."""
        if not assessment.changes and not assessment.submission_changed:
            return
        submission_id = self._ids.get(id(assessment))
        if submission_id is None:
            raise ValueError("save() needs an assessment loaded with lock=True")
        campaign_id, school_id, kind = self._scopes[id(assessment)]
        scope = {"campaign_id": campaign_id, "school_id": school_id, "kind": kind}
        conn = self._conn()
        # PostgreSQL writes each answer with its audit row in one statement (one round trip fewer per answer);
        # SQLite, which has no data-modifying WITH, in two.
        together = conn.dialect.name == "postgresql"
        tenant = conn.get_execution_options().get(OPTION)
        audits: list[dict[str, Any]] = []
        for change in assessment.changes:
            new = change.new
            values = {"value": new.value.to_json(), "points": new.points, "answered_by": new.answered_by,
                      "answered_at": new.answered_at, "version": new.version}
            audit = {**scope, "criterion_id": new.criterion_id,
                     "old_value": change.old.value.to_json() if change.old is not None else None,
                     "new_value": values["value"], "user_id": new.answered_by, "channel": channel,
                     "event_id": event_id, "at": new.answered_at}
            inserting = change.old is None
            if change.old is None:
                params = {**scope, "criterion_id": new.criterion_id, **values}
            else:
                params = {"b_campaign_id": campaign_id, "b_school_id": school_id, "b_kind": kind,
                          "b_criterion_id": new.criterion_id, "b_version": change.old.version, **values}
            if together:
                params.update({f"audit_{name}": value for name, value in audit.items()}, audit_tenant_id=tenant)
                if inserting:
                    params["tenant_id"] = tenant
            else:
                audits.append(audit)
            result = conn.execute(_WRITES[inserting, together], params)
            if not inserting and result.rowcount != 1:
                raise ConcurrentChange(new.criterion_id)
        if audits:
            conn.execute(_INSERT_AUDIT, audits)
        if assessment.submission_changed:
            # The row lock already serialises writers; the version check guards callers that skipped it.
            result = self._conn().execute(_UPDATE_SUBMISSION, {
                "b_id": submission_id, "b_version": assessment.version, "status": str(assessment.status),
                "version": assessment.version + 1, "total": assessment.total, "band": assessment.band,
                "submitted_at": assessment.submitted_at, "submitted_by": assessment.submitted_by,
                "updated_at": assessment.updated_at})
            if result.rowcount != 1:
                raise ConcurrentChange("submission")
            assessment.version += 1
        assessment.changes.clear()
        assessment.submission_changed = False
        # ORM reads later in this unit of work (reports, reminders) must not see stale rows.
        self.session.info.get("answers_memo", {}).pop((campaign_id, school_id, kind), None)

    def _conn(self) -> Connection:
        # Core statements on the session's connection skip the ORM's execution path: this runs per answer.
        return self.session.connection()

    def _with_answers(self, params: dict[str, Any], lock: bool) -> Sequence[Row[*tuple[Any, ...]]]:
        """The submission row and its answers; with `lock`, the row stays locked until the commit
        (SQLite: the transaction began with the database's write lock, nothing more to take)."""
        if lock and self._conn().dialect.name == "postgresql" \
                and self._conn().execute(_LOCK_SUBMISSION, params).first() is None:
            return []
        return self._conn().execute(_WITH_ANSWERS, params).all()

    def _create_submission(self, params: dict[str, Any], now: datetime) -> None:
        """Insert the draft row unless a concurrent transaction did; then the caller locks it."""
        values = {**params, "status": str(AssessmentStatus.DRAFT), "version": 0, "updated_at": now}
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            self._conn().execute(postgresql.insert(_S).values(values).on_conflict_do_nothing())
        else:
            self._conn().execute(sqlite.insert(_S).values(values).on_conflict_do_nothing())

