"""The report as an Excel workbook of official forms: a summary sheet, then Phụ lục 1 (one form per
school, issued by the school), Phụ lục 2 (one per managing unit with all of its schools, issued by that
unit) and Phụ lục 3 (one per inspector: the cross-inspections they were assigned, signed by them alone, as
the notice has each "cán bộ kiểm tra" compile theirs). Values only, no formulas; every number comes from
the data set (`ReportData`); every heading and signer from the issuing unit (`ReportData.issuer`).

Units and schools follow the roster's order (`dataset.roster_key`), never the alphabet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from hsdt.reports.dataset import SELF, ReportData, roster_key
from hsdt.reports.evidence import evidence_cell
from hsdt.reports.form_sheet import CENTER, LEFT, POINTS_FORMAT, Cell, FormSheet, HeaderCell, SignBlock, font
from hsdt.reports.heading import FormHeading, Issuer, Signer
from hsdt.reports.text import scope_line
from hsdt.reports.wording import management_row
from hsdt.scoring import (
    AnswerType,
    CountPair,
    Criterion,
    DistrictReport,
    DocumentShare,
    EvidenceCount,
    EvidencePeriod,
    InvalidAnswer,
    MultiChoice,
    NoneIssued,
    Percentage,
    SchoolReport,
    SingleChoice,
    StoredValue,
    Text,
    band_for,
    check_value,
    format_points,
    score_school,
)
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.texts import report as m
from hsdt.texts import rubric as rt

APPENDICES = (1, 2, 3)
_SHEET_NAME_MAX = 31


def write_workbook(data: ReportData, out: IO[bytes] | str, appendices: Iterable[int] = APPENDICES) -> None:
    """The summary sheet and the forms of `appendices`, for everything in the data set's scope."""
    wanted = set(appendices)
    workbook = Workbook()
    default = workbook.active
    if wanted == set(APPENDICES):
        _summary(workbook, data)
    if 1 in wanted:
        for _, report in ordered_schools(data):
            form1(workbook, data, report)
    if 2 in wanted:
        for district in data.city.districts:
            form2(workbook, data, district)
    if 3 in wanted:
        forms = inspector_forms(data)
        for number, inspector in enumerate(forms, start=1):
            form3(workbook, data, inspector, number)
        if not forms:
            _empty(workbook, data, 3, m.NO_TEAMS)
    if default is not None and len(workbook.worksheets) > 1:
        workbook.remove(default)
    _properties(workbook, data)
    workbook.save(out)


def write_form1(data: ReportData, school_id: int, out: IO[bytes] | str) -> None:
    """Phụ lục 1 of one school on its own (what its principal signs)."""
    workbook = Workbook()
    default = workbook.active
    report = next(r for _, r in ordered_schools(data) if r.school.id == school_id)
    form1(workbook, data, report)
    if default is not None:
        workbook.remove(default)
    _properties(workbook, data)
    workbook.save(out)


def _properties(workbook: Workbook, data: ReportData) -> None:
    heading = _heading(data)
    workbook.properties.creator = heading.notice_issuer
    workbook.properties.title = heading.campaign_name


# --- shared --------------------------------------------------------------------------------------------


def _heading(data: ReportData) -> FormHeading:
    return data.form_heading


def _issuer(data: ReportData, unit_id: int | None) -> Issuer:
    """The issuing body of a unit's form; the campaign's Sở for a unit the data set does not hold."""
    found = data.issuer(unit_id)
    if found is not None:
        return found
    heading = _heading(data)
    return Issuer(heading.issuer_parent, (heading.issuer.upper(),), heading.issuer.upper(), heading.place,
                  Signer(m.SIGN_INSPECTOR), heading.notice_issuer)


def _open(form: FormSheet, data: ReportData, issuer: Issuer, appendix: int, title: str, subtitle: str) -> None:
    heading = _heading(data)
    form.heading(issuer.parent, issuer.name, issuer.date_line(heading.local_day(data.now, data.tz)), appendix,
                 title, heading.notice_ref(), subtitle)


def _head(issuer: Issuer) -> SignBlock:
    """The issuing unit's head: authority lines, title, room for the digital signature and the seal."""
    return SignBlock(issuer.signer.lines, name=issuer.signer.name)


