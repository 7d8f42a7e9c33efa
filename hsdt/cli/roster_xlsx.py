"""The roster workbook: a sheet of units and a sheet of people, in Vietnamese. The level and the role
are chosen from lists (Excel data validation) named by the campaign's levels; import accepts those
labels, what people commonly type, and the old codes (so/district/school, principal/...)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hsdt.scoring import fold_text
from hsdt.services.roster import UnitHeading, UnitRow, UserRow
from hsdt.texts import ROLE_LABELS
from hsdt.texts import cli as tc
from hsdt.texts import setup as st
from hsdt.texts.levels import MANAGING, STRUCTURES, Levels, Structure

UNITS_SHEET = st.UNITS_SHEET
USERS_SHEET = st.USERS_SHEET
LISTS_SHEET = st.LISTS_SHEET
UNIT_HEADERS = [st.H_POSITION, st.H_UNIT_CODE, st.H_UNIT_NAME, st.H_LEVEL, st.H_PARENT, st.H_CLUSTER,
                st.H_TAX_CODE, st.H_USES, st.H_OFFICIAL_NAME, st.H_SHORT_NAME, st.H_PARENT_BODY, st.H_PLACE,
                st.H_SIGNER_AUTHORITY, st.H_SIGNER_TITLE]
_HEADING_HEADERS = UNIT_HEADERS[UNIT_HEADERS.index(st.H_OFFICIAL_NAME):]
USER_HEADERS = [st.H_POSITION, st.H_USER_CODE, st.H_FULL_NAME, st.H_ROLE, st.H_USER_UNIT, st.H_PHONE, st.H_EMAIL]
_ROWS_VALIDATED = 2000
_NO = {"khong", "no", "0", "false", "k"}


class RosterFileError(ValueError):
    """The workbook cannot be read as a roster: one Vietnamese line per problem, each naming the file."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _levels(levels: Levels | None) -> Levels:
    return levels or STRUCTURES[Structure.COMMUNE]


def level_labels(levels: Levels | None = None) -> dict[str, str]:
    """Unit kind -> the label offered in the level column."""
    named = _levels(levels)
    return {kind: named.of(kind).singular for kind in named.kinds()}


def role_labels(levels: Levels | None = None) -> dict[str, str]:
    """Role -> the label offered in the role column (the managing level's staff only if there is one)."""
    named = _levels(levels)
    labels = {"so_staff": ROLE_LABELS["so_staff"]}
    if named.has_managing:
        labels["district_staff"] = named.of(MANAGING).staff
    labels["inspector"] = ROLE_LABELS["inspector"]
    labels["principal"] = ROLE_LABELS["principal"]
    return labels


def _aliases(words: dict[str, tuple[str, ...]], labels: list[dict[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for code, typed in words.items():
        for word in (code, *typed):
            found[fold_text(word).strip()] = code
    for mapping in labels:
        for code, label in mapping.items():
            found[fold_text(label).strip()] = code
    return found


# Every structure's labels are accepted, so a roster written for one structure still reads.
_KIND_ALIASES = _aliases(st.LEVEL_WORDS, [level_labels(levels) for levels in STRUCTURES.values()])
_ROLE_ALIASES = _aliases(st.ROLE_WORDS, [role_labels(levels) for levels in STRUCTURES.values()])


def parse_kind(text: str) -> str:
    return _KIND_ALIASES.get(fold_text(text).strip(), text.strip())


def parse_role(text: str) -> str:
    return _ROLE_ALIASES.get(fold_text(text).strip(), text.strip())


def _header_sheet(sheet: Worksheet, headers: list[str]) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8 if header == st.H_POSITION else 14,
                                                                      len(header) + 2)


def _list_validation(sheet: Worksheet, column: int, source: str, title: str, prompt: str) -> DataValidation:
    validation = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False)
    validation.promptTitle, validation.prompt = title, prompt
    validation.errorTitle, validation.error = st.CHOICE_ERROR_TITLE, st.CHOICE_ERROR
    validation.showErrorMessage = True
    validation.showInputMessage = True
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}{_ROWS_VALIDATED}")
    sheet.add_data_validation(validation)
    return validation


