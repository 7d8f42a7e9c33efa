"""Repositories and migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from hsdt.scoring.rubric import Rubric
from hsdt.storage.db import current_revision, make_engine, upgrade
from hsdt.storage.models import AnswerAudit, Role, Unit, User
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import RUBRIC_2024
from tests.present import present


def _school_and_user(uow: UnitOfWork) -> tuple[Unit, User]:
    school = uow.units.add(Unit(code="S1", name="Trường Mầm non Bình Minh", kind="school"))
    user = uow.users.add(User(code="U1", full_name="Vũ Thị Lan", role=Role.PRINCIPAL, unit_id=present(school.id)))
    return school, user


def test_migrations_match_models(engine: Engine) -> None:
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_upgrade_is_idempotent(engine: Engine) -> None:
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def _campaign(engine: Engine) -> tuple[Rubric, int, int, int]:
    """The 2024 rubric's campaign with one school and its principal: (rubric, campaign, school, user)."""
    from hsdt.scoring import load_rubric_text
    from hsdt.services.campaigns import ensure_campaign, install_rubric

    source = RUBRIC_2024.read_text(encoding="utf-8")
    rubric = load_rubric_text(source, "x")
    with UnitOfWork(engine) as uow:
        school, user = _school_and_user(uow)
        campaign = ensure_campaign(uow, install_rubric(uow, rubric, source), tz="UTC")
    return rubric, present(campaign.id), present(school.id), present(user.id)


def test_assessment_save_keeps_audit_trail(engine: Engine) -> None:
    from hsdt.scoring import CountPair
    from hsdt.scoring.assessment import AssessmentKind
    from hsdt.storage.types import utcnow

    rubric, campaign_id, school_id, user_id = _campaign(engine)
    for used in (3, 4):
        with UnitOfWork(engine) as uow:
            own = uow.assessments.load(campaign_id, school_id, AssessmentKind.SELF, rubric, now=utcnow())
            own.answer("B1", CountPair(issued=5, used=used), by=user_id, at=utcnow())
            uow.assessments.save(own, channel="test", event_id=f"e{used}")
    with UnitOfWork(engine) as uow:
        answer = present(uow.answers.get(campaign_id, school_id, "B1"))
        assert answer.value == {"issued": 5, "used": 4} and answer.version == 2
        assert answer.answered_at.tzinfo is not None
        audit = uow.session.exec(select(AnswerAudit)).all()
        assert [(a.old_value, a.new_value) for a in audit] == [
            (None, {"issued": 5, "used": 3}),
            ({"issued": 5, "used": 3}, {"issued": 5, "used": 4}),
        ]
        # PostgreSQL writes an answer and its audit row in one statement, the tenant given, not defaulted.
        assert answer.tenant_id == 1 and {a.tenant_id for a in audit} == {1}


def test_an_answer_changed_meanwhile_is_refused_without_its_audit_row(engine: Engine) -> None:
    """Without the submission's lock (a caller that skipped it) a stored answer can move on under a loaded
    assessment: its write matches no row, and no audit row says it happened."""
    from hsdt.scoring import CountPair
    from hsdt.scoring.assessment import AssessmentKind
    from hsdt.storage.assessments import ConcurrentChange
    from hsdt.storage.types import utcnow

    rubric, campaign_id, school_id, user_id = _campaign(engine)
    with UnitOfWork(engine) as uow:
        own = uow.assessments.load(campaign_id, school_id, AssessmentKind.SELF, rubric, now=utcnow())
        own.answer("B1", CountPair(issued=5, used=3), by=user_id, at=utcnow())
        uow.assessments.save(own, channel="test", event_id="first")
    with pytest.raises(ConcurrentChange), UnitOfWork(engine) as uow:
        own = uow.assessments.load(campaign_id, school_id, AssessmentKind.SELF, rubric, now=utcnow())
        uow.session.connection().execute(text("UPDATE answer SET version = version + 1"))
        own.answer("B1", CountPair(issued=5, used=4), by=user_id, at=utcnow())
        try:
            uow.assessments.save(own, channel="test", event_id="stale")
        finally:
            # Read inside the transaction, before its rollback: the refused write left no audit row.
            audits = uow.session.connection().execute(text("SELECT event_id FROM answer_audit")).scalars().all()
            assert audits == ["first"]


def test_processed_event_is_unique(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.events.mark("telegram", "42")
    with pytest.raises(IntegrityError), UnitOfWork(engine) as uow:
        uow.events.mark("telegram", "42")
    with UnitOfWork(engine) as uow:
        assert uow.events.seen("telegram", "42")
        assert not uow.events.seen("zalo", "42")


def test_chat_identity_unique_per_channel(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        _, user = _school_and_user(uow)
        user_id = present(user.id)
        uow.identities.bind("telegram", "1", user_id, "Lan")
        uow.identities.bind("zalo", "1", user_id, "Lan")
        uow.identities.bind("telegram", "1", user_id, "Lan V.")
    with UnitOfWork(engine) as uow:
        assert len(uow.identities.of_user(user_id)) == 2
        assert present(uow.identities.find("telegram", "1")).display_name == "Lan V."


def test_rollback_on_error_writes_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
        _school_and_user(uow)
        raise RuntimeError("boom")
    with UnitOfWork(engine) as uow:
        assert uow.units.by_code("S1") is None


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive"), UnitOfWork(engine) as uow:
        _school, user = _school_and_user(uow)
        user.created_at = datetime(2024, 1, 1)
        uow.session.add(user)
        uow.flush()
    with UnitOfWork(engine) as uow:
        _school, user = _school_and_user(uow)
        user.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    with UnitOfWork(engine) as uow:
        assert present(uow.users.by_code("U1")).created_at == datetime(2024, 1, 1, tzinfo=UTC)


def test_migration_history_is_linear_and_reversible(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from hsdt.storage.db import alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    config = alembic_config(engine)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
    upgrade(engine)
    command.downgrade(config, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
