"""Excel roster: template, import, idempotent re-import, precise errors with nothing half-applied."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.bot import roster_xlsx
from hsdt.handlers.setup import RosterError, UnitRow, UserRow, apply_roster
from hsdt.storage.models import InviteCode, Unit, User
from hsdt.storage.unit_of_work import UnitOfWork

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
    assert workbook.sheetnames == ["Đơn vị", "Người dùng"]
    assert workbook["Đơn vị"]["A1"].value == "Mã đơn vị"
    assert workbook["Người dùng"].freeze_panes == "A2"


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
        school = uow.units.by_code("MN-XX")
        assert school.uses_erecords is False
        assert uow.units.get(school.parent_id).code == "PGD-LC"


def test_changed_row_updates(tmp_path: Path, engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        apply_roster(uow, UNITS, USERS, invite_ttl=timedelta(days=30))
    renamed = [UserRow("HT-HH", "Ngô Thị Mỹ Linh", "principal", "MN-HH", "0987654321")]
    with UnitOfWork(engine) as uow:
        result = apply_roster(uow, UNITS, renamed, invite_ttl=timedelta(days=30))
    assert result.updated_users == 1
    with UnitOfWork(engine) as uow:
        assert uow.users.by_code("HT-HH").phone == "0987654321"


def test_bad_rows_are_named_and_nothing_is_applied(tmp_path: Path, engine: Engine) -> None:
    bad_units = [*UNITS, UnitRow("MN-ZZ", "Trường lạ", "school", "PGD-KHONGCO"), UnitRow("X", "X", "tinh")]
    bad_users = [*USERS, UserRow("U9", "Ai Đó", "admin", "MN-HH"), UserRow("U8", "Người Khác", "principal", "NOPE")]
    with pytest.raises(RosterError) as error, UnitOfWork(engine) as uow:
        apply_roster(uow, bad_units, bad_users, invite_ttl=timedelta(days=30))
    text = str(error.value)
    assert "đơn vị MN-ZZ: không có đơn vị cấp trên «PGD-KHONGCO»" in text
    assert "đơn vị X: loại «tinh» không hợp lệ" in text
    assert "người dùng U9: vai trò «admin» không hợp lệ" in text
    assert "người dùng U8: không có đơn vị «NOPE»" in text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Unit)).all() == []
        assert uow.session.exec(select(User)).all() == []


def test_missing_cells_are_reported_with_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "thieu.xlsx"
    roster_xlsx.write_roster(path, UNITS, USERS)
    workbook = load_workbook(path)
    workbook["Người dùng"].append(["U3", "", "principal", "MN-HH"])
    workbook.save(path)
    with pytest.raises(roster_xlsx.RosterFileError, match="Người dùng, dòng 4"):
        roster_xlsx.read_roster(path)
    (tmp_path / "rac.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(roster_xlsx.RosterFileError, match="không đọc được tệp Excel"):
        roster_xlsx.read_roster(tmp_path / "rac.xlsx")
