"""Queries of the inspection: assignments, reopen records, and the bulk reads the reports need
(plain rows, no ORM objects per answer)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from hsdt.storage.inspection_models import Assignment, ReopenRecord
from hsdt.storage.models import Answer, Evidence, Submission, Unit, User
from hsdt.storage.repositories import _Repo

_CHUNK = 500


@dataclass(frozen=True)
class UnitHeadingRow:
    unit_id: int
    official_name: str | None
    short_name: str | None
    parent_body: str | None
    place_name: str | None
    signer_authority: str | None
    signer_title: str | None


class InspectionRepository(_Repo):
    # --- assignments -------------------------------------------------------------------------------

    def assign(self, campaign_id: int, inspector_id: int, school_id: int, kind: str) -> bool:
        """Idempotent; True when the assignment is new."""
        if self.is_assigned(campaign_id, inspector_id, school_id, kind):
            return False
        self.session.add(Assignment(campaign_id=campaign_id, inspector_id=inspector_id, school_id=school_id,
                                    kind=kind))
        self.session.flush()
        return True

    def remove_all_except(self, campaign_id: int, keep: set[tuple[int, int, str]], kinds: set[str]) -> int:
        """Drop the campaign's assignments of `kinds` not in `keep` ((inspector, school, kind)); returns how many."""
        gone = [a.id for a in self.of_campaign(campaign_id)
                if a.kind in kinds and (a.inspector_id, a.school_id, a.kind) not in keep]
        for start in range(0, len(gone), _CHUNK):
            self.session.execute(delete(Assignment).where(col(Assignment.id).in_(gone[start : start + _CHUNK])))
        return len(gone)

    def is_assigned(self, campaign_id: int, inspector_id: int, school_id: int, kind: str) -> bool:
        return self.session.exec(
            select(Assignment.id).where(
                Assignment.campaign_id == campaign_id,
                Assignment.inspector_id == inspector_id,
                Assignment.school_id == school_id,
                Assignment.kind == kind,
            )
        ).first() is not None

    def of_inspector(self, campaign_id: int, inspector_id: int) -> Sequence[Assignment]:
        return self.session.exec(
            select(Assignment)
            .where(Assignment.campaign_id == campaign_id, Assignment.inspector_id == inspector_id)
            .order_by(col(Assignment.kind).desc(), col(Assignment.id))
        ).all()

    def of_campaign(self, campaign_id: int) -> Sequence[Assignment]:
        return self.session.exec(
            select(Assignment).where(Assignment.campaign_id == campaign_id).order_by(col(Assignment.id))
        ).all()

    # --- reopening -------------------------------------------------------------------------------

    def add_reopen(self, campaign_id: int, school_id: int, user_id: int, reason: str) -> ReopenRecord:
        record = ReopenRecord(campaign_id=campaign_id, school_id=school_id, user_id=user_id, reason=reason)
        self.session.add(record)
        self.session.flush()
        return record

    # --- bulk reads for reports --------------------------------------------------------------------

    def units(self) -> list[tuple[int, str, str, str, int | None, bool, int | None]]:
        """(id, code, name, kind, parent_id, uses_erecords, roster position) of every unit."""
        rows = self.session.execute(
            sa_select(col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.kind), col(Unit.parent_id),
                   col(Unit.uses_erecords), col(Unit.position))
        ).all()
        return [(uid, code, name, kind, parent, uses, position)
                for uid, code, name, kind, parent, uses, position in rows if uid is not None]

    def unit_headings(self) -> list[UnitHeadingRow]:
        """What the roster says each unit's forms print (None where it says nothing)."""
        rows = self.session.execute(
            sa_select(col(Unit.id), col(Unit.official_name), col(Unit.short_name), col(Unit.parent_body),
                      col(Unit.place_name), col(Unit.signer_authority), col(Unit.signer_title))
        ).all()
        return [UnitHeadingRow(*row) for row in rows if row[0] is not None]

    def user_names(self, user_ids: Iterable[int]) -> dict[int, tuple[str, str, int]]:
        """id -> (code, full name, unit id)."""
        found: dict[int, tuple[str, str, int]] = {}
        wanted = sorted(set(user_ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for uid, code, name, unit_id in self.session.execute(
                select(User.id, User.code, User.full_name, User.unit_id).where(col(User.id).in_(chunk))
            ):
                found[uid] = (code, name, unit_id)
        return found

    def submission_rows(
        self, campaign_id: int, school_ids: Sequence[int] | None
    ) -> Iterator[tuple[int, str, str, float | None, str | None, int | None, datetime | None]]:
        """(school, kind, status, total, band, submitted_by, submitted_at)."""
        columns = (col(Submission.school_id), col(Submission.kind), col(Submission.status), col(Submission.total),
                   col(Submission.band), col(Submission.submitted_by), col(Submission.submitted_at))
        for where in self._school_filters(Submission.school_id, school_ids):
            query = sa_select(*columns).where(col(Submission.campaign_id) == campaign_id, *where)
            yield from self.session.execute(query)

    def answer_rows(
        self, campaign_id: int, kind: str, school_ids: Sequence[int] | None, *, with_value: bool = True
    ) -> Iterator[tuple[Any, ...]]:
        """(school, criterion, points[, value]) of one kind of answers, streamed."""
        columns: tuple[Any, ...] = (Answer.school_id, Answer.criterion_id, Answer.points)
        if with_value:
            columns += (Answer.value,)
        for where in self._school_filters(Answer.school_id, school_ids):
            query = select(*columns).where(Answer.campaign_id == campaign_id, Answer.kind == kind, *where)
            yield from self.session.execute(query.execution_options(yield_per=5000))

    def evidence_rows(
        self, campaign_id: int, kind: str, school_ids: Sequence[int] | None
    ) -> Iterator[tuple[int, str, str, str, dict[str, Any]]]:
        """(school, criterion, file name, verdict status, stored verdict) of one kind of evidence, in upload order."""
        columns = (col(Evidence.school_id), col(Evidence.criterion_id), col(Evidence.file_name), col(Evidence.status),
                   col(Evidence.verdict))
        for where in self._school_filters(Evidence.school_id, school_ids):
            query = sa_select(*columns).where(col(Evidence.campaign_id) == campaign_id, col(Evidence.kind) == kind,
                                              *where)
            yield from (tuple(row) for row in self.session.execute(query.order_by(col(Evidence.id))))

    def assignment_rows(self, campaign_id: int, school_ids: Sequence[int] | None) -> Iterator[tuple[int, int, str]]:
        """(inspector, school, kind)."""
        columns = (Assignment.inspector_id, Assignment.school_id, Assignment.kind)
        for where in self._school_filters(Assignment.school_id, school_ids):
            yield from self.session.execute(
                select(*columns).where(Assignment.campaign_id == campaign_id, *where)
            )

    @staticmethod
    def _school_filters(column: Any, school_ids: Sequence[int] | None) -> Iterator[tuple[Any, ...]]:
        if school_ids is None:
            yield ()
            return
        ordered = sorted(school_ids)
        for start in range(0, len(ordered), _CHUNK):
            yield (col(column).in_(ordered[start : start + _CHUNK]),)
