"""One official form on one worksheet (Nghị định 30/2020/NĐ-CP conventions): the issuing body top left
with a short rule, Quốc hiệu and tiêu ngữ top right, the place and date, "Phụ lục N", the title with the
notice it is attached to, a bordered table with a two-level header repeated on every printed page, and
the signature block. Times New Roman, A4 landscape fitted to the page width, page numbers in the footer.

The sheet knows nothing of scores: the appendices (`hsdt.reports.excel`) give it rows."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from hsdt.texts import report as m

FONT_NAME = "Times New Roman"
HEADING_SIZE = 13
TABLE_SIZE = 12
# Points with a decimal comma wherever the viewer honours the locale tag (LibreOffice, the PDF).
POINTS_FORMAT = "[$-42A]0.00"
LINE_HEIGHT = 16.0  # points per line of 12 pt text
_CHARS_PER_WIDTH = 1.15  # Times New Roman 12 pt characters per unit of column width, on average
RULE = "\u2500" * 14  # a short solid rule under the issuing unit and the motto

_STYLES: weakref.WeakKeyDictionary[Any, dict[tuple[object, ...], StyleArray]] = weakref.WeakKeyDictionary()
_THIN = Side(style="thin")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


@functools.cache
def font(size: int = TABLE_SIZE, *, bold: bool = False, italic: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic)


@dataclass(frozen=True)
class HeaderCell:
    """One cell of the table header: `text` spanning `cols` columns and `rows` header rows."""

    text: str
    cols: int = 1
    rows: int = 1


@dataclass(frozen=True)
class Cell:
    value: Any
    bold: bool = False
    align: Alignment = CENTER
    number_format: str | None = None
    span: int = 1  # merged with the cells to its right


class FormSheet:
    def __init__(self, sheet: Worksheet, widths: Sequence[float], *, split: int) -> None:
        """`widths` of the table's columns; the heading's left block spans the first `split` of them."""
        self.sheet = sheet
        self.width = len(widths)
        self.split = split
        self.row = 1
        self.widths = tuple(widths)
        # Styles live in the workbook: one cache per workbook, shared by its sheets.
        self._styles = _STYLES.setdefault(sheet.parent, {})
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        self._page_setup()

    # --- page ----------------------------------------------------------------------------------------

    def _page_setup(self) -> None:
        sheet = self.sheet
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0  # as many pages as the rows need
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.5
        sheet.page_margins.top = 0.6
        sheet.page_margins.bottom = 0.7
        sheet.page_margins.footer = 0.3
        footer = sheet.oddFooter.center
        footer.text = m.FOOTER_PAGE
        footer.font = f"{FONT_NAME},Regular"
        footer.size = 11
        sheet.sheet_view.showGridLines = False

    # --- writing -------------------------------------------------------------------------------------

    def _style(self, cell_font: Font, align: Alignment, border: Border | None, number_format: str | None
               ) -> StyleArray:
        """A style computed once per combination and copied onto cells: openpyxl hashes every style object
        it is given, which for thousands of cells costs more than everything else together."""
        key = (id(cell_font), id(align), id(border), number_format)
        found = self._styles.get(key)
        if found is None:
            scratch = SheetCell(self.sheet)
            scratch.font = cell_font
            scratch.alignment = align
            if border is not None:
                scratch.border = border
            if number_format is not None:
                scratch.number_format = number_format
            found = self._styles[key] = copy(scratch._style)
        return found

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int,
              style: StyleArray | None = None) -> None:
        """Merge a range whose cells are styled already (`style` for the covered cells, which keep the
        borders). openpyxl's own merge re-derives every border through its slow style setters."""
        area = MergedCellRange(self.sheet, f"{get_column_letter(first_col)}{first_row}:"
                                           f"{get_column_letter(last_col)}{last_row}")
        self.sheet.merged_cells.add(area)
        cells = area.cells
        next(cells)  # the top-left cell keeps its value
        for row, col in cells:
            covered = MergedCell(self.sheet, row, col)
            if style is not None:
                covered._style = copy(style)
            self.sheet._cells[row, col] = covered

    def _put(self, row: int, column: int, value: Any, cell_font: Font, align: Alignment, span: int = 1,
             border: Border | None = None, number_format: str | None = None) -> None:
        cell = self.sheet.cell(row=row, column=column, value=value)
        style = self._style(cell_font, align, border, number_format)
        cell._style = copy(style)
        if span > 1:
            self.merge(row, column, row, column + span - 1, style if border is not None else None)

    def heading(self, parent: str, unit: str, date_line: str, appendix: int, title: str, notice_ref: str,
                subtitle: str) -> None:
        left, right = self.split, self.width - self.split
        r = self.row
        self._put(r, 1, parent.upper(), font(HEADING_SIZE - 1), CENTER, left)
        self._put(r, left + 1, m.NATION, font(HEADING_SIZE - 1, bold=True), CENTER, right)
        self._put(r + 1, 1, unit.upper(), font(HEADING_SIZE - 1, bold=True), CENTER, left)
        self._put(r + 1, left + 1, m.MOTTO, font(HEADING_SIZE, bold=True), CENTER, right)
        self._put(r + 2, 1, RULE, font(9), CENTER, left)
        self._put(r + 2, left + 1, RULE + "\u2500" * 6, font(9), CENTER, right)
        self._put(r + 3, left + 1, date_line, font(HEADING_SIZE, italic=True), CENTER, right)
        self._put(r + 5, 1, m.APPENDIX.format(n=appendix), font(HEADING_SIZE, bold=True), CENTER, self.width)
        self._put(r + 6, 1, title, font(HEADING_SIZE + 1, bold=True), CENTER, self.width)
        self._put(r + 7, 1, notice_ref, font(HEADING_SIZE, italic=True), CENTER, self.width)
        self._put(r + 8, 1, subtitle, font(HEADING_SIZE, bold=True), CENTER, self.width)
        self.sheet.row_dimensions[r + 2].height = 10
        for offset, text, size in ((0, parent, HEADING_SIZE), (1, unit, HEADING_SIZE), (3, date_line, HEADING_SIZE),
                                   (5, m.APPENDIX, HEADING_SIZE), (6, title, HEADING_SIZE + 1),
                                   (7, notice_ref, HEADING_SIZE), (8, subtitle, HEADING_SIZE)):
            span = self.width if offset > 1 else left
            self.fit(r + offset, self._lines(text, 1, span, bold=True) if size else 1, size)
        self.row = r + 10

    def table_header(self, levels: Sequence[Sequence[HeaderCell]], *, repeat: bool = True) -> None:
        """Header rows (two levels): a cell with rows=2 spans both; the second level fills the gaps.
        With `repeat`, the rows are printed again at the top of every page."""
        first = self.row
        taken: set[tuple[int, int]] = set()
        for depth, cells in enumerate(levels):
            row = first + depth
            column = 1
            for header in cells:
                while (row, column) in taken:
                    column += 1
                end_row, end_col = row + header.rows - 1, column + header.cols - 1
                style = self._style(font(bold=True), CENTER, BOX, None)
                cell = self.sheet.cell(row=row, column=column, value=header.text)
                cell._style = copy(style)
                taken |= {(r, c) for r in range(row, end_row + 1) for c in range(column, end_col + 1)}
                if end_row > row or end_col > column:
                    self.merge(row, column, end_row, end_col, style)
                # A cell spanning both levels shares its lines between them.
                needed = -(-self._lines(header.text, column, header.cols, bold=True) // header.rows)
                for r in range(row, end_row + 1):
                    self.fit(r, needed)
                column = end_col + 1
        self.row = first + len(levels)
        if repeat:
            self.sheet.print_title_rows = f"{first}:{self.row - 1}"

    def _lines(self, text: Any, column: int, span: int, *, bold: bool = False) -> int:
        """How many lines `text` wraps to in its (merged) cell: row heights are not computed by every viewer."""
        if text is None or text == "":
            return 1
        width = sum(self.widths[column - 1 : column - 1 + span]) * _CHARS_PER_WIDTH * (0.9 if bold else 1.0)
        per_line = max(1, int(width) - 2)
        return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))

    def fit(self, row: int, lines: int, size: int = TABLE_SIZE) -> None:
        height = lines * LINE_HEIGHT * size / TABLE_SIZE + 4
        current = self.sheet.row_dimensions[row].height
        self.sheet.row_dimensions[row].height = max(height, current or 0)

    def table_row(self, cells: Sequence[Cell]) -> int:
        row = self.row
        column = 1
        lines = 1
        for cell in cells:
            self._put(row, column, cell.value, font(bold=cell.bold), cell.align, cell.span, BOX, cell.number_format)
            if isinstance(cell.value, str):
                lines = max(lines, self._lines(cell.value, column, cell.span, bold=cell.bold))
            column += cell.span
        self.fit(row, lines)
        self.row += 1
        return row

    def merge_down(self, column: int, first: int, last: int) -> None:
        if last > first:
            self.merge(first, column, last, column, copy(self.sheet.cell(row=first, column=column)._style))

    def line(self, text: str, *, bold: bool = False, italic: bool = False) -> None:
        self._put(self.row, 1, text, font(bold=bold, italic=italic), TOP_LEFT, self.width)
        self.fit(self.row, self._lines(text, 1, self.width, bold=bold))
        self.row += 1

    def skip(self, rows: int = 1) -> None:
        self.row += rows

    def signatures(self, left_role: str, right_role: str) -> None:
        self.skip()
        left, right = self.split, self.width - self.split
        r = self.row
        self._put(r, 1, left_role, font(HEADING_SIZE, bold=True), CENTER, left)
        self._put(r, left + 1, right_role, font(HEADING_SIZE, bold=True), CENTER, right)
        self._put(r + 1, 1, m.SIGN_NOTE, font(HEADING_SIZE, italic=True), CENTER, left)
        self._put(r + 1, left + 1, m.SIGN_NOTE, font(HEADING_SIZE, italic=True), CENTER, right)
        self.row = r + 6  # room to sign
