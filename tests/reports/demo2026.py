"""The demo of a 2026-2027 campaign with the default rubric, in one structure (communes, or schools directly
under the Sở): Hoa Sen submitted and re-scored, with a sample PDF that is validly signed but outside the
record period; Sao Mai and Hoa Mai submitted (Hoa Mai cross-inspected where there are communes); Tuổi
Thơ nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from hsdt.scoring import default_rubric_path, load_rubric_text, read_value
from hsdt.scoring.assessment import AssessmentKind
from hsdt.services.assignments import AssignmentRow, apply_assignments
from hsdt.services.campaigns import install_rubric, open_campaign, plan_for_school_year
from hsdt.services.demo import demo_users, seed_demo
from hsdt.services.invites import open_invites
from hsdt.services.roster import UserRow, apply_roster
from hsdt.signatures.verdict import FileVerdict, Problem, SignatureVerdict
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.models import Evidence, Role
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.levels import Structure
from tests.inspection.fixtures import rescore

TZ = "Asia/Ho_Chi_Minh"
# tests/scoring/test_rubric_versions.py's school: 79,5 of the 96 points that apply (staff: none issued).
ANSWERS: dict[str, dict[str, Any]] = {
    "1": {"options": ["c1", "c2", "c3", "c4", "c5", "c6"]}, "2": {"issued": 2, "used": 2},
    "3": {"issued": 20, "used": 5}, "4": {"issued": 0, "used": 0},
    "5": {"options": ["c1", "c2", "c3", "c4", "c5"]}, "6": {"option": "full"}, "7": {"option": "part"},
    "8": {"stored": 100, "paper_only": 10, "signed": 81}, "9": {"option": "yes"},
    "10": {"valid": 0, "total": 0}, "11": {"option": "part"}, "12": {"text": "Đề nghị Sở tập huấn thêm."},
}


def seed_2026(engine: Engine, structure: Structure, now: datetime) -> dict[str, str]:
    """The campaign, the demo roster in `structure` and its assignments; returns invite codes by user code."""
    source = default_rubric_path().read_text(encoding="utf-8")
    with UnitOfWork(engine) as uow:
        version = install_rubric(uow, load_rubric_text(source, source="default"), source)
        open_campaign(uow, plan_for_school_year(2026, TZ, structure=structure), version)
        seed_demo(uow, invite_ttl=timedelta(days=30), now=now)
        invites = open_invites(uow, [u.code for u in demo_users(structure)], invite_ttl=timedelta(days=30), now=now)
    return {user.code: code for user, code in invites}


def outside_period_verdict(name: str) -> dict[str, Any]:
    """A valid signature made before the record period; its certificate's revocation not checked."""
    signature = SignatureVerdict(
        field="Signature1", signer="Nguyễn Thị Hồng Nhung", organization=None, uid="CCCD:001190000001",
        kind="personal", signing_time="2026-08-20T09:00:00+07:00", time_source="signer", intact=True, trusted=True,
        cert_valid_at_signing=True, covers_whole_file=True, modified_after_signing=False, in_period=False,
        problems=(Problem.OUTSIDE_PERIOD, Problem.REVOCATION_NOT_CHECKED), revocation="not_checked")
    verdict = FileVerdict(file=name, sha256="ab" * 32, status="valid", signatures=(signature,))
    return verdict.to_json()


def submit(engine: Engine, school_code: str, *, evidence: bool = False) -> float:
    """The school's answers submitted (by the demo principal); with `evidence`, one PDF for criterion 10."""
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None and campaign.id is not None
        version = uow.campaigns.rubric_version(campaign.rubric_version_id)
        assert version is not None
        rubric = load_rubric_text(version.source, source="test")
        school, principal = uow.units.by_code(school_code), uow.users.by_code("HT-HOASEN")
        assert school is not None and school.id is not None and principal is not None and principal.id is not None
        now = datetime.now(UTC)
        answers = dict(ANSWERS)
        if evidence:
            name = "ke-hoach-nam-hoc.pdf"
            uow.evidence.add(Evidence(campaign_id=campaign.id, school_id=school.id, criterion_id="10",
                                      sha256="ab" * 32, size=1000, file_name=name, status="valid",
                                      verdict=outside_period_verdict(name), uploaded_by=principal.id))
            answers["10"] = {"valid": 1, "total": 1, "in_period": 0, "in_period_proven": 0}
        assessment = uow.assessments.load(campaign.id, school.id, AssessmentKind.SELF, rubric, now=now)
        for cid, value in answers.items():
            assessment.answer(cid, read_value(value), by=principal.id, at=now)
        assessment.submit(by=principal.id, at=now)
        uow.assessments.save(assessment, channel="test", event_id=f"seed-{school_code}")
    assert assessment.total is not None
    return assessment.total


# With schools directly under the Sở, schools cross-inspect each other (`assign auto --level school`).
SCHOOL_INSPECTOR = UserRow("CB-SM-01", "Lý Thị Thu", Role.INSPECTOR, "MN-SAOMAI")


def fill(engine: Engine, structure: Structure) -> None:
    submit(engine, "MN-HOASEN", evidence=True)
    submit(engine, "MN-SAOMAI")
    submit(engine, "MN-HOAMAI")
    rescore(engine, "MN-HOASEN", DISTRICT, "CB-HB-01", {"6": 4.0})
    if structure is Structure.DIRECT:
        with UnitOfWork(engine) as uow:
            apply_roster(uow, [], [SCHOOL_INSPECTOR], invite_ttl=timedelta(days=30))
            campaign = uow.campaigns.active()
            assert campaign is not None
            apply_assignments(uow, campaign, [AssignmentRow("CB-SM-01", "MN-HOAMAI", CROSS)])
        rescore(engine, "MN-HOAMAI", CROSS, "CB-SM-01", {"7": 0.0})
    else:
        rescore(engine, "MN-HOAMAI", CROSS, "CB-HB-01", {"7": 0.0})
