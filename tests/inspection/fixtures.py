"""Shared set-up for the inspection and report tests: more people, and schools that have submitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from hsdt.scoring import Rescore, Rubric, load_rubric_text, read_value
from hsdt.scoring.assessment import AssessmentKind
from hsdt.services.assignments import AssignmentRow, apply_assignments
from hsdt.services.invites import issue_invite
from hsdt.services.roster import UserRow, apply_roster
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.models import Campaign, Role
from hsdt.storage.unit_of_work import UnitOfWork
from tests.present import present

# The answers of tests/handlers/test_self_assessment.py's principal: 71.47 points, "Khá".
ANSWERS: dict[str, dict[str, Any]] = {
    "A1": {"options": ["c1", "c2", "c3"]},
    "B1": {"issued": 12, "used": 10},
    "B2": {"issued": 20, "used": 18},
    "B3": {"issued": 5, "used": 5},
    "B4": {"options": ["c1", "c2", "c3", "c4"]},
    "C1": {"option": "full"},
    "C2": {"option": "part"},
    "D1": {"percent": 85},
    "D2": {"option": "yes"},
    "E1": {"valid": 0, "total": 0},
    "E2": {"option": "pass"},
    "G1": {"text": "Không có ý kiến."},
}

EXTRA_USERS = [
    UserRow("HT-SAOMAI", "Bùi Thị Mai", Role.PRINCIPAL, "MN-SAOMAI"),
    UserRow("CB-HB-02", "Hoàng Văn Nam", Role.INSPECTOR, "PGD-HB"),
    UserRow("CB-TN-01", "Ngô Thị Lan", Role.INSPECTOR, "PGD-TN"),
    UserRow("PGD-TN-01", "Vũ Minh Hải", Role.DISTRICT_STAFF, "PGD-TN"),
    UserRow("HT-HOAMAI", "Đặng Thu Hương", Role.PRINCIPAL, "MN-HOAMAI"),
]

EXTRA_ASSIGNMENTS = [
    AssignmentRow("CB-HB-02", "MN-HOASEN", DISTRICT),
    AssignmentRow("CB-TN-01", "MN-SAOMAI", CROSS),
    AssignmentRow("CB-TN-01", "MN-HOAMAI", DISTRICT),
]


def _campaign_and_rubric(uow: UnitOfWork) -> tuple[Campaign, Rubric]:
    campaign = uow.campaigns.active()
    assert campaign is not None
    version = present(uow.campaigns.rubric_version(campaign.rubric_version_id))
    return campaign, load_rubric_text(version.source, source="test")


def add_people(engine: Engine, now: datetime) -> dict[str, str]:
    """The extra users and assignments; returns invite codes by user code."""
    with UnitOfWork(engine) as uow:
        apply_roster(uow, [], EXTRA_USERS, invite_ttl=timedelta(days=30), now=now)
        campaign = uow.campaigns.active()
        assert campaign is not None
        apply_assignments(uow, campaign, EXTRA_ASSIGNMENTS)
        codes = {}
        for row in EXTRA_USERS:
            user = uow.users.by_code(row.code)
            assert user is not None
            codes[row.code] = issue_invite(uow, user, now, timedelta(days=30)).code
    return codes


def submit_self(engine: Engine, school_code: str, changes: dict[str, dict[str, Any]] | None = None) -> float:
    """Store a school's answers and submit them as its principal would; returns the total."""
    answers = {**ANSWERS, **(changes or {})}
    with UnitOfWork(engine) as uow:
        campaign, rubric = _campaign_and_rubric(uow)
        school = uow.units.by_code(school_code)
        principal = uow.users.by_code("HT-HOASEN")
        assert campaign.id is not None and school is not None and school.id is not None
        assert principal is not None and principal.id is not None
        now = datetime.now(UTC)
        assessment = uow.assessments.load(campaign.id, school.id, AssessmentKind.SELF, rubric, now=now)
        for cid, value in answers.items():
            assessment.answer(cid, read_value(value), by=principal.id, at=now)
        assessment.submit(by=principal.id, at=now)
        uow.assessments.save(assessment, channel="test", event_id=f"seed-{school_code}")
    assert assessment.total is not None
    return assessment.total


def reopen_self(engine: Engine, school_code: str) -> None:
    """Reopen a submitted self-assessment, as its managing unit would."""
    with UnitOfWork(engine) as uow:
        campaign, rubric = _campaign_and_rubric(uow)
        school = uow.units.by_code(school_code)
        assert campaign.id is not None and school is not None and school.id is not None
        now = datetime.now(UTC)
        assessment = uow.assessments.load(campaign.id, school.id, AssessmentKind.SELF, rubric, now=now)
        assessment.reopen(at=now)
        uow.assessments.save(assessment, channel="test", event_id=f"reopen-{school_code}")


def rescore(engine: Engine, school_code: str, kind: str, inspector_code: str, changes: dict[str, float]) -> float:
    """An inspector's points: the school's own points except `changes` (with a comment each); submitted."""
    with UnitOfWork(engine) as uow:
        campaign, rubric = _campaign_and_rubric(uow)
        school = uow.units.by_code(school_code)
        inspector = uow.users.by_code(inspector_code)
        assert campaign.id is not None and school is not None and school.id is not None
        assert inspector is not None and inspector.id is not None
        now = datetime.now(UTC)
        own = uow.assessments.load(campaign.id, school.id, AssessmentKind.SELF, rubric, now=now, lock=False)
        assessment = uow.assessments.load(campaign.id, school.id, kind, rubric, now=now)
        for criterion in assessment.criteria:
            points = changes.get(criterion.id, own.points(criterion.id))
            comment = f"Nhận xét {criterion.id}" if criterion.id in changes else ""
            assessment.rescore(criterion.id, Rescore(points=points, comment=comment), expected_version=0,
                               by=inspector.id, at=now)
        assessment.submit(by=inspector.id, at=now)
        uow.assessments.save(assessment, channel="test", event_id=f"rescore-{school_code}-{kind}")
    assert assessment.total is not None
    return assessment.total
