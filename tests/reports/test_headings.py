"""Headings and signers as data of each unit (Nghị định 30/2020/NĐ-CP, Phụ lục I), with defaults per level:
the body a unit belongs to above its full name, its own place name, and who signs with which authority.
Then each appendix of each structure, read back from the workbook: communes (since 07/2025), district
offices (the 2024 notice) and schools directly under the Sở."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from hsdt.cli import roster_xlsx
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.reports.heading import FormHeading, HeadingFacts, Issuer, in_sentence, issuer, place_of, province_area
from hsdt.services.roster import UnitHeading, UnitRow, apply_roster
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.levels import Structure
from tests.helpers import ChatDriver, Clock
from tests.reports.demo2026 import fill, seed_2026
from tests.reports.reading import (
    issuing_body,
    national_heading,
    rule_under_body,
    sheets,
    signature_blocks,
    signature_space,
    table,
    texts,
)

HEADING = FormHeading("…/TB-SGDĐT-MN", None, "Sở Giáo dục và Đào tạo Hải Phòng", "Hải Phòng", "2026-2027",
                      "Đợt", "thành phố", "UBND THÀNH PHỐ HẢI PHÒNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG")
NONE = HeadingFacts()


def _issuer(name: str, kind: str, parent: Issuer | None = None, facts: HeadingFacts = NONE) -> Issuer:
    return issuer(name, kind, facts, parent, HEADING)


# --- defaults per level --------------------------------------------------------------------------------


def test_a_commune_prints_its_committee_with_nothing_above_it() -> None:
    commune = _issuer("UBND phường Lê Chân", "district", _issuer("Sở GD&ĐT Hải Phòng", "so"))
    assert (commune.parent, commune.name) == ("", ("ỦY BAN NHÂN DÂN", "PHƯỜNG LÊ CHÂN"))
    assert commune.place == "Lê Chân" and commune.short == "UBND PHƯỜNG LÊ CHÂN"
    assert commune.signer.lines == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert commune.area == "phường Lê Chân"
    school = _issuer("Trường MN Hoa Hồng", "school", commune)
    assert (school.parent, school.name, school.place) == ("UBND PHƯỜNG LÊ CHÂN", ("TRƯỜNG MẦM NON HOA HỒNG",),
                                                          "Lê Chân")
    assert school.signer.lines == ("HIỆU TRƯỞNG",)


def test_a_district_office_prints_its_district_committee_and_its_full_name() -> None:
    office = _issuer("Phòng GD&ĐT quận Hồng Bàng", "district", _issuer("Sở GD&ĐT Hải Phòng", "so"))
    assert (office.parent, office.name) == ("UBND QUẬN HỒNG BÀNG", ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",))
    assert (office.place, office.short, office.signer.lines) == ("Hồng Bàng", "PHÒNG GD&ĐT QUẬN HỒNG BÀNG",
                                                                 ("TRƯỞNG PHÒNG",))
    school = _issuer("Trường Mầm non Hoa Sen", "school", office)
    assert (school.parent, school.place) == ("PHÒNG GD&ĐT QUẬN HỒNG BÀNG", "Hồng Bàng")


def test_the_so_prints_the_province_and_a_school_under_it_the_so() -> None:
    so = _issuer("Sở GD&ĐT Hải Phòng", "so")
    assert (so.parent, so.name, so.place) == ("UBND THÀNH PHỐ HẢI PHÒNG", ("SỞ GIÁO DỤC VÀ ĐÀO TẠO",), "Hải Phòng")
    assert so.signer.lines == ("GIÁM ĐỐC",)
    school = _issuer("Trường Mầm non Sao Mai", "school", so)
    assert (school.parent, school.name, school.place) == ("SỞ GD&ĐT HẢI PHÒNG", ("TRƯỜNG MẦM NON SAO MAI",),
                                                          "Hải Phòng")


def test_the_roster_says_otherwise_where_a_unit_does() -> None:
    """The commune's Phòng Văn hóa – Xã hội issues its forms, signed by its head; a school's own place."""
    facts = HeadingFacts(official_name="Phòng Văn hóa – Xã hội", parent_body="UBND phường Lê Chân",
                         signer_title="Trưởng phòng", signer_authority="")
    office = _issuer("UBND phường Lê Chân", "district", None, facts)
    assert (office.parent, office.name) == ("UBND PHƯỜNG LÊ CHÂN", ("PHÒNG VĂN HÓA – XÃ HỘI",))
    assert office.signer.lines == ("TRƯỞNG PHÒNG",) and office.place == "Lê Chân"
    acting = _issuer("Trường MN Sen Mai", "school", office, HeadingFacts(
        place_name="An Dương", signer_authority="KT. HIỆU TRƯỞNG", signer_title="Phó hiệu trưởng",
        official_name="TRƯỜNG MẦM NON\nSEN MAI"))
    assert acting.name == ("TRƯỜNG MẦM NON", "SEN MAI") and acting.place == "An Dương"
    assert acting.signer.lines == ("KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG")


def test_place_names_and_sentences() -> None:
    assert place_of("phường Lê Chân") == "Lê Chân" and place_of("Phường 1") == "Phường 1"
    assert place_of("đặc khu Bạch Long Vĩ") == "Bạch Long Vĩ" and place_of("xã An Lão") == "An Lão"
    assert in_sentence("SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG") == "Sở Giáo dục và Đào tạo Hải Phòng"
    assert in_sentence("UBND TỈNH QUẢNG NINH") == "UBND tỉnh Quảng Ninh"
    assert in_sentence("Sở GD&ĐT Hải Phòng") == "Sở GD&ĐT Hải Phòng"
    assert province_area("UBND THÀNH PHỐ HẢI PHÒNG") == "thành phố"
    assert province_area("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH") == "tỉnh"


# --- the appendices of each structure ------------------------------------------------------------------

NOW = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)


def _workbook(dispatcher: Dispatcher, code: str, action: str = "rp:x") -> Any:
    driver = ChatDriver(dispatcher, "ref-so")
    driver.enrol(code)
    [reply] = [r for r in driver.press_action(action) if r.document is not None]
    assert reply.document is not None
    return load_workbook(io.BytesIO(reply.document.content))


def _dispatcher(engine: Engine, tmp_path: Path) -> Dispatcher:
    return Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=Clock(NOW),
                      router=build_router())


def _signers(sheet: Any) -> dict[str, list[str]]:
    return {side: [line for line in lines if line] for side, lines in signature_blocks(sheet).items()}


def _check_form(sheet: Any, body: list[tuple[str, bool]], place: str, signers: dict[str, list[str]]) -> None:
    assert issuing_body(sheet) == body, sheet.title
    rule = rule_under_body(sheet)
    widest = max(len(text) for text, bold in body if bold)
    assert widest / 3.5 <= len(rule) <= widest / 1.5  # a third to a half of the name, in wider glyphs
    nation, motto, motto_rule, date_line = national_heading(sheet)
    assert motto.value == "Độc lập - Tự do - Hạnh phúc" and motto.font.b and nation.font.b
    assert len(motto_rule.value) == 17  # as long as the motto (tests/reports/test_pdf.py measures it)
    assert date_line.value == f"{place}, ngày 04 tháng 01 năm 2027" and date_line.font.i
    assert "(Kèm theo Thông báo số ……/TB-SGDĐT-MN ngày ……/……/…… của Sở Giáo dục và Đào tạo Hải Phòng)" in texts(sheet)
    assert _signers(sheet) == signers, sheet.title
    head = signers["right"][-2] if signers["right"][-1] not in ("HIỆU TRƯỞNG", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC") \
        else signers["right"][-1]
    assert signature_space(sheet, head) >= 100  # room for the digital signature and the seal image (~3,5 cm)
    header = sheet.oddHeader.center.text
    assert header == "&P" and sheet.HeaderFooter.differentFirst  # the number top centre, from page 2
    assert not sheet.oddFooter.center.text


PREPARER = ["NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"]


def test_the_appendices_of_communes(engine: Engine, tmp_path: Path) -> None:
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    fill(engine, Structure.COMMUNE)
    workbook = _workbook(_dispatcher(engine, tmp_path), codes["SO-01"])
    _check_form(workbook["PL1 MN-HOASEN"], [("UBND PHƯỜNG HỒNG BÀNG", False), ("TRƯỜNG MẦM NON HOA SEN", True)],
                "Hồng Bàng", {"left": PREPARER, "right": ["HIỆU TRƯỞNG"]})
    _check_form(workbook["PL1 MN-HOAMAI"], [("UBND PHƯỜNG THỦY NGUYÊN", False), ("TRƯỜNG MẦM NON HOA MAI", True)],
                "Thủy Nguyên", {"left": PREPARER, "right": ["HIỆU TRƯỞNG"]})
    committee = {"left": PREPARER, "right": ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]}
    _check_form(workbook["PL2 UB-HB"], [("ỦY BAN NHÂN DÂN", True), ("PHƯỜNG HỒNG BÀNG", True)], "Hồng Bàng",
                committee)
    rows = table(workbook["PL2 UB-HB"])
    assert rows[-1]["STT"].startswith("Kết quả chung của các trường trên địa bàn phường Hồng Bàng: ")
    assert not any("công tác quản lý, chỉ đạo" in t or "SỞ GD&ĐT" in t for t in texts(workbook["PL2 UB-HB"]))
    # Phụ lục 3: one per inspector, signed by that inspector alone, under their commune's heading.
    [form3] = sheets(workbook, "PL3 ")
    _check_form(form3, [("ỦY BAN NHÂN DÂN", True), ("PHƯỜNG HỒNG BÀNG", True)], "Hồng Bàng",
                {"left": [], "right": ["CÁN BỘ KIỂM TRA", "(Ký, ghi rõ họ tên)", "Trần Văn Đức"]})
    assert [r["Trường được kiểm tra"] for r in table(form3)] == ["Trường Mầm non Hoa Mai"]
    assert "Cán bộ kiểm tra: Trần Văn Đức (UBND phường Hồng Bàng) — Năm học 2026-2027" in texts(form3)


def test_the_appendices_of_schools_under_the_so(engine: Engine, tmp_path: Path) -> None:
    codes = seed_2026(engine, Structure.DIRECT, NOW)
    fill(engine, Structure.DIRECT)
    workbook = _workbook(_dispatcher(engine, tmp_path), codes["SO-01"])
    _check_form(workbook["PL1 MN-HOASEN"], [("SỞ GD&ĐT HẢI PHÒNG", False), ("TRƯỜNG MẦM NON HOA SEN", True)],
                "Hải Phòng", {"left": PREPARER, "right": ["HIỆU TRƯỞNG"]})
    _check_form(workbook["PL2 SO-HP"], [("UBND THÀNH PHỐ HẢI PHÒNG", False), ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", True)],
                "Hải Phòng", {"left": PREPARER, "right": ["GIÁM ĐỐC"]})
    assert table(workbook["PL2 SO-HP"])[-1]["STT"].startswith(
        "Kết quả chung của các trường trực thuộc Sở GD&ĐT Hải Phòng: ")
    [form3] = sheets(workbook, "PL3 ")  # schools cross-inspect each other
    _check_form(form3, [("SỞ GD&ĐT HẢI PHÒNG", False), ("TRƯỜNG MẦM NON SAO MAI", True)], "Hải Phòng",
                {"left": [], "right": ["CÁN BỘ KIỂM TRA", "(Ký, ghi rõ họ tên)", "Lý Thị Thu"]})


def test_the_appendices_of_district_offices(engine: Engine, dispatcher: Dispatcher, city: dict[str, str],
                                            tmp_path: Path) -> None:
    """The 2024-2025 campaign (the notice's structure)."""
    driver = ChatDriver(dispatcher, "ref-so")
    driver.enrol(city["SO-01"])
    [reply] = [r for r in driver.press_action("rp:x") if r.document is not None]
    assert reply.document is not None
    workbook = load_workbook(io.BytesIO(reply.document.content))

    def date_of(sheet: Any) -> str:
        return str(national_heading(sheet)[3].value)

    assert issuing_body(workbook["PL1 MN-HOASEN"]) == [("PHÒNG GD&ĐT QUẬN HỒNG BÀNG", False),
                                                        ("TRƯỜNG MẦM NON HOA SEN", True)]
    assert date_of(workbook["PL1 MN-HOAMAI"]) == "Thủy Nguyên, ngày 10 tháng 12 năm 2024"
    office = workbook["PL2 PGD-HB"]
    assert issuing_body(office) == [("UBND QUẬN HỒNG BÀNG", False), ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", True)]
    assert _signers(office) == {"left": PREPARER, "right": ["TRƯỞNG PHÒNG"]}
    assert date_of(office) == "Hồng Bàng, ngày 10 tháng 12 năm 2024"
    # The notice's own wording for an education office.
    assert table(office)[-1]["STT"].startswith("Đánh giá công tác quản lý, chỉ đạo của Phòng GD&ĐT quận Hồng Bàng")
    forms3 = sheets(workbook, "PL3 ")
    assert [_signers(s)["right"][-1] for s in forms3] == ["Trần Văn Đức", "Ngô Thị Lan"]
    assert [issuing_body(s)[0][0] for s in forms3] == ["UBND QUẬN HỒNG BÀNG", "UBND HUYỆN THỦY NGUYÊN"]


def test_the_roster_columns_reach_the_forms(engine: Engine, tmp_path: Path) -> None:
    """A commune whose Phòng Văn hóa – Xã hội issues the forms, set in the roster workbook's heading columns."""
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    fill(engine, Structure.COMMUNE)
    with UnitOfWork(engine) as uow:
        commune = uow.units.by_code("UB-HB")
        assert commune is not None
        row = UnitRow("UB-HB", commune.name, "district", "SO-HP", position=commune.position, cluster=commune.cluster,
                      heading=UnitHeading(official_name="PHÒNG VĂN HÓA – XÃ HỘI", parent_body="UBND PHƯỜNG HỒNG BÀNG",
                                          signer_authority="", signer_title="TRƯỞNG PHÒNG"))
    path = tmp_path / "danh-sach.xlsx"
    roster_xlsx.write_roster(path, [row], [])
    units, _ = roster_xlsx.read_roster(path)
    assert units[0].heading.official_name == "PHÒNG VĂN HÓA – XÃ HỘI"
    with UnitOfWork(engine) as uow:
        result = apply_roster(uow, units, [], invite_ttl=timedelta(days=1))
    assert result.updated_units == 1
    workbook = _workbook(_dispatcher(engine, tmp_path), codes["SO-01"])
    form2 = workbook["PL2 UB-HB"]
    assert issuing_body(form2) == [("UBND PHƯỜNG HỒNG BÀNG", False), ("PHÒNG VĂN HÓA – XÃ HỘI", True)]
    assert _signers(form2)["right"] == ["TRƯỞNG PHÒNG"]
    # Its schools still print the commune above them (the short name is the committee's).
    assert issuing_body(workbook["PL1 MN-HOASEN"])[0] == ("UBND PHƯỜNG HỒNG BÀNG", False)


@pytest.mark.parametrize("confirmed", [False, True])
def test_the_rubric_assumptions_are_printed_until_the_so_confirms(engine: Engine, tmp_path: Path,
                                                                  confirmed: bool) -> None:
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    fill(engine, Structure.COMMUNE)
    if confirmed:
        with UnitOfWork(engine) as uow:
            campaign = uow.campaigns.active()
            assert campaign is not None
            campaign.rubric_confirmed = True
    form = _workbook(_dispatcher(engine, tmp_path), codes["SO-01"])["PL1 MN-HOASEN"]
    note = [t for t in texts(form) if t.startswith("Ghi chú: bộ tiêu chí")]
    assumed = [t for t in texts(form) if t.startswith("- Điểm từng nội dung")]
    if confirmed:
        assert note == [] and assumed == []
    else:
        assert note == ["Ghi chú: bộ tiêu chí “Bộ tiêu chí mặc định kiểm tra việc sử dụng hồ sơ điện tử, chữ ký số "
                        "trong trường mầm non (2026)” (phiên bản 2026.2) chưa được Sở xác nhận; các nội dung sau là "
                        "giả định của hệ thống:"]
        assert len(assumed) == 1


def test_form_details(engine: Engine, tmp_path: Path) -> None:
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    fill(engine, Structure.COMMUNE)
    workbook = _workbook(_dispatcher(engine, tmp_path), codes["SO-01"])
    rows = table(workbook["PL1 MN-HOASEN"])
    hoasen = {r["STT"]: r for r in rows}
    # The evidence column says what the check proved; the answer says how many files count.
    assert hoasen["10"]["Kết quả kiểm tra chữ ký số"] == (
        "Chữ ký số đúng, văn bản không bị sửa; chưa kiểm tra được trạng thái tạm dừng, thu hồi của chứng thư "
        "chữ ký số; ký ngoài thời điểm kiểm tra lưu hồ sơ")
    assert hoasen["10"]["Ghi chú"] == "1/1 tệp hợp lệ, 0 tệp ký trong thời điểm kiểm tra lưu hồ sơ"
    assert hoasen["10"]["Điểm tự chấm"] == 0
    # Criterion numbers as the chat shows them, the contents as "Nội dung 1 / 2".
    assert [k for k in hoasen if k] == [str(n) for n in range(1, 12)]
    assert [r["Nội dung, tiêu chí"] for r in rows if not r["STT"]][:2] == [
        "Nội dung 1. Thiết lập danh mục hồ sơ điện tử (theo Công văn 140/SGDĐT-GDMN)",
        "Nội dung 2. Sử dụng chữ ký số (trong 6 danh mục hồ sơ đã thiết lập)"]
    assert hoasen["3"]["Ghi chú"] == "Được cấp 20, đã sử dụng 5"
    assert hoasen["4"]["Ghi chú"] == "Không áp dụng (không có người được cấp)"
    assert hoasen["8"]["Ghi chú"] == "Lưu 100 văn bản (10 chỉ có bản giấy), đã ký số 81"
    assert any(t.startswith("Điểm quy đổi về thang 100: 73/96 điểm") for t in texts(workbook["PL1 MN-HOASEN"]))
    form2 = workbook["PL2 UB-HB"]
    assert "Danh mục hồ sơ (/6)" in texts(form2) and "Nội dung 1\n(30 điểm)" in texts(form2)
    summary = workbook["Tổng hợp"]
    assert (summary.page_setup.fitToWidth, summary.page_setup.fitToHeight) == (1, 0)
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert "Phạm vi: toàn thành phố (2 xã/phường)." in texts(summary)


def test_a_province_is_not_a_city(engine: Engine, tmp_path: Path) -> None:
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None
        campaign.issuer, campaign.issuer_parent = "SỞ GIÁO DỤC VÀ ĐÀO TẠO QUẢNG NINH", "UBND TỈNH QUẢNG NINH"
        campaign.place = "Quảng Ninh"
        campaign.notice_no, campaign.notice_date = "45/TB-SGDĐT", date(2026, 11, 20)
    driver = ChatDriver(_dispatcher(engine, tmp_path), "ref-so")
    driver.enrol(codes["SO-01"])
    driver.send("/baocao")
    assert "Phạm vi: toàn tỉnh (2 xã/phường)." in driver.text and "thành phố" not in driver.text
    driver.press("UBND phường Hồng Bàng")
    assert any(b.label == "⬅️ Toàn tỉnh" for r in driver.replies for b in r.flat_buttons)
    workbook = _workbook(_dispatcher(engine, tmp_path), codes["SO-01"])
    assert ("(Kèm theo Thông báo số 45/TB-SGDĐT ngày 20/11/2026 của Sở Giáo dục và Đào tạo Quảng Ninh)"
            in texts(workbook["PL2 UB-HB"]))
