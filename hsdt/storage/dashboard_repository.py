"""Queries of the web dashboard: sign-in links and sessions, and the few reads the report data set
does not carry (evidence verdicts, the audit trail, the time of the last change)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hsdt.storage.dashboard_models import DashboardSession, UsedDashboardLink
from hsdt.storage.inspection_models import ReopenRecord
from hsdt.storage.models import AnswerAudit, Evidence, Submission
from hsdt.storage.repositories import _Repo

_CHUNK = 500


class DashboardRepository(_Repo):
    # --- sign-in and sessions ------------------------------------------------------------------------

    def link_used(self, nonce: str) -> bool:
        return self.session.get(UsedDashboardLink, nonce) is not None

    def use_link(self, nonce: str, user_id: int) -> bool:
        """Marks the link used; False when it already was (also when a concurrent use won the race)."""
        if self.link_used(nonce):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(UsedDashboardLink(nonce=nonce, user_id=user_id))
        except IntegrityError:
            return False
        return True

    def open_session(self, token_sha256: str, user_id: int, expires_at: datetime) -> None:
        self.session.add(DashboardSession(token_sha256=token_sha256, user_id=user_id, expires_at=expires_at))
        self.session.flush()

    def session_user(self, token_sha256: str, now: datetime) -> int | None:
        found = self.session.get(DashboardSession, token_sha256)
        if found is None or found.expires_at <= now:
            return None
        return found.user_id

    def close_session(self, token_sha256: str) -> None:
        self.session.execute(delete(DashboardSession).where(col(DashboardSession.token_sha256) == token_sha256))

    def drop_expired(self, now: datetime) -> int:
        result = self.session.execute(delete(DashboardSession).where(col(DashboardSession.expires_at) <= now))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a DELETE's Result is a CursorResult

    # --- reads for the pages ---------------------------------------------------------------------------

    def evidence_counts(self, campaign_id: int, school_ids: Sequence[int] | None) -> dict[int, dict[str, int]]:
        """school -> verdict status -> files (every kind of assessment)."""
        counts: dict[int, dict[str, int]] = {}
        for where in _school_filters(Evidence.school_id, school_ids):
            query = (select(Evidence.school_id, Evidence.status, func.count())
                     .where(Evidence.campaign_id == campaign_id, *where)
                     .group_by(col(Evidence.school_id), col(Evidence.status)))
            for school, status, count in self.session.execute(query):
                counts.setdefault(school, {})[status] = int(count)
        return counts

    def evidence_of_school(self, campaign_id: int, school_id: int) -> Sequence[Evidence]:
        return self.session.exec(
            select(Evidence).where(Evidence.campaign_id == campaign_id, Evidence.school_id == school_id)
            .order_by(col(Evidence.criterion_id), col(Evidence.id))
        ).all()

    def audit_of_school(self, campaign_id: int, school_id: int, limit: int) -> Sequence[AnswerAudit]:
        """The latest changes of every kind of assessment, newest first."""
        return self.session.exec(
            select(AnswerAudit).where(AnswerAudit.campaign_id == campaign_id, AnswerAudit.school_id == school_id)
            .order_by(col(AnswerAudit.id).desc()).limit(limit)
        ).all()

    def reopens_of_school(self, campaign_id: int, school_id: int) -> Sequence[ReopenRecord]:
        return self.session.exec(
            select(ReopenRecord).where(ReopenRecord.campaign_id == campaign_id, ReopenRecord.school_id == school_id)
            .order_by(col(ReopenRecord.id))
        ).all()

    def last_change(self, campaign_id: int, school_ids: Sequence[int] | None) -> datetime | None:
        """The latest answer, submission or evidence change among these schools (None: all)."""
        latest: datetime | None = None
        sources: tuple[tuple[Any, Any, Any], ...] = (
            (AnswerAudit.at, AnswerAudit.school_id, AnswerAudit.campaign_id),
            (Submission.updated_at, Submission.school_id, Submission.campaign_id),
            (Evidence.uploaded_at, Evidence.school_id, Evidence.campaign_id),
        )
        for moment, school, campaign in sources:
            for where in _school_filters(school, school_ids):
                found = self.session.execute(select(func.max(moment)).where(campaign == campaign_id, *where)).scalar()
                if found is not None:
                    found = _aware(found)
                    latest = found if latest is None or found > latest else latest
        return latest


def _aware(moment: datetime) -> datetime:
    # An aggregate bypasses the column type on SQLite: the stored UTC comes back naive.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _school_filters(column: Any, school_ids: Sequence[int] | None) -> list[tuple[Any, ...]]:
    if school_ids is None:
        return [()]
    ordered = sorted(school_ids)
    if not ordered:
        return []
    return [(col(column).in_(ordered[start : start + _CHUNK]),) for start in range(0, len(ordered), _CHUNK)]
