"""The roster workbook: a sheet of units and a sheet of people, Vietnamese headers."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from hsdt.handlers.setup import UnitRow, UserRow

UNITS_SHEET = "Đơn vị"
USERS_SHEET = "Người dùng"
UNIT_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Loại (so/district/school)", "Mã đơn vị cấp trên", "Dùng HSĐT (Có/Không)"]
USER_HEADERS = [
    "Mã người dùng",
    "Họ và tên",
    "Vai trò (principal/inspector/district_staff/so_staff)",
    "Mã đơn vị",
    "Điện thoại",
    "Email",
]

# What people actually type in the kind and role columns.
_KIND_ALIASES = {
    "so": "so", "sở": "so", "sở gd&đt": "so",
    "district": "district", "phòng": "district", "phòng gd&đt": "district", "quận": "district",
    "huyện": "district", "school": "school", "trường": "school",
}
_ROLE_ALIASES = {
    "principal": "principal", "hiệu trưởng": "principal", "phó hiệu trưởng": "principal",
    "inspector": "inspector", "cán bộ kiểm tra": "inspector",
    "district_staff": "district_staff", "cán bộ phòng": "district_staff",
    "so_staff": "so_staff", "cán bộ sở": "so_staff",
}
_NO = {"không", "khong", "no", "0", "false"}


class RosterFileError(ValueError):
    pass


def write_template(path: Path) -> None:
    workbook = Workbook()
    units = workbook.active
    units.title = UNITS_SHEET
    users = workbook.create_sheet(USERS_SHEET)
    for sheet, headers in ((units, UNIT_HEADERS), (users, USER_HEADERS)):
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers):
            sheet.column_dimensions[chr(ord("A") + index)].width = max(14, len(header) + 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_roster(path: Path, units: list[UnitRow], users: list[UserRow]) -> None:
    write_template(path)
    workbook = load_workbook(path)
    for unit in units:
        workbook[UNITS_SHEET].append(
            [unit.code, unit.name, unit.kind, unit.parent_code or "", "Có" if unit.uses_erecords else "Không"]
        )
    for user in users:
        workbook[USERS_SHEET].append(
            [user.code, user.full_name, str(user.role), user.unit_code, user.phone or "", user.email or ""]
        )
    workbook.save(path)


def _text(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip() if value is not None else ""


def read_roster(path: Path) -> tuple[list[UnitRow], list[UserRow]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several types for a file that is not a workbook
        raise RosterFileError(f"{path}: không đọc được tệp Excel ({error})") from error
    for name in (UNITS_SHEET, USERS_SHEET):
        if name not in workbook.sheetnames:
            raise RosterFileError(f"{path}: thiếu trang tính «{name}»")
    problems: list[str] = []
    units: list[UnitRow] = []
    for number, row in enumerate(workbook[UNITS_SHEET].iter_rows(min_row=2, values_only=True), start=2):
        cells = [_text(v) for v in (list(row) + [None] * 5)[:5]]
        if not any(cells):
            continue
        code, name, kind, parent, uses = cells
        if not code or not name:
            problems.append(f"{UNITS_SHEET}, dòng {number}: thiếu mã hoặc tên đơn vị")
            continue
        units.append(UnitRow(code, name, _KIND_ALIASES.get(kind.lower(), kind.lower()), parent or None,
                             uses.lower() not in _NO))
    users: list[UserRow] = []
    for number, row in enumerate(workbook[USERS_SHEET].iter_rows(min_row=2, values_only=True), start=2):
        cells = [_text(v) for v in (list(row) + [None] * 6)[:6]]
        if not any(cells):
            continue
        code, full_name, role, unit_code, phone, email = cells
        if not code or not full_name or not unit_code:
            problems.append(f"{USERS_SHEET}, dòng {number}: thiếu mã, họ tên hoặc mã đơn vị")
            continue
        users.append(UserRow(code, full_name, _ROLE_ALIASES.get(role.lower(), role.lower()), unit_code,
                             phone or None, email or None))
    workbook.close()
    if problems:
        raise RosterFileError("\n".join(problems))
    return units, users
