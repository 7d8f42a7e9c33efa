"""What the pages show, computed from the report data set. Pure: data in, view models out.

Every number here comes from `ReportData` (the same gathering /report and the workbook use), so the
page, the chat and the appendices cannot disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from hsdt import texts as messages
from hsdt.reports.dataset import SELF, ReportData, Scope
from hsdt.scoring import SchoolReport, band_for, format_points
from hsdt.scoring.textnorm import fold_text
from hsdt.signatures.verdict import FileVerdict
from hsdt.storage.dashboard_repository import Unreachable
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.models import SubmissionStatus
from hsdt.texts import dashboard as t

OVERDUE = "qua-han"  # status filters beside the submission statuses
NOT_STARTED = "chua-lam"


def points(value: float | None) -> str:
    return format_points(value) if value is not None else t.NONE


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded down so "100%" means everything."""
    return (100 * part) // whole if whole else 0


@dataclass(frozen=True)
class UnitProgress:
    id: int | None
    name: str
    schools: int
    uses: int
    submitted: int
    rescored: int
    cross: int
    overdue: int
    mean: float | None
    band: str | None
    band_counts: Mapping[str, int]

    @property
    def submitted_pct(self) -> int:
        return percent(self.submitted, self.schools)

    @property
    def not_scored(self) -> int:
        """Schools using e-records with no final score yet (the grey part of the bands chart)."""
        return max(0, self.uses - sum(self.band_counts.values()))


@dataclass(frozen=True)
class Deadline:
    label: str
    when: str
    state: str
    passed: bool


@dataclass(frozen=True)
class Kpis:
    schools: int
    uses: int
    submitted: int
    rescored: int
    cross: int
    overdue: int
    overdue_applies: bool
    mean: float | None
    band: str | None

    @property
    def submitted_pct(self) -> int:
        return percent(self.submitted, self.schools)


def local(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y")


def local_date(moment: datetime | date, tz: str) -> str:
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZoneInfo(tz)).date()
    return moment.strftime("%d/%m/%Y")


def scope_line(data: ReportData) -> str:
    scope = data.scope
    schools = len(scope.school_ids)
    match scope.kind:
        case "city":
            return t.SCOPE_CITY.format(units=len(data.city.districts), schools=schools)
        case "district":
            return t.SCOPE_DISTRICT.format(unit=scope.label, schools=schools)
        case "assigned":
            return t.SCOPE_ASSIGNED.format(schools=schools)
        case _:
            return t.SCOPE_SCHOOL.format(school=scope.label)


def _day_state(today: date, start: date, end: date | None = None) -> tuple[str, bool]:
    end = end or start
    if today > end:
        return t.DUE_PASSED, True
    if start <= today <= end and start != end:
        return t.DUE_ONGOING, False
    if today == end:
        return t.DUE_TODAY, False
    return t.DAYS_LEFT.format(days=(start - today).days), False


def deadlines(data: ReportData) -> list[Deadline]:
    campaign, tz = data.campaign, data.tz
    today = data.now.astimezone(ZoneInfo(tz)).date()
    due = campaign.self_assessment_due.astimezone(ZoneInfo(tz))
    final = campaign.deadline.astimezone(ZoneInfo(tz))
    rows = [
        (t.DUE_SELF, due.strftime("%H:%M %d/%m/%Y"), *_day_state(today, due.date())),
        (t.DUE_INSPECTION, t.INSPECTION_DAYS.format(start=local_date(campaign.inspection_start, tz),
                                                    end=local_date(campaign.inspection_end, tz)),
         *_day_state(today, campaign.inspection_start, campaign.inspection_end)),
        (t.DUE_FINAL, final.strftime("%H:%M %d/%m/%Y"), *_day_state(today, final.date())),
    ]
    if data.now > campaign.self_assessment_due:
        rows[0] = (rows[0][0], rows[0][1], t.DUE_PASSED, True)
    return [Deadline(label, when, state, passed) for label, when, state, passed in rows]


def kpis(data: ReportData) -> Kpis:
    city = data.city
    return Kpis(city.school_count, city.uses_erecords, city.submitted, city.rescored, city.cross_inspected,
                len(data.overdue), data.now > data.campaign.self_assessment_due, city.mean, city.band)


