"""Excel roster: template, import, idempotent re-import, precise errors with nothing half-applied."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.cli import roster_xlsx
from hsdt.services.roster import RosterError, UnitRow, UserRow, apply_roster
from hsdt.storage.models import InviteCode, Unit, User
from hsdt.storage.unit_of_work import UnitOfWork
from tests.present import present

UNITS = [
    UnitRow("SO", "Sở GD&ĐT Hải Phòng", "so"),
    UnitRow("PGD-LC", "Phòng GD&ĐT quận Lê Chân", "district", "SO"),
    UnitRow("MN-HH", "Trường Mầm non Hoa Hồng", "school", "PGD-LC"),
    UnitRow("MN-XX", "Trường Mầm non Xóm Xa", "school", "PGD-LC", uses_erecords=False),
]
USERS = [
    UserRow("HT-HH", "Ngô Thị Mỹ Linh", "principal", "MN-HH", "0912345678"),
    UserRow("CB-LC", "Đặng Quốc Khánh", "inspector", "PGD-LC"),
]


def test_template_has_vietnamese_headers(tmp_path: Path) -> None:
    path = tmp_path / "mau.xlsx"
    roster_xlsx.write_template(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Đơn vị", "Người dùng", "Danh mục"]
    assert workbook["Danh mục"].sheet_state == "hidden"
    assert [c.value for c in workbook["Đơn vị"][1]] == [
        "STT", "Mã đơn vị", "Tên đơn vị", "Cấp đơn vị", "Mã đơn vị cấp trên", "Cụm", "Mã số thuế",
        "Dùng HSĐT (Có/Không)",
        # What the unit's forms print: empty takes its level's default (hsdt.reports.heading).
        "Tên chính thức (in trên văn bản)", "Tên viết tắt (in trên văn bản của đơn vị trực thuộc)",
        "Cơ quan chủ quản (dòng trên tên đơn vị)", "Địa danh (dòng ngày tháng)", "Thẩm quyền ký (TM., KT., Q.)",
        "Chức vụ người ký"]
    assert [c.value for c in workbook["Người dùng"][1]][:4] == ["STT", "Mã người dùng", "Họ và tên", "Vai trò"]
    assert workbook["Người dùng"].freeze_panes == "A2"
    # No English code anywhere a person reads.
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not {"so", "district", "school", "principal", "inspector"} & {str(v) for v in row}


def test_import_is_idempotent(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "danh-sach.xlsx"
    roster_xlsx.write_roster(path, list(reversed(UNITS)), USERS)
    units, users = roster_xlsx.read_roster(path)
    with UnitOfWork(engine) as uow:
        first = apply_roster(uow, units, users, invite_ttl=timedelta(days=30))
    assert (first.created_units, first.created_users) == (4, 2)
    with UnitOfWork(engine) as uow:
        second = apply_roster(uow, units, users, invite_ttl=timedelta(days=30))
    assert (second.created_units, second.updated_units, second.created_users, second.updated_users) == (0, 0, 0, 0)
    assert sorted(c for _, c, _ in second.invites) == sorted(c for _, c, _ in first.invites)
    with UnitOfWork(engine) as uow:
        assert len(uow.session.exec(select(Unit)).all()) == 4
        assert len(uow.session.exec(select(InviteCode)).all()) == 2
        school = present(uow.units.by_code("MN-XX"))
        assert school.uses_erecords is False
        assert present(uow.units.get(present(school.parent_id))).code == "PGD-LC"


def test_changed_row_updates(tmp_path: Path, engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        apply_roster(uow, UNITS, USERS, invite_ttl=timedelta(days=30))
    renamed = [UserRow("HT-HH", "Ngô Thị Mỹ Linh", "principal", "MN-HH", "0987654321")]
    with UnitOfWork(engine) as uow:
        result = apply_roster(uow, UNITS, renamed, invite_ttl=timedelta(days=30))
    assert result.updated_users == 1
    with UnitOfWork(engine) as uow:
        assert present(uow.users.by_code("HT-HH")).phone == "0987654321"


def test_bad_rows_are_named_and_nothing_is_applied(tmp_path: Path, engine: Engine) -> None:
    bad_units = [*UNITS, UnitRow("MN-ZZ", "Trường lạ", "school", "PGD-KHONGCO"), UnitRow("X", "X", "tinh"),
                 UnitRow("MN-T", "Trường Thuế", "school", "PGD-LC", tax_code="12345")]
    bad_users = [*USERS, UserRow("U9", "Ai Đó", "admin", "MN-HH"), UserRow("U8", "Người Khác", "principal", "NOPE")]
    with pytest.raises(RosterError) as error, UnitOfWork(engine) as uow:
        apply_roster(uow, bad_units, bad_users, invite_ttl=timedelta(days=30))
    text = str(error.value)
    assert "đơn vị MN-ZZ: không có đơn vị cấp trên “PGD-KHONGCO”" in text
    assert "đơn vị X: cấp đơn vị “tinh” không hợp lệ" in text
    assert "đơn vị MN-T: mã số thuế “12345” phải gồm 10 chữ số" in text
    assert "người dùng U9: vai trò “admin” không hợp lệ" in text
    assert "người dùng U8: không có đơn vị “NOPE”" in text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Unit)).all() == []
        assert uow.session.exec(select(User)).all() == []


def test_missing_cells_are_reported_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "thieu.xlsx"
    roster_xlsx.write_roster(path, UNITS, USERS)
    workbook = load_workbook(path)
    workbook["Người dùng"].append([3, "U3", "", "Hiệu trưởng", "MN-HH"])
    workbook.save(path)
    with pytest.raises(roster_xlsx.RosterFileError, match="trang “Người dùng”, dòng 4: cột “Họ và tên” đang để trống"):
        roster_xlsx.read_roster(path)
    (tmp_path / "rac.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(roster_xlsx.RosterFileError, match="không đọc được tệp Excel"):
        roster_xlsx.read_roster(tmp_path / "rac.xlsx")


def _validations(sheet: Worksheet) -> dict[str, str]:
    """Validated range -> the list it offers, read back from the saved workbook."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type is None:  # a hint only (the heading columns): any value is accepted
            assert validation.prompt
            continue
        assert validation.type == "list"
        found[str(validation.sqref)] = validation.formula1
    return found


