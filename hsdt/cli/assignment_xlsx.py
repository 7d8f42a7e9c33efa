"""The assignment workbook: one sheet “Phân công”, Vietnamese headers, one row per inspector x school."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from hsdt.scoring import fold_text
from hsdt.services.assignments import AssignmentRow
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.texts import assignments as texts

SHEET = "Phân công"
HEADERS = ["Mã cán bộ kiểm tra", "Mã trường", "Loại (Chấm lại / Kiểm tra chéo)", "Họ tên cán bộ", "Tên trường"]
KIND_LABELS = {DISTRICT: "Chấm lại", CROSS: "Kiểm tra chéo"}
# What people type in the kind column, compared without diacritics or case.
_KIND_ALIASES = {
    "cham lai": DISTRICT, "district": DISTRICT, "phong": DISTRICT, "cham diem lai": DISTRICT,
    "kiem tra cheo": CROSS, "cross": CROSS, "cheo": CROSS,
}


class AssignmentFileError(ValueError):
    pass


def parse_kind(text: str) -> str:
    """"Chấm lại" -> district, "Kiểm tra chéo" -> cross; anything else is returned as typed (and refused)."""
    return _KIND_ALIASES.get(fold_text(text).strip(), text)


def write_table(path: Path, rows: list[tuple[AssignmentRow, str, str]]) -> None:
    """Rows with the inspector's and the school's names beside the codes, for people to read and edit."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row, inspector_name, school_name in rows:
        sheet.append([row.inspector_code, row.school_code, KIND_LABELS.get(row.kind, row.kind), inspector_name,
                      school_name])
    for index, header in enumerate(HEADERS):
        longest = max([len(header), *(len(str(c.value or "")) for c in sheet[chr(ord("A") + index)])])
        sheet.column_dimensions[chr(ord("A") + index)].width = min(50, longest + 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def read_table(path: Path) -> list[AssignmentRow]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for a file that is not a workbook
        raise AssignmentFileError(texts.FILE_UNREADABLE.format(path=path, error=error)) from error
    if SHEET not in workbook.sheetnames:
        raise AssignmentFileError(texts.FILE_MISSING_SHEET.format(path=path, sheet=SHEET))
    problems: list[str] = []
    rows: list[AssignmentRow] = []
    for number, row in enumerate(workbook[SHEET].iter_rows(min_row=2, values_only=True), start=2):
        cells = [_text(v) for v in (list(row) + [None] * 3)[:3]]
        if not any(cells):
            continue
        inspector, school, kind = cells
        if not inspector or not school or not kind:
            problems.append(f"dòng {number}: thiếu mã cán bộ, mã trường hoặc loại")
            continue
        rows.append(AssignmentRow(inspector, school, parse_kind(kind), number))
    workbook.close()
    if problems:
        raise AssignmentFileError("\n".join(problems))
    return rows
