"""A chat without buttons reads "gõ" where one with buttons reads "bấm" (the handlers pick the typed variant
through `ctx.typed`), and the answer line of a sample PDF says how many valid files were signed inside the
record period, so that "1/2 valid — 0 points" no longer reads as a contradiction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_bot.translate import CAPABILITIES as ZALO_CAPABILITIES
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.scoring import EvidenceCount, default_rubric_path, load_rubric, score_criterion
from hsdt.scoring.summary import summarise
from hsdt.services.invites import issue_invite
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import inspection, typed
from hsdt.texts import rubric as rt
from hsdt.texts.levels import Structure
from tests.helpers import ChatDriver, Clock
from tests.reports.demo2026 import seed_2026, submit

NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


def _dispatcher(engine: Engine, tmp_path: Path) -> Dispatcher:
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=Clock(NOW),
                            router=build_router())
    dispatcher.declare("zalo", ZALO_CAPABILITIES, ZaloMenus())  # Zalo has no buttons: numbered menus
    return dispatcher


def _reach_criterion_5_with_nothing_set_up(chat: ChatDriver) -> None:
    chat.send("/tudanhgia")
    for typed_answer in ("0", "2/2", "20/5", "0/0"):  # criterion 1: none set up
        chat.send(typed_answer)


def test_a_rule_that_leaves_nothing_to_choose_says_type_or_press(engine: Engine, tmp_path: Path) -> None:
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    dispatcher = _dispatcher(engine, tmp_path)
    on_zalo = ChatDriver(dispatcher, "z-1", channel="zalo")
    on_zalo.enrol(codes["HT-HOASEN"])
    _reach_criterion_5_with_nothing_set_up(on_zalo)
    assert typed.OPTIONS_NONE_ALLOWED.format(other="1") in on_zalo.text and "bấm" not in on_zalo.text
    # The same person's chat with buttons resumes at that question and reads "bấm".
    on_telegram = ChatDriver(dispatcher, "t-1", channel="telegram")
    on_telegram.enrol(_fresh_invite(engine, "HT-HOASEN"))
    on_telegram.send("/tudanhgia")
    assert rt.OPTIONS_NONE_ALLOWED.format(other="1") in on_telegram.text


def test_the_inspectors_instructions_on_a_chat_without_buttons(engine: Engine, tmp_path: Path) -> None:
    codes = seed_2026(engine, Structure.COMMUNE, NOW)
    submit(engine, "MN-HOASEN")
    dispatcher = _dispatcher(engine, tmp_path)
    for channel, expected in (("zalo", typed.HOW), ("telegram", inspection.HOW)):
        chat = ChatDriver(dispatcher, f"{channel}-inspector", channel=channel)
        chat.enrol(_fresh_invite(engine, "CB-HB-01") if channel == "telegram" else codes["CB-HB-01"])
        chat.send("/chamdiem")
        if channel == "zalo":
            chat.press("Hoa Sen")
        # (The second chat of the same person resumes at that question: the state is the person's.)
        assert expected.format(max="30") in chat.text, chat.text
        if channel == "zalo":
            assert "bấm" not in chat.text


def _fresh_invite(engine: Engine, user_code: str) -> str:
    """A second chat of the same person (as after linking accounts)."""
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code(user_code)
        assert user is not None
        return issue_invite(uow, user, NOW, timedelta(days=1)).code


def test_the_evidence_line_says_how_many_valid_files_were_signed_in_the_period() -> None:
    criterion = load_rubric(default_rubric_path()).criterion("10")
    outside = EvidenceCount(valid=1, total=2, in_period=0, in_period_proven=0)
    assert summarise(criterion, outside) == (
        "1/2 tệp có chữ ký số hợp lệ, trong đó 0 tệp ký trong thời điểm kiểm tra lưu hồ sơ")
    assert score_criterion(criterion, outside) == 0
    inside = EvidenceCount(valid=1, total=2, in_period=1, in_period_proven=0)
    assert summarise(criterion, inside).endswith("trong đó 1 tệp ký trong thời điểm kiểm tra lưu hồ sơ")
    assert score_criterion(criterion, inside) == 4
