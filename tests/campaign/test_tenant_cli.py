"""`hsdt tenant new|list` and `--tenant` as the operator of a national deployment runs them: a command
that acts for one Sở names it once there are several, and is told which there are when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from hsdt.cli import roster_xlsx
from hsdt.cli.main import main
from hsdt.services.roster import UnitRow, UserRow
from hsdt.services.tenants import find_tenant
from hsdt.storage.unit_of_work import UnitOfWork

UNITS = [UnitRow("SO", "Sở Giáo dục và Đào tạo", "so", position=1),
         UnitRow("MN-HH", "Trường Mầm non Hoa Hồng", "school", "SO", position=2)]
PEOPLE = [UserRow("HT-HH", "Ngô Thị Mỹ Linh", "principal", "MN-HH")]


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return engine


def test_a_second_so_is_created_listed_and_named_by_every_command_that_acts_for_one(
        cli: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.xlsx"
    roster_xlsx.write_roster(roster, UNITS, PEOPLE)
    # One Sở: no --tenant needed.
    assert main(["roster", "import", str(roster)]) == 0
    assert main(["tenant", "new", "hanoi", "--name", "Sở Giáo dục và Đào tạo Hà Nội", "--province", "Hà Nội"]) == 0
    assert "Sở Giáo dục và Đào tạo Hà Nội" in capsys.readouterr().out
    assert main(["tenant", "list"]) == 0
    listed = capsys.readouterr().out
    assert "default" in listed and "hanoi\tSở Giáo dục và Đào tạo Hà Nội\tHà Nội\tSở" in listed
    # Two Sở: a command that acts for one is refused until it names it, and told the codes there are.
    assert main(["roster", "import", str(roster)]) == 2
    assert "--tenant" in (err := capsys.readouterr().err) and "default, hanoi" in err
    assert main(["roster", "import", str(roster), "--tenant", "hue"]) == 2
    assert "Không có Sở nào mang mã “hue”" in capsys.readouterr().err
    # Named, the same roster lands in Hà Nội beside the first Sở's, codes and all.
    assert main(["--tenant", "hanoi", "roster", "import", str(roster)]) == 0
    hanoi = find_tenant(cli, "hanoi").id
    with UnitOfWork(cli, hanoi) as uow:
        school = uow.units.by_code("MN-HH")
        assert school is not None and school.tenant_id == hanoi
    with UnitOfWork(cli, 1) as uow:
        first = uow.units.by_code("MN-HH")
        assert first is not None and first.id != school.id


def test_bad_tenant_codes_are_refused_in_vietnamese(cli: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tenant", "new", "Hà Nội", "--name", "Sở"]) == 2
    assert "chữ thường không dấu" in capsys.readouterr().err
    assert main(["tenant", "new", "default", "--name", "Sở"]) == 2
    assert "Đã có Sở mang mã “default”" in capsys.readouterr().err


def test_a_roster_naming_another_sos_unit_is_refused_line_by_line(cli: Engine) -> None:
    from datetime import timedelta

    from hsdt.services.roster import RosterError, apply_roster
    from hsdt.services.tenants import create_tenant
    from hsdt.storage.tenancy import DEFAULT_TENANT

    with UnitOfWork(cli, DEFAULT_TENANT) as uow:
        apply_roster(uow, UNITS, PEOPLE, invite_ttl=timedelta(days=7))
    hanoi = create_tenant(cli, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    # Hà Nội's roster hangs a school under the first Sở's unit and names its principal's school.
    school = UnitRow("MN-HN", "Trường Mầm non Thủ Đô", "school", "SO", position=1)
    person = UserRow("HT-HN", "Đỗ Thị Hoa", "principal", "MN-HH")
    with pytest.raises(RosterError) as refused, UnitOfWork(cli, hanoi) as uow:
        apply_roster(uow, [school], [person], invite_ttl=timedelta(days=7))
    assert refused.value.problems == ["đơn vị MN-HN: không có đơn vị cấp trên “SO”",
                                      "người dùng HT-HN: không có đơn vị “MN-HH”"]
    with UnitOfWork(cli, hanoi) as uow:
        assert uow.units.by_code("MN-HN") is None and uow.users.by_code("HT-HN") is None
