"""The appendices as official forms, read back with openpyxl: the heading, the page setup, the fonts,
the merged headers, and every number against the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.scoring import load_rubric_text, mean_score
from hsdt.storage.models import Unit
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver
from tests.present import present
from tests.reports.reading import sheets, table, texts

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def workbook_for(dispatcher: Dispatcher, codes: dict[str, str], user: str, action: str = "rp:x") -> Any:
    driver = ChatDriver(dispatcher, f"ref-{user}")
    driver.enrol(codes[user])
    replies = driver.press_action(action)
    [reply] = [r for r in replies if r.document is not None]
    assert reply.document is not None
    return load_workbook(io.BytesIO(reply.document.content))


def database(engine: Engine) -> dict[str, Any]:
    """What the forms must say, straight from the tables."""
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None
        version = uow.campaigns.rubric_version(campaign.rubric_version_id)
        rubric = load_rubric_text(present(version).source, source="db")
        units = {u.code: u for u in uow.session.exec(select(Unit)).all()}
        found: dict[str, Any] = {"rubric": rubric, "units": units, "answers": {}, "totals": {}}
        for code, unit in units.items():
            if unit.kind != "school":
                continue
            campaign_id, unit_id = present(campaign.id), present(unit.id)
            for kind in ("self", "district", "cross"):
                found["answers"][(code, kind)] = uow.answers.for_school(campaign_id, unit_id, kind)
                submission = uow.submissions.get(campaign_id, unit_id, kind)
                found["totals"][(code, kind)] = (submission.total if submission is not None
                                                 and submission.status == "submitted" else None)
    return found


def cell_with(sheet: Worksheet, text: str) -> Any:
    return next(c for row in sheet.iter_rows() for c in row if c.value == text)


def right_of(sheet: Worksheet, text: str, steps: int = 1) -> Any:
    cell = cell_with(sheet, text)
    return sheet.cell(row=cell.row, column=cell.column + steps).value


def test_heading_page_setup_fonts_and_merges(engine: Engine, dispatcher: Dispatcher, city: dict[str, str]) -> None:
    workbook = workbook_for(dispatcher, city, "SO-01")
    forms = [s for s in workbook.worksheets if s.title.startswith(("PL1 ", "PL2 ", "PL3 "))]
    assert len(forms) == 4 + 2 + 2
    for sheet in forms:
        # Issuing unit top left (its parent above it, the unit in bold capitals), national heading top right.
        parent, unit = sheet["A1"], sheet["A2"]
        assert unit.value == unit.value.upper() and unit.font.b and not parent.font.b
        assert parent.value == parent.value.upper()
        assert set(sheet["A3"].value) == {"\u2500"}  # the short rule
        right = next(c for c in sheet[1] if c.value == NATION)
        assert right.font.b and sheet.cell(row=2, column=right.column).value == MOTTO
        assert sheet.cell(row=2, column=right.column).font.b
        date_line = sheet.cell(row=4, column=right.column)
        # The issuing unit's own place: the district of the office (its school's, or the inspector's).
        assert date_line.value.endswith(", ngày 10 tháng 12 năm 2024") and date_line.font.i
        assert date_line.value.split(",")[0] in ("Hồng Bàng", "Thủy Nguyên")
        number = sheet.title.split()[0].removeprefix("PL")
        assert sheet["A6"].value == f"Phụ lục {number}" and sheet["A6"].font.b
        assert sheet["A8"].value == ("(Kèm theo Thông báo số ……/TB-SGDĐT-MN ngày ……/……/…… "
                                     "của Sở Giáo dục và Đào tạo Hải Phòng)")
        assert sheet["A8"].font.i
        # A4 landscape, fitted to the page width, header rows repeated, the page number top centre from page 2.
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows and sheet.oddHeader.center.text == "&P" and sheet.HeaderFooter.differentFirst
        # Times New Roman throughout; the table has borders and merged two-level headers.
        assert {c.font.name for row in sheet.iter_rows() for c in row if c.value is not None} == {"Times New Roman"}
        merged = {str(r) for r in sheet.merged_cells.ranges}
        assert f"A1:{chr(ord('A') + right.column - 2)}1" in merged
        first, _, last = sheet.print_title_rows.replace("$", "").partition(":")
        assert int(last) == int(first) + 1  # two header levels
        assert f"A{first}:A{last}" in merged  # STT spans both levels
        header = sheet.cell(row=int(first), column=1)
        assert header.font.b and header.border.left.style == "thin"
        # The signature blocks: whoever prepared the form and the unit's head; on Phụ lục 3 the inspector alone.
        signers = [v for v in texts(sheet) if v in ("NGƯỜI LẬP BIỂU", "HIỆU TRƯỞNG", "CÁN BỘ KIỂM TRA",
                                                       "TRƯỞNG PHÒNG", "THỦ TRƯỞNG ĐƠN VỊ")]
        assert signers == (["CÁN BỘ KIỂM TRA"] if sheet.title.startswith("PL3") else
                           ["NGƯỜI LẬP BIỂU", "TRƯỞNG PHÒNG" if sheet.title.startswith("PL2") else "HIỆU TRƯỞNG"])
        assert texts(sheet).count("(Ký, ghi rõ họ tên)") == 1
        # Never a level the data did not name.
        assert not any("quận/huyện" in t for t in texts(sheet))
    hoasen = workbook["PL1 MN-HOASEN"]
    assert hoasen["A1"].value == "PHÒNG GD&ĐT QUẬN HỒNG BÀNG" and hoasen["A2"].value == "TRƯỜNG MẦM NON HOA SEN"
    assert "HIỆU TRƯỞNG" in texts(hoasen)
    merged = {str(r) for r in hoasen.merged_cells.ranges}
    minh_chung = cell_with(hoasen, "Minh chứng")
    assert f"{minh_chung.coordinate}:{chr(ord(minh_chung.column_letter) + 1)}{minh_chung.row}" in merged
    assert "TRƯỞNG PHÒNG" in texts(workbook["PL2 PGD-HB"])
    assert "CÁN BỘ KIỂM TRA" in texts(workbook["PL3 1"])


def test_every_number_is_the_databases(engine: Engine, dispatcher: Dispatcher, city: dict[str, str]) -> None:
    workbook = workbook_for(dispatcher, city, "SO-01")
    db = database(engine)
    rubric = db["rubric"]
    scored = [c for c in rubric.criteria if c.max_points > 0]
    for sheet in sheets(workbook, "PL1 "):
        code = sheet.title.removeprefix("PL1 ")
        rows = {r["Nội dung, tiêu chí"]: r for r in table(sheet)}
        answers = db["answers"][(code, "self")]
        total = db["totals"][(code, "self")]
        for criterion in scored:
            row = rows[criterion.title]
            assert row["Điểm chuẩn"] == criterion.max_points
            assert row["Điểm tự chấm"] == (answers[criterion.id].points if total is not None else None)
        for group in rubric.groups:
            points = [answers[c.id].points for c in group.criteria if c.max_points > 0 and c.id in answers]
            row_title = f"Nội dung {group.id}. {group.title}"
            if row_title in rows and total is not None:
                assert rows[row_title]["Điểm tự chấm"] == round(sum(points), 2)
        assert rows["TỔNG ĐIỂM"]["Điểm chuẩn"] == rubric.max_points == 100
        assert rows["TỔNG ĐIỂM"]["Điểm tự chấm"] == total
        if total is None:
            assert rows["TỔNG ĐIỂM"]["Minh chứng"] == "Nhà trường chưa nộp phiếu tự đánh giá."
            continue
        assert rows["TỔNG ĐIỂM"]["Minh chứng"] == f"Xếp loại: {_band(rubric, total)}"
        for label, cid in (("Cán bộ quản lý (CBQL)", "B1"), ("Giáo viên (GV)", "B2"), ("Nhân viên (NV)", "B3")):
            value = answers[cid].value
            assert (right_of(sheet, label), right_of(sheet, label, 3)) == (value["issued"], value["used"])
        assert right_of(sheet, "Cộng") == sum(answers[c].value["issued"] for c in ("B1", "B2", "B3"))
        assert right_of(sheet, "Số danh mục hồ sơ điện tử đã thiết lập") == f"{len(answers['A1'].value['options'])}/6"
        assert right_of(sheet, "Số danh mục hồ sơ có văn bản ký số") == f"{len(answers['B4'].value['options'])}/6"
        assert answers["G1"].value["text"] in texts(sheet)
    for sheet in sheets(workbook, "PL2 "):
        district = db["units"][sheet.title.removeprefix("PL2 ")]
        schools = [u for u in db["units"].values() if u.parent_id == district.id]
        listed = table(sheet)
        # ALL the unit's schools, in the roster's order, then the management score.
        assert [r["Tên trường"] for r in listed[:-1]] == [u.name for u in sorted(schools, key=lambda u: u.id)]
        finals: list[float] = []
        for row, unit in zip(listed, sorted(schools, key=lambda u: u.id), strict=False):
            self_total, rescore = db["totals"][(unit.code, "self")], db["totals"][(unit.code, "district")]
            assert (row["Tự đánh giá"], row["Chấm lại"]) == (self_total, rescore)
            final = rescore if rescore is not None else self_total
            assert row["Xếp loại"] == (_band(rubric, final) if final is not None else None)
            if final is not None and unit.uses_erecords:
                finals.append(final)
            answers = db["answers"][(unit.code, "self")]
            if self_total is not None:
                assert row["CBQL"] == f"{answers['B1'].value['issued']}/{answers['B1'].value['used']}"
                assert row["Đã thiết lập"] == f"{len(answers['A1'].value['options'])}/6"
            district_points = db["answers"][(unit.code, "district")]
            for index, group in enumerate(g for g in rubric.groups if any(c.max_points > 0 for c in g.criteria)):
                header = next(h for h in row if h.startswith(f"Nội dung {group.id}\n("))
                expected = [district_points[c.id].points for c in group.criteria if c.id in district_points]
                assert row[header] == (round(sum(expected), 2) if rescore is not None else None), (index, header)
        management = listed[-1]
        assert management["STT"].startswith(f"Đánh giá công tác quản lý, chỉ đạo của {district.name}")
        # The mean says how many schools it rests on and which rule it follows (the 2024-2025 one here).
        assert "trung bình cộng" in management["STT"] and "trung bình của " in management["STT"]
        assert "Điểm chấm lại, nếu chưa có thì điểm tự đánh giá." in management["STT"]
        mean = mean_score(finals)
        assert management["Tự đánh giá"] == (mean if mean is not None else "chưa có")
    cross_rows = [r for sheet in sheets(workbook, "PL3 ") for r in table(sheet)]
    by_school = {r["Trường được kiểm tra"]: r for r in cross_rows}
    for code in ("MN-SAOMAI", "MN-HOAMAI"):
        unit = db["units"][code]
        row = by_school[unit.name]
        cross = db["totals"][(code, "cross")]
        base = db["totals"][(code, "district")] or db["totals"][(code, "self")]
        assert (row["Tự đánh giá"], row["Chấm lại"], row["Kiểm tra chéo"]) == (
            db["totals"][(code, "self")], db["totals"][(code, "district")], cross)
        assert row["Chênh lệch (*)"] == (round(cross - base, 2) if cross is not None else None)
    assert by_school["Trường Mầm non Sao Mai"]["Nhận xét"] == "A1: Nhận xét A1"


def _band(rubric: Any, total: float) -> str:
    from hsdt.scoring import band_for

    return band_for(rubric, total).label


def test_principal_gets_their_own_form_after_submitting(
    engine: Engine, dispatcher: Dispatcher, city: dict[str, str]
) -> None:
    principal = ChatDriver(dispatcher, "ref-principal")
    principal.enrol(city["HT-HOASEN"])
    principal.send("/baocao")
    assert any("Phụ lục 1 (Excel)" in b.label for r in principal.replies for b in r.flat_buttons)
    principal.press("Phụ lục 1 (Excel)")
    [document] = [r.document for r in principal.replies if r.document is not None]
    workbook = load_workbook(io.BytesIO(document.content))
    assert workbook.sheetnames == ["PL1 MN-HOASEN"]
    assert document.file_name.startswith("phu-luc-1-mn-hoasen-")
    # Tuổi Thơ has not submitted: no form yet, and a crafted button says so.
    with UnitOfWork(engine) as uow:
        tuoitho = present(uow.units.by_code("MN-TUOITHO")).id
    other = ChatDriver(dispatcher, "ref-other")
    other.enrol(city["PGD-TN-01"])
    other.press_action(f"rp:f:{tuoitho}")
    assert "sau khi nhà trường nộp phiếu" in other.text
