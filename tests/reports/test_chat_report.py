"""The chat report's wording: "Thấp nhất:" only when it picks some units out, a draft school shows no
partial points, and units follow the roster's order, not the alphabet."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.scoring import read_value
from hsdt.scoring.assessment import AssessmentKind
from hsdt.services.roster import UnitRow, apply_roster
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver
from tests.inspection.fixtures import ANSWERS, _campaign_and_rubric, submit_self
from tests.present import present


def so_chat(dispatcher: Dispatcher, codes: dict[str, str]) -> ChatDriver:
    driver = ChatDriver(dispatcher, "ref-so")
    driver.enrol(codes["SO-01"])
    return driver


def test_lowest_units_and_roster_order(engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    # Two more units after the demo's, named so that the alphabet would put them first.
    with UnitOfWork(engine) as uow:
        apply_roster(uow, [UnitRow("PX-AN", "UBND phường An Biên", "district", "SO-HP"),
                           UnitRow("MN-AN", "Trường Mầm non An Biên", "school", "PX-AN"),
                           UnitRow("PX-BA", "UBND phường Ba Đình", "district", "SO-HP"),
                           UnitRow("MN-BA", "Trường Mầm non Ba Đình", "school", "PX-BA")],
                     [], invite_ttl=timedelta(days=1), now=dispatcher.clock())
    for code, changes in (("MN-HOASEN", {}), ("MN-HOAMAI", {"D1": {"percent": 50}}),
                          ("MN-AN", {"C1": {"option": "none"}}), ("MN-BA", {"C2": {"option": "full"}})):
        submit_self(engine, code, changes)
    so = so_chat(dispatcher, codes)
    so.send("/report")
    text = so.text
    order = [text.index(name) for name in ("Hồng Bàng:", "Thủy Nguyên:", "An Biên:", "Ba Đình:")]
    assert order == sorted(order)  # the roster's order
    [lowest] = [line for line in text.splitlines() if line.startswith("Thấp nhất:")]
    assert lowest.count("(") == 3 and "An Biên" in lowest and "Ba Đình" not in lowest
    labels = [b.label for b in so.replies[0].flat_buttons]
    assert labels[:4] == ["🏢 Phòng GD&ĐT quận Hồng Bàng", "🏢 Phòng GD&ĐT huyện Thủy Nguyên",
                          "🏢 UBND phường An Biên", "🏢 UBND phường Ba Đình"]
    assert "Phòng GD&ĐT" not in text.split("\n")[2]  # the scope line names no level the data did not


def test_a_draft_school_shows_no_partial_points(engine: Engine, dispatcher: Dispatcher,
                                                codes: dict[str, str]) -> None:
    with UnitOfWork(engine) as uow:
        campaign, rubric = _campaign_and_rubric(uow)
        school = uow.units.by_code("MN-SAOMAI")
        principal = uow.users.by_code("HT-HOASEN")
        assert school is not None and school.id is not None and principal is not None and principal.id is not None
        campaign_id = present(campaign.id)
        draft = uow.assessments.load(campaign_id, school.id, AssessmentKind.SELF, rubric, now=dispatcher.clock())
        for cid in ("A1", "B1"):
            draft.answer(cid, read_value(ANSWERS[cid]), by=principal.id, at=dispatcher.clock())
        uow.assessments.save(draft, channel="test", event_id="draft")
    so = so_chat(dispatcher, codes)
    so.send("/report")
    so.press("Hồng Bàng")
    assert "Trường Mầm non Sao Mai: tự đánh giá đang làm, chưa nộp" in so.text
    so.press("Sao Mai")
    assert "Tự đánh giá: đang làm, chưa nộp" in so.text
    assert "điểm từng tiêu chí và tổng điểm có sau khi nhà trường nộp phiếu" in so.text
    assert "A1:" not in so.text and "B1:" not in so.text
