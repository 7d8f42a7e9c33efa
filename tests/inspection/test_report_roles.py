"""/report and its workbook: each role sees exactly its scope, in chat and in the export."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine

from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver, Clock
from tests.inspection.fixtures import add_people, rescore, submit_self
from tests.present import present
from tests.reports.reading import sheets, table, texts

SCHOOLS = {"MN-HOASEN": "Hoa Sen", "MN-SAOMAI": "Sao Mai", "MN-HOAMAI": "Hoa Mai", "MN-TUOITHO": "Tuổi Thơ"}


@pytest.fixture
def city(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> dict[str, str]:
    """Hoa Sen re-scored (B1 lower) and Sao Mai cross-inspected; Hoa Mai submitted; Tuổi Thơ nothing."""
    people = {**codes, **add_people(engine, dispatcher.clock())}
    submit_self(engine, "MN-HOASEN")
    submit_self(engine, "MN-SAOMAI", {"C2": {"option": "full"}})
    submit_self(engine, "MN-HOAMAI", {"D1": {"percent": 50}})
    rescore(engine, "MN-HOASEN", "district", "CB-HB-01", {"B1": 4.0})
    rescore(engine, "MN-SAOMAI", "cross", "CB-TN-01", {"A1": 2.0})
    return people


def chat(dispatcher: Dispatcher, codes: dict[str, str], user: str) -> ChatDriver:
    driver = ChatDriver(dispatcher, f"ref-{user}")
    driver.enrol(codes[user])
    return driver


def unit_id(engine: Engine, code: str) -> int:
    with UnitOfWork(engine) as uow:
        return present(present(uow.units.by_code(code)).id)


def total_of(engine: Engine, code: str, kind: str) -> float | None:
    school = unit_id(engine, code)
    with UnitOfWork(engine) as uow:
        campaign = present(uow.campaigns.active())
        found = uow.submissions.get(present(campaign.id), school, kind)
        return found.total if found is not None else None


def workbook_of(replies: list[Reply]) -> Workbook:
    [reply] = [r for r in replies if r.document is not None]
    assert reply.document is not None and reply.document.file_name.endswith(".xlsx")
    return load_workbook(io.BytesIO(reply.document.content))


def schools_in(workbook: Workbook) -> set[str]:
    """The schools with a Phụ lục 1 form (one sheet each, named by school code)."""
    return {sheet.title.removeprefix("PL1 ") for sheet in sheets(workbook, "PL1 ")}


def names_in(text: str) -> set[str]:
    return {code for code, name in SCHOOLS.items() if name in text}


def test_so_staff_sees_the_city_with_chart_and_workbook(
    engine: Engine, dispatcher: Dispatcher, city: dict[str, str]
) -> None:
    so = chat(dispatcher, city, "SO-01")
    so.send("/report")
    # Summary with its buttons first, then the chart.
    assert so.replies[0].buttons and "Tổng hợp đến" in so.replies[0].text
    [image] = [r for r in so.replies if r.image is not None]
    assert so.replies.index(image) == 1
    assert image.image is not None and image.image.content.startswith(b"\x89PNG")
    text = so.text
    assert "Số trường: 4" in text and "Đã nộp tự đánh giá: 3/4" in text
    assert "Đã chấm lại: 1. Đã kiểm tra chéo: 1." in text
    # Hồng Bàng: Hoa Sen re-scored 68.8, Sao Mai self 76.47 -> 72.64; Thủy Nguyên: Hoa Mai self 68.67.
    assert "Phòng GD&ĐT quận Hồng Bàng: 72,64 — Khá" in text
    assert "Phòng GD&ĐT huyện Thủy Nguyên: 68,67 — Đạt" in text
    assert "Thấp nhất:" not in text  # two units: both are listed already
    labels = [b.label for r in so.replies for b in r.flat_buttons]
    assert any("Hồng Bàng" in label for label in labels) and any("Tải Excel" in label for label in labels)
    so.press("Hồng Bàng")
    assert names_in(so.text) == {"MN-HOASEN", "MN-SAOMAI"}
    # The drill-down's bars are schools, and its caption says so.
    [chart] = [r for r in so.replies if r.image is not None]
    assert chart.text == "Biểu đồ điểm các trường của Phòng GD&ĐT quận Hồng Bàng, với các ngưỡng xếp loại."
    so.press("Hoa Sen")
    assert "Chấm lại: 68,8 điểm (Đạt)" in so.text and "B1: 6,67 / 4 / —" in so.text
    so.send("/baocao")
    so.press("Tải Excel")
    workbook = workbook_of(so.replies)
    assert workbook.sheetnames == ["Tổng hợp", "PL1 MN-HOASEN", "PL1 MN-SAOMAI", "PL1 MN-HOAMAI", "PL1 MN-TUOITHO",
                                   "PL2 PGD-HB", "PL2 PGD-TN", "PL3 1", "PL3 2"]
    assert schools_in(workbook) == set(SCHOOLS)
    assert all(not str(c.value).startswith("=") for s in workbook for row in s.iter_rows() for c in row if c.value)


def test_overdue_and_excluded_schools(engine: Engine, dispatcher: Dispatcher, city: dict[str, str],
                                      clock: Clock) -> None:
    with UnitOfWork(engine) as uow:
        hoamai = present(uow.units.by_code("MN-HOAMAI"))
        hoamai.uses_erecords = False
        uow.session.add(hoamai)
    so = chat(dispatcher, city, "SO-01")
    clock.advance(days=30)  # past the self-assessment due date (29/12/2024)
    so.send("/report")
    assert "Quá hạn tự đánh giá (29/12/2024 23:59): 1 trường: Trường Mầm non Tuổi Thơ" in so.text
    assert "Phòng GD&ĐT huyện Thủy Nguyên: chưa có điểm" in so.text


def test_district_staff_sees_only_their_district(
    engine: Engine, dispatcher: Dispatcher, city: dict[str, str]
) -> None:
    staff = chat(dispatcher, city, "PGD-HB-01")
    staff.send("/report")
    assert names_in(staff.text) == {"MN-HOASEN", "MN-SAOMAI"}
    assert "Thủy Nguyên" not in staff.text
    for action in (f"rp:d:{unit_id(engine, 'PGD-TN')}", f"rp:s:{unit_id(engine, 'MN-HOAMAI')}",
                   f"rp:xd:{unit_id(engine, 'PGD-TN')}"):
        staff.press_action(action)
        assert "không có quyền xem" in staff.text, action
    staff.press_action("rp:x")
    assert schools_in(workbook_of(staff.replies)) == {"MN-HOASEN", "MN-SAOMAI"}


def test_inspector_sees_only_assigned_schools(engine: Engine, dispatcher: Dispatcher, city: dict[str, str]) -> None:
    inspector = chat(dispatcher, city, "CB-TN-01")
    inspector.send("/report")
    assert names_in(inspector.text) == {"MN-SAOMAI", "MN-HOAMAI"}
    inspector.press_action(f"rp:s:{unit_id(engine, 'MN-TUOITHO')}")
    assert "không có quyền xem" in inspector.text
    inspector.press_action(f"rp:s:{unit_id(engine, 'MN-HOASEN')}")
    assert "không có quyền xem" in inspector.text
    inspector.press_action("rp:x")
    workbook = workbook_of(inspector.replies)
    assert schools_in(workbook) == {"MN-SAOMAI", "MN-HOAMAI"}
    # Every cross-inspection of a school in scope, one form per inspector (who signs it), their units in
    # roster order (the demo's of Hoa Mai is not scored yet).
    forms = sheets(workbook, "PL3 ")
    assert [[(r["Đơn vị quản lý trường"], r["Trường được kiểm tra"], r["Kiểm tra chéo"]) for r in table(sheet)]
            for sheet in forms] == [
        [("Phòng GD&ĐT huyện Thủy Nguyên", "Trường Mầm non Hoa Mai", None)],
        [("Phòng GD&ĐT quận Hồng Bàng", "Trường Mầm non Sao Mai", total_of(engine, "MN-SAOMAI", "cross"))],
    ]
    assert ["Trần Văn Đức" in texts(forms[0]), "Ngô Thị Lan" in texts(forms[1])] == [True, True]


def test_principal_sees_only_their_school(engine: Engine, dispatcher: Dispatcher, city: dict[str, str]) -> None:
    principal = chat(dispatcher, city, "HT-HOASEN")
    principal.send("/report")
    assert names_in(principal.text) == {"MN-HOASEN"}
    assert "Hồng Bàng" in principal.text  # the district's name, not its figures
    assert not any(r.image for r in principal.replies)
    for action in (f"rp:s:{unit_id(engine, 'MN-SAOMAI')}", f"rp:d:{unit_id(engine, 'PGD-HB')}",
                   f"rp:xd:{unit_id(engine, 'PGD-HB')}"):
        principal.press_action(action)
        assert "không có quyền xem" in principal.text, action
    principal.send("/baocao")
    principal.press("Phụ lục 1 (Excel)")
    workbook = workbook_of(principal.replies)
    assert workbook.sheetnames == ["PL1 MN-HOASEN"]
