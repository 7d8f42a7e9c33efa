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