def unit_progress(data: ReportData) -> list[UnitProgress]:
    overdue = set(data.overdue)
    return [
        UnitProgress(
            id=d.district.id, name=d.district.name, schools=d.school_count, uses=d.uses_erecords,
            submitted=d.submitted, rescored=d.rescored, cross=d.cross_inspected,
            overdue=sum(1 for r in d.schools if r.school.id in overdue), mean=d.mean, band=d.band,
            band_counts=dict(d.band_counts),
        )
        for d in data.city.districts
        if d.school_count
    ]


def total_progress(data: ReportData) -> UnitProgress:
    city = data.city
    return UnitProgress(None, t.TOTAL_ROW, city.school_count, city.uses_erecords, city.submitted, city.rescored,
                        city.cross_inspected, len(data.overdue), city.mean, city.band, dict(city.band_counts))


# --- the schools table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnreachableRow:
    """A person the Sở's OA could not reach, for staff to phone."""

    unit: str
    name: str
    role: str
    phone: str
    failed: int
    last: str


def unreachable_rows(found: Iterable[Unreachable], scope: Scope, unit_names: Mapping[int, str],
                     tz: str) -> list[UnreachableRow]:
    """The viewer's share (the Sở: everyone; a district: its schools and its own staff), by unit then name."""
    rows = []
    for person in found:
        if scope.kind != "city" and not (scope.allows(person.unit_id) or person.unit_id == scope.unit_id):
            continue
        rows.append((person.unit_id, UnreachableRow(
            unit_names.get(person.unit_id, ""), person.full_name, messages.role_name(person.role),
            person.phone or t.NONE, person.failed, local(person.last_failed_at, tz))))
    rows.sort(key=lambda pair: (_fold(pair[1].unit), pair[0], _fold(pair[1].name)))
    return [row for _, row in rows]


@dataclass(frozen=True)
class EvidenceCount:
    valid: int = 0
    total: int = 0

    @property
    def problems(self) -> int:
        return self.total - self.valid


@dataclass(frozen=True)
class SchoolRow:
    id: int
    code: str
    name: str
    unit_id: int | None
    unit_name: str
    uses_erecords: bool
    status: str  # a SubmissionStatus value, "" (not started)
    overdue: bool
    self_total: float | None
    rescore_total: float | None
    cross_total: float | None
    final: float | None
    band: str | None
    evidence: EvidenceCount

    @property
    def status_label(self) -> str:
        return t.STATUS_OVERDUE if self.overdue else t.STATUS_NAMES.get(self.status, t.STATUS_NAMES[""])

    @property
    def status_key(self) -> str:
        return OVERDUE if self.overdue else (self.status or NOT_STARTED)


def school_rows(data: ReportData, evidence: Mapping[int, Mapping[str, int]]) -> list[SchoolRow]:
    overdue = set(data.overdue)
    rows: list[SchoolRow] = []
    for d in data.city.districts:
        for report in d.schools:
            school = report.school
            counts = evidence.get(school.id, {})
            rows.append(SchoolRow(
                id=school.id, code=school.code, name=school.name, unit_id=d.district.id, unit_name=d.district.name,
                uses_erecords=school.uses_erecords, status=data.assessment(school.id, SELF).status,
                overdue=school.id in overdue, self_total=school.self_total, rescore_total=school.rescore_total,
                cross_total=school.cross_total, final=report.final, band=report.band,
                evidence=EvidenceCount(counts.get("valid", 0), sum(counts.values())),
            ))
    return rows


class SortKey(StrEnum):
    NAME = "ten"
    UNIT = "don-vi"
    STATUS = "trang-thai"
    SELF = "tu-danh-gia"
    RESCORE = "cham-lai"
    CROSS = "kiem-tra-cheo"
    FINAL = "diem"
    BAND = "xep-loai"
    EVIDENCE = "minh-chung"


_STATUS_ORDER = {OVERDUE: 0, NOT_STARTED: 1, SubmissionStatus.DRAFT.value: 2, SubmissionStatus.REOPENED.value: 3,
                 SubmissionStatus.SUBMITTED.value: 4}


