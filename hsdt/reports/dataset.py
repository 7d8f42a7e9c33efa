"""Who may see which schools, and the report data gathered for them in a few bulk queries.

The reading happens here (through the inspection repository); everything after it is pure: the
aggregation is `hsdt.scoring.aggregate`, the renderings are `text`, `excel` and `chart`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hsdt.reports.heading import FormHeading, HeadingFacts, Issuer, Issuers, heading_for
from hsdt.scoring import (
    MANAGEMENT_RULE_2024,
    MANAGEMENT_RULE_DEFAULT,
    CityReport,
    DistrictInput,
    DistrictReport,
    ManagementRule,
    Rescore,
    Rubric,
    SchoolInput,
    StoredValue,
    aggregate,
    read_stored,
)
from hsdt.signatures.verdict import FileVerdict
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, Role, SubmissionStatus, User, stored_verdict
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.levels import GENERIC, Levels

SELF = "self"
KINDS = (SELF, DISTRICT, CROSS)


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    uses_erecords: bool
    position: int | None = None
    heading: HeadingFacts = field(default_factory=HeadingFacts)  # what the roster says its forms print


def roster_key(unit: UnitInfo) -> tuple[int, ...]:
    """The one order of units everywhere in reports: the roster's STT, then (units without one) the
    order they were created in; never alphabetical (every "huyện" before every "quận")."""
    return (0, unit.position, unit.id) if unit.position is not None else (1, 0, unit.id)


@dataclass(frozen=True)
class EvidenceItem:
    file_name: str
    status: str  # the verdict's status: valid | invalid | indeterminate | unsigned | error
    verdict: FileVerdict | None = None  # what the check proved (None: none stored, or unreadable)


@dataclass(frozen=True)
class Scope:
    """The schools a user may see. `kind`: city | district | assigned | school."""

    kind: str
    school_ids: frozenset[int]
    label: str
    unit_id: int | None = None

    def allows(self, school_id: int) -> bool:
        return school_id in self.school_ids


# The first school year whose campaigns follow the default management rule; the 2024-2025 reports
# keep the rule they were published with.
FIRST_DEFAULT_RULE_YEAR = 2025


def management_rule(campaign: Campaign) -> ManagementRule:
    """Which score counts for a school in the means of `campaign`'s reports."""
    start = campaign.school_year[:4] if campaign.school_year else ""
    if start.isdigit() and int(start) < FIRST_DEFAULT_RULE_YEAR:
        return MANAGEMENT_RULE_2024
    return MANAGEMENT_RULE_DEFAULT


