"""Queries of the web dashboard: sign-in links and sessions, and the few reads the report data set
does not carry (evidence verdicts, the audit trail, the time of the last change)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hsdt.storage.dashboard_models import DashboardSession, UsedDashboardLink
from hsdt.storage.inspection_models import ReopenRecord
from hsdt.storage.models import AnswerAudit, ChatIdentity, Evidence, OutboxMessage, Submission, User
from hsdt.storage.repositories import _Repo
from hsdt.storage.zalo_oa_models import ZaloOAUser

_CHUNK = 500


@dataclass(frozen=True)
class Unreachable:
    """A user of the OA whom messages could not reach (every chat of theirs refused them)."""

    user_id: int
    full_name: str
    role: str
    unit_id: int
    phone: str | None
    failed: int  # messages given up since the cut-off
    last_failed_at: datetime


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

    def unreachable_oa_users(self, since: datetime) -> list[Unreachable]:
        """Users with an OA chat whose messages since `since` were given up (the OA never heard from
        them, or not within its windows, and they have no other chat that took them) and who have not
        written to the OA after the last one: the people the Sở must phone. `hsdt status` counts the
        same messages."""
        failed = (core_select(col(OutboxMessage.user_id), func.count(), func.max(OutboxMessage.failed_at))
                  .where(col(OutboxMessage.failed_at).is_not(None), col(OutboxMessage.failed_at) >= since)
                  .group_by(col(OutboxMessage.user_id)))
        counts = {user: (int(count), _aware(last)) for user, count, last in self.session.execute(failed)}
        if not counts:
            return []
        found: list[Unreachable] = []
        ids = sorted(counts)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows = self.session.execute(
                core_select(col(User.id), col(User.full_name), col(User.role), col(User.unit_id), col(User.phone),
                       func.max(ZaloOAUser.last_interaction_at))
                .join(ChatIdentity, (col(ChatIdentity.user_id) == col(User.id)) & (ChatIdentity.channel == "zalo_oa"))
                .join(ZaloOAUser, col(ZaloOAUser.user_id) == col(ChatIdentity.external_id), isouter=True)
                .where(col(User.id).in_(chunk))
                .group_by(col(User.id), col(User.full_name), col(User.role), col(User.unit_id), col(User.phone))
            )
            for user_id, name, role, unit, phone, heard in rows:
                count, last = counts[user_id]
                if heard is None or _aware(heard) < last:
                    found.append(Unreachable(user_id, name, str(role), unit, phone, count, last))
        return found

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
