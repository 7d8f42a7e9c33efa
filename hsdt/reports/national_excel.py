"""The Ministry's national workbook: one official form (Nghị định 30/2020/NĐ-CP, Phụ lục I, as the Sở's
appendices are laid out by `form_sheet`), issued by the Ministry, one row per province and a total row.
Values only, no formulas; every number comes from the national data set (`hsdt.reports.national`)."""

from __future__ import annotations

import io
from typing import IO
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from hsdt.reports.form_sheet import LEFT, POINTS_FORMAT, Cell, FormSheet, HeaderCell, SignBlock
from hsdt.reports.heading import date_line
from hsdt.reports.national import NationalData, ProvinceRow
from hsdt.texts import national as n

_FIXED = (5, 16, 30, 9, 10, 11, 11, 11, 11)  # STT … cross-inspected
_TAIL = (10, 10, 9, 9)  # mean, band, evidence valid, evidence total
_BAND_WIDTH = 9


def write_national(data: NationalData, out: IO[bytes] | str) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = n.SHEET
    labels = data.band_labels
    form = FormSheet(sheet, (*_FIXED, *([_BAND_WIDTH] * len(labels)), *_TAIL), split=3)
    local = data.now.astimezone(ZoneInfo(data.tz))
    form.heading("", (n.MINISTRY_NAME,), date_line(n.MINISTRY_PLACE, local.date()), None, n.TITLE, n.REF,
                 n.SUBTITLE.format(time=f"{local:%H:%M}", day=f"{local:%d/%m/%Y}"))
    form.table_header([
        [HeaderCell(n.H_NO, rows=2), HeaderCell(n.H_PROVINCE, rows=2), HeaderCell(n.H_DEPARTMENT, rows=2),
         HeaderCell(n.H_CAMPAIGNS, rows=2), HeaderCell(n.H_SCHOOLS, rows=2), HeaderCell(n.H_USES, rows=2),
         HeaderCell(n.H_SUBMITTED, rows=2), HeaderCell(n.H_RESCORED, rows=2), HeaderCell(n.H_CROSS, rows=2),
         *([HeaderCell(n.H_BANDS, cols=len(labels))] if labels else []),
         HeaderCell(n.H_MEAN, rows=2), HeaderCell(n.H_BAND, rows=2), HeaderCell(n.H_EVIDENCE, cols=2)],
        [*(HeaderCell(label) for label in labels), HeaderCell(n.H_EVIDENCE_VALID), HeaderCell(n.H_EVIDENCE_TOTAL)],
    ])
    for number, province in enumerate(data.provinces, start=1):
        form.table_row(_row(number, province, labels))
    form.table_row([
        Cell(n.TOTAL, bold=True, align=LEFT, span=3), Cell(data.campaigns, bold=True),
        *(Cell(data.total(a), bold=True) for a in ("schools", "uses_erecords", "submitted", "rescored",
                                                     "cross_inspected")),
        *(Cell(data.band_count(label), bold=True) for label in labels),
        _mean(data.mean, bold=True), Cell(data.band or "", bold=True),
        Cell(data.total("evidence_valid"), bold=True), Cell(data.total("evidence_total"), bold=True),
    ])
    form.skip()
    for line in n.NOTES:
        form.line(line, italic=line != n.NOTES[0], bold=line == n.NOTES[0])
    form.signatures(SignBlock((n.SIGN_PREPARER,), n.SIGN_NOTE), SignBlock(n.SIGN_HEAD))
    workbook.properties.creator = n.MINISTRY_NAME
    workbook.properties.title = n.TITLE
    workbook.save(out)


def national_bytes(data: NationalData) -> bytes:
    buffer = io.BytesIO()
    write_national(data, buffer)
    return buffer.getvalue()


def _row(number: int, province: ProvinceRow, labels: tuple[str, ...]) -> list[Cell]:
    if not province.campaigns:
        return [Cell(number), Cell(province.province, align=LEFT), Cell(province.department, align=LEFT),
                Cell(0), Cell(n.NO_CAMPAIGN, span=5 + len(labels) + 4)]
    return [
        Cell(number), Cell(province.province, align=LEFT), Cell(province.department, align=LEFT),
        Cell(len(province.campaigns)), Cell(province.schools), Cell(province.uses_erecords), Cell(province.submitted),
        Cell(province.rescored), Cell(province.cross_inspected),
        *(Cell(province.band_count(label)) for label in labels),
        _mean(province.mean), Cell(province.band or ""),
        Cell(province.evidence_valid), Cell(province.evidence_total),
    ]


def _mean(value: float | None, *, bold: bool = False) -> Cell:
    return Cell(value if value is not None else n.NO_MEAN_CELL, bold=bold, number_format=POINTS_FORMAT)
