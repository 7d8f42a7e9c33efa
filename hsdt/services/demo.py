"""The demo: a Sở, two managing units of two schools each (or four schools under the Sở), four people
and their assignments, in the active campaign's structure."""

from __future__ import annotations

from datetime import datetime, timedelta

from hsdt.services.assignments import AssignmentRow, apply_assignments
from hsdt.services.roster import RosterResult, UnitRow, UserRow, apply_roster
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.models import Role, UnitKind
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import setup as st
from hsdt.texts.levels import STRUCTURES, Levels, Structure

DEMO_SO = UnitRow("SO-HP", "Sở GD&ĐT Hải Phòng", UnitKind.DEPARTMENT, position=1)
DEMO_SCHOOLS = [  # (code, name, managing unit's code)
    ("MN-HOASEN", "Trường Mầm non Hoa Sen", "HB"),
    ("MN-SAOMAI", "Trường Mầm non Sao Mai", "HB"),
    ("MN-HOAMAI", "Trường Mầm non Hoa Mai", "TN"),
    ("MN-TUOITHO", "Trường Mầm non Tuổi Thơ", "TN"),
]


def demo_units(structure: Structure) -> list[UnitRow]:
    """The demo's roster in one structure: two managing units of two schools each (or four schools
    directly under the Sở)."""
    if structure is Structure.DIRECT:
        return [DEMO_SO, *(UnitRow(code, name, UnitKind.SCHOOL, DEMO_SO.code, position=i)
                           for i, (code, name, _) in enumerate(DEMO_SCHOOLS, start=2))]
    commune = structure is Structure.COMMUNE
    managing = {
        key: UnitRow(f"{'UB' if commune else 'PGD'}-{key}", (st.DEMO_COMMUNES if commune else st.DEMO_DISTRICTS)[key],
                     UnitKind.MANAGING, DEMO_SO.code, position=i, cluster=st.DEMO_CLUSTER if commune else None)
        for i, key in enumerate(("HB", "TN"), start=2)
    }
    schools = [UnitRow(code, name, UnitKind.SCHOOL, managing[key].code, position=i)
               for i, (code, name, key) in enumerate(DEMO_SCHOOLS, start=4)]
    return [DEMO_SO, *managing.values(), *schools]


def demo_users(structure: Structure) -> list[UserRow]:
    units = {u.code[-2:]: u.code for u in demo_units(structure) if u.kind == UnitKind.MANAGING}
    hb = units.get("HB", DEMO_SO.code)
    return [
        UserRow("HT-HOASEN", "Nguyễn Thị Hồng Nhung", Role.PRINCIPAL, "MN-HOASEN"),
        UserRow("CB-HB-01", "Trần Văn Đức", Role.INSPECTOR, hb),
        UserRow("PGD-HB-01", "Lê Thị Thu Hà", Role.DISTRICT_STAFF if structure is not Structure.DIRECT
                else Role.SO_STAFF, hb),
        UserRow("SO-01", "Phạm Minh Tuấn", Role.SO_STAFF, DEMO_SO.code),
    ]


# The 2024-2025 demo (Phòng GD&ĐT quận/huyện), which the tests run against.
DEMO_UNITS = demo_units(Structure.DISTRICT)
DEMO_USERS = demo_users(Structure.DISTRICT)


def seed_demo(uow: UnitOfWork, *, invite_ttl: timedelta, now: datetime | None = None) -> RosterResult:
    """The demo roster in the active campaign's structure, and the demo's assignments."""
    campaign = uow.campaigns.active()
    structure = _structure_of(uow.levels.of_campaign(campaign.id)) if campaign is not None else Structure.DISTRICT
    result = apply_roster(uow, demo_units(structure), demo_users(structure), invite_ttl=invite_ttl, now=now)
    seed_demo_assignments(uow)
    return result


def _structure_of(levels: Levels) -> Structure:
    for structure, named in STRUCTURES.items():
        if named == levels:
            return structure
    return Structure.COMMUNE if levels.has_managing else Structure.DIRECT


def is_empty(uow: UnitOfWork) -> bool:
    return uow.units.by_code(DEMO_SO.code) is None and not uow.units.of_kind(UnitKind.SCHOOL)


DEMO_ASSIGNMENTS = [
    AssignmentRow("CB-HB-01", "MN-HOASEN", DISTRICT),
    AssignmentRow("CB-HB-01", "MN-SAOMAI", DISTRICT),
    AssignmentRow("CB-HB-01", "MN-HOAMAI", CROSS),
]


def seed_demo_assignments(uow: UnitOfWork) -> None:
    """The demo inspector re-scores the schools of their managing unit and cross-inspects one elsewhere
    (with schools directly under the Sở there is no elsewhere: re-scoring only)."""
    campaign = uow.campaigns.active()
    if campaign is None:
        return
    rows = DEMO_ASSIGNMENTS if uow.levels.of_campaign(campaign.id).has_managing else DEMO_ASSIGNMENTS[:2]
    apply_assignments(uow, campaign, rows)