@dataclass(frozen=True)
class TableQuery:
    search: str = ""
    unit_id: int | None = None
    status: str = ""
    band: str = ""
    sort: SortKey = SortKey.UNIT
    descending: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> TableQuery:
        """From the page's query string; anything malformed falls back to the default, never an error."""
        unit = params.get("don-vi", "")
        try:
            sort = SortKey(params.get("sap", SortKey.UNIT.value))
        except ValueError:
            sort = SortKey.UNIT
        return cls(
            search=params.get("q", "").strip()[:100],
            unit_id=int(unit) if unit.isdigit() else None,
            status=params.get("trang-thai", "")[:20],
            band=params.get("xep-loai", "")[:40],
            sort=sort,
            descending=params.get("chieu", "") == "giam",
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this view with some values changed (for the sort links)."""
        merged = {
            "q": self.search, "don-vi": str(self.unit_id) if self.unit_id is not None else "",
            "trang-thai": self.status, "xep-loai": self.band, "sap": self.sort.value,
            "chieu": "giam" if self.descending else "",
        }
        merged.update({k.replace("_", "-"): v for k, v in changes.items()})
        return {k: v for k, v in merged.items() if v}

    def sort_params(self, key: SortKey) -> dict[str, str]:
        """Clicking a column sorts by it ascending, or flips the direction when it already sorts."""
        descending = not self.descending if key == self.sort else False
        return self.params(sap=key.value, chieu="giam" if descending else "")

    @property
    def filtered(self) -> bool:
        return bool(self.search or self.unit_id is not None or self.status or self.band)


def _fold(text: str) -> str:
    return fold_text(text)


def filter_rows(rows: Iterable[SchoolRow], query: TableQuery) -> list[SchoolRow]:
    needle = _fold(query.search) if query.search else ""
    found = []
    for row in rows:
        if needle and needle not in _fold(row.name) and needle not in _fold(row.code):
            continue
        if query.unit_id is not None and row.unit_id != query.unit_id:
            continue
        if query.status and row.status_key != query.status:
            continue
        if query.band and (row.band or "") != query.band:
            continue
        found.append(row)
    return found


def sort_rows(rows: Sequence[SchoolRow], query: TableQuery, band_labels: Sequence[str]) -> list[SchoolRow]:
    """Sorted by the chosen column; rows without a value go last in either direction, ties by name."""
    band_rank = {label: i for i, label in enumerate(band_labels)}

    def value(row: SchoolRow) -> Any:
        match query.sort:
            case SortKey.NAME:
                return _fold(row.name)
            case SortKey.UNIT:
                return (_fold(row.unit_name), _fold(row.name))
            case SortKey.STATUS:
                return _STATUS_ORDER.get(row.status_key, 1)
            case SortKey.SELF:
                return row.self_total
            case SortKey.RESCORE:
                return row.rescore_total
            case SortKey.CROSS:
                return row.cross_total
            case SortKey.FINAL:
                return row.final
            case SortKey.BAND:
                # Best band first when ascending, like the rubric lists them.
                return band_rank.get(row.band) if row.band is not None else None
            case SortKey.EVIDENCE:
                return row.evidence.valid if row.evidence.total else None
        return None

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    by_name = sorted(present, key=lambda r: (_fold(r.name), r.code))
    ordered = sorted(by_name, key=value, reverse=query.descending)
    return ordered + sorted(missing, key=lambda r: (_fold(r.name), r.code))


# --- one school ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionRow:
    id: str
    title: str
    group: str
    max_points: float
    self_answer: str
    self_points: float | None
    rescore_points: float | None
    rescore_comment: str
    cross_points: float | None
    cross_comment: str

    @property
    def rescore_differs(self) -> bool:
        return self.rescore_points is not None and self.self_points is not None and \
            self.rescore_points != self.self_points

    @property
    def cross_differs(self) -> bool:
        return self.cross_points is not None and self.self_points is not None and \
            self.cross_points != self.self_points


@dataclass(frozen=True)
class ScoreLine:
    kind: str
    label: str
    total: float | None
    band: str | None
    detail: str


@dataclass(frozen=True)
class EvidenceRow:
    file_name: str
    criterion: str
    kind: str
    status: str
    verdict: str
    signers: str
    uploaded: str


@dataclass(frozen=True)
class AuditRow:
    when: str
    who: str
    kind: str
    criterion: str
    change: str


@dataclass
class SchoolPage:
    id: int
    code: str
    name: str
    unit_name: str
    uses_erecords: bool
    report: SchoolReport
    scores: list[ScoreLine]
    criteria: list[CriterionRow]
    proposal: str
    evidence: list[EvidenceRow] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)
    audit_limited: bool = False
    reopens: list[str] = field(default_factory=list)


def score_lines(data: ReportData, school_id: int, names: Mapping[int, str]) -> list[ScoreLine]:
    lines = []
    for kind in (SELF, DISTRICT, CROSS):
        found = data.assessment(school_id, kind)
        total = found.total if found.status == SubmissionStatus.SUBMITTED else None
        band = band_for(data.rubric, total).label if total is not None else None
        status = t.STATUS_NAMES.get(found.status, t.STATUS_NAMES[""])
        detail = status
        if found.by is not None and found.at is not None:
            detail = t.SCORE_STATUS_BY.format(status=status, who=names.get(found.by, t.UNKNOWN_PERSON),
                                              when=local(found.at, data.tz))
        lines.append(ScoreLine(kind, t.KIND_NAMES[kind], total, band, detail))
    return lines


def criterion_rows(data: ReportData, school_id: int, self_answers: Mapping[str, str]) -> list[CriterionRow]:
    rows = []
    for index, criterion in enumerate(data.scored_criteria):
        def at(kind: str, i: int = index) -> float | None:
            found = data.points.get(kind, {}).get(school_id)
            return found[i] if found is not None else None

        def comment(kind: str, cid: str = criterion.id) -> str:
            return data.comments.get(kind, {}).get(school_id, {}).get(cid, "")

        rows.append(CriterionRow(
            id=criterion.id, title=criterion.title, group=criterion.group_title, max_points=criterion.max_points,
            self_answer=self_answers.get(criterion.id, t.NOT_ANSWERED), self_points=at(SELF),
            rescore_points=at(DISTRICT), rescore_comment=comment(DISTRICT),
            cross_points=at(CROSS), cross_comment=comment(CROSS),
        ))
    return rows


def signers_of(verdict: FileVerdict | None) -> str:
    """Who signed, from the stored verdict read back as its type (None: it could not be read)."""
    people = []
    for signature in verdict.signatures if verdict is not None else ():
        name = signature.signer.strip()
        organization = (signature.organization or "").strip()
        if name and organization and organization != name:
            people.append(f"{name} ({organization})")
        elif name or organization:
            people.append(name or organization)
    return "; ".join(people) or t.NONE


# --- the data endpoint -------------------------------------------------------------------------------


def progress_payload(data: ReportData, last_change: datetime | None) -> dict[str, Any]:
    """What the page's minute check compares: the scope's progress numbers and the last change."""
    total = total_progress(data)
    return {
        "scope": data.scope.kind,
        "schools": total.schools,
        "submitted": total.submitted,
        "rescored": total.rescored,
        "cross": total.cross,
        "overdue": total.overdue,
        "mean": total.mean,
        "units": [
            {"id": u.id, "name": u.name, "schools": u.schools, "submitted": u.submitted, "rescored": u.rescored,
             "cross": u.cross, "overdue": u.overdue, "mean": u.mean, "band": u.band}
            for u in unit_progress(data)
        ],
        "last_change": last_change.isoformat() if last_change is not None else None,
    }


def version_tag(scope_kind: str, school_ids: Iterable[int], units: Iterable[tuple[Any, ...]], campaign: Any,
                last_change: datetime | None, now: datetime) -> str:
    """The ETag of what a viewer's pages show, from cheap facts only (no gathering): the scope, the
    units (names, places, "uses e-records"), the campaign's dates, the last change of an answer,
    submission or evidence in scope, and whether the self-assessment is overdue yet. Any change in the
    numbers changes one of these; so a 304 costs a few small queries, not the whole report."""
    digest = hashlib.sha256()
    for part in (
        scope_kind, ",".join(map(str, sorted(school_ids))),
        repr(sorted(units)),
        repr((campaign.id, campaign.rubric_version_id, campaign.self_assessment_due, campaign.deadline,
              campaign.inspection_start, campaign.inspection_end)),
        last_change.isoformat() if last_change is not None else "",
        "overdue" if now > campaign.self_assessment_due else "",
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return '"' + digest.hexdigest()[:32] + '"'