@dataclass
class Units:
    by_id: dict[int, UnitInfo]
    # No managing level in the campaign (schools directly under the Sở): the Sở itself re-scores.
    so_manages: bool = False

    @classmethod
    def load(cls, uow: UnitOfWork, campaign_id: int | None = None) -> Units:
        """The units; with `campaign_id`, only those taking part in that campaign."""
        rows = uow.inspection.units()
        so_manages = False
        if campaign_id is not None:
            members = uow.units.member_ids(campaign_id)
            rows = [row for row in rows if row[0] in members]
            so_manages = not uow.levels.of_campaign(campaign_id).has_managing
        headings = {row.unit_id: HeadingFacts(row.official_name, row.short_name, row.parent_body, row.place_name,
                                              row.signer_authority, row.signer_title)
                    for row in uow.inspection.unit_headings()}
        return cls({row[0]: UnitInfo(*row, heading=headings.get(row[0], HeadingFacts())) for row in rows},
                   so_manages)

    def district_of(self, school_id: int) -> int | None:
        """The nearest ancestor of the managing level (else a parent that is not the Sở): the unit
        responsible for the school. A school directly under the Sở has none, unless the campaign has
        no managing level, where the Sở is that unit."""
        unit = self.by_id.get(school_id)
        parent = unit.parent_id if unit is not None else None
        first = self.by_id.get(parent) if parent is not None else None
        seen: set[int] = set()
        while parent is not None and parent not in seen:
            seen.add(parent)
            info = self.by_id.get(parent)
            if info is None:
                break
            if info.kind == "district":
                return info.id
            parent = info.parent_id
        if first is None or (first.kind == "so" and not self.so_manages):
            return None
        return first.id

    def schools_under(self, unit_id: int) -> set[int]:
        children: dict[int, list[int]] = {}
        for info in self.by_id.values():
            if info.parent_id is not None:
                children.setdefault(info.parent_id, []).append(info.id)
        found: set[int] = set()
        stack, seen = [unit_id], {unit_id}
        while stack:
            current = stack.pop()
            if self.by_id[current].kind == "school":
                found.add(current)
            for child in children.get(current, ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return found


def scope_for(uow: UnitOfWork, user: User, campaign_id: int, units: Units) -> Scope:
    unit = units.by_id[user.unit_id]
    if user.role == Role.PRINCIPAL:
        ids = {unit.id} if unit.kind == "school" else set()
        return Scope("school", frozenset(ids), unit.name, unit.id)
    if user.role == Role.INSPECTOR:
        assigned = {a.school_id for a in uow.inspection.of_inspector(campaign_id, stored_id(user.id))}
        return Scope("assigned", frozenset(assigned), unit.name, unit.id)
    if user.role == Role.DISTRICT_STAFF:
        return Scope("district", frozenset(units.schools_under(unit.id)), unit.name, unit.id)
    if user.role == Role.SO_STAFF:
        return Scope("city", frozenset(units.schools_under(unit.id)), unit.name, unit.id)
    return Scope("school", frozenset(), unit.name, None)


def city_scope(units: Units) -> Scope:
    """The Sở's view of a campaign without a user: what `scope_for` gives its staff (the schools under its
    top unit), for the Ministry's national figures."""
    top = next((u for u in sorted(units.by_id.values(), key=roster_key) if u.kind == "so"), None)
    if top is None:
        return Scope("city", frozenset(u.id for u in units.by_id.values() if u.kind == "school"), "", None)
    return Scope("city", frozenset(units.schools_under(top.id)), top.name, top.id)


def narrow_to_district(scope: Scope, units: Units, district_id: int) -> Scope | None:
    """The part of `scope` in one district; None when the user may see nothing there."""
    ids = frozenset(s for s in scope.school_ids if units.district_of(s) == district_id)
    if not ids:
        return None
    return Scope("district", ids, units.by_id[district_id].name, district_id)


@dataclass
class Assessment:
    status: str = ""
    total: float | None = None
    band: str | None = None
    by: int | None = None
    at: datetime | None = None


@dataclass
class ReportData:
    campaign: Campaign
    rubric: Rubric
    scope: Scope
    now: datetime
    units: Units
    city: CityReport
    assessments: dict[tuple[int, str], Assessment]  # (school, kind)
    overdue: list[int]  # school ids, sorted by district then name
    # Details for the workbook (filled when asked for): per school, points by criterion index.
    points: dict[str, dict[int, list[float | None]]] = field(default_factory=dict)
    comments: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)
    users: dict[int, tuple[str, str, int]] = field(default_factory=dict)
    cross_assignments: list[tuple[int, int]] = field(default_factory=list)  # (inspector, school)
    # The school's own submitted answers (school -> criterion -> value) and evidence files (self kind).
    answers: dict[int, dict[str, StoredValue]] = field(default_factory=dict)
    evidence: dict[int, dict[str, list[EvidenceItem]]] = field(default_factory=dict)
    tz: str = "Asia/Ho_Chi_Minh"
    heading: FormHeading | None = None
    levels: Levels = GENERIC  # the campaign's level names, for every text that names a level
    _issuers: Issuers | None = field(default=None, repr=False)

    @property
    def form_heading(self) -> FormHeading:
        if self.heading is None:
            self.heading = heading_for(self.campaign)
        return self.heading

    def issuer(self, unit_id: int | None) -> Issuer | None:
        """The issuing body of a unit's forms (Nghị định 30/2020): the roster's facts, else its level's."""
        if self._issuers is None:
            self._issuers = Issuers(self.form_heading, self._unit_facts)
        return self._issuers.of(unit_id)

    def _unit_facts(self, unit_id: int) -> tuple[str, str, int | None, HeadingFacts] | None:
        unit = self.units.by_id.get(unit_id)
        return (unit.name, unit.kind, unit.parent_id, unit.heading) if unit is not None else None

    def submitted(self, school_id: int, kind: str) -> bool:
        return self.assessment(school_id, kind).status == SubmissionStatus.SUBMITTED

    def assessment(self, school_id: int, kind: str) -> Assessment:
        return self.assessments.get((school_id, kind)) or Assessment()

    @property
    def scored_criteria(self) -> list[Any]:
        return [c for c in self.rubric.criteria if c.max_points > 0]


