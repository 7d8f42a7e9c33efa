"""Operators read `hsdt` in Vietnamese: argparse's help and errors, and one line per problem of a bad
roster or rubric file, naming the file and where in it, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from hsdt.cli import roster_xlsx
from hsdt.cli.main import main


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'hsdt.sqlite3'}")
    monkeypatch.setenv("SEED_DEMO", "false")
    return tmp_path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_is_vietnamese_with_the_standard_flags(operator: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["--help"], capsys)
    assert code == 0
    assert out.startswith("cách dùng: hsdt [-h]") and "tùy chọn:" in out and "tham số:" in out
    assert "-h, --help" in out and "hiện hướng dẫn này rồi thoát" in out
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in out
    code, out, _ = _run(["roster", "import", "-h"], capsys)
    assert code == 0 and "cách dùng: hsdt roster import [-h] [--campaign MÃ] file" in out


def test_usage_errors_are_vietnamese(operator: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["roster"], capsys)
    assert code == 2 and "hsdt roster: lỗi: thiếu tham số bắt buộc: lệnh" in err
    code, _, err = _run(["campaign", "new", "--preset", "x"], capsys)
    assert code == 2 and "tham số --preset: không có lựa chọn 'x' (chọn một trong:" in err
    code, _, err = _run(["status", "--bogus"], capsys)
    assert code == 2 and "không hiểu tham số: --bogus" in err and "error" not in err


def test_a_bad_roster_gives_one_line_per_problem(operator: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = operator / "ds.xlsx"
    roster_xlsx.write_template(path)
    workbook = load_workbook(path)
    workbook["Đơn vị"].append([1, "MN-X", "Trường X", "cấp lạ", "KHONG-CO"])
    workbook["Đơn vị"].append([2, "", "Trường Y", "Trường"])
    workbook["Người dùng"].append([1, "HT-X", "", "Hiệu trưởng", ""])
    workbook.save(path)
    code, _, err = _run(["roster", "import", str(path)], capsys)
    lines = err.splitlines()
    assert code == 1 and "Traceback" not in err
    assert lines[1:] == [
        f"  {path}: trang “Đơn vị”, dòng 3: cột “Mã đơn vị” đang để trống",
        f"  {path}: trang “Người dùng”, dòng 2: cột “Họ và tên” đang để trống",
        f"  {path}: trang “Người dùng”, dòng 2: cột “Mã đơn vị” đang để trống",
    ]
    workbook = load_workbook(path)
    workbook["Đơn vị"].delete_rows(3)
    workbook["Người dùng"].delete_rows(2)
    workbook.save(path)
    code, _, err = _run(["roster", "import", str(path)], capsys)
    assert code == 1 and f"  {path}: đơn vị MN-X: cấp đơn vị “cấp lạ” không hợp lệ" in err.splitlines()
    assert f"  {path}: đơn vị MN-X: không có đơn vị cấp trên “KHONG-CO”" in err.splitlines()
    (operator / "rac.xlsx").write_bytes(b"not a workbook")
    code, _, err = _run(["roster", "import", "rac.xlsx"], capsys)
    assert code == 1 and "rac.xlsx: không đọc được tệp Excel" in err and "zip" not in err


def test_a_bad_rubric_gives_file_criterion_and_field(operator: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (operator / "bo.yaml").write_text(
        'version: "1"\nname: x\nmax_points: 10\nbands: [{id: d, label: Đạt, min: 0}]\n'
        "groups:\n  - id: A\n    title: x\n    criteria:\n"
        "      - {id: A1, title: t, question: q, type: single_choice, max_points: abc}\n", encoding="utf-8")
    code, _, err = _run(["campaign", "new", "--preset", "current", "--rubric", "bo.yaml"], capsys)
    assert code == 1 and "Không tạo được đợt" in err
    assert "Traceback" not in err
    assert "bo.yaml: tiêu chí A1: khóa “max_points”: phải là một số, đang là chữ “abc”" in err
