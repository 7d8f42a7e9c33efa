"""A school's answers of one kind (its own, its managing unit's re-score, a cross-inspection) as one
domain object: the rules of answering, submitting and reopening live here, and nowhere else.

Pure: no I/O, no clock of its own (every change is told when it happens). Storage loads an
`Assessment` under a row lock and saves `changes` and the new submission (status, total, band) in the
event's transaction. Nothing else writes answers or totals: the chat's flows, and the evidence re-check
when the trust roots change (`refresh_evidence`), all go through here.

A school's answers are scored once per change: `score()` is kept until an answer changes, so a review
screen that asks every criterion's points scores the school once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from hsdt.scoring.rubric import AnswerType, Criterion, Rubric
from hsdt.scoring.score import SchoolScore, band_for, score_criterion, score_school
from hsdt.scoring.values import AnswerValue, EvidenceCount, Rescore, StoredValue, check_value


class AssessmentKind(StrEnum):
    """Who scores: the school itself, its managing unit (re-score), or a cross-inspection team."""

    SELF = "self"
    RESCORE = "district"
    CROSS = "cross"


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REOPENED = "reopened"


@dataclass(frozen=True)
class StoredAnswer:
    criterion_id: str
    value: StoredValue
    points: float
    answered_by: int
    answered_at: datetime
    version: int  # 1 for a first answer, +1 per change


@dataclass(frozen=True)
class Change:
    """One answer written by this event: what it was (None if new) and what it is now."""

    old: StoredAnswer | None
    new: StoredAnswer


class AssessmentError(Exception):
    """A rule of the assessment refused the request; nothing changed."""


class Locked(AssessmentError):
    def __init__(self, submitted_at: datetime | None) -> None:
        super().__init__("the assessment is submitted")
        self.submitted_at = submitted_at


class UnknownCriterion(AssessmentError):
    def __init__(self, criterion_id: str) -> None:
        super().__init__(f"no criterion {criterion_id!r} in this assessment")
        self.criterion_id = criterion_id


class MissingRequired(AssessmentError):
    def __init__(self, criterion_ids: tuple[str, ...]) -> None:
        super().__init__(f"required criteria without an answer: {', '.join(criterion_ids)}")
        self.criterion_ids = criterion_ids


class VersionConflict(AssessmentError):
    """Someone else changed the answer since it was shown (the inspectors' compare-and-set)."""

    def __init__(self, criterion_id: str, current: StoredAnswer | None) -> None:
        super().__init__(f"criterion {criterion_id!r} changed since it was shown")
        self.criterion_id = criterion_id
        self.current = current


class PointsOutOfRange(AssessmentError):
    def __init__(self, criterion_id: str, points: float, max_points: float) -> None:
        super().__init__(f"{points} is outside 0..{max_points} for {criterion_id!r}")
        self.criterion_id = criterion_id


class NotReopenable(AssessmentError):
    """Only a submitted self-assessment can be reopened for correction."""


class WrongKind(AssessmentError):
    """A self-assessment is answered, a re-score or cross-inspection is scored; not the other way."""


@dataclass
class Assessment:
    rubric: Rubric
    kind: AssessmentKind
    status: AssessmentStatus = AssessmentStatus.DRAFT
    answers: dict[str, StoredAnswer] = field(default_factory=dict)
    version: int = 0  # of the stored submission: +1 per change of status (answers carry their own)
    total: float | None = None
    band: str | None = None
    submitted_at: datetime | None = None
    submitted_by: int | None = None
    updated_at: datetime | None = None
    changes: list[Change] = field(default_factory=list)
    # The submission (status, total, band) changed: storage writes it and its version goes up by one.
    submission_changed: bool = False
    _score: SchoolScore | None = field(default=None, init=False, repr=False, compare=False)

    # --- what it is ----------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.status is AssessmentStatus.SUBMITTED

    @property
    def criteria(self) -> list[Criterion]:
        """What this kind of assessment answers: re-scoring skips criteria without points."""
        if self.kind is AssessmentKind.SELF:
            return list(self.rubric.criteria)
        return [c for c in self.rubric.criteria if c.max_points > 0]

    def criterion(self, criterion_id: str) -> Criterion:
        found = next((c for c in self.criteria if c.id == criterion_id), None)
        if found is None:
            raise UnknownCriterion(criterion_id)
        return found

    def points(self, criterion_id: str) -> float:
        """What the criterion counts for now: for the school's own answers, after the rubric's
        cross-criterion rules (II.2 counts only the categories I.1 set up)."""
        if self.kind is AssessmentKind.SELF and criterion_id in self.rubric:
            return self.score().points(criterion_id)
        answer = self.answers.get(criterion_id)
        return answer.points if answer is not None else 0.0

    def score(self) -> SchoolScore:
        """The school's answers scored as a whole ("Không áp dụng", rules, rounding); once per change."""
        if self._score is None:
            self._score = score_school(self.rubric, {cid: a.value for cid, a in self.answers.items()})
        return self._score

    def missing(self) -> tuple[str, ...]:
        """What must be answered before submitting, in rubric order."""
        if self.kind is AssessmentKind.SELF:
            return self.score().missing_required
        return tuple(c.id for c in self.criteria if c.id not in self.answers)

    def current_total(self) -> float:
        if self.kind is AssessmentKind.SELF:
            return self.score().total
        ids = {c.id for c in self.criteria}
        exact = sum((Decimal(str(a.points)) for a in self.answers.values() if a.criterion_id in ids), Decimal(0))
        # As for the school's own total: criteria accepted as "Không áp dụng" leave the denominator.
        left_out = {cid for cid, a in self.answers.items()
                    if cid in ids and isinstance(a.value, Rescore) and a.value.not_applicable}
        if not left_out:
            return float(exact)
        applicable = sum((Decimal(str(c.max_points)) for c in self.criteria if c.id not in left_out), Decimal(0))
        if applicable <= 0:
            return 0.0
        maximum = Decimal(str(self.rubric.max_points))
        return float(min(self.rubric.rounding.apply(exact * maximum / applicable), maximum))

    def current_band(self) -> str:
        return band_for(self.rubric, self.current_total()).label

    # --- what may be done ----------------------------------------------------------------------

    def answer(self, criterion_id: str, value: AnswerValue, *, by: int, at: datetime) -> StoredAnswer:
        """The school's own answer; its points follow from the rubric. Raises `InvalidAnswer` for a value
        that does not answer the criterion (another type, an option it does not have)."""
        if self.kind is not AssessmentKind.SELF:
            raise WrongKind(self.kind)
        self._ensure_open()
        criterion = self.criterion(criterion_id)
        checked = check_value(criterion, value)
        return self._put(criterion_id, checked, score_criterion(criterion, checked), by, at)

    def skip(self, criterion_id: str) -> None:
        """Leaving a criterion for later changes nothing, but only while the assessment is open."""
        self._ensure_open()
        self.criterion(criterion_id)

    def rescore(self, criterion_id: str, value: Rescore, *, expected_version: int, by: int,
                at: datetime) -> StoredAnswer:
        """An inspector's points; refused if the points changed since `expected_version` was shown.
        A value `not_applicable` (the inspector agrees the criterion does not apply to the school) counts
        0 points and leaves the denominator like the school's "Không áp dụng"."""
        if self.kind is AssessmentKind.SELF:
            raise WrongKind(self.kind)
        self._ensure_open()
        criterion = self.criterion(criterion_id)
        if not value.points <= criterion.max_points:
            raise PointsOutOfRange(criterion_id, value.points, criterion.max_points)
        current = self.answers.get(criterion_id)
        if (current.version if current is not None else 0) != expected_version:
            raise VersionConflict(criterion_id, current)
        if value.not_applicable and value.points != 0:
            value = value.model_copy(update={"points": 0.0})
        return self._put(criterion_id, value, value.points, by, at)

    def refresh_evidence(self, criterion_id: str, value: EvidenceCount, *, at: datetime) -> StoredAnswer | None:
        """The school's evidence answer reckoned again from its files' new verdicts (the trust roots
        changed): its points follow, and so does the total of a submitted self-assessment (a new version of
        the submission). Allowed while submitted, as no one's answer changes; the answer keeps who gave it.
        None when the criterion has no answer to refresh, or the count did not change."""
        if self.kind is not AssessmentKind.SELF:
            raise WrongKind(self.kind)
        criterion = self.criterion(criterion_id)
        current = self.answers.get(criterion_id)
        if criterion.type is not AnswerType.EVIDENCE or current is None or current.value == value:
            return None
        checked = check_value(criterion, value)
        refreshed = self._put(criterion_id, checked, score_criterion(criterion, checked), current.answered_by, at)
        if self.status is AssessmentStatus.SUBMITTED:
            self.total = self.current_total()
            self.band = self.current_band()
            self.submission_changed = True
        return refreshed

    def submit(self, *, by: int, at: datetime) -> None:
        self._ensure_open()
        missing = self.missing()
        if missing:
            raise MissingRequired(missing)
        self.total = self.current_total()
        self.band = self.current_band()
        self.status = AssessmentStatus.SUBMITTED
        self.submitted_at = at
        self.submitted_by = by
        self.updated_at = at
        self.submission_changed = True

    def reopen(self, *, at: datetime) -> None:
        if self.kind is not AssessmentKind.SELF or self.status is not AssessmentStatus.SUBMITTED:
            raise NotReopenable(f"a {self.kind} assessment in status {self.status} cannot be reopened")
        self.status = AssessmentStatus.REOPENED
        self.updated_at = at
        self.submission_changed = True

    # --- internals -----------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self.locked:
            raise Locked(self.submitted_at)

    def _put(self, criterion_id: str, value: AnswerValue, points: float, by: int, at: datetime) -> StoredAnswer:
        old = self.answers.get(criterion_id)
        new = StoredAnswer(criterion_id, value, points, by, at, (old.version if old is not None else 0) + 1)
        self.answers[criterion_id] = new
        self.updated_at = at
        self.changes.append(Change(old, new))
        self._score = None
        return new
