"""One official form on one worksheet (Nghị định 30/2020/NĐ-CP, Phụ lục I): the issuing body top left (the
body it belongs to, then its name in bold capitals, a rule a third to a half as long as the name), Quốc
hiệu and tiêu ngữ top right (a rule as long as the tiêu ngữ), the unit's place and date, "Phụ lục N", the
title with the notice it is attached to, a bordered table with a two-level header repeated on every printed
page, and the signature blocks, each with room for a digital signature and the unit's seal image. Times
New Roman, A4 landscape fitted to the page width, the page number top centre from the second page.

The sheet knows nothing of scores: the appendices (`hsdt.reports.excel`) give it rows."""

from __future__ import annotations

import functools
import unicodedata
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
RULE_CHAR = "\u2500"  # a solid rule: box-drawing characters join without gaps
SIGN_SPACE_ROWS = 6  # rows left under a signer's title for the digital signature and the seal image (~4,5 cm)

_STYLES: weakref.WeakKeyDictionary[Any, dict[tuple[object, ...], StyleArray]] = weakref.WeakKeyDictionary()
_THIN = Side(style="thin")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)


@functools.cache
def font(size: int = TABLE_SIZE, *, bold: bool = False, italic: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic)


# Advance widths (thousandths of an em) of Times New Roman, which Liberation Serif matches metric for
# metric: what a rule's length is measured against. A Vietnamese letter is as wide as its base letter.
_WIDTHS = {
    False: {180: "'", 250: " .,", 278: "ijlt;:/", 333: "frI-()!", 389: "sJ", 408: '"', 444: "acez“”?",
            500: "bdghknopquvxy0123456789–", 556: "FPS", 611: "ELTZ", 667: "BCR", 722: "wADGHKNOQUVXY",
            778: "m&", 833: "%", 889: "M", 944: "W", 1000: "—"},
    True: {250: " .,", 278: "il/'", 333: "fjt;:-()!", 389: "sI", 444: "cerz", 500: "agovxyJ0123456789–“”?",
           555: '"', 556: "bdhknpquS", 611: "FP", 667: "BELTZ", 722: "wACDNRUVXY", 778: "GHKOQ", 833: "m&",
           944: "M", 1000: "W—%"},
}
_ADVANCE = {bold: {ch: width for width, chars in table.items() for ch in chars} for bold, table in _WIDTHS.items()}
_RULE_ADVANCE = 708  # "─"


def text_width(text: str, *, bold: bool = False) -> float:
    """The width of one line of Times New Roman text, in ems."""
    advance = _ADVANCE[bold]
    total = 0
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            continue
        total += advance.get({"đ": "d", "Đ": "D"}.get(ch, ch), 500)
    return total / 1000


def rule(width_em: float) -> str:
    """A solid rule about `width_em` ems long (at the font size of the text it measures)."""
    return RULE_CHAR * max(3, round(width_em * 1000 / _RULE_ADVANCE))