def _offered(workbook: Workbook, formula: str) -> list[str]:
    sheet_name, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    sheet = workbook[sheet_name.strip("'")]
    return [c.value for row in sheet[first:last] for c in row]


def test_template_offers_the_campaigns_levels_and_roles_as_lists(tmp_path: Path) -> None:
    from hsdt.texts.levels import STRUCTURES, Structure

    path = tmp_path / "mau-xa.xlsx"
    roster_xlsx.write_template(path, STRUCTURES[Structure.COMMUNE])
    workbook = load_workbook(path)
    units = _validations(workbook["Đơn vị"])
    assert _offered(workbook, units["D2:D2000"]) == ["Sở GD&ĐT", "UBND xã/phường/đặc khu", "Trường mầm non"]
    assert _offered(workbook, units["H2:H2000"]) == ["Có", "Không"]
    roles = _validations(workbook["Người dùng"])
    assert _offered(workbook, roles["D2:D2000"]) == ["Cán bộ Sở", "Cán bộ Phòng Văn hóa – Xã hội",
                                                     "Cán bộ kiểm tra", "Hiệu trưởng"]

    before = tmp_path / "mau-huyen.xlsx"
    roster_xlsx.write_template(before, STRUCTURES[Structure.DISTRICT])
    workbook = load_workbook(before)
    assert "Phòng GD&ĐT quận/huyện" in _offered(workbook, _validations(workbook["Đơn vị"])["D2:D2000"])
    assert "Cán bộ Phòng GD&ĐT" in _offered(workbook, _validations(workbook["Người dùng"])["D2:D2000"])
    direct = tmp_path / "mau-so.xlsx"
    roster_xlsx.write_template(direct, STRUCTURES[Structure.DIRECT])
    workbook = load_workbook(direct)
    assert _offered(workbook, _validations(workbook["Đơn vị"])["D2:D2000"]) == ["Sở GD&ĐT", "Trường mầm non"]
    assert _offered(workbook, _validations(workbook["Người dùng"])["D2:D2000"]) == [
        "Cán bộ Sở", "Cán bộ kiểm tra", "Hiệu trưởng"]


