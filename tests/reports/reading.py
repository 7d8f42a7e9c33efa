"""Reading the appendices back as a Sở clerk's spreadsheet would show them: by header text, not by
cell address, so the tests say what is on the form."""

from __future__ import annotations

from typing import Any

from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet


def title_rows(sheet: Worksheet) -> tuple[int, int]:
    first, _, last = str(sheet.print_title_rows).replace("$", "").partition(":")
    return int(first), int(last or first)


def header_columns(sheet: Worksheet) -> dict[str, int]:
    """Header text -> column, the second level overriding the first where both exist."""
    first, last = title_rows(sheet)
    found: dict[str, int] = {}
    for row in range(first, last + 1):
        for cell in sheet[row]:
            if isinstance(cell.value, str) and cell.value:
                found.setdefault(cell.value, cell.column)
    return found


def table(sheet: Worksheet) -> list[dict[str, Any]]:
    """The rows under the repeated header, until the first row without borders (the table's end)."""
    columns = header_columns(sheet)
    _, last = title_rows(sheet)
    rows = []
    row = last + 1
    while sheet.cell(row=row, column=1).border.left.style is not None:
        rows.append({name: sheet.cell(row=row, column=col).value for name, col in columns.items()})
        row += 1
    return rows


def sheets(workbook: Workbook, prefix: str) -> list[Worksheet]:
    return [s for s in workbook.worksheets if s.title.startswith(prefix)]


def texts(sheet: Worksheet) -> list[str]:
    return [str(c.value) for row in sheet.iter_rows() for c in row if c.value not in (None, "")]


def issuing_body(sheet: Worksheet) -> list[tuple[str, bool]]:
    """The issuing body top left: its lines (text, bold) down to the rule under it."""
    lines: list[tuple[str, bool]] = []
    for row in range(1, 6):
        cell = sheet.cell(row=row, column=1)
        if isinstance(cell.value, str) and set(cell.value) == {"\u2500"}:
            return lines
        lines.append((str(cell.value), bool(cell.font.b)))
    raise AssertionError(f"{sheet.title}: no rule under the issuing body")


def rule_under_body(sheet: Worksheet) -> str:
    return str(sheet.cell(row=len(issuing_body(sheet)) + 1, column=1).value)


def national_heading(sheet: Worksheet) -> list[Any]:
    """The right block: Quốc hiệu, tiêu ngữ, its rule and the date line (cells, to read fonts too)."""
    nation = next(c for c in sheet[1] if c.value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    return [sheet.cell(row=row, column=nation.column) for row in range(1, 5)]


def signature_blocks(sheet: Worksheet) -> dict[str, list[str]]:
    """The signature blocks under the form, "left" and "right", each its lines top down; a blank
    between lines is the space left for the signature and the seal (shown as "")."""
    start = next(row for row in range(sheet.max_row, 0, -1)
                 if any(c.value in ("NGƯỜI LẬP BIỂU", "CÁN BỘ KIỂM TRA") for c in sheet[row]))
    split = next(c.column for c in sheet[1] if c.value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    blocks: dict[str, list[str]] = {"left": [], "right": []}
    for row in range(start, sheet.max_row + 1):
        for side, column in (("left", 1), ("right", split)):
            value = sheet.cell(row=row, column=column).value
            blocks[side].append(str(value) if value not in (None, "") else "")
    for side, lines in blocks.items():
        while lines and not lines[-1]:
            lines.pop()
        blocks[side] = lines
    return blocks


def printed_rows(sheet: Worksheet) -> int:
    """The last row of the print area."""
    area = str(sheet.print_area).replace("$", "").split(":")[-1]
    return int("".join(ch for ch in area if ch.isdigit()))


def signature_space(sheet: Worksheet, title: str) -> float:
    """Points of printed blank rows under a signer's title (or its note) before the name or the form's end."""
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == title)
    row = cell.row + 1
    if str(sheet.cell(row=row, column=cell.column).value or "").startswith("("):
        row += 1
    space = 0.0
    while row <= printed_rows(sheet) and not sheet.cell(row=row, column=cell.column).value:
        space += sheet.row_dimensions[row].height or 15.0
        row += 1
    return space
