"""A Sở's whole 2026-2027 campaign, as README's campaign section tells it: the command line opens the
campaign and imports the roster, the chat does the rest (self-assessment, re-scoring by the communes,
cross-inspection by clusters, the report). The pre-2025 structure runs from the same code."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from hsdt import texts as messages
from hsdt.cli import assignment_xlsx, roster_xlsx
from hsdt.cli.main import main
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.services.assignments import AssignmentRow
from hsdt.services.roster import UnitRow, UserRow
from hsdt.storage.inspection_models import DISTRICT
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import inspection as inspection_texts
from hsdt.texts import report as rm
from hsdt.texts.levels import STRUCTURES, Structure
from tests.helpers import ChatDriver, Clock

OLD_LEVEL_WORDS = ("Phòng GD&ĐT", "quận/huyện")
SO = UnitRow("SO-HP", "Sở GD&ĐT Hải Phòng", "so", position=1)
COMMUNES = [
    SO,
    UnitRow("UB-LC", "UBND phường Lê Chân", "district", "SO-HP", position=2, cluster="Cụm 1"),
    UnitRow("UB-AD", "UBND phường An Dương", "district", "SO-HP", position=3, cluster="Cụm 1"),
    UnitRow("MN-HH", "Trường Mầm non Hoa Hồng", "school", "UB-LC", position=4),
    UnitRow("MN-SM", "Trường Mầm non Sen Mai", "school", "UB-AD", position=5),
]
PEOPLE = [
    UserRow("SO-01", "Phạm Minh Tuấn", "so_staff", "SO-HP"),
    UserRow("HT-HH", "Ngô Thị Mỹ Linh", "principal", "MN-HH"),
    UserRow("HT-SM", "Trần Thu Hà", "principal", "MN-SM"),
    UserRow("XA-LC", "Phạm Văn Lâm", "district_staff", "UB-LC"),
    UserRow("CB-LC", "Đỗ Văn Long", "inspector", "UB-LC"),
    UserRow("CB-AD", "Vũ Thị Anh", "inspector", "UB-AD"),
]
# The 2026 rubric (2026.2): criterion 1, 5 categories (25); 2, managers 2/2 (5); 3, teachers 15/20 (4,5); 4,
# staff none issued: not applicable; 5, 3 categories (7,5); 6, 8; 7, 3,5; 8, 81 of the 90 documents that
# are not paper-only signed: 90 % of 8 = 7,2, down to 7; 9 not applicable; 10 no file (0); 11, 7.
# Raw 67,5 of the 94 points that apply: 71,81 on 100, down to steps of 0,25: 71,75.
TOTAL = "71,75"


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.chdir(tmp_path)  # no stray .env; the workbooks land here
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEED_DEMO", "false")
    return engine


def invites(out: str) -> dict[str, str]:
    """The codes `roster import` prints, by user code: "  K7Q2XP  Ngô Thị Mỹ Linh — Hiệu trưởng (HT-HH)"."""
    return {m.group(2): m.group(1) for m in re.finditer(r"^\s+(\S+)\s+.+\((\S+)\)$", out, re.M)}


def workbook_text(content: bytes) -> str:
    book = load_workbook(BytesIO(content))
    return "\n".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)


def self_assess(driver: ChatDriver) -> None:
    driver.send("/tudanhgia")
    assert "Nội dung 1. Thiết lập danh mục hồ sơ điện tử" in driver.text
    assert "\n1. Thiết lập danh mục hồ sơ điện tử" in driver.text
    driver.send("1,2,3,4,5")
    driver.send("2/2")
    driver.send("20/15")
    driver.send("0/0")
    assert "(không áp dụng)" in driver.text  # none issued: the item leaves the denominator
    # Criterion 5 offers only the categories set up in criterion 1.
    assert "Tiêu chí này chỉ chọn trong các mục đã chọn ở tiêu chí 1." in driver.text
    labels = [b.label for r in driver.replies for b in r.flat_buttons]
    assert not any("Hồ sơ quản lý văn bản" in label for label in labels)
    for category in ("Hồ sơ quản lý trẻ em", "Hồ sơ quản lý cán bộ", "Kế hoạch phát triển"):
        driver.press(category)
    driver.press(messages.BTN_DONE)
    driver.press("Đầy đủ")
    driver.press("Đạt một phần")
    driver.send("100/10/81")  # documents stored / paper-only / signed
    assert "90% của 90 văn bản không tính văn bản chỉ có bản giấy" in driver.text
    driver.press("Không có văn bản loại này")
    driver.press(messages.BTN_DONE)  # criterion 10: the inspectors look at the software; no file sent
    driver.press("Đạt")
    driver.send("Không có ý kiến.")
    review = driver.text
    assert "không áp dụng (không tính vào tổng điểm)" in review
    assert ("Điểm quy đổi về thang 100: 67,5/94 điểm của các tiêu chí áp dụng (không áp dụng: 4, 9) "
            f"→ {TOTAL}/100") in review
    driver.press(messages.BTN_SUBMIT)
    driver.press(messages.BTN_CONFIRM_SUBMIT)
    assert f"Tổng điểm: {TOTAL}/100 — Xếp loại: Khá" in driver.text


def score(driver: ChatDriver, school_button: str) -> str:
    driver.send("/chamdiem")
    driver.press(school_button)
    for _ in range(11):  # every criterion with points
        driver.press("Đồng ý điểm của trường")
    driver.press(inspection_texts.BTN_SUBMIT)
    driver.press(messages.BTN_CONFIRM_SUBMIT)
    return driver.text


def test_a_so_runs_its_2026_2027_campaign_for_communes_and_clusters(
    cli: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command line: the campaign (the default rubric is the 2026 one), then the roster.
    assert main(["campaign", "new", "--code", "HSDT-2026-2027", "--school-year", "2026-2027",
                 "--structure", "xa-phuong", "--notice-no", "123/TB-SGDĐT-MN", "--notice-date", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "Sở GD&ĐT → UBND xã/phường/đặc khu → Trường mầm non" in out and "(2026.2)" in out
    assert main(["roster", "template", "mau.xlsx"]) == 0
    roster_xlsx.write_roster(tmp_path / "danh-sach.xlsx", COMMUNES, PEOPLE, STRUCTURES[Structure.COMMUNE])
    assert main(["roster", "import", "danh-sach.xlsx"]) == 0
    codes = invites(capsys.readouterr().out)
    assert set(codes) == {p.code for p in PEOPLE}
    # Each commune re-scores its own school; the cluster's communes inspect each other's.
    assignment_xlsx.write_table(tmp_path / "cham-lai.xlsx", [
        (AssignmentRow("CB-LC", "MN-HH", DISTRICT), "", ""), (AssignmentRow("CB-AD", "MN-SM", DISTRICT), "", "")])
    assert main(["assign", "import", "cham-lai.xlsx"]) == 0
    assert main(["assign", "auto", "--per-unit", "1", "--seed", "1", "--clusters", "same",
                 "--out", "kiem-tra-cheo.xlsx"]) == 0
    assert main(["assign", "import", "kiem-tra-cheo.xlsx"]) == 0
    capsys.readouterr()

    # The chat.
    clock = Clock(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    dispatcher = Dispatcher(cli, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                            router=build_router())
    chats = {code: ChatDriver(dispatcher, f"ref-{code}") for code in codes}
    for code, driver in chats.items():
        driver.enrol(codes[code])
        assert "Đăng ký thành công" in driver.text
    self_assess(chats["HT-HH"])
    self_assess(chats["HT-SM"])
    clock.advance(days=20)  # the inspection days
    assert f"Đã gửi kết quả chấm lại của Trường Mầm non Hoa Hồng: {TOTAL}/100" in score(chats["CB-LC"], "Hoa Hồng")
    assert f"{TOTAL}/100" in score(chats["CB-AD"], "Sen Mai — Chấm lại")
    assert "Đã gửi kết quả kiểm tra chéo của Trường Mầm non Sen Mai" in score(chats["CB-LC"], "Sen Mai — Kiểm tra chéo")
    assert "kiểm tra chéo của Trường Mầm non Hoa Hồng" in score(chats["CB-AD"], "Hoa Hồng — Kiểm tra chéo")

    # The report says "xã/phường", and how the mean is made.
    so = chats["SO-01"]
    so.send("/baocao")
    summary = so.replies[0].text
    assert "toàn thành phố (2 xã/phường)" in summary
    # A commune is not rated by the Sở: the mean is its schools' common result.
    assert "Kết quả chung của các trường trên địa bàn từng xã/phường" in summary
    assert "công tác quản lý, chỉ đạo" not in summary
    assert f"Điểm trung bình: {TOTAL} — Khá (trung bình của 2 trường)" in summary
    assert "Cách tính: Điểm của mỗi trường: Điểm chấm lại, nếu chưa có thì điểm kiểm tra chéo" in summary
    assert "Đã chấm lại: 2. Đã kiểm tra chéo: 2." in summary
    so.press(rm.BTN_EXCEL)
    document = so.replies[0].document
    assert document is not None
    book = workbook_text(document.content)
    assert "Số xã/phường" in book and "Đơn vị quản lý: UBND phường Lê Chân" in book
    assert "Cách tính điểm trung bình" in book
    commune = chats["XA-LC"]
    commune.send("/baocao")
    assert "Trường Mầm non Hoa Hồng" in commune.text and "Sen Mai" not in commune.text
    for text in (summary, book, commune.text, *(d.text for d in chats.values())):
        for word in OLD_LEVEL_WORDS:
            assert word not in text

    # A later campaign runs beside this one: the school, in this one only, keeps working in it.
    assert main(["campaign", "new", "--school-year", "2027-2028"]) == 0
    chats["HT-HH"].send("/tudanhgia")
    assert "đã được gửi" in chats["HT-HH"].text
    # Once this one is closed, the later one (the schools are not part of it yet) tells them so.
    assert main(["campaign", "close", "HSDT-2026-2027"]) == 0
    chats["HT-HH"].send("/tudanhgia")
    assert "không tham gia “Kiểm tra" in chats["HT-HH"].text


def test_the_same_code_runs_the_pre_2025_structure(
    cli: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["campaign", "new", "--preset", "2024-2025"]) == 0
    assert "Sở GD&ĐT → Phòng GD&ĐT quận/huyện → Trường mầm non" in capsys.readouterr().out
    units = [SO, UnitRow("PGD-LC", "Phòng GD&ĐT quận Lê Chân", "district", "SO-HP", position=2),
             UnitRow("MN-HH", "Trường Mầm non Hoa Hồng", "school", "PGD-LC", position=3),
             # A school directly under the Sở does not make the Sở a Phòng GD&ĐT.
             UnitRow("MN-TT", "Trường Mầm non Thực hành", "school", "SO-HP", position=4)]
    people = [UserRow("SO-01", "Phạm Minh Tuấn", "so_staff", "SO-HP"),
              UserRow("PGD-01", "Lê Thị Thu Hà", "district_staff", "PGD-LC")]
    roster_xlsx.write_roster(tmp_path / "ds.xlsx", units, people, STRUCTURES[Structure.DISTRICT])
    assert main(["roster", "import", "ds.xlsx"]) == 0
    codes = invites(capsys.readouterr().out)
    with UnitOfWork(cli) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None and campaign.code == "HSDT-2024"
        rubric = uow.campaigns.rubric_version(campaign.rubric_version_id)
        assert rubric is not None and rubric.version != "2026.1"  # that campaign's own rubric
    clock = Clock(datetime(2024, 12, 10, 2, 0, tzinfo=UTC))
    dispatcher = Dispatcher(cli, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                            router=build_router())
    so = ChatDriver(dispatcher, "ref-so")
    so.enrol(codes["SO-01"])
    so.send("/baocao")
    summary = so.replies[0].text
    assert "toàn thành phố (1 quận/huyện)" in summary and "xã/phường" not in summary
    assert "Cách tính: Điểm của mỗi trường: Điểm chấm lại, nếu chưa có thì điểm tự đánh giá" in summary
    staff = ChatDriver(dispatcher, "ref-pgd")
    staff.enrol(codes["PGD-01"])
    assert "Cán bộ Phòng GD&ĐT" in staff.text


def test_verify_takes_the_active_campaigns_record_period(
    cli: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hsdt.cli.verify import _record_period
    from hsdt.config import Settings

    settings_period = (date(2024, 9, 1), date(2024, 12, 31))
    assert _record_period(Settings()) == settings_period  # no campaign open yet
    assert main(["campaign", "new", "--school-year", "2026-2027", "--record-period", "2026-09-01:2026-11-30"]) == 0
    assert _record_period(Settings()) == (date(2026, 9, 1), date(2026, 11, 30))
    # Checking a file never creates a database.
    missing = tmp_path / "none.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    assert _record_period(Settings()) == settings_period and not missing.exists()
