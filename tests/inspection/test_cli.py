"""`hsdt assign ...` and `hsdt report` against a SQLite file, as an operator runs them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.cli.assignment_xlsx import HEADERS, SHEET, read_table
from hsdt.cli.main import main
from hsdt.services.assignments import office_of
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.inspection_models import Assignment
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import seed
from tests.inspection.fixtures import add_people, rescore, submit_self
from tests.present import present
from tests.reports.reading import sheets
from tests.reports.reading import table as form_table


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime(2024, 12, 10, tzinfo=UTC)
    seed(engine, now)
    add_people(engine, now)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return engine


def assignments(engine: Engine) -> set[tuple[str, str, str]]:
    with UnitOfWork(engine) as uow:
        found = set()
        for a in uow.session.exec(select(Assignment)).all():
            found.add((present(uow.users.get(a.inspector_id)).code, present(uow.units.get(a.school_id)).code, a.kind))
        return found


def table(path: Path, rows: list[list[str]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_import_is_idempotent_and_all_or_nothing(
    db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = assignments(db)
    good = table(tmp_path / "ok.xlsx", [["CB-TN-01", "MN-TUOITHO", "Chấm lại"],
                                        ["CB-TN-01", "MN-HOASEN", "kiểm tra chéo"]])
    assert main(["assign", "import", str(good)]) == 0
    assert "2 mới, 0 đã có" in capsys.readouterr().out
    after = assignments(db)
    assert after == before | {("CB-TN-01", "MN-TUOITHO", "district"), ("CB-TN-01", "MN-HOASEN", "cross")}
    assert main(["assign", "import", str(good)]) == 0
    assert "0 mới, 2 đã có" in capsys.readouterr().out
    assert assignments(db) == after
    bad = table(tmp_path / "bad.xlsx", [["CB-TN-01", "MN-SAOMAI", "Kiểm tra chéo"],
                                       ["CB-TN-01", "MN-KHONGCO", "Chấm lại"],
                                       ["CB-XX-99", "MN-HOASEN", "Kiểm tra chéo"],
                                       ["CB-TN-01", "MN-TUOITHO", "Kiểm tra chéo"],
                                       ["CB-TN-01", "MN-HOASEN", "Chấm lại"],
                                       ["CB-TN-01", "MN-SAOMAI", "thanh tra"]])
    assert main(["assign", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "chưa thay đổi gì" in err
    assert "dòng 3: không có trường “MN-KHONGCO”" in err
    assert "dòng 4: không có người dùng “CB-XX-99”" in err
    assert "dòng 5: kiểm tra chéo không được kiểm tra trường của chính Phòng GD&ĐT quận/huyện mình" in err
    assert "dòng 6: chấm lại chỉ dành cho trường thuộc Phòng GD&ĐT quận/huyện" in err
    assert "dòng 7: loại “thanh tra” không hợp lệ" in err
    assert assignments(db) == after  # row 2 was fine, but nothing is half-applied


def test_auto_proposal_is_fair_reproducible_and_importable(
    db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assign", "auto", "--per-office", "2", "--seed", "7", "--out", "a.xlsx"]) == 0
    assert main(["assign", "auto", "--per-office", "2", "--seed", "7", "--out", "b.xlsx"]) == 0
    first, second = read_table(tmp_path / "a.xlsx"), read_table(tmp_path / "b.xlsx")
    assert [(r.inspector_code, r.school_code, r.kind) for r in first] == \
        [(r.inspector_code, r.school_code, r.kind) for r in second]
    with UnitOfWork(db) as uow:
        per_office: dict[int, list[str]] = {}
        for row in first:
            inspector = present(uow.users.by_code(row.inspector_code))
            school = present(uow.units.by_code(row.school_code))
            assert row.kind == "cross"
            assert office_of(uow, school) != inspector.unit_id
            per_office.setdefault(inspector.unit_id, []).append(row.school_code)
    assert sorted(len(v) for v in per_office.values()) == [2, 2]
    sheet = load_workbook(tmp_path / "a.xlsx")[SHEET]
    assert [c.value for c in sheet[1]] == HEADERS and sheet.freeze_panes == "A2"
    assert sheet.cell(2, 3).value == "Kiểm tra chéo" and sheet.cell(2, 5).value.startswith("Trường Mầm non")
    district_before = {a for a in assignments(db) if a[2] == "district"}
    assert main(["assign", "import", "a.xlsx", "--replace"]) == 0
    assert "Phân công:" in capsys.readouterr().out
    # The table is the truth for cross-inspections; the re-scoring assignments are left alone.
    assert {a for a in assignments(db) if a[2] == "cross"} == {(r.inspector_code, r.school_code, "cross")
                                                               for r in first}
    assert {a for a in assignments(db) if a[2] == "district"} == district_before
    assert main(["assign", "template", "t.xlsx"]) == 0
    assert read_table(tmp_path / "t.xlsx") == []


def test_report_text_and_workbook_of_one_district(
    db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    submit_self(db, "MN-HOASEN")
    submit_self(db, "MN-HOAMAI")
    rescore(db, "MN-HOASEN", "district", "CB-HB-01", {"C2": 2.0})
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "Phòng GD&ĐT quận Hồng Bàng: 68,47 — Đạt" in out and "Thủy Nguyên: 71,47 — Khá" in out
    assert main(["report", "--xlsx", "hb.xlsx", "--district", "hong bang"]) == 0
    workbook = load_workbook(tmp_path / "hb.xlsx")
    # One Phụ lục 1 per school of the district (roster order), one Phụ lục 2 with all of them.
    assert [s.title for s in sheets(workbook, "PL1 ")] == ["PL1 MN-HOASEN", "PL1 MN-SAOMAI"]
    rows = form_table(workbook["PL2 PGD-HB"])
    assert [(r["Tên trường"], r["Chấm lại"], r["Tự đánh giá"]) for r in rows[:-1]] == [
        ("Trường Mầm non Hoa Sen", 68.47, 71.47), ("Trường Mầm non Sao Mai", None, None)]
    assert rows[0]["Nhận xét của cán bộ kiểm tra; ý kiến của nhà trường"].startswith("C2: Nhận xét C2")
    assert main(["report", "--district", "Không Có"]) == 1
    assert "Không tìm thấy" in capsys.readouterr().err
