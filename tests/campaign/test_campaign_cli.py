"""`hsdt campaign new|list|use|close` as a Sở's operator runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.cli import roster_xlsx
from hsdt.cli.main import main
from hsdt.scoring import default_rubric_path
from hsdt.services.roster import UnitRow, UserRow
from hsdt.storage.models import Campaign, UnitKind
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.levels import STRUCTURES, Structure
from tests.present import present

ISSUER = "SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG"
PARENT = "UBND THÀNH PHỐ HẢI PHÒNG"
COMMUNES = [
    UnitRow("SO-HP", "Sở GD&ĐT Hải Phòng", "so", position=1),
    UnitRow("UB-LC", "UBND phường Lê Chân", "district", "SO-HP", position=2, cluster="Cụm 1"),
    UnitRow("UB-AD", "UBND phường An Dương", "district", "SO-HP", position=3, cluster="Cụm 1"),
    UnitRow("MN-HH", "Trường Mầm non Hoa Hồng", "school", "UB-LC", position=4, tax_code="0201234567"),
    UnitRow("MN-SM", "Trường Mầm non Sen Mai", "school", "UB-AD", position=5),
]
PEOPLE = [
    UserRow("HT-HH", "Ngô Thị Mỹ Linh", "principal", "MN-HH"),
    UserRow("XA-LC", "Phạm Văn Lâm", "district_staff", "UB-LC"),
]


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEED_DEMO", "false")
    return engine


def campaigns(engine: Engine) -> dict[str, Campaign]:
    with UnitOfWork(engine) as uow:
        return {c.code: c for c in uow.session.exec(select(Campaign)).all()}


def test_round_trip(cli: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaign", "list"]) == 0
    assert "Chưa có đợt kiểm tra nào" in capsys.readouterr().out

    # The 2024-2025 campaign of the notice, exactly.
    assert main(["campaign", "new", "--preset", "2024-2025"]) == 0
    out = capsys.readouterr().out
    assert "Đã tạo đợt kiểm tra “HSDT-2024”" in out
    assert "Thời điểm kiểm tra lưu hồ sơ: 01/09/2024 – 31/12/2024" in out
    assert "Hạn tự đánh giá: 29/12/2024 23:59" in out and "Ngày kiểm tra: 30/12/2024 – 31/12/2024" in out
    assert "Hạn cuối gửi kết quả: 06/01/2025 23:59" in out
    assert "Sở GD&ĐT → Phòng GD&ĐT quận/huyện → Trường mầm non" in out

    # A 2026-2027 campaign after the reorganisation, with its notice.
    args = ["campaign", "new", "--code", "HSDT-2026-2027", "--school-year", "2026-2027", "--structure", "xa-phuong",
            "--record-period", "2026-09-01:2026-12-31", "--self-due", "2026-12-20T17:00",
            "--rescore-due", "2026-12-31", "--inspection", "2026-12-28:2026-12-29", "--deadline", "2027-01-08",
            "--notice-no", "123/TB-SGDĐT-MN", "--notice-date", "2026-11-20", "--issuer", ISSUER,
            "--issuer-parent", PARENT, "--place", "Hải Phòng", "--rubric", str(default_rubric_path())]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Sở GD&ĐT → UBND xã/phường/đặc khu → Trường mầm non" in out
    assert "số 123/TB-SGDĐT-MN, ngày 20/11/2026" in out and "Đợt đang mở: “HSDT-2026-2027” (2026-2027)" in out
    found = campaigns(cli)
    new = found["HSDT-2026-2027"]
    assert (new.school_year, new.notice_no, new.notice_date) == ("2026-2027", "123/TB-SGDĐT-MN", date(2026, 11, 20))
    assert (new.issuer, new.issuer_parent, new.place) == (ISSUER, PARENT, "Hải Phòng")
    assert new.self_assessment_due == datetime(2026, 12, 20, 10, 0, tzinfo=UTC)
    assert new.rescore_due == datetime(2026, 12, 31, 16, 59, tzinfo=UTC)  # a bare date is the end of the day
    assert (new.inspection_start, new.inspection_end) == (date(2026, 12, 28), date(2026, 12, 29))
    assert new.active and found["HSDT-2024"].active  # campaigns run side by side

    # Its roster joins it (named: two are active); a later campaign copies units and people.
    roster = tmp_path / "danh-sach.xlsx"
    roster_xlsx.write_roster(roster, COMMUNES, PEOPLE, STRUCTURES[Structure.COMMUNE])
    assert main(["roster", "import", str(roster)]) == 1
    assert "Đang mở 2 đợt kiểm tra: HSDT-2024, HSDT-2026-2027. Chọn một đợt bằng --campaign" in capsys.readouterr().err
    assert main(["roster", "import", str(roster), "--campaign", "HSDT-2026-2027"]) == 0
    assert "5 đơn vị được thêm vào đợt “HSDT-2026-2027”" in capsys.readouterr().out
    assert main(["campaign", "new", "--school-year", "2027-2028", "--copy-from", "HSDT-2026-2027"]) == 0
    out = capsys.readouterr().out
    assert "Đã chép 5 đơn vị" in out and "UBND xã/phường/đặc khu" in out
    with UnitOfWork(cli) as uow:
        later = uow.campaigns.by_code("HSDT-2027")
        assert later is not None and later.active
        assert [u.code for u in uow.units.of_kind(UnitKind.MANAGING, later.id)] == ["UB-LC", "UB-AD"]  # STT order
        assert uow.levels.of_campaign(later.id).managing.short == "xã/phường"
        first = uow.campaigns.by_code("HSDT-2024")
        assert first is not None and uow.units.member_ids(present(first.id)) == set()

    assert main(["campaign", "pause", "HSDT-2027"]) == 0
    assert "Đã tạm dừng đợt “HSDT-2027”" in capsys.readouterr().out
    assert main(["campaign", "list"]) == 0
    listing = capsys.readouterr().out
    assert "HSDT-2024" in listing and "tạm dừng" in listing and "đang mở" in listing

    assert main(["campaign", "use", "HSDT-2026-2027"]) == 0
    assert "Đã mở đợt “HSDT-2026-2027”; các đợt đang mở khác vẫn chạy" in capsys.readouterr().out
    assert [c for c, row in campaigns(cli).items() if row.active] == ["HSDT-2024", "HSDT-2026-2027"]
    assert main(["campaign", "close", "HSDT-2024"]) == 0
    assert "Đã đóng đợt “HSDT-2024”" in capsys.readouterr().out
    assert main(["campaign", "use", "HSDT-2024"]) == 1
    assert "đã đóng; thêm --reopen" in capsys.readouterr().err
    assert main(["campaign", "use", "HSDT-2024", "--reopen"]) == 0
    capsys.readouterr()
    assert campaigns(cli)["HSDT-2024"].active and campaigns(cli)["HSDT-2024"].closed_at is None
    # Two are active: a command working in one campaign is told which, or lists them.
    assert main(["campaign", "show"]) == 1
    assert "Đang mở 2 đợt kiểm tra: HSDT-2024, HSDT-2026-2027" in capsys.readouterr().err
    assert main(["campaign", "show", "--campaign", "HSDT-2024"]) == 0
    assert "Hạn cuối: 06/01/2025 23:59" in capsys.readouterr().out
    assert main(["report", "--xlsx", "r.xlsx"]) == 1
    assert "--campaign" in capsys.readouterr().err
    # A report covers the schools taking part in its campaign only.
    assert main(["report", "--xlsx", "r2024.xlsx", "--campaign", "HSDT-2024"]) == 0
    assert "(0 trường)" in capsys.readouterr().out
    assert main(["report", "--xlsx", "r2026.xlsx", "--campaign", "HSDT-2026-2027"]) == 0
    assert "(2 trường)" in capsys.readouterr().out


@pytest.mark.parametrize("bad, message", [
    (["--school-year", "2026"], "năm học “2026” phải có dạng 2026-2027"),
    (["--school-year", "2026-2027", "--deadline", "2026-12-01"], "hạn tự đánh giá phải trước hoặc bằng hạn cuối"),
    (["--school-year", "2026-2027", "--inspection", "2026-12-30"], "khoảng ngày"),
    (["--school-year", "2026-2027", "--notice-date", "20/11/2026"], "ngày “20/11/2026” không đúng dạng"),
    (["--school-year", "2026-2027", "--rubric", "khong-co.yaml"], "không đọc được bộ tiêu chí"),
    (["--school-year", "2026-2027", "--copy-from", "KHONG-CO"], "Không có đợt kiểm tra “KHONG-CO”"),
    (["--preset", "2024-2025"], "Đã có đợt kiểm tra mã “HSDT-2024”"),
    ([], "thiếu --school-year"),
])
def test_bad_input_is_refused_and_changes_nothing(cli: Engine, bad: list[str], message: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaign", "new", "--preset", "2024-2025"]) == 0
    capsys.readouterr()
    before = {code: c.model_dump() for code, c in campaigns(cli).items()}
    assert main(["campaign", "new", *bad]) == 1
    err = capsys.readouterr().err
    assert "chưa thay đổi gì" in err and message in err
    assert {code: c.model_dump() for code, c in campaigns(cli).items()} == before


def test_assign_auto_by_clusters_speaks_of_communes(cli: Engine, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from hsdt.cli.assignment_xlsx import read_table

    assert main(["campaign", "new", "--school-year", "2026-2027"]) == 0
    roster = tmp_path / "danh-sach.xlsx"
    people = [*PEOPLE, UserRow("CB-LC", "Cán bộ Lê Chân", "inspector", "UB-LC"),
              UserRow("CB-AD", "Cán bộ An Dương", "inspector", "UB-AD")]
    roster_xlsx.write_roster(roster, COMMUNES, people, STRUCTURES[Structure.COMMUNE])
    assert main(["roster", "import", str(roster)]) == 0
    capsys.readouterr()
    assert main(["assign", "auto", "--per-unit", "1", "--seed", "1", "--clusters", "same", "--out", "p.xlsx"]) == 0
    assert "Đã đề xuất 2 cặp kiểm tra chéo giữa các xã/phường/đặc khu" in capsys.readouterr().out
    assert {(r.inspector_code, r.school_code) for r in read_table(tmp_path / "p.xlsx")} == {
        ("CB-LC", "MN-SM"), ("CB-AD", "MN-HH")}
    assert main(["assign", "auto", "--seed", "1", "--level", "school", "--out", "q.xlsx"]) == 0
    assert "không có cấp" not in capsys.readouterr().err


def test_the_so_confirms_the_rubric(cli: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    """Until `campaign set --rubric-confirmed` the forms print the rubric's assumptions; the calendar stays."""
    assert main(["campaign", "new", "--code", "HSDT-2026-2027", "--school-year", "2026-2027"]) == 0
    out = capsys.readouterr().out
    assert "(2026.2) — chưa xác nhận: các phụ lục in kèm các giả định của bộ tiêu chí" in out
    before = campaigns(cli)["HSDT-2026-2027"]
    assert not before.rubric_confirmed
    assert main(["campaign", "set", "--rubric-confirmed"]) == 0
    assert "Đã ghi nhận: Sở xác nhận bộ tiêu chí" in capsys.readouterr().out
    after = campaigns(cli)["HSDT-2026-2027"]
    assert after.rubric_confirmed
    assert (after.self_assessment_due, after.deadline) == (before.self_assessment_due, before.deadline)
    assert main(["campaign", "use", "HSDT-2026-2027"]) == 0
    assert "(2026.2) — đã được Sở xác nhận" in capsys.readouterr().out
    # The 2024-2025 rubric states no assumptions: nothing to print, nothing to confirm.
    assert main(["campaign", "new", "--preset", "2024-2025"]) == 0
    assert "bộ tiêu chí không ghi giả định nào" in capsys.readouterr().out