def _input_hint(sheet: Worksheet, column: int, title: str, prompt: str) -> None:
    """A note shown when a cell of the column is selected (any value is accepted)."""
    hint = DataValidation(type=None, allow_blank=True, showInputMessage=True)
    hint.promptTitle, hint.prompt = title, prompt
    letter = get_column_letter(column)
    hint.add(f"{letter}2:{letter}{_ROWS_VALIDATED}")
    sheet.add_data_validation(hint)


def write_template(path: Path, levels: Levels | None = None) -> None:
    workbook = Workbook()
    units = workbook.active
    assert units is not None
    units.title = UNITS_SHEET
    users = workbook.create_sheet(USERS_SHEET)
    lists = workbook.create_sheet(LISTS_SHEET)
    _header_sheet(units, UNIT_HEADERS)
    _header_sheet(users, USER_HEADERS)
    # The lists live on their own sheet: a label may contain a comma, which an inline list cannot.
    columns = ((st.H_LIST_LEVELS, list(level_labels(levels).values())),
               (st.H_LIST_ROLES, list(role_labels(levels).values())),
               (st.H_LIST_YES_NO, [st.YES, st.NO]))
    ranges = []
    for index, (title, values) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        lists.cell(1, index, title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row, index, value)
        lists.column_dimensions[letter].width = max(len(v) for v in [title, *values]) + 2
        ranges.append(f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}")
    lists.sheet_state = "hidden"
    _list_validation(units, UNIT_HEADERS.index(st.H_LEVEL) + 1, ranges[0], st.LEVEL_PROMPT_TITLE, st.LEVEL_PROMPT)
    _list_validation(units, UNIT_HEADERS.index(st.H_USES) + 1, ranges[2], st.H_USES, st.H_USES)
    _list_validation(users, USER_HEADERS.index(st.H_ROLE) + 1, ranges[1], st.ROLE_PROMPT_TITLE, st.ROLE_PROMPT)
    for header in _HEADING_HEADERS:
        _input_hint(units, UNIT_HEADERS.index(header) + 1, st.HEADING_PROMPT_TITLE, st.HEADING_PROMPT)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_roster(path: Path, units: list[UnitRow], users: list[UserRow], levels: Levels | None = None) -> None:
    write_template(path, levels)
    workbook = load_workbook(path)
    kinds, roles = level_labels(levels), role_labels(levels)
    for number, unit in enumerate(units, start=1):
        workbook[UNITS_SHEET].append([
            unit.position if unit.position is not None else number, unit.code, unit.name,
            kinds.get(unit.kind, unit.kind), unit.parent_code or "", unit.cluster or "", unit.tax_code or "",
            st.YES if unit.uses_erecords else st.NO,
            *(value or "" for value in (unit.heading.official_name, unit.heading.short_name, unit.heading.parent_body,
                                        unit.heading.place_name, unit.heading.signer_authority,
                                        unit.heading.signer_title)),
        ])
    for number, user in enumerate(users, start=1):
        workbook[USERS_SHEET].append([number, user.code, user.full_name, roles.get(str(user.role), str(user.role)),
                                      user.unit_code, user.phone or "", user.email or ""])
    workbook.save(path)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def _header_key(text: str) -> str:
    """"Loại (so/district/school)" -> "loai": headers are matched without accents or their hint."""
    return fold_text(text.split("(")[0]).strip()


_UNIT_COLUMNS = {
    "stt": "position", "ma don vi": "code", "ten don vi": "name", "cap don vi": "kind", "loai": "kind",
    "cap": "kind", "ma don vi cap tren": "parent", "cum": "cluster", "ma so thue": "tax_code", "mst": "tax_code",
    "dung hsdt": "uses", "ten chinh thuc": "official_name", "ten viet tat": "short_name",
    "co quan chu quan": "parent_body", "dia danh": "place_name", "tham quyen ky": "signer_authority",
    "chuc vu nguoi ky": "signer_title",
}
_USER_COLUMNS = {
    "stt": "position", "ma nguoi dung": "code", "ho va ten": "full_name", "ho ten": "full_name",
    "vai tro": "role", "ma don vi": "unit_code", "dien thoai": "phone", "email": "email",
}


