"""A database written before answer values were typed loads unchanged, on SQLite and PostgreSQL.

`data/answers_written_by_072ae9f.json` is what the chat stored at commit 072ae9f (answer values were
dicts then): a principal answered every question of each bundled rubric and submitted, and an
inspector re-scored with comments and, on the 2026.2 rubric, accepted two criteria as "Không áp
dụng". The rows go into a migrated database as they were; the assessment must read every value as its
type, score the totals that were stored, and write back the same JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from hsdt.scoring import Rescore, Unreadable, bundled_rubric_path, load_rubric_text, read_value
from hsdt.scoring.assessment import Assessment, AssessmentKind
from hsdt.services.campaigns import ensure_campaign, install_rubric
from hsdt.storage.models import Answer, Role, Submission, Unit, User
from hsdt.storage.tenancy import scope_connection
from hsdt.storage.unit_of_work import UnitOfWork
from tests.present import present

WRITTEN = json.loads((Path(__file__).with_name("data") / "answers_written_by_072ae9f.json").read_text("utf-8"))
NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


def _store(engine: Engine, rubric_name: str) -> tuple[int, int, int, Any]:
    """The rubric's campaign, a school and a principal, and the rows as the old code stored them."""
    source = bundled_rubric_path(rubric_name).read_text(encoding="utf-8")
    rubric = load_rubric_text(source, rubric_name)
    rows = WRITTEN[rubric_name]
    with UnitOfWork(engine) as uow:
        campaign = ensure_campaign(uow, install_rubric(uow, rubric, source), tz="Asia/Ho_Chi_Minh")
        school = uow.units.add(Unit(code="MN-HOASEN", name="Trường Mầm non Hoa Sen", kind="school"))
        user = uow.users.add(User(code="HT-HOASEN", full_name="Nguyễn Thị Hồng Nhung", role=Role.PRINCIPAL,
                                  unit_id=present(school.id)))
        assert campaign.id is not None and school.id is not None and user.id is not None
        scope = {"campaign_id": campaign.id, "school_id": school.id}
        connection = uow.session.connection()
        connection.execute(insert(Answer), [
            {**scope, "kind": a["kind"], "criterion_id": a["criterion_id"], "value": a["value"], "points": a["points"],
             "answered_by": user.id, "answered_at": NOW, "version": 1} for a in rows["answers"]])
        connection.execute(insert(Submission), [
            {**scope, "kind": s["kind"], "status": s["status"], "total": s["total"], "band": s["band"], "version": 1,
             "submitted_at": NOW, "submitted_by": user.id, "updated_at": NOW} for s in rows["submissions"]])
        return campaign.id, school.id, user.id, rubric


def _stored_json(engine: Engine) -> dict[tuple[str, str], str]:
    """Every stored value as JSON text, key order and number types included (6.0 is not 6)."""
    with engine.begin() as conn:
        rows = scope_connection(conn).execute(select(col(Answer.kind), col(Answer.criterion_id),
                                                     col(Answer.value))).all()
    return {(str(kind), criterion): json.dumps(value, ensure_ascii=False) for kind, criterion, value in rows}


@pytest.mark.parametrize("rubric_name", ["hsdt-2024-2025", "hsdt-2026.2"])
def test_a_database_written_before_values_were_typed_loads_unchanged(engine: Engine, rubric_name: str) -> None:
    campaign_id, school_id, user_id, rubric = _store(engine, rubric_name)
    rows = WRITTEN[rubric_name]
    before = _stored_json(engine)
    loaded: dict[str, Assessment] = {}
    with UnitOfWork(engine) as uow:
        for submission in rows["submissions"]:
            kind = submission["kind"]
            assessment = uow.assessments.load(campaign_id, school_id, kind, rubric, now=NOW, lock=False)
            loaded[kind] = assessment
            # Every value reads as its type, and is the JSON it was read from.
            for cid, answer in assessment.answers.items():
                assert not isinstance(answer.value, Unreadable), (kind, cid, answer.value)
                assert json.dumps(answer.value.to_json(), ensure_ascii=False) == before[(kind, cid)]
            # The totals scored now are those the old code stored when it submitted.
            assert (assessment.current_total(), assessment.current_band()) == (submission["total"], submission["band"])
            assert (assessment.total, assessment.band) == (submission["total"], submission["band"])
    own = loaded["self"]
    for answer in rows["answers"]:
        if answer["kind"] == "self":
            assert own.score().points(answer["criterion_id"]) == answer["points"], answer
    rescore = loaded["district"]
    assert all(isinstance(a.value, Rescore) for a in rescore.answers.values())
    commented = {cid: a.value.comment for cid, a in rescore.answers.items()
                 if isinstance(a.value, Rescore) and a.value.comment}
    assert commented == {a["criterion_id"]: a["value"]["comment"] for a in rows["answers"]
                         if a["kind"] == "district" and a["value"]["comment"]}

    # Reopened and answered again through the aggregate: the other rows stay byte for byte, and the new
    # value is written as the old code wrote it.
    changed = next(a for a in rows["answers"] if a["kind"] == "self" and "option" in a["value"])
    with UnitOfWork(engine) as uow:
        own = uow.assessments.load(campaign_id, school_id, AssessmentKind.SELF, rubric, now=NOW)
        own.reopen(at=NOW)
        own.answer(changed["criterion_id"], read_value(changed["value"]), by=user_id, at=NOW)
        uow.assessments.save(own, channel="test", event_id="again")
    assert _stored_json(engine) == before
