"""After sending the self-assessment the principal learns what happens next: who re-scores, by when."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.unit_of_work import UnitOfWork
from tests.handlers.test_self_assessment import answer_all, principal


def test_the_confirmation_says_who_rescores_and_by_when(engine: Engine, dispatcher: Dispatcher,
                                                        codes: dict[str, str]) -> None:
    chat = principal(dispatcher, codes)
    answer_all(chat)
    chat.press("Gửi kết quả tự đánh giá")
    chat.press("Đồng ý gửi")
    with UnitOfWork(engine) as uow:
        school = uow.units.by_code("MN-HOASEN")
        assert school is not None and school.parent_id is not None
        office = uow.units.get(school.parent_id)
        campaign = uow.campaigns.active()
    assert office is not None and campaign is not None
    due = campaign.rescore_due.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")
    assert "Đã gửi kết quả tự đánh giá" in chat.text
    assert f"cán bộ kiểm tra của {office.name} sẽ xem minh chứng và chấm lại" in chat.text
    assert f"chậm nhất ngày {due}" in chat.text
