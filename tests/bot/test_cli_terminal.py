"""The command line as a newcomer uses it: demo codes, then a scripted terminal chat through stdin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def hsdt(
    args: list[str], workdir: Path, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ZALO_"))}
    env.update({"DATABASE_URL": f"sqlite:///{workdir / 'hsdt.sqlite3'}", "DATA_DIR": str(workdir / "data"),
                "FILES_DIR": str(workdir / "data" / "files"), "TRUST_DIR": str(workdir / "trust")})
    return subprocess.run([sys.executable, "-m", "hsdt.cli", *args], cwd=workdir, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def demo_codes(tmp_path: Path) -> dict[str, str]:
    result = hsdt(["demo"], tmp_path)
    assert result.returncode == 0, result.stderr
    codes = dict(re.findall(r"^\s+([A-Z0-9]{10})\s+.*\((\S+)\)$", result.stdout, re.M))
    by_user = {user: code for code, user in codes.items()}
    assert set(by_user) == {"HT-HOASEN", "CB-HB-01", "PGD-HB-01", "SO-01"}
    # Running it again changes nothing and prints the same codes.
    again = hsdt(["demo"], tmp_path)
    assert again.stdout == result.stdout
    return by_user


def test_scripted_terminal_self_assessment(tmp_path: Path, demo_codes: dict[str, str]) -> None:
    script = "\n".join([
        demo_codes["HT-HOASEN"],
        "1",            # menu: Tự đánh giá
        # The demo campaign is this school year's, with the 2026 rubric (criteria 1-12).
        "1", "2", "3", "4", "5", "6", "7",   # 1: toggle the six categories, then Xong
        "10/10", "20/20", "5/5",             # 2-4: managers, teachers, staff
        "tất cả",       # 5 (every category set up in 1)
        "1", "1",       # 6, 7: Đầy đủ
        "100/0/100",    # 8: documents stored / paper-only / signed
        "Có",           # 9 by label
        "1",            # 10: Xong without files
        "1",            # 11: Đạt
        "Không có ý kiến",
        "1",            # review: Gửi kết quả tự đánh giá
        "1",            # confirm
        "/thoat",
    ]) + "\n"
    result = hsdt(["run"], tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Mã mời của dữ liệu mẫu" in out
    assert "Đăng ký thành công" in out
    assert "[1] 📝 Tự đánh giá" in out
    # Numeric questions letter their buttons, so typing "100" is an answer, not a button.
    assert "[a] ⬅️ Quay lại" in out
    assert "✔️ 8." in out
    # Everything at full marks except criterion 10 (no file sent): 100 - 8 = 92.
    assert "Đã gửi kết quả tự đánh giá của Trường Mầm non Hoa Sen" in out
    assert "Tổng điểm: 92/100 — Xếp loại: Tốt" in out
    assert "Traceback" not in out + result.stderr


def test_terminal_resumes_after_restart(tmp_path: Path, demo_codes: dict[str, str]) -> None:
    first = hsdt(["run"], tmp_path, stdin=f"{demo_codes['HT-HOASEN']}\n/tudanhgia\n9\n12/10\n")
    assert "Tiêu chí 3/12" in first.stdout
    second = hsdt(["run"], tmp_path, stdin="/tudanhgia\n")
    assert "Tiếp tục phiếu tự đánh giá" in second.stdout and "Tiêu chí 3/12" in second.stdout


def test_verify_command_is_wired_and_light(tmp_path: Path) -> None:
    pdf = tmp_path / "khong-ky.pdf"
    from tests.signatures.testpki import make_pdf

    pdf.write_bytes(make_pdf(1))
    result = hsdt(["verify", "--json", str(pdf)], tmp_path)
    assert result.returncode == 1, result.stderr  # an unsigned file is not a valid one
    assert '"status": "unsigned"' in result.stdout
    usage = hsdt(["verify", "--period", "bad"], tmp_path)
    assert usage.returncode == 2
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, hsdt.cli.main, hsdt.signatures.cli; print('aiogram' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert probe.stdout.strip() == "False"
    recheck = hsdt(["verify", "--recheck-evidence"], tmp_path)
    assert recheck.returncode == 0, recheck.stderr
    assert "Đã kiểm tra lại 0 minh chứng" in recheck.stdout
    assert (tmp_path / "data" / "trust_fingerprint").is_file()


def test_roster_template_and_import_twice(tmp_path: Path) -> None:
    assert hsdt(["roster", "template", "mau.xlsx"], tmp_path).returncode == 0
    from hsdt.cli.roster_xlsx import write_roster
    from hsdt.services.demo import DEMO_UNITS, DEMO_USERS

    write_roster(tmp_path / "ds.xlsx", DEMO_UNITS, DEMO_USERS)
    first = hsdt(["roster", "import", "ds.xlsx"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Đơn vị: 7 mới" in first.stdout and "Người dùng: 4 mới" in first.stdout
    second = hsdt(["roster", "import", "ds.xlsx"], tmp_path)
    assert "Đơn vị: 0 mới, 0 cập nhật. Người dùng: 0 mới, 0 cập nhật." in second.stdout
    assert sorted(re.findall(r"[A-Z0-9]{10}", second.stdout)) == sorted(re.findall(r"[A-Z0-9]{10}", first.stdout))
    broken = hsdt(["roster", "import", "mau.xlsx"], tmp_path)
    assert broken.returncode == 0 and "0 mới" in broken.stdout
