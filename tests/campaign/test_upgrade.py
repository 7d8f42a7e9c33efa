"""A database made at revision 0005 (the 2024-2025 product) upgrades with every answer kept: its
campaign becomes the first campaign row, named with the 2024 structure, all its units taking part."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

from hsdt.scoring import load_rubric_text
from hsdt.services.campaigns import install_rubric, open_campaign, plan_for_school_year
from hsdt.storage.db import current_revision, head_revision, make_engine, upgrade
from hsdt.storage.models import UnitKind
from hsdt.storage.types import UTCDateTime
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.levels import STRUCTURES, Structure
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.helpers import RUBRIC_2024
from tests.present import present

NOW = datetime(2025, 1, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all (its own schema on PostgreSQL)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        engine.dispose()
        return
    schema = f"hsdt_upgrade_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but {POSTGRES_URL} failed: {error}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL}")
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _table(name: str, *columns: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(name, *columns)


def seed_at_0005(engine: Engine) -> dict[str, int]:
    """What the 2024-2025 product wrote: rubric, campaign, roster, answers, a submission, an assignment."""
    source = RUBRIC_2024.read_text(encoding="utf-8")
    rubric = _table("rubric_version", sa.column("id", sa.Integer), sa.column("sha256", sa.String),
                    sa.column("name", sa.String), sa.column("version", sa.String), sa.column("source", sa.String),
                    sa.column("loaded_at", UTCDateTime()))
    campaign = _table("campaign", sa.column("id", sa.Integer), sa.column("code", sa.String),
                      sa.column("name", sa.String), sa.column("record_start", sa.Date),
                      sa.column("record_end", sa.Date), sa.column("inspection_start", sa.Date),
                      sa.column("inspection_end", sa.Date), sa.column("self_assessment_due", UTCDateTime()),
                      sa.column("deadline", UTCDateTime()), sa.column("rubric_version_id", sa.Integer),
                      sa.column("active", sa.Boolean), sa.column("created_at", UTCDateTime()))
    unit = _table("unit", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
                  sa.column("kind", sa.String), sa.column("parent_id", sa.Integer),
                  sa.column("uses_erecords", sa.Boolean))
    user = _table("app_user", sa.column("id", sa.Integer), sa.column("code", sa.String),
                  sa.column("full_name", sa.String), sa.column("role", sa.String), sa.column("unit_id", sa.Integer),
                  sa.column("active", sa.Boolean), sa.column("created_at", UTCDateTime()))
    answer = _table("answer", sa.column("campaign_id", sa.Integer), sa.column("school_id", sa.Integer),
                    sa.column("kind", sa.String), sa.column("criterion_id", sa.String), sa.column("value", sa.JSON),
                    sa.column("points", sa.Float), sa.column("answered_by", sa.Integer),
                    sa.column("answered_at", UTCDateTime()), sa.column("version", sa.Integer))
    submission = _table("submission", sa.column("campaign_id", sa.Integer), sa.column("school_id", sa.Integer),
                        sa.column("kind", sa.String), sa.column("status", sa.String), sa.column("total", sa.Float),
                        sa.column("band", sa.String), sa.column("updated_at", UTCDateTime()))
    assignment = _table("assignment", sa.column("campaign_id", sa.Integer), sa.column("inspector_id", sa.Integer),
                        sa.column("school_id", sa.Integer), sa.column("kind", sa.String),
                        sa.column("created_at", UTCDateTime()))
    with engine.begin() as conn:
        conn.execute(rubric.insert().values(id=1, sha256="a" * 64, name="default", version="2024.1", source=source,
                                            loaded_at=NOW))
        conn.execute(campaign.insert().values(
            id=1, code="HSDT-2024", name="Kiểm tra năm học 2024-2025", record_start=date(2024, 9, 1),
            record_end=date(2024, 12, 31), inspection_start=date(2024, 12, 30), inspection_end=date(2024, 12, 31),
            self_assessment_due=datetime(2024, 12, 29, 16, 59, tzinfo=UTC),
            deadline=datetime(2025, 1, 6, 16, 59, tzinfo=UTC), rubric_version_id=1, active=True, created_at=NOW))
        conn.execute(unit.insert(), [
            {"id": 1, "code": "SO-HP", "name": "Sở GD&ĐT Hải Phòng", "kind": "so", "parent_id": None,
             "uses_erecords": True},
            {"id": 2, "code": "PGD-HB", "name": "Phòng GD&ĐT quận Hồng Bàng", "kind": "district", "parent_id": 1,
             "uses_erecords": True},
            {"id": 3, "code": "MN-HOASEN", "name": "Trường Mầm non Hoa Sen", "kind": "school", "parent_id": 2,
             "uses_erecords": True},
            {"id": 4, "code": "MN-SAOMAI", "name": "Trường Mầm non Sao Mai", "kind": "school", "parent_id": 2,
             "uses_erecords": True},
        ])
        conn.execute(user.insert(), [
            {"id": 1, "code": "HT-HOASEN", "full_name": "Nguyễn Thị Hồng Nhung", "role": "principal", "unit_id": 3,
             "active": True, "created_at": NOW},
            {"id": 2, "code": "CB-HB-01", "full_name": "Trần Văn Đức", "role": "inspector", "unit_id": 2,
             "active": True, "created_at": NOW},
        ])
        answers = [
            {"criterion_id": "A1", "value": {"options": ["c1", "c2", "c3"]}, "points": 6.0},
            {"criterion_id": "B1", "value": {"issued": 12, "used": 10}, "points": 6.67},
            {"criterion_id": "D1", "value": {"percent": 85}, "points": 8.5},
            {"criterion_id": "G1", "value": {"text": "Không có ý kiến."}, "points": 0.0},
        ]
        conn.execute(answer.insert(), [
            {**a, "campaign_id": 1, "school_id": 3, "kind": "self", "answered_by": 1,
             "answered_at": NOW - timedelta(minutes=i), "version": 1} for i, a in enumerate(answers)
        ] + [{"criterion_id": "B1", "value": {"points": 5.0, "comment": "Chấm lại"}, "points": 5.0,
              "campaign_id": 1, "school_id": 3, "kind": "district", "answered_by": 2, "answered_at": NOW,
              "version": 2}])
        conn.execute(submission.insert().values(campaign_id=1, school_id=3, kind="self", status="submitted",
                                                total=71.47, band="Khá", updated_at=NOW))
        conn.execute(assignment.insert().values(campaign_id=1, inspector_id=2, school_id=3, kind="district",
                                                created_at=NOW))
        if conn.dialect.name == "postgresql":  # rows were given their ids: move the sequences past them
            for table in ("rubric_version", "campaign", "unit", "app_user"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    return {"answers": len(answers) + 1}


def test_upgrade_from_0005_keeps_every_answer(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0005")
    assert current_revision(empty_engine) == "0005"
    seeded = seed_at_0005(empty_engine)
    with empty_engine.connect() as conn:
        before = conn.execute(text("SELECT campaign_id, school_id, kind, criterion_id, points, version "
                                   "FROM answer ORDER BY kind, criterion_id")).all()
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision(empty_engine)
    with empty_engine.connect() as conn:
        after = conn.execute(text("SELECT campaign_id, school_id, kind, criterion_id, points, version "
                                  "FROM answer ORDER BY kind, criterion_id")).all()
    assert after == before and len(after) == seeded["answers"]
    with UnitOfWork(empty_engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None and campaign.id == 1 and campaign.code == "HSDT-2024"
        assert campaign.school_year == "2024-2025"
        assert campaign.rescore_due == campaign.deadline == datetime(2025, 1, 6, 16, 59, tzinfo=UTC)
        assert (campaign.issuer, campaign.issuer_parent, campaign.place) == (
            "SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG", "UBND THÀNH PHỐ HẢI PHÒNG", "Hải Phòng")
        assert campaign.notice_no is None and campaign.closed_at is None
        assert uow.levels.of_campaign(1) == STRUCTURES[Structure.DISTRICT]
        assert uow.units.member_ids(1) == {1, 2, 3, 4}
        answers = uow.answers.for_school(1, 3)
        assert answers["A1"].value == {"options": ["c1", "c2", "c3"]} and answers["B1"].value == {"issued": 12,
                                                                                                     "used": 10}
        assert uow.answers.for_school(1, 3, "district")["B1"].value == {"points": 5.0, "comment": "Chấm lại"}
        assert present(uow.submissions.get(1, 3)).total == 71.47
        assert uow.session.execute(text("SELECT campaign_id, inspector_id, school_id, kind FROM assignment")
                                   ).all() == [(1, 2, 3, "district")]
        # The upgraded database opens its next campaign next to the old one, which keeps its answers.
        source = RUBRIC_2024.read_text(encoding="utf-8")
        version = install_rubric(uow, load_rubric_text(source, source="default"), source)
        new, _ = open_campaign(uow, plan_for_school_year(2026, "Asia/Ho_Chi_Minh"), version)
        assert new.id != 1 and uow.levels.of_campaign(new.id).managing.short == "xã/phường"
        assert uow.answers.for_school(present(new.id), 3) == {}
    with UnitOfWork(empty_engine) as uow:
        assert present(uow.campaigns.active()).code == "HSDT-2026"
        assert len(uow.answers.for_school(1, 3)) == 4
        assert [u.code for u in uow.units.of_kind(UnitKind.SCHOOL, 1)] == ["MN-HOASEN", "MN-SAOMAI"]


def test_upgrade_to_0018_renames_the_commune_staff_and_adds_the_heading_facts(empty_engine: Engine) -> None:
    """A commune campaign stored before 0018 named its staff "Cán bộ quản lý cấp xã" (read as school
    managers); the upgrade renames it, its units get empty heading facts (their level's defaults) and its
    rubric is not yet confirmed."""
    upgrade(empty_engine, "0016")
    with empty_engine.begin() as conn:  # what the code of 0016 wrote, in its own columns
        conn.execute(_table("rubric_version", sa.column("sha256"), sa.column("name"), sa.column("version"),
                            sa.column("source"), sa.column("loaded_at", UTCDateTime)).insert().values(
            sha256="0" * 64, name="r", version="1", source="x", loaded_at=NOW))
        conn.execute(_table(
            "campaign", *(sa.column(c) for c in ("code", "name", "school_year", "record_start", "record_end",
                                                  "inspection_start", "inspection_end", "rubric_version_id",
                                                  "issuer", "issuer_parent", "place", "active")),
            *(sa.column(c, UTCDateTime) for c in ("self_assessment_due", "rescore_due", "deadline", "created_at")),
        ).insert().values(
            code="HSDT-2025", name="Đợt 2025", school_year="2025-2026", record_start=date(2025, 9, 1),
            record_end=date(2025, 12, 31), inspection_start=date(2025, 12, 30), inspection_end=date(2025, 12, 31),
            rubric_version_id=1, issuer="SỞ", issuer_parent="UBND", place="Hải Phòng", active=True,
            self_assessment_due=NOW, rescore_due=NOW, deadline=NOW, created_at=NOW))
        levels = _table("unit_level", *(sa.column(c) for c in ("campaign_id", "kind", "singular", "plural", "short",
                                                                 "staff")))
        conn.execute(levels.insert().values(campaign_id=1, kind="district", singular="UBND xã/phường/đặc khu",
                                            plural="các xã/phường/đặc khu", short="xã/phường",
                                            staff="Cán bộ quản lý cấp xã"))
        conn.execute(_table("unit", *(sa.column(c) for c in ("code", "name", "kind", "uses_erecords"))).insert()
                     .values(code="UB-LC", name="UBND phường Lê Chân", kind="district", uses_erecords=True))
    upgrade(empty_engine)
    with UnitOfWork(empty_engine) as uow:
        campaign = uow.campaigns.by_code("HSDT-2025")
        assert campaign is not None and campaign.id is not None and campaign.rubric_confirmed is False
        assert uow.levels.of_campaign(campaign.id).managing.staff == "Cán bộ Phòng Văn hóa – Xã hội"
        unit = uow.units.by_code("UB-LC")
        assert unit is not None and (unit.official_name, unit.place_name, unit.signer_title) == (None, None, None)


def _every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the migrations' own, columns in name order, tenant_id left out."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            if table in ("alembic_version", "tenant"):
                continue
            columns = sorted(c["name"] for c in sa.inspect(conn).get_columns(table) if c["name"] != "tenant_id")
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[table] = sorted((tuple(map(repr, r)) for r in conn.execute(text(f"SELECT {listed} FROM {table}"))))
    return rows


def test_upgrade_to_tenants_keeps_a_one_so_database_whole(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0005")
    seed_at_0005(empty_engine)
    upgrade(empty_engine, "0023")
    before = _every_row(empty_engine)
    assert sum(len(r) for r in before.values()) > 20
    upgrade(empty_engine)
    after = _every_row(empty_engine)
    assert {t: r for t, r in after.items() if t in before} == before
    with empty_engine.connect() as conn:
        tenants = conn.execute(text("SELECT id, code, name, kind FROM tenant")).all()
        so_name = conn.execute(text("SELECT name FROM unit WHERE kind = 'so'")).scalar()
        for table in before:
            if "tenant_id" in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
                owners = conn.execute(text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars().all()
                assert set(owners) <= {1}, table
    # The first tenant is the Sở the database served, named as its roster names it.
    assert [tuple(t) for t in tenants] == [(1, "default", so_name, "so")]
    # And the bot reads it as before, as that tenant.
    with UnitOfWork(empty_engine) as uow:
        assert present(uow.campaigns.active()).code == "HSDT-2024"
        assert len(uow.answers.for_school(1, 3)) == 4
