"""Who inspects which school: apply an assignment table (all or nothing), propose cross-inspection
pairs reproducibly, and the demo's assignments. No chat here."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hsdt.storage.inspection_models import ASSIGNMENT_KINDS, CROSS, DISTRICT
from hsdt.storage.models import Campaign, Role, Unit, User
from hsdt.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AssignmentRow:
    inspector_code: str
    school_code: str
    kind: str  # "district" (re-score) | "cross" (cross-inspection)
    row: int = 0  # the row in the workbook, for messages


@dataclass
class AssignmentResult:
    created: int = 0
    unchanged: int = 0
    removed: int = 0


class AssignmentError(ValueError):
    """Rows that cannot be applied; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def office_of(uow: UnitOfWork, unit: Unit) -> int | None:
    """The district office responsible for a school: its nearest "district" ancestor, else its parent."""
    for ancestor in uow.units.ancestors(unit):
        if ancestor.kind == "district":
            return ancestor.id
    return unit.parent_id


def _where(row: AssignmentRow) -> str:
    return f"dòng {row.row}" if row.row else f"{row.inspector_code}/{row.school_code}"


def _check(uow: UnitOfWork, rows: list[AssignmentRow]) -> tuple[list[str], list[tuple[User, Unit, str]]]:
    problems: list[str] = []
    resolved: list[tuple[User, Unit, str]] = []
    for row in rows:
        user = uow.users.by_code(row.inspector_code)
        school = uow.units.by_code(row.school_code)
        where = _where(row)
        if user is None:
            problems.append(f"{where}: không có người dùng «{row.inspector_code}»")
        elif user.role != Role.INSPECTOR or not user.active:
            problems.append(f"{where}: «{row.inspector_code}» không phải cán bộ kiểm tra đang hoạt động")
        if school is None:
            problems.append(f"{where}: không có trường «{row.school_code}»")
        elif school.kind != "school":
            problems.append(f"{where}: «{row.school_code}» không phải là trường")
        if row.kind not in ASSIGNMENT_KINDS:
            problems.append(f"{where}: loại «{row.kind}» không hợp lệ (Chấm lại / Kiểm tra chéo)")
        if user is None or school is None or school.kind != "school" or row.kind not in ASSIGNMENT_KINDS:
            continue
        own = office_of(uow, school) == user.unit_id
        if row.kind == DISTRICT and not own:
            problems.append(f"{where}: chấm lại chỉ dành cho trường thuộc Phòng GD&ĐT của «{row.inspector_code}»")
        if row.kind == CROSS and own:
            problems.append(f"{where}: kiểm tra chéo không được kiểm tra trường của chính Phòng GD&ĐT mình")
        resolved.append((user, school, row.kind))
    return problems, resolved


def apply_assignments(
    uow: UnitOfWork, campaign: Campaign, rows: list[AssignmentRow], *, replace: bool = False
) -> AssignmentResult:
    """Idempotent upsert of the whole table; any bad row raises AssignmentError before any write.

    With `replace`, the table is the truth for the kinds it contains: the campaign's assignments of those
    kinds that are missing from it are removed (a cross-inspection table leaves the re-scoring alone).
    """
    problems, resolved = _check(uow, rows)
    if problems:
        raise AssignmentError(problems)
    result = AssignmentResult()
    keep: set[tuple[int, int, str]] = set()
    for user, school, kind in resolved:
        key = (user.id, school.id, kind)
        if key in keep:
            continue
        keep.add(key)  # type: ignore[arg-type]
        if uow.inspection.assign(campaign.id, user.id, school.id, kind):  # type: ignore[arg-type]
            result.created += 1
        else:
            result.unchanged += 1
    if replace:
        kinds = {kind for _, _, kind in resolved}
        result.removed = uow.inspection.remove_all_except(campaign.id, keep, kinds)  # type: ignore[arg-type]
    uow.flush()
    return result


@dataclass
class Proposal:
    rows: list[AssignmentRow] = field(default_factory=list)
    offices_without_inspector: list[str] = field(default_factory=list)
    short_offices: list[str] = field(default_factory=list)  # got fewer schools than asked


def propose_cross(uow: UnitOfWork, *, per_office: int, seed: int) -> Proposal:
    """Each district office gets `per_office` schools of other districts to cross-inspect.

    No office gets its own schools; a school goes to one office while there are enough schools; the same
    roster and seed always give the same table. Schools that do not use e-records are left out.
    """
    rng = random.Random(seed)
    offices = sorted(uow.units.of_kind("district"), key=lambda u: u.code)
    schools = sorted((s for s in uow.units.of_kind("school") if s.uses_erecords), key=lambda u: u.code)
    office = {s.id: office_of(uow, s) for s in schools}
    pool = list(schools)
    rng.shuffle(pool)
    proposal = Proposal()
    taken: set[int] = set()
    for unit in offices:
        inspectors = sorted(uow.users.in_unit(unit.id, Role.INSPECTOR), key=lambda u: u.code)  # type: ignore[arg-type]
        if not inspectors:
            proposal.offices_without_inspector.append(unit.code)
            continue
        others = [s for s in pool if office[s.id] != unit.id]
        chosen = [s for s in others if s.id not in taken][:per_office]
        if len(chosen) < per_office:  # fewer free schools than offices need: share some
            chosen += [s for s in others if s.id in taken][: per_office - len(chosen)]
        if len(chosen) < per_office:
            proposal.short_offices.append(unit.code)
        for index, school in enumerate(chosen):
            taken.add(school.id)  # type: ignore[arg-type]
            inspector = inspectors[index % len(inspectors)]
            proposal.rows.append(AssignmentRow(inspector.code, school.code, CROSS))
    return proposal


DEMO_ASSIGNMENTS = [
    AssignmentRow("CB-HB-01", "MN-HOASEN", DISTRICT),
    AssignmentRow("CB-HB-01", "MN-SAOMAI", DISTRICT),
    AssignmentRow("CB-HB-01", "MN-HOAMAI", CROSS),
]


def seed_demo_assignments(uow: UnitOfWork) -> None:
    """The demo inspector re-scores the schools of their district and cross-inspects one elsewhere."""
    campaign = uow.campaigns.active()
    if campaign is None:
        return
    apply_assignments(uow, campaign, DEMO_ASSIGNMENTS)
