"""Levels as data: the post-2025 structure (Sở → xã/phường → trường, cross-inspection by clusters), the
pre-2025 one and schools directly under the Sở run from the same code; `assign auto` never pairs a
unit with itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from hsdt.scoring import load_rubric_text
from hsdt.services.assignments import (
    AssignmentError,
    AssignmentRow,
    ClusterRule,
    apply_assignments,
    managing_unit_of,
    office_of,
    propose_cross,
)
from hsdt.services.campaigns import install_rubric, open_campaign, plan_for_school_year
from hsdt.services.roster import RosterError, UnitRow, UserRow, apply_roster
from hsdt.storage.models import Campaign, UnitKind
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import role_name
from hsdt.texts.levels import Structure
from tests.helpers import RUBRIC_2024
from tests.present import present

TZ = "Asia/Ho_Chi_Minh"
TTL = timedelta(days=30)


def open_in(engine: Engine, structure: Structure, start: int = 2026, code: str | None = None) -> Campaign:
    source = RUBRIC_2024.read_text(encoding="utf-8")
    with UnitOfWork(engine) as uow:
        version = install_rubric(uow, load_rubric_text(source, source="default"), source)
        plan = plan_for_school_year(start, TZ, structure=structure)
        if code is not None:
            from dataclasses import replace

            plan = replace(plan, code=code)
        campaign, _ = open_campaign(uow, plan, version)
        return campaign


def commune_roster(prefix: str = "") -> tuple[list[UnitRow], list[UserRow]]:
    """Sở → four communes in two clusters → two schools each; one inspector per commune."""
    units = [UnitRow(f"{prefix}SO", "Sở GD&ĐT Hải Phòng", "so", position=1)]
    users = []
    for i, key in enumerate("ABCD"):
        cluster = "Cụm 1" if key in "AB" else "Cụm 2"
        units.append(UnitRow(f"{prefix}UB-{key}", f"UBND phường {key}", "district", f"{prefix}SO", position=2 + i,
                             cluster=cluster))
        users.append(UserRow(f"{prefix}CB-{key}", f"Cán bộ {key}", "inspector", f"{prefix}UB-{key}"))
        users.append(UserRow(f"{prefix}XA-{key}", f"Quản lý {key}", "district_staff", f"{prefix}UB-{key}"))
        for n in (1, 2):
            units.append(UnitRow(f"{prefix}MN-{key}{n}", f"Trường Mầm non {key}{n}", "school", f"{prefix}UB-{key}",
                                 position=10 + 2 * i + n))
    return units, users


def test_post_2025_structure_names_its_levels_and_pairs_inside_clusters(engine: Engine) -> None:
    campaign = open_in(engine, Structure.COMMUNE)
    units, users = commune_roster()
    with UnitOfWork(engine) as uow:
        apply_roster(uow, units, users, invite_ttl=TTL)
    with UnitOfWork(engine) as uow:
        levels = uow.levels.of_campaign(campaign.id)
        assert (levels.managing.singular, levels.managing.plural, levels.managing.short) == (
            "UBND xã/phường/đặc khu", "các xã/phường/đặc khu", "xã/phường")
        # "CBQL" means a school's managers: the commune's staff are its Phòng Văn hóa – Xã hội's.
        assert role_name("district_staff", levels) == "Cán bộ Phòng Văn hóa – Xã hội"
        # Reports list units in the roster's order (STT), not by name.
        assert [u.code for u in uow.units.of_kind(UnitKind.MANAGING, campaign.id)] == ["UB-A", "UB-B", "UB-C", "UB-D"]
        proposal = propose_cross(uow, per_office=2, seed=3, clusters=ClusterRule.SAME)
        assert len(proposal.rows) == 8 and not proposal.short_offices
        for row in proposal.rows:
            inspector, school = uow.users.by_code(row.inspector_code), uow.units.by_code(row.school_code)
            assert inspector is not None and school is not None
            home = managing_unit_of(uow, school)
            inspecting = uow.units.get(inspector.unit_id)
            assert home is not None and inspecting is not None
            assert home.id != inspecting.id and home.cluster == inspecting.cluster
        across = propose_cross(uow, per_office=2, seed=3, clusters=ClusterRule.OTHER)
        for row in across.rows:
            school = uow.units.by_code(row.school_code)
            inspector = uow.users.by_code(row.inspector_code)
            inspector_unit = present(uow.units.get(present(inspector).unit_id))
            assert present(managing_unit_of(uow, present(school))).cluster != inspector_unit.cluster
        result = apply_assignments(uow, campaign, proposal.rows)
        assert result.created == 8


def test_pre_2025_structure_runs_from_the_same_code(engine: Engine) -> None:
    campaign = open_in(engine, Structure.DISTRICT, start=2024)
    units = [UnitRow("SO", "Sở GD&ĐT Hải Phòng", "so"),
             UnitRow("PGD-LC", "Phòng GD&ĐT quận Lê Chân", "district", "SO"),
             UnitRow("PGD-KA", "Phòng GD&ĐT huyện Kiến An", "district", "SO"),
             UnitRow("MN-1", "Trường Mầm non Một", "school", "PGD-LC"),
             UnitRow("MN-2", "Trường Mầm non Hai", "school", "PGD-KA")]
    users = [UserRow("CB-LC", "Cán bộ Lê Chân", "inspector", "PGD-LC"),
             UserRow("CB-KA", "Cán bộ Kiến An", "inspector", "PGD-KA")]
    with UnitOfWork(engine) as uow:
        apply_roster(uow, units, users, invite_ttl=TTL)
    with UnitOfWork(engine) as uow:
        levels = uow.levels.of_campaign(campaign.id)
        assert levels.managing.singular == "Phòng GD&ĐT quận/huyện"
        assert role_name("district_staff", levels) == "Cán bộ Phòng GD&ĐT"
        proposal = propose_cross(uow, per_office=1, seed=1)
        assert {(r.inspector_code, r.school_code) for r in proposal.rows} == {("CB-LC", "MN-2"), ("CB-KA", "MN-1")}
        with pytest.raises(AssignmentError) as error:
            apply_assignments(uow, campaign, [AssignmentRow("CB-LC", "MN-1", "cross", 2)])
        assert ("dòng 2: kiểm tra chéo không được kiểm tra trường của chính Phòng GD&ĐT quận/huyện mình"
                in str(error.value))


def test_schools_directly_under_the_so(engine: Engine) -> None:
    campaign = open_in(engine, Structure.DIRECT)
    units = [UnitRow("SO", "Sở GD&ĐT", "so"), UnitRow("MN-1", "Trường Mầm non Một", "school", "SO"),
             UnitRow("MN-2", "Trường Mầm non Hai", "school", "SO"),
             UnitRow("MN-3", "Trường Mầm non Ba", "school", "SO")]
    users = [UserRow("CB-SO", "Cán bộ Sở", "inspector", "SO"),
             *(UserRow(f"CB-{i}", f"Hiệu trưởng kiêm kiểm tra {i}", "inspector", f"MN-{i}") for i in (1, 2, 3))]
    with UnitOfWork(engine) as uow:
        apply_roster(uow, units, users, invite_ttl=TTL)
        with pytest.raises(RosterError) as error:
            apply_roster(uow, [UnitRow("PGD-X", "Phòng GD&ĐT X", "district", "SO")], [], invite_ttl=TTL)
        assert "đơn vị PGD-X: đợt kiểm tra đang mở không có cấp “Đơn vị quản lý”" in str(error.value)
    with UnitOfWork(engine) as uow:
        levels = uow.levels.of_campaign(campaign.id)
        assert not levels.has_managing and levels.managing.singular == "Sở GD&ĐT"  # the Sở re-scores
        school = uow.units.by_code("MN-1")
        assert school is not None
        # The Sở is never a managing unit: nothing is listed or counted at that level.
        assert managing_unit_of(uow, school) is None
        assert uow.units.of_kind(UnitKind.MANAGING, campaign.id) == []
        assert office_of(uow, school) == present(uow.units.by_code("SO")).id
        # Schools cross-inspect each other, never themselves.
        proposal = propose_cross(uow, per_office=2, seed=5, level=UnitKind.SCHOOL)
        assert len(proposal.rows) == 6
        for row in proposal.rows:
            assert row.school_code[-1] != row.inspector_code[-1]
        apply_assignments(uow, campaign, proposal.rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shape=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["Cụm 1", "Cụm 2", None]), st.booleans()),
                   min_size=1, max_size=5),
    per_office=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    rule=st.sampled_from(list(ClusterRule)),
    level=st.sampled_from([UnitKind.MANAGING, UnitKind.SCHOOL]),
)
def test_assign_auto_never_pairs_a_unit_with_itself(
    sqlite_engine: Engine, shape: list[tuple[int, str | None, bool]], per_office: int, seed: int, rule: ClusterRule,
    level: UnitKind,
) -> None:
    """Any roster (communes with 0–3 schools, clusters or none, with or without inspectors)."""
    with UnitOfWork(sqlite_engine) as uow:
        number = len(uow.campaigns.all())
    prefix = f"T{number}-"
    campaign = open_in(sqlite_engine, Structure.COMMUNE, code=f"HSDT-T{number}")
    units = [UnitRow(f"{prefix}SO", "Sở", "so")]
    users = []
    for i, (schools, cluster, has_inspector) in enumerate(shape):
        commune = f"{prefix}UB{i}"
        units.append(UnitRow(commune, f"UBND {i}", "district", f"{prefix}SO", cluster=cluster))
        if has_inspector:
            users.append(UserRow(f"{prefix}CB{i}", f"Cán bộ {i}", "inspector", commune))
        for n in range(schools):
            units.append(UnitRow(f"{commune}-MN{n}", f"Trường {i}.{n}", "school", commune, cluster=cluster))
            if has_inspector:
                users.append(UserRow(f"{commune}-CB{n}", f"Hiệu trưởng {i}.{n}", "inspector", f"{commune}-MN{n}"))
    with UnitOfWork(sqlite_engine) as uow:
        apply_roster(uow, units, users, invite_ttl=TTL)
        proposal = propose_cross(uow, per_office=per_office, seed=seed, campaign=campaign, level=level, clusters=rule)
        for row in proposal.rows:
            inspector, school = uow.users.by_code(row.inspector_code), uow.units.by_code(row.school_code)
            assert inspector is not None and school is not None
            assert school.code.startswith(prefix)  # only this campaign's units
            assert school.id != inspector.unit_id
            assert office_of(uow, school) != inspector.unit_id
        apply_assignments(uow, campaign, proposal.rows)  # every proposed row passes the import's checks