PREPARER = SignBlock((m.SIGN_PREPARER,), m.SIGN_NOTE)


def _sheet_title(workbook: Workbook, wanted: str) -> str:
    title = "".join(ch for ch in wanted if ch not in "[]:*?/\\")[:_SHEET_NAME_MAX]
    taken = {s.title for s in workbook.worksheets}
    candidate, n = title, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = title[: _SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    return candidate


def ordered_schools(data: ReportData) -> list[tuple[DistrictReport, SchoolReport]]:
    return [(d, r) for d in data.city.districts for r in d.schools]


def _unit_name(data: ReportData, unit_id: int | None) -> str:
    unit = data.units.by_id.get(unit_id) if unit_id is not None else None
    return unit.name if unit is not None else ""


def _points(value: float | None) -> Cell:
    return Cell(value, number_format=POINTS_FORMAT)


def _band(data: ReportData, total: float | None) -> str:
    return band_for(data.rubric, total).label if total is not None else ""


@dataclass(frozen=True)
class GroupPoints:
    id: str
    title: str
    max_points: float
    criteria: tuple[Criterion, ...]


def scored_groups(data: ReportData) -> list[GroupPoints]:
    groups = []
    for group in data.rubric.groups:
        criteria = tuple(c for c in group.criteria if c.max_points > 0)
        if criteria:
            groups.append(GroupPoints(group.id, group.title, sum(c.max_points for c in criteria), criteria))
    return groups


def _criterion_points(data: ReportData, kind: str, school_id: int) -> dict[str, float]:
    row = data.points.get(kind, {}).get(school_id)
    if row is None:
        return {}
    return {c.id: p for c, p in zip(data.scored_criteria, row, strict=True) if p is not None}


def _group_sum(points: dict[str, float], group: GroupPoints) -> float | None:
    values = [points[c.id] for c in group.criteria if c.id in points]
    return round(sum(values), 2) if values else None


@dataclass(frozen=True)
class SchoolCounts:
    """The notice's counts for one school, from its own submitted answers."""

    pairs: tuple[tuple[str, int, int] | None, ...]  # per staff group: (name, issued, used), None when unanswered
    categories: int  # record categories in the rubric's list
    set_up: int | None
    signed: int | None


def school_counts(data: ReportData, school_id: int) -> SchoolCounts:
    answers = data.answers.get(school_id, {})
    pair_criteria = [c for c in data.rubric.criteria if c.type is AnswerType.COUNT_PAIR]
    names = m.STAFF_NAMES if len(pair_criteria) == len(m.STAFF_NAMES) else tuple(c.title for c in pair_criteria)
    pairs: list[tuple[str, int, int] | None] = []
    for name, criterion in zip(names, pair_criteria, strict=True):
        pair = answers.get(criterion.id)
        pairs.append((name, pair.issued, pair.used) if isinstance(pair, CountPair) else None)
    # The rubric's multiple-choice lists of record categories: the first is "set up", the second "signed".
    multi = [c for c in data.rubric.criteria if c.type is AnswerType.MULTI_CHOICE]
    counts: list[int | None] = []
    for criterion in multi[:2]:
        chosen = answers.get(criterion.id)
        counts.append(len(chosen.options) if isinstance(chosen, MultiChoice) else None)
    counts += [None] * (2 - len(counts))
    total = len(multi[0].options) if multi else 0
    return SchoolCounts(tuple(pairs), total, counts[0], counts[1])


def _school_text(data: ReportData, school_id: int) -> str:
    """The school's own "ý kiến, đề xuất" (the rubric's text criteria)."""
    answers = data.answers.get(school_id, {})
    texts = [value.text for c in data.rubric.criteria if isinstance(value := answers.get(c.id), Text)]
    return "\n".join(t for t in texts if t)


def _inspector_comments(data: ReportData, kind: str, school_id: int) -> str:
    found = data.comments.get(kind, {}).get(school_id, {})
    return "\n".join(f"{c.id}: {found[c.id]}" for c in data.scored_criteria if c.id in found)


def _answer_note(criterion: Criterion, value: StoredValue | None) -> str:
    try:
        answer = check_value(criterion, value) if value is not None else None
    except InvalidAnswer:
        return ""
    match answer:
        case MultiChoice():
            chosen = [o.label for o in criterion.options if o.id in answer.options]
            if not chosen:
                return m.ANSWER_NONE_CHOSEN
            return m.ANSWER_CHOSEN.format(count=len(chosen), total=len(criterion.options), items="; ".join(chosen))
        case SingleChoice():
            return criterion.option(answer.option).label
        case CountPair():
            if not answer.issued:
                return m.ANSWER_PAIR_NA if criterion.none_issued is NoneIssued.NOT_APPLICABLE else m.ANSWER_PAIR_NONE
            return m.ANSWER_PAIR.format(issued=answer.issued, used=answer.used)
        case Percentage():
            return m.ANSWER_PERCENT.format(percent=format_points(answer.percent))
        case EvidenceCount():
            if criterion.evidence_period is not EvidencePeriod.NOT_CHECKED and answer.in_period is not None:
                return m.ANSWER_EVIDENCE_PERIOD.format(valid=answer.valid, total=answer.total,
                                                       in_period=answer.in_period)
            return m.ANSWER_EVIDENCE.format(valid=answer.valid, total=answer.total)
        case DocumentShare():
            return m.ANSWER_DOCUMENTS.format(stored=answer.stored, paper_only=answer.paper_only, signed=answer.signed)
    return ""


def _assumptions(data: ReportData) -> list[str]:
    """The rubric's assumptions, printed until the Sở confirms the rubric."""
    if data.campaign.rubric_confirmed or not data.rubric.assumptions:
        return []
    return [rt.ASSUMPTIONS_TITLE.format(name=data.rubric.name, version=data.rubric.version),
            *(rt.ASSUMPTION_LINE.format(text=text) for text in data.rubric.assumptions)]


# --- Phụ lục 1: one school's self-assessment ---------------------------------------------------------

_FORM1_WIDTHS = (6, 52, 10, 10, 26, 17, 36)


def form1(workbook: Workbook, data: ReportData, report: SchoolReport) -> None:
    school = report.school
    heading = _heading(data)
    issuer = _issuer(data, school.id)
    sheet = workbook.create_sheet(_sheet_title(workbook, m.SHEET_FORM1.format(code=school.code)))
    form = FormSheet(sheet, _FORM1_WIDTHS, split=2)
    _open(form, data, issuer, 1, m.TITLE1, m.SUBTITLE1.format(school=school.name, year=heading.school_year))
    # The counts first (the notice's first questions); the criteria table may run onto a second page,
    # under its repeated header.
    _statistics(form, school_counts(data, school.id))
    form.skip()
    form.table_header([
        [HeaderCell(m.H1_NO, rows=2), HeaderCell(m.H1_CRITERION, rows=2), HeaderCell(m.H1_MAX, rows=2),
         HeaderCell(m.H1_SELF, rows=2), HeaderCell(m.H1_EVIDENCE, cols=2), HeaderCell(m.H1_NOTE, rows=2)],
        [HeaderCell(m.H1_EVIDENCE_FILE), HeaderCell(m.H1_EVIDENCE_VERDICT)],
    ])
    submitted = data.submitted(school.id, SELF)
    points = _criterion_points(data, SELF, school.id)
    answers = data.answers.get(school.id, {})
    evidence = data.evidence.get(school.id, {})
    # The rubric's own numbers, as the chat showed them ("Nội dung 2", criterion "5"): never Roman numerals
    # next to Arabic ones, which read as the notice's "II.1".
    for group in scored_groups(data):
        form.table_row([Cell(""), Cell(m.GROUP_ROW.format(id=group.id, title=group.title), bold=True, align=LEFT),
                        Cell(group.max_points, bold=True, number_format=POINTS_FORMAT),
                        Cell(_group_sum(points, group), bold=True, number_format=POINTS_FORMAT),
                        Cell(""), Cell(""), Cell("")])
        for criterion in group.criteria:
            files = evidence.get(criterion.id, [])
            form.table_row([
                Cell(criterion.id), Cell(criterion.title, align=LEFT), _points(criterion.max_points),
                _points(points.get(criterion.id)),
                Cell("\n".join(f.file_name for f in files), align=LEFT),
                Cell("\n".join(evidence_cell(f.status, f.verdict) for f in files)),
                Cell(_answer_note(criterion, answers.get(criterion.id)), align=LEFT),
            ])
    total = school.self_total if submitted else None
    form.table_row([Cell(""), Cell(m.TOTAL.upper(), bold=True, align=LEFT),
                    Cell(data.rubric.max_points, bold=True, number_format=POINTS_FORMAT),
                    Cell(total, bold=True, number_format=POINTS_FORMAT),
                    Cell(f"{m.BAND}: {_band(data, total)}" if total is not None else m.NOT_SUBMITTED, bold=True,
                         align=LEFT, span=3)])
    if total is not None and (note := score_school(data.rubric, answers).scaling_note()) is not None:
        form.line(note, italic=True)  # "Không áp dụng" items left the denominator: say how the total was made
    form.skip()
    comments = _school_text(data, school.id) or m.NO_COMMENTS
    form.line(m.COMMENTS_TITLE, bold=True)
    form.line(comments)
    if assumed := _assumptions(data):
        form.skip()
        for line in assumed:
            form.line(line, italic=True)
    form.signatures(PREPARER, _head(issuer))


def _statistics(form: FormSheet, counts: SchoolCounts) -> None:
    form.line(m.STATS_TITLE, bold=True)
    form.table_header([[HeaderCell(m.H1_NO), HeaderCell(m.STATS_WHO), HeaderCell(m.STATS_ISSUED, cols=2),
                        HeaderCell(m.STATS_USED), HeaderCell(m.STATS_RATE)]], repeat=False)
    issued_sum = used_sum = 0
    for number, pair in enumerate(counts.pairs, start=1):
        if pair is None:
            form.table_row([Cell(number), Cell(m.STAFF_NAMES[number - 1] if number <= len(m.STAFF_NAMES) else "",
                                               align=LEFT), Cell("", span=2), Cell(""), Cell("")])
            continue
        name, issued, used = pair
        issued_sum, used_sum = issued_sum + issued, used_sum + used
        form.table_row([Cell(number), Cell(name, align=LEFT), Cell(issued, span=2), Cell(used),
                        Cell(_rate(used, issued))])
    form.table_row([Cell(""), Cell(m.STATS_SUM, bold=True, align=LEFT), Cell(issued_sum, bold=True, span=2),
                    Cell(used_sum, bold=True), Cell(_rate(used_sum, issued_sum), bold=True)])
    for label, value in ((m.CATEGORIES_SET_UP, counts.set_up), (m.CATEGORIES_SIGNED, counts.signed)):
        shown = m.OUT_OF.format(count=value, total=counts.categories) if value is not None else ""
        form.table_row([Cell(""), Cell(label, align=LEFT), Cell(shown, span=2), Cell("", span=2)])


def _rate(used: int, issued: int) -> str:
    return f"{format_points(100 * used / issued)}%" if issued else ""


# --- Phụ lục 2: one managing unit, all of its schools --------------------------------------------------


def form2(workbook: Workbook, data: ReportData, district: DistrictReport) -> None:
    heading = _heading(data)
    groups = scored_groups(data)
    widths = (5, 28, 8, 8, 8, 9, 9, *([11] * len(groups)), 9, 9, 10, 38)
    sheet = workbook.create_sheet(_sheet_title(workbook, m.SHEET_FORM2.format(code=district.district.code)))
    form = FormSheet(sheet, widths, split=2)
    unit = district.district.name
    issuer = _issuer(data, district.district.id)
    _open(form, data, issuer, 2, m.TITLE2, m.SUBTITLE2.format(unit=unit, year=heading.school_year))
    categories = school_counts(data, district.schools[0].school.id).categories if district.schools else 0
    contents = [HeaderCell(m.H2_CONTENT.format(id=g.id, max=format_points(g.max_points))) for g in groups]
    form.table_header([
        [HeaderCell(m.H2_NO, rows=2), HeaderCell(m.H2_SCHOOL, rows=2), HeaderCell(m.H2_CERTS, cols=3),
         HeaderCell(m.H2_CATEGORIES.format(count=categories), cols=2), HeaderCell(m.H2_CONTENTS, cols=len(groups)),
         HeaderCell(m.H2_TOTALS, cols=2), HeaderCell(m.H2_BAND, rows=2), HeaderCell(m.H2_COMMENTS, rows=2)],
        [HeaderCell(m.H2_CBQL), HeaderCell(m.H2_GV), HeaderCell(m.H2_NV), HeaderCell(m.H2_SET_UP),
         HeaderCell(m.H2_SIGNED), *contents, HeaderCell(m.H2_SELF), HeaderCell(m.H2_RESCORE)],
    ])
    for number, report in enumerate(district.schools, start=1):
        school = report.school
        counts = school_counts(data, school.id)
        pairs = [Cell(m.PAIR.format(issued=p[1], used=p[2]) if p is not None else "") for p in counts.pairs]
        pairs += [Cell("")] * (3 - len(pairs))
        rescore = _criterion_points(data, DISTRICT, school.id)
        remarks = [_inspector_comments(data, DISTRICT, school.id)]
        if said := _school_text(data, school.id):
            remarks.append(m.SCHOOL_SAYS.format(text=said))
        if not school.uses_erecords:
            remarks.append(m.USES_NO)
        form.table_row([
            Cell(number), Cell(school.name, align=LEFT), *pairs[:3],
            Cell(m.OUT_OF.format(count=counts.set_up, total=counts.categories) if counts.set_up is not None else ""),
            Cell(m.OUT_OF.format(count=counts.signed, total=counts.categories) if counts.signed is not None else ""),
            *(_points(_group_sum(rescore, g)) for g in groups),
            _points(school.self_total), _points(school.rescore_total), Cell(report.band or ""),
            Cell("\n".join(r for r in remarks if r), align=LEFT),
        ])
    rule = management_row(data.levels, unit, issuer.area, district.mean_note(), district.rule_name)
    span = 7 + len(groups)
    form.table_row([Cell(rule, bold=True, align=LEFT, span=span),
                    Cell(district.mean if district.mean is not None else m.MANAGEMENT_NONE, bold=True, span=2,
                         number_format=POINTS_FORMAT),
                    Cell(district.band or "", bold=True), Cell("")])
    form.signatures(PREPARER, _head(issuer))


# --- Phụ lục 3: one inspector's cross-inspections ----------------------------------------------------------


@dataclass(frozen=True)
class InspectorForm:
    inspector_id: int
    unit_id: int | None  # the inspector's unit: the form's issuing body
    rows: tuple[SchoolReport, ...]  # the schools they cross-inspected, in the roster's order


def inspector_forms(data: ReportData) -> list[InspectorForm]:
    """One form per inspector with cross-inspections in scope, in the roster's order of their units."""
    reports = {r.school.id: r for _, r in ordered_schools(data)}
    pairs = list(data.cross_assignments)
    assigned = {school for _, school in pairs}
    # A cross-inspection submitted by someone no longer assigned still belongs in the compilation.
    pairs += [(a.by, s) for (s, kind), a in data.assessments.items()
              if kind == CROSS and s not in assigned and a.by is not None]
    by_inspector: dict[int, list[SchoolReport]] = {}
    for inspector, school_id in pairs:
        if school_id in reports and reports[school_id] not in by_inspector.get(inspector, []):
            by_inspector.setdefault(inspector, []).append(reports[school_id])

    def unit_key(unit_id: int | None) -> tuple[int, ...]:
        info = data.units.by_id.get(unit_id) if unit_id is not None else None
        return roster_key(info) if info is not None else (1 << 62,)

    def unit_of(inspector: int) -> int | None:
        person = data.users.get(inspector)
        return person[2] if person is not None else None

    ordered = sorted(by_inspector.items(), key=lambda item: (unit_key(unit_of(item[0])), item[0]))
    return [InspectorForm(inspector, unit_of(inspector),
                          tuple(sorted(rows, key=lambda r: unit_key(r.school.id))))
            for inspector, rows in ordered]


_FORM3_WIDTHS = (5, 30, 32, 10, 10, 10, 12, 13, 46)


def form3(workbook: Workbook, data: ReportData, inspector: InspectorForm, number: int) -> None:
    heading = _heading(data)
    person = data.users.get(inspector.inspector_id)
    name = person[1] if person is not None else ""
    issuer = _issuer(data, inspector.unit_id)
    unit = data.units.by_id.get(inspector.unit_id) if inspector.unit_id is not None else None
    sheet = workbook.create_sheet(_sheet_title(workbook, m.SHEET_FORM3.format(n=number)))
    form = FormSheet(sheet, _FORM3_WIDTHS, split=3)
    _open(form, data, issuer, 3, m.TITLE3, m.SUBTITLE3.format(inspector=name, unit=unit.name if unit else "",
                                                               year=heading.school_year))
    form.table_header([
        [HeaderCell(m.H3_NO, rows=2), HeaderCell(m.H3_INSPECTED, rows=2), HeaderCell(m.H3_SCHOOL, rows=2),
         HeaderCell(m.H3_SCORES, cols=4), HeaderCell(m.H3_BAND, rows=2), HeaderCell(m.H3_REMARKS, rows=2)],
        [HeaderCell(m.H3_SELF), HeaderCell(m.H3_RESCORE), HeaderCell(m.H3_CROSS), HeaderCell(m.H3_DIFF)],
    ])
    for index, report in enumerate(inspector.rows, start=1):
        school = report.school
        cross = school.cross_total
        base = school.rescore_total if school.rescore_total is not None else school.self_total
        diff = round(cross - base, 2) if cross is not None and base is not None else None
        form.table_row([
            Cell(index), Cell(_unit_name(data, school.district_id), align=LEFT), Cell(school.name, align=LEFT),
            _points(school.self_total), _points(school.rescore_total), _points(cross), _points(diff),
            Cell(_band(data, cross)), Cell(_inspector_comments(data, CROSS, school.id), align=LEFT),
        ])
    form.line(m.H3_DIFF_NOTE, italic=True)
    # The inspector compiles and signs: one signer, named.
    form.signatures(None, SignBlock((m.SIGN_INSPECTOR,), m.SIGN_NOTE, name))


def _empty(workbook: Workbook, data: ReportData, appendix: int, note: str) -> None:
    sheet = workbook.create_sheet(_sheet_title(workbook, m.SHEET_FORM3.format(n="")))
    form = FormSheet(sheet, _FORM3_WIDTHS, split=3)
    _open(form, data, _issuer(data, data.scope.unit_id), appendix, m.TITLE3,
          m.SCOPE_SCHOOL.format(school=data.scope.label) if data.scope.label else "")
    form.line(note, italic=True)


# --- the summary sheet -------------------------------------------------------------------------------------


def _local(data: ReportData, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(data.tz)).strftime("%d/%m/%Y %H:%M")


def _summary(workbook: Workbook, data: ReportData) -> None:
    city = data.city
    sheet = workbook.create_sheet(m.SHEET_SUMMARY, 0)
    values: Sequence[Any] = [
        data.campaign.name, _local(data, data.now), scope_line(data), len(city.districts), city.school_count,
        city.uses_erecords, city.submitted, city.rescored, city.cross_inspected, city.mean, city.band or "",
        len(data.overdue), f"{city.rule_name} ({city.mean_note()})",
    ]
    labels = [label.format(level=data.levels.managing.short) for label in m.SUMMARY_ROWS]
    rows = [(label, value) for label, value in zip(labels, values, strict=True)]
    rows += [(m.H_BAND_COUNT.format(band=label), count) for label, count in city.band_counts.items()]
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 80
    for row, (label, value) in enumerate([(m.H_ITEM, m.H_VALUE), *rows], start=1):
        for column, item in ((1, label), (2, value)):
            cell = sheet.cell(row=row, column=column, value=item)
            cell.font = font(bold=row == 1 or column == 1)
            cell.alignment = LEFT if column == 1 or row > 1 else CENTER
            if isinstance(item, float):
                cell.number_format = POINTS_FORMAT
    # Printed, both columns stay on one page width (labels beside their values), rows run on below.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
