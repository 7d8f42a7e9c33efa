"""The report as an Excel workbook (openpyxl write-only mode, so a whole country stays fast and small):
a summary, Appendix 1 (self-assessments), Appendix 2 (district re-scores with comments), Appendix 3
(cross-inspections per inspector) and the districts' leadership means. Values only, no formulas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from hsdt.reports.dataset import SELF, ReportData
from hsdt.reports.text import scope_line
from hsdt.scoring import SchoolReport, band_for
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.texts import report as m

POINTS_FORMAT = "0.00"
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_MAX_WIDTH = 60
_WIDTH_SAMPLE = 2000  # rows looked at to size a column; enough to fit, cheap for a country


def write_workbook(data: ReportData, out: IO[bytes] | str) -> None:
    workbook = Workbook(write_only=True)
    _summary(workbook, data)
    _appendix1(workbook, data)
    _appendix2(workbook, data)
    _appendix3(workbook, data)
    _districts(workbook, data)
    workbook.save(out)


def _sheet(
    workbook: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], points: Iterable[int] = ()
) -> None:
    """One sheet: bold frozen header row, widths that fit, score columns formatted as points."""
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        longest = max((len(_text(row[index])) for row in rows[:_WIDTH_SAMPLE] if index < len(row)), default=0)
        width = min(_MAX_WIDTH, max(8, len(header) + 2, longest + 2))
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = _BOLD
        cell.alignment = _WRAP
        header_cells.append(cell)
    sheet.append(header_cells)
    # One styled cell per score column, reused row after row: a write-only sheet serialises each row as
    # it is appended, so only the value changes (and no style is computed 300,000 times).
    styled: dict[int, WriteOnlyCell] = {}
    for index in points:
        styled[index] = WriteOnlyCell(sheet)
        styled[index].number_format = POINTS_FORMAT
    for row in rows:
        if styled:
            values = list(row)
            for index, cell in styled.items():
                if index < len(values) and values[index] is not None:
                    cell.value = values[index]
                    values[index] = cell
            sheet.append(values)
        else:
            sheet.append(row)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _local(data: ReportData, moment: datetime | None) -> str:
    return moment.astimezone(ZoneInfo(data.tz)).strftime("%d/%m/%Y %H:%M") if moment is not None else ""


def _ordered_schools(data: ReportData) -> list[tuple[str, SchoolReport]]:
    return [(d.district.name, r) for d in data.city.districts for r in d.schools]


def _criterion_headers(data: ReportData) -> list[str]:
    return [f"{c.id} (tối đa {c.max_points:g})" for c in data.scored_criteria]


def _status(data: ReportData, school_id: int, kind: str) -> str:
    return m.STATUS_NAMES.get(data.assessment(school_id, kind).status, "")


def _band(data: ReportData, total: float | None) -> str | None:
    return band_for(data.rubric, total).label if total is not None else None


def _summary(workbook: Workbook, data: ReportData) -> None:
    city = data.city
    values = [
        data.campaign.name, _local(data, data.now), scope_line(data), len(city.districts), city.school_count,
        city.uses_erecords, city.submitted, city.rescored, city.cross_inspected, city.mean, city.band or "",
        len(data.overdue),
    ]
    rows = [[label, value] for label, value in zip(m.SUMMARY_ROWS, values, strict=True)]
    rows += [[m.H_BAND_COUNT.format(band=label), count] for label, count in city.band_counts.items()]
    _sheet(workbook, m.SHEET_SUMMARY, [m.H_ITEM, m.H_VALUE], rows)


def _appendix1(workbook: Workbook, data: ReportData) -> None:
    width = len(data.scored_criteria)
    headers = [m.H_NO, m.H_SCHOOL_CODE, m.H_SCHOOL, m.H_DISTRICT, m.H_USES, m.H_STATUS,
               *_criterion_headers(data), m.H_TOTAL, m.H_BAND]
    points = data.points.get(SELF, {})
    rows: list[list[Any]] = []
    for number, (district, report) in enumerate(_ordered_schools(data), start=1):
        school = report.school
        rows.append([number, school.code, school.name, district, m.YES if school.uses_erecords else m.NO,
                     _status(data, school.id, SELF), *(points.get(school.id) or [None] * width),
                     school.self_total, _band(data, school.self_total)])
    _sheet(workbook, m.SHEET_APPENDIX1, headers, rows, points=range(6, 6 + width + 1))


def _comments(data: ReportData, kind: str, school_id: int) -> str:
    found = data.comments.get(kind, {}).get(school_id, {})
    return "; ".join(f"{c.id}: {found[c.id]}" for c in data.scored_criteria if c.id in found)


def _scorer(data: ReportData, school_id: int, kind: str) -> str:
    by = data.assessment(school_id, kind).by
    return data.users[by][1] if by is not None and by in data.users else ""


def _appendix2(workbook: Workbook, data: ReportData) -> None:
    width = len(data.scored_criteria)
    headers = [m.H_NO, m.H_DISTRICT, m.H_SCHOOL_CODE, m.H_SCHOOL, m.H_INSPECTOR, m.H_STATUS,
               *_criterion_headers(data), m.H_TOTAL, m.H_BAND, m.H_SELF_TOTAL, m.H_DIFF, m.H_COMMENTS]
    points = data.points.get(DISTRICT, {})
    rows: list[list[Any]] = []
    for district, report in _ordered_schools(data):
        school = report.school
        if school.id not in points and (school.id, DISTRICT) not in data.assessments:
            continue
        rows.append([len(rows) + 1, district, school.code, school.name, _scorer(data, school.id, DISTRICT),
                     _status(data, school.id, DISTRICT), *(points.get(school.id) or [None] * width),
                     school.rescore_total, _band(data, school.rescore_total), school.self_total,
                     report.difference, _comments(data, DISTRICT, school.id)])
    _sheet(workbook, m.SHEET_APPENDIX2, headers, rows, points=[*range(6, 7 + width), 8 + width, 9 + width])


def _appendix3(workbook: Workbook, data: ReportData) -> None:
    width = len(data.scored_criteria)
    headers = [m.H_NO, m.H_INSPECTOR, m.H_INSPECTOR_CODE, m.H_INSPECTOR_UNIT, m.H_SCHOOL_CODE, m.H_SCHOOL,
               m.H_SCHOOL_DISTRICT, m.H_STATUS, *_criterion_headers(data), m.H_TOTAL, m.H_BAND, m.H_SELF_TOTAL,
               m.H_DIFF, m.H_COMMENTS]
    points = data.points.get(CROSS, {})
    reports = {r.school.id: (district, r) for district, r in _ordered_schools(data)}
    pairs = list(data.cross_assignments)
    assigned = {school for _, school in pairs}
    # A cross-inspection submitted by someone no longer assigned still belongs in the compilation.
    pairs += [(a.by, s) for (s, kind), a in data.assessments.items()
              if kind == CROSS and s not in assigned and a.by is not None]
    units = data.units.by_id

    def person(user_id: int) -> tuple[str, str, str]:
        code, name, unit_id = data.users.get(user_id, ("", "", 0))
        return name, code, units[unit_id].name if unit_id in units else ""

    pairs.sort(key=lambda pair: (person(pair[0])[0], person(pair[0])[1], reports[pair[1]][1].school.name
                                 if pair[1] in reports else ""))
    rows: list[list[Any]] = []
    for inspector, school_id in pairs:
        if school_id not in reports:
            continue
        district, report = reports[school_id]
        school = report.school
        name, code, unit = person(inspector)
        cross = school.cross_total
        diff = round(cross - school.self_total, 2) if cross is not None and school.self_total is not None else None
        rows.append([len(rows) + 1, name, code, unit, school.code, school.name, district,
                     _status(data, school.id, CROSS), *(points.get(school.id) or [None] * width), cross,
                     _band(data, cross), school.self_total, diff, _comments(data, CROSS, school.id)])
    _sheet(workbook, m.SHEET_APPENDIX3, headers, rows, points=[*range(8, 9 + width), 10 + width, 11 + width])


def _districts(workbook: Workbook, data: ReportData) -> None:
    labels = list(data.city.band_labels)
    headers = [m.H_NO, m.H_DISTRICT, m.H_SCHOOLS, m.H_SCHOOLS_USING, m.H_SUBMITTED, m.H_RESCORED, m.H_CROSS,
               m.H_MEAN, m.H_BAND, *(m.H_BAND_COUNT.format(band=label) for label in labels)]
    rows = [
        [n, d.district.name, d.school_count, d.uses_erecords, d.submitted, d.rescored, d.cross_inspected, d.mean,
         d.band, *(d.band_counts.get(label, 0) for label in labels)]
        for n, d in enumerate(data.city.districts, start=1)
    ]
    _sheet(workbook, m.SHEET_DISTRICTS, headers, rows, points=[7])
