"""The questionnaire controller answers with typed outcomes (as JavaRosa's FormEntryController answers
ANSWER_OK / CONSTRAINT_VIOLATED): Saved, Invalid(code, params), NeedsComment, Locked, Conflict; only a
Saved answer is a change of the assessment. Real flows on a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.events import Incoming, Kind
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import IdleState, InspectionState, SelfAssessmentState
from hsdt.handlers.inspection import FLOW as INSPECTION
from hsdt.handlers.questionnaire import Conflict, Invalid, Locked, NeedsComment, Saved
from hsdt.handlers.self_assessment import FLOW as SELF_ASSESSMENT
from hsdt.scoring import CountPair, Criterion, Rescore
from hsdt.scoring.assessment import AssessmentKind
from hsdt.storage.repositories import StoredState
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork
from tests.inspection.fixtures import submit_self

NOW = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)
DISTRICT = AssessmentKind.RESCORE


def _ctx(uow: UnitOfWork, user_code: str, conv: IdleState | SelfAssessmentState | InspectionState,
         files: Path) -> Ctx:
    user = uow.users.by_code(user_code)
    assert user is not None and user.id is not None
    unit = uow.units.get(user.unit_id)
    campaign = uow.campaigns.active()
    assert unit is not None and campaign is not None
    return Ctx(uow=uow, event=Incoming(channel="test", user_ref=user_code, event_id="e", kind=Kind.TEXT),
               user=user, unit=unit, state=StoredState(user.id, conv.flow, {}, 0, None, new=True),
               campaign=campaign, rubric=RubricCache().for_campaign(uow, campaign), now=NOW,
               tz=ZoneInfo("Asia/Ho_Chi_Minh"), files_dir=files, conv=conv)


def _criterion(ctx: Ctx, criterion_id: str) -> Criterion:
    assert ctx.rubric is not None
    return ctx.rubric.criterion(criterion_id)


def _hoasen(engine: Engine) -> int:
    with UnitOfWork(engine) as uow:
        school = uow.units.by_code("MN-HOASEN")
        assert school is not None and school.id is not None
        return school.id


def test_a_schools_answer_is_saved_or_refused_with_a_code(
    engine: Engine, codes: dict[str, str], tmp_path: Path
) -> None:
    with UnitOfWork(engine) as uow:
        st = SelfAssessmentState(criterion="B1")
        ctx = _ctx(uow, "HT-HOASEN", st, tmp_path)
        b1, e1 = _criterion(ctx, "B1"), _criterion(ctx, "E1")
        assert SELF_ASSESSMENT.answer(ctx, st, b1, "10/12") == Invalid("used_gt_issued", {"issued": 10, "used": 12})
        assert SELF_ASSESSMENT.answer(ctx, st, b1, "12") == Invalid("count_pair_format", {"value": "12"})
        assert SELF_ASSESSMENT.answer(ctx, st, e1, "đã ký") == Invalid("expected_document")
        assert not SELF_ASSESSMENT.assessment(ctx).changes  # refused: nothing is a change
        saved = SELF_ASSESSMENT.answer(ctx, st, b1, "12/10")
        assert isinstance(saved, Saved)
        assert saved.answer.value == CountPair(issued=12, used=10)
        assert (saved.answer.points, saved.answer.version) == (6.67, 1)
        assert [c.new for c in SELF_ASSESSMENT.assessment(ctx).changes] == [saved.answer]
    submit_self(engine, "MN-HOASEN")
    with UnitOfWork(engine) as uow:
        st = SelfAssessmentState(criterion="B1")
        ctx = _ctx(uow, "HT-HOASEN", st, tmp_path)
        locked = SELF_ASSESSMENT.answer(ctx, st, _criterion(ctx, "B1"), "12/11")
        assert isinstance(locked, Locked) and locked.submitted_at is not None


def test_an_inspectors_points_need_a_comment_conflict_or_lock(
    engine: Engine, codes: dict[str, str], tmp_path: Path
) -> None:
    submit_self(engine, "MN-HOASEN")  # B1: 12/10 issued/used, 6.67 of 8 points
    school = _hoasen(engine)
    with UnitOfWork(engine) as uow:
        st = InspectionState(school=school, kind=DISTRICT, criterion="B1")
        ctx = _ctx(uow, "CB-HB-01", st, tmp_path)
        b1 = _criterion(ctx, "B1")
        assert INSPECTION.answer(ctx, st, b1, "9") == Invalid("points_out_of_range", {"value": "9", "max": 8.0})
        assert INSPECTION.answer(ctx, st, b1, "mười") == Invalid("points_format", {"value": "mười", "max": 8.0})
        assert INSPECTION.answer(ctx, st, b1, "5,5") == NeedsComment(Rescore(points=5.5))
        assert INSPECTION.answer(ctx, st, b1, "5,5 ok") == NeedsComment(Rescore(points=5.5, comment="ok"))
        assert not INSPECTION.assessment(ctx, st).changes
        saved = INSPECTION.answer(ctx, st, b1, "5,5 Chỉ 7 CBQL có văn bản ký số trong kỳ")
        assert isinstance(saved, Saved) and saved.answer.points == 5.5
        ctx.save_assessments()
    # B1 as shown before those points were saved (another chat, another inspector): not stored over them.
    with UnitOfWork(engine) as uow:
        st = InspectionState(school=school, kind=DISTRICT, criterion="B1", shown_version=0)
        ctx = _ctx(uow, "CB-HB-01", st, tmp_path)
        conflict = INSPECTION.answer(ctx, st, _criterion(ctx, "B1"), "6,67")
        assert isinstance(conflict, Conflict) and conflict.current is not None
        assert (conflict.current.version, conflict.current.value) == (
            1, Rescore(points=5.5, comment="Chỉ 7 CBQL có văn bản ký số trong kỳ"))
        # The rest scored and submitted: nothing changes a submitted re-score.
        assessment = INSPECTION.assessment(ctx, st)
        for criterion in assessment.criteria:
            if criterion.id not in assessment.answers:
                assessment.rescore(criterion.id, Rescore(points=criterion.max_points), expected_version=0, by=1, at=NOW)
        assessment.submit(by=1, at=NOW)
        ctx.save_assessments()
    with UnitOfWork(engine) as uow:
        st = InspectionState(school=school, kind=DISTRICT, criterion="B2", shown_version=1)
        ctx = _ctx(uow, "CB-HB-01", st, tmp_path)
        assert isinstance(INSPECTION.answer(ctx, st, _criterion(ctx, "B2"), "9"), Locked)