@dataclass(frozen=True)
class SignBlock:
    """One signature block: bold lines (authority, title), an italic note, and the signer's name under
    the space left for the signature (and the seal)."""

    lines: tuple[str, ...]
    note: str = ""
    name: str = ""


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
        sheet.page_margins.top = 0.75
        sheet.page_margins.bottom = 0.6
        sheet.page_margins.header = 0.3
        # The page number top centre from page 2 on: the first page's header is empty.
        sheet.HeaderFooter.differentFirst = True
        number = sheet.oddHeader.center
        number.text = m.HEADER_PAGE
        number.font = f"{FONT_NAME},Regular"
        number.size = 12
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

    def heading(self, parent: str, unit: Sequence[str], date_line: str, appendix: int | None, title: str,
                notice_ref: str, subtitle: str) -> None:
        """The issuing body (`parent` above, "" for none; `unit` its name, one or two lines) top left; the
        national heading, its rule and `date_line` top right; then the appendix (None: a form that is no
        appendix, its line left empty), title and subtitle."""
        left, right = self.split, self.width - self.split
        r = self.row
        size = HEADING_SIZE - 1  # 12 pt: the issuing body and the Quốc hiệu (12-13 pt)
        lines = [(text.upper(), False) for text in (parent,) if text] + [(text.upper(), True) for text in unit]
        texts: dict[int, list[tuple[str, int]]] = {}
        for offset, (text, bold) in enumerate(lines):
            self._put(r + offset, 1, text, font(size, bold=bold), CENTER, left)
            texts.setdefault(offset, []).append((text, left))
        # The rule under the issuing body: about two fifths of its longest name line.
        widest = max((text_width(text, bold=True) for text, bold in lines if bold), default=4.0)
        self._put(r + len(lines), 1, rule(widest * 0.4), font(size), CENTER, left)
        self._put(r, left + 1, m.NATION, font(size, bold=True), CENTER, right)
        self._put(r + 1, left + 1, m.MOTTO, font(HEADING_SIZE, bold=True), CENTER, right)
        # The rule under the motto is as long as the motto.
        self._put(r + 2, left + 1, rule(text_width(m.MOTTO, bold=True)), font(HEADING_SIZE), CENTER, right)
        self._put(r + 3, left + 1, date_line, font(HEADING_SIZE, italic=True), CENTER, right)
        for offset, text in ((0, m.NATION), (1, m.MOTTO), (3, date_line)):
            texts.setdefault(offset, []).append((text, right))
        top = max(len(lines), 3) + 1  # the heading's rows: the left lines and their rule, or the right four
        for offset in range(top):
            found = texts.get(offset)
            if found:
                self.fit(r + offset, max(self._lines(text, 1, span, bold=True) for text, span in found), HEADING_SIZE)
            else:
                self.sheet.row_dimensions[r + offset].height = 12  # only rules in this row
        r += top + 1
        appendix_line = m.APPENDIX.format(n=appendix) if appendix is not None else ""
        self._put(r, 1, appendix_line, font(HEADING_SIZE, bold=True), CENTER, self.width)
        self._put(r + 1, 1, title, font(HEADING_SIZE + 1, bold=True), CENTER, self.width)
        self._put(r + 2, 1, notice_ref, font(HEADING_SIZE, italic=True), CENTER, self.width)
        self._put(r + 3, 1, subtitle, font(HEADING_SIZE, bold=True), CENTER, self.width)
        for offset, text, text_size in ((0, m.APPENDIX, HEADING_SIZE), (1, title, HEADING_SIZE + 1),
                                        (2, notice_ref, HEADING_SIZE), (3, subtitle, HEADING_SIZE)):
            self.fit(r + offset, self._lines(text, 1, self.width, bold=True), text_size)
        self.row = r + 5

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

    def signatures(self, left: SignBlock | None, right: SignBlock) -> None:
        """The signature blocks: `right` under the right part of the form (the head who signs), `left` (the
        person who prepared it) under the left. Each leaves SIGN_SPACE_ROWS rows for the signature image
        and the seal the signing software places, then the signer's name."""
        self.skip()
        r = self.row
        ends = []
        for block, first, span in ((left, 1, self.split), (right, self.split + 1, self.width - self.split)):
            if block is None:
                continue
            row = r
            for line in block.lines:
                self._put(row, first, line, font(HEADING_SIZE, bold=True), CENTER, span)
                row += 1
            if block.note:
                self._put(row, first, block.note, font(HEADING_SIZE, italic=True), CENTER, span)
                row += 1
            row += SIGN_SPACE_ROWS
            if block.name:
                self._put(row, first, block.name, font(HEADING_SIZE, bold=True), CENTER, span)
            ends.append(row + 1)
        for row in range(r, max(ends)):
            self.fit(row, 1, HEADING_SIZE)
        self.row = max(ends)
        # The space stays on the printed page even where no name follows it.
        self.sheet.print_area = f"A1:{get_column_letter(self.width)}{self.row - 1}"
