"""Who inspects which school: apply an assignment table (all or nothing), propose cross-inspection
pairs reproducibly. No chat here."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum

from hsdt.storage.inspection_models import ASSIGNMENT_KINDS, CROSS, DISTRICT
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, Role, Unit, UnitKind, User
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import assignments as at
from hsdt.texts.levels import Levels


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
    """The unit that re-scores a school: its nearest managing ancestor (the commune, or the district
    office before 2025), else its parent (the Sở, for schools directly under it)."""
    managing = managing_unit_of(uow, unit)
    return managing.id if managing is not None else unit.parent_id


def managing_unit_of(uow: UnitOfWork, unit: Unit) -> Unit | None:
    """The nearest managing ancestor, or None for a school directly under the Sở (which is never a
    managing unit, so it is never listed or counted as one)."""
    for ancestor in uow.units.ancestors(unit):
        if ancestor.kind == UnitKind.MANAGING:
            return ancestor
    return None


def unit_at_level(uow: UnitOfWork, school: Unit, level: UnitKind) -> Unit | None:
    """The unit of `level` a school belongs to: itself for the school level, its managing unit, or the Sở."""
    if level == UnitKind.SCHOOL:
        return school
    if level == UnitKind.MANAGING:
        return managing_unit_of(uow, school)
    return next((a for a in uow.units.ancestors(school) if a.kind == UnitKind.DEPARTMENT), None)


def _where(row: AssignmentRow) -> str:
    return at.ROW.format(row=row.row) if row.row else f"{row.inspector_code}/{row.school_code}"


def _check(
    uow: UnitOfWork, rows: list[AssignmentRow], levels: Levels
) -> tuple[list[str], list[tuple[User, Unit, str]]]:
    problems: list[str] = []
    managing = levels.managing
    resolved: list[tuple[User, Unit, str]] = []
    for row in rows:
        user = uow.users.by_code(row.inspector_code)
        school = uow.units.by_code(row.school_code)
        where = _where(row)
        if user is None:
            problems.append(at.NO_USER.format(where=where, code=row.inspector_code))
        elif user.role != Role.INSPECTOR or not user.active:
            problems.append(at.NOT_INSPECTOR.format(where=where, code=row.inspector_code))
        if school is None:
            problems.append(at.NO_SCHOOL.format(where=where, code=row.school_code))
        elif school.kind != UnitKind.SCHOOL:
            problems.append(at.NOT_A_SCHOOL.format(where=where, code=row.school_code))
        if row.kind not in ASSIGNMENT_KINDS:
            problems.append(at.BAD_KIND.format(where=where, kind=row.kind))
        if user is None or school is None or school.kind != UnitKind.SCHOOL or row.kind not in ASSIGNMENT_KINDS:
            continue
        own = office_of(uow, school) == user.unit_id
        if row.kind == DISTRICT and not own:
            problems.append(at.RESCORE_NOT_OWN.format(where=where, code=row.inspector_code, level=managing.singular))
        if row.kind == CROSS and (own or school.id == user.unit_id):
            problems.append(at.CROSS_OWN.format(where=where, level=managing.singular))
        resolved.append((user, school, row.kind))
    return problems, resolved


def apply_assignments(
    uow: UnitOfWork, campaign: Campaign, rows: list[AssignmentRow], *, replace: bool = False
) -> AssignmentResult:
    """Idempotent upsert of the whole table; any bad row raises AssignmentError before any write.

    With `replace`, the table is the truth for the kinds it contains: the campaign's assignments of those
    kinds that are missing from it are removed (a cross-inspection table leaves the re-scoring alone).
    """
    problems, resolved = _check(uow, rows, uow.levels.of_campaign(campaign.id))
    if problems:
        raise AssignmentError(problems)
    result = AssignmentResult()
    campaign_id = stored_id(campaign.id)
    keep: set[tuple[int, int, str]] = set()
    for user, school, kind in resolved:
        user_id, school_id = stored_id(user.id), stored_id(school.id)
        key = (user_id, school_id, kind)
        if key in keep:
            continue
        keep.add(key)
        if uow.inspection.assign(campaign_id, user_id, school_id, kind):
            result.created += 1
        else:
            result.unchanged += 1
    if replace:
        kinds = {kind for _, _, kind in resolved}
        result.removed = uow.inspection.remove_all_except(campaign_id, keep, kinds)
    uow.flush()
    return result


class ClusterRule(StrEnum):
    """How clusters (cụm) restrict cross-inspection pairs."""

    ANY = "any"  # any other unit of the level
    SAME = "same"  # only units of the same cluster (cross-inspection inside a cluster)
    OTHER = "other"  # only units of another cluster


@dataclass
class Proposal:
    rows: list[AssignmentRow] = field(default_factory=list)
    offices_without_inspector: list[str] = field(default_factory=list)
    short_offices: list[str] = field(default_factory=list)  # got fewer schools than asked


def propose_cross(
    uow: UnitOfWork, *, per_office: int, seed: int, campaign: Campaign | None = None,
    level: UnitKind = UnitKind.MANAGING, clusters: ClusterRule = ClusterRule.ANY,
) -> Proposal:
    """Each unit of `level` with inspectors gets `per_office` schools of other units to cross-inspect.

    No unit gets its own schools (nor, at the school level, itself); `clusters` keeps the pairs inside
    a cluster or across clusters; a school goes to one unit while there are enough schools; the same
    roster and seed always give the same table. Schools that do not use e-records are left out, and so
    are units and schools that do not take part in the campaign.
    """
    rng = random.Random(seed)
    campaign = campaign or uow.campaigns.active()
    campaign_id = campaign.id if campaign is not None else None
    offices = sorted(uow.units.of_kind(level, campaign_id), key=lambda u: u.code)
    schools = sorted((s for s in uow.units.of_kind(UnitKind.SCHOOL, campaign_id) if s.uses_erecords),
                     key=lambda u: u.code)
    home = {s.id: unit_at_level(uow, s, level) for s in schools}
    pool = list(schools)
    rng.shuffle(pool)
    proposal = Proposal()
    taken: set[int] = set()
    for unit in offices:
        inspectors = sorted(uow.users.in_unit(stored_id(unit.id), Role.INSPECTOR), key=lambda u: u.code)
        if not inspectors:
            proposal.offices_without_inspector.append(unit.code)
            continue
        others = [s for s in pool if s.id != unit.id and _pairable(unit, home[s.id], clusters)]
        chosen = [s for s in others if s.id not in taken][:per_office]
        if len(chosen) < per_office:  # fewer free schools than units need: share some
            chosen += [s for s in others if s.id in taken][: per_office - len(chosen)]
        if len(chosen) < per_office:
            proposal.short_offices.append(unit.code)
        for index, school in enumerate(chosen):
            taken.add(stored_id(school.id))
            inspector = inspectors[index % len(inspectors)]
            proposal.rows.append(AssignmentRow(inspector.code, school.code, CROSS))
    return proposal


def _pairable(inspecting: Unit, home: Unit | None, clusters: ClusterRule) -> bool:
    """May `inspecting` cross-inspect a school whose unit at the same level is `home`?"""
    if home is None or home.id == inspecting.id:
        return False
    if clusters is ClusterRule.SAME:
        return inspecting.cluster is not None and home.cluster == inspecting.cluster
    if clusters is ClusterRule.OTHER:
        return home.cluster != inspecting.cluster
    return True