def gather(
    uow: UnitOfWork, campaign: Campaign, rubric: Rubric, scope: Scope, now: datetime, *, details: bool = False,
    units: Units | None = None, tz: str = "Asia/Ho_Chi_Minh",
) -> ReportData:
    units = units or Units.load(uow, campaign.id)
    school_ids: Sequence[int] | None = None if scope.kind == "city" else sorted(scope.school_ids)
    assessments: dict[tuple[int, str], Assessment] = {}
    for school, kind, status, total, band, by, at in uow.inspection.submission_rows(stored_id(campaign.id), school_ids):
        if school in scope.school_ids:
            assessments[(school, kind)] = Assessment(status, total, band, by, at)

    def submitted_total(school: int, kind: str) -> float | None:
        found = assessments.get((school, kind))
        return found.total if found is not None and found.status == SubmissionStatus.SUBMITTED else None

    district_ids = {d for s in scope.school_ids if (d := units.district_of(s)) is not None}
    if scope.kind in ("city", "district") and scope.unit_id is not None:
        district_ids |= {
            u.id for u in units.by_id.values() if u.kind == "district" and _under(units, u.id, scope.unit_id)
        }
    districts = [DistrictInput(d, units.by_id[d].code, units.by_id[d].name) for d in district_ids]
    schools = [
        SchoolInput(
            id=s, code=units.by_id[s].code, name=units.by_id[s].name, district_id=units.district_of(s),
            uses_erecords=units.by_id[s].uses_erecords, self_total=submitted_total(s, SELF),
            rescore_total=submitted_total(s, DISTRICT), cross_total=submitted_total(s, CROSS),
        )
        for s in scope.school_ids
    ]
    city = in_roster_order(aggregate(rubric, districts, schools, management_rule(campaign)), units)
    overdue: list[int] = []
    if now > campaign.self_assessment_due:
        overdue = [r.school.id for d in city.districts for r in d.schools if r.school.self_total is None]
    levels = uow.levels.of_campaign(campaign.id)
    data = ReportData(campaign, rubric, scope, now, units, city, assessments, overdue, tz=tz,
                      heading=heading_for(campaign), levels=levels)
    if details:
        _add_details(uow, data, school_ids)
    return data


def in_roster_order(city: CityReport, units: Units) -> CityReport:
    """Managing units and their schools in the roster's order (the aggregation sorts by name)."""

    def key(unit_id: int) -> tuple[int, ...]:
        info = units.by_id.get(unit_id)
        return roster_key(info) if info is not None else (unit_id,)

    def ordered(district: DistrictReport) -> DistrictReport:
        return dataclasses.replace(district, schools=tuple(sorted(district.schools, key=lambda r: key(r.school.id))))

    return dataclasses.replace(
        city, districts=tuple(sorted((ordered(d) for d in city.districts), key=lambda d: key(d.district.id)))
    )


def _under(units: Units, unit_id: int, ancestor_id: int) -> bool:
    current: int | None = unit_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = units.by_id[current].parent_id if current in units.by_id else None
    return False


def _add_details(uow: UnitOfWork, data: ReportData, school_ids: Sequence[int] | None) -> None:
    index = {c.id: i for i, c in enumerate(data.scored_criteria)}
    width = len(index)
    allowed = data.scope.school_ids
    for kind in KINDS:
        points: dict[int, list[float | None]] = {}
        comments: dict[int, dict[str, str]] = {}
        rows = uow.inspection.answer_rows(stored_id(data.campaign.id), kind, school_ids)
        for row in rows:
            school, criterion = row[0], row[1]
            # A draft's points are partial: only submitted assessments are reported, point by point.
            if school not in allowed or not data.submitted(school, kind):
                continue
            value = read_stored(row[3])
            if kind == SELF:
                data.answers.setdefault(school, {})[criterion] = value
            position = index.get(criterion)
            if position is None:
                continue
            points.setdefault(school, [None] * width)[position] = row[2]
            if isinstance(value, Rescore) and (comment := value.comment.strip()):
                comments.setdefault(school, {})[criterion] = comment
        data.points[kind] = points
        data.comments[kind] = comments
    data.cross_assignments = sorted(
        (inspector, school)
        for inspector, school, kind in uow.inspection.assignment_rows(stored_id(data.campaign.id), school_ids)
        if kind == CROSS and school in allowed
    )
    evidence = uow.inspection.evidence_rows(stored_id(data.campaign.id), SELF, school_ids)
    for school, criterion, file_name, status, verdict in evidence:
        if school in allowed and data.submitted(school, SELF):
            data.evidence.setdefault(school, {}).setdefault(criterion, []).append(
                EvidenceItem(file_name, status, stored_verdict(verdict)))
    people = {a.by for a in data.assessments.values() if a.by is not None} | {i for i, _ in data.cross_assignments}
    data.users = uow.inspection.user_names(people)