def test_import_reads_vietnamese_labels_old_codes_and_the_old_layout(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "nhan.xlsx"
    roster_xlsx.write_template(path)
    workbook = load_workbook(path)
    workbook["Đơn vị"].append([1, "SO", "Sở GD&ĐT Hải Phòng", "Sở GD&ĐT", "", "", "", "Có"])
    workbook["Đơn vị"].append([2, "UB-LC", "UBND phường Lê Chân", "UBND xã/phường/đặc khu", "SO", "Cụm 2"])
    workbook["Đơn vị"].append([3, "MN-HH", "Trường Mầm non Hoa Hồng", "Trường mầm non", "UB-LC", "", "0201234567",
                               "Không"])
    workbook["Người dùng"].append([1, "XA-01", "Phạm Văn Xã", "Cán bộ quản lý cấp xã", "UB-LC"])
    workbook["Người dùng"].append([2, "HT-HH", "Ngô Thị Mỹ Linh", "hieu truong", "MN-HH", "0912345678"])
    workbook.save(path)
    units, users = roster_xlsx.read_roster(path)
    assert units == [
        UnitRow("SO", "Sở GD&ĐT Hải Phòng", "so", None, True, 1),
        UnitRow("UB-LC", "UBND phường Lê Chân", "district", "SO", True, 2, "Cụm 2"),
        UnitRow("MN-HH", "Trường Mầm non Hoa Hồng", "school", "UB-LC", False, 3, None, "0201234567"),
    ]
    assert [(u.code, u.role) for u in users] == [("XA-01", "district_staff"), ("HT-HH", "principal")]
    # A workbook made from the earlier template (English codes, no STT) still reads.
    old = tmp_path / "cu.xlsx"
    legacy = Workbook()
    sheet = legacy.active
    sheet.title = "Đơn vị"
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại (so/district/school)", "Mã đơn vị cấp trên", "Dùng HSĐT (Có/Không)"])
    sheet.append(["PGD-LC", "Phòng GD&ĐT quận Lê Chân", "district", "", "Có"])
    people = legacy.create_sheet("Người dùng")
    people.append(["Mã người dùng", "Họ và tên", "Vai trò (principal/inspector/district_staff/so_staff)",
                   "Mã đơn vị", "Điện thoại", "Email"])
    people.append(["CB-LC", "Đặng Quốc Khánh", "inspector", "PGD-LC", "", ""])
    legacy.save(old)
    units, users = roster_xlsx.read_roster(old)
    assert units == [UnitRow("PGD-LC", "Phòng GD&ĐT quận Lê Chân", "district", None, True)]
    assert users == [UserRow("CB-LC", "Đặng Quốc Khánh", "inspector", "PGD-LC")]


def test_roles_are_bound_to_levels(engine: Engine) -> None:
    wrong = [UserRow("HT-X", "Ai Đó", "principal", "PGD-LC"), UserRow("SO-X", "Người Sở", "so_staff", "MN-HH")]
    with pytest.raises(RosterError) as error, UnitOfWork(engine) as uow:
        apply_roster(uow, UNITS, wrong, invite_ttl=timedelta(days=30))
    assert "người dùng HT-X: vai trò “Hiệu trưởng/Phó hiệu trưởng” không thuộc đơn vị “PGD-LC”" in str(error.value)
    assert "người dùng SO-X: vai trò “Cán bộ Sở GD&ĐT” không thuộc đơn vị “MN-HH” (Trường mầm non)" in str(error.value)