def _columns(path: Path, sheet: Worksheet, known: dict[str, str], required: dict[str, str]) -> dict[str, int]:
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    found: dict[str, int] = {}
    for index, value in enumerate(header):
        field_name = known.get(_header_key(_text(value)))
        if field_name is not None and field_name not in found:
            found[field_name] = index
    for field_name, title in required.items():
        if field_name not in found:
            raise RosterFileError(st.FILE_MISSING_COLUMN.format(path=path, sheet=sheet.title, column=title))
    return found


def read_roster(path: Path, levels: Levels | None = None) -> tuple[list[UnitRow], list[UserRow]]:
    del levels  # every structure's labels are read; the campaign's levels are checked when applying
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for a file that is not a workbook
        # openpyxl's own reason is English: the operator reads ours.
        raise RosterFileError(tc.ROSTER_UNREADABLE.format(path=path)) from error
    for name in (UNITS_SHEET, USERS_SHEET):
        if name not in workbook.sheetnames:
            raise RosterFileError(st.FILE_MISSING_SHEET.format(path=path, sheet=name))
    problems: list[str] = []
    unit_sheet, user_sheet = workbook[UNITS_SHEET], workbook[USERS_SHEET]
    ucols = _columns(path, unit_sheet, _UNIT_COLUMNS,
                     {"code": st.H_UNIT_CODE, "name": st.H_UNIT_NAME, "kind": st.H_LEVEL})
    units: list[UnitRow] = []
    for number, row in enumerate(unit_sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = {key: _text(row[index]) if index < len(row) else "" for key, index in ucols.items()}
        if not any(cells.values()) or not any(v for k, v in cells.items() if k != "position"):
            continue
        missing = [title for key, title in (("code", st.H_UNIT_CODE), ("name", st.H_UNIT_NAME)) if not cells.get(key)]
        if missing:
            problems += [tc.ROSTER_ROW_MISSING.format(path=path, sheet=UNITS_SHEET, row=number, column=column)
                         for column in missing]
            continue
        position = cells.get("position", "")
        if position and not position.isdigit():
            problems.append(tc.ROSTER_ROW_BAD_POSITION.format(path=path, sheet=UNITS_SHEET, row=number,
                                                              column=st.H_POSITION, value=position))
            continue
        units.append(UnitRow(
            cells["code"], cells["name"], parse_kind(cells.get("kind", "")), cells.get("parent") or None,
            fold_text(cells.get("uses", "")).strip() not in _NO, int(position) if position else None,
            cells.get("cluster") or None, cells.get("tax_code") or None,
            UnitHeading(*(cells.get(key) or None for key in ("official_name", "short_name", "parent_body",
                                                              "place_name", "signer_authority", "signer_title"))),
        ))
    pcols = _columns(path, user_sheet, _USER_COLUMNS,
                     {"code": st.H_USER_CODE, "full_name": st.H_FULL_NAME, "role": st.H_ROLE,
                      "unit_code": st.H_USER_UNIT})
    users: list[UserRow] = []
    for number, row in enumerate(user_sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = {key: _text(row[index]) if index < len(row) else "" for key, index in pcols.items()}
        if not any(v for k, v in cells.items() if k != "position"):
            continue
        missing = [title for key, title in (("code", st.H_USER_CODE), ("full_name", st.H_FULL_NAME),
                                            ("unit_code", st.H_USER_UNIT)) if not cells.get(key)]
        if missing:
            problems += [tc.ROSTER_ROW_MISSING.format(path=path, sheet=USERS_SHEET, row=number, column=column)
                         for column in missing]
            continue
        users.append(UserRow(cells["code"], cells["full_name"], parse_role(cells.get("role", "")),
                             cells["unit_code"], cells.get("phone") or None, cells.get("email") or None))
    workbook.close()
    if problems:
        raise RosterFileError(problems)
    return units, users
