"""An operator whose rubric file is broken gets the Vietnamese problem lines, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hsdt.cli.main import main
from hsdt.scoring import bundled_rubric_path


def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rubric: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RUBRIC", str(rubric))


def test_a_broken_rubric_file_is_reported_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = bundled_rubric_path("hsdt-2026").read_text(encoding="utf-8")
    broken = tmp_path / "tieu-chi.yaml"
    broken.write_text(text.replace("points_each: 2.5", "points_each: 3").replace("of: I.1", "of: I.9"), "utf-8")
    _env(tmp_path, monkeypatch, broken)
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines() == [
        "Không dùng được tệp bộ tiêu chí (chưa thay đổi gì):",
        f"  {broken}: tiêu chí II.2: khóa “max_points”: phải bằng tổng điểm các phương án (18) "
        "với loại “multi_choice”, đang là 15",
        f"  {broken}: khóa “rules[0].of”: không có tiêu chí “I.9” trong bộ tiêu chí",
    ]
    assert not (tmp_path / "cli.sqlite3").exists()  # nothing was touched


def test_a_missing_rubric_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(tmp_path, monkeypatch, tmp_path / "khong-co.yaml")
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'khong-co.yaml'}: không đọc được tệp (" in err and "Traceback" not in err
