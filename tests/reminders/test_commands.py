"""/lich, /tatnhac, /batnhac in chat; `hsdt campaign` and `hsdt remind --dry-run` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.app.bootstrap import prepare_database
from hsdt.cli.main import main
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import OutboxMessage
from hsdt.storage.reminder_models import FiredReminder, ReminderMute
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import seed
from tests.helpers import ChatDriver
from tests.present import present
from tests.reminders.conftest import user_id


def test_everyone_sees_the_calendar_in_local_dates(people: dict[str, ChatDriver]) -> None:
    for driver in people.values():
        driver.send("/lich")
        text = driver.text
        assert "Hạn nộp phiếu tự đánh giá: 29/12/2024 23:59" in text
        assert "Ngày kiểm tra: 30/12/2024 – 31/12/2024" in text
        assert "Hạn cuối gửi kết quả về Sở: 06/01/2025 23:59" in text
        assert "7, 3, 1 ngày, lúc 08:00" in text and "từ 21:00 đến 07:00" in text
        assert "Nhắc việc tiếp theo: 22/12/2024 08:00" in text


def test_mute_and_unmute(engine: Engine, people: dict[str, ChatDriver]) -> None:
    principal = people["HT-HOASEN"]
    principal.send("/tatnhac")
    assert "Đã tắt nhắc việc" in principal.text and "06/01/2025 23:59" in principal.text
    principal.send("/tatnhac")
    assert "đã tắt từ trước" in principal.text
    principal.send("/lich")
    assert "Thầy/Cô đã tắt nhắc việc" in principal.text
    principal.send("/batnhac")
    assert "Đã bật lại" in principal.text
    principal.send("/batnhac")
    assert "đang bật" in principal.text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(ReminderMute)).all() == []
    assert user_id(engine, "HT-HOASEN")


def test_strangers_cannot_use_the_commands(dispatcher: Dispatcher) -> None:
    stranger = ChatDriver(dispatcher, "nobody")
    stranger.send("/lich")
    assert "mã mời" in stranger.text.lower()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEED_DEMO", "false")
    monkeypatch.chdir(tmp_path)
    return db


def test_campaign_set_changes_the_calendar_and_refuses_bad_input(cli_env: Path, capsys: pytest.CaptureFixture[str]
                                                                 ) -> None:
    assert main(["campaign", "show"]) == 1  # no campaign is opened for the operator
    assert main(["campaign", "new", "--preset", "2024-2025"]) == 0
    capsys.readouterr()
    assert main(["campaign", "show"]) == 0
    assert "Hạn cuối: 06/01/2025 23:59" in capsys.readouterr().out
    assert main(["campaign", "set", "--self-due", "2024-12-28T17:00", "--inspection", "2024-12-30:2024-12-30",
                 "--offsets", "5,2", "--quiet", "22:00-06:30", "--morning", "07:30", "--by", "SO-01"]) == 0
    out = capsys.readouterr().out
    assert "Hạn nộp tự đánh giá: 28/12/2024 17:00" in out and "Ngày kiểm tra: 30/12/2024 – 30/12/2024" in out
    assert "23/12/2024 07:30  c1:sa:202412281700:5d" in out and "Không gửi nhắc việc: 22:00–06:30" in out
    for bad in (["--offsets", "7,x"], ["--deadline", "2024-12-01T00:00"], ["--quiet", "21:00"],
                ["--inspection", "2025-01-02:2024-12-30"], ["--morning", "25:00"], ["--self-due", "mai"]):
        assert main(["campaign", "set", *bad]) == 1
        assert "chưa thay đổi gì" in capsys.readouterr().err
    assert main(["campaign", "show"]) == 0
    assert "Nhắc trước: 5, 2 ngày, lúc 07:30" in capsys.readouterr().out


def test_remind_dry_run_lists_who_and_why_and_writes_nothing(cli_env: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    engine, _ = prepare_database(Settings(), seed=False)
    seed(engine, utcnow())
    with UnitOfWork(engine) as uow:
        principal_id = present(present(uow.users.by_code("HT-HOASEN")).id)
        uow.identities.bind("telegram", "1", principal_id, None)
        uow.reminders.mute(principal_id)
    assert main(["remind", "--dry-run", "--at", "2024-12-30T09:00"]) == 0
    out = capsys.readouterr().out
    assert "c1:dl:202501062359:7d" in out or "c1:insp:202412302359:morning" in out
    assert "HT-HOASEN" in out and "self-assessment not submitted (0/12 answered)" in out
    assert "PGD-HB-01" in out and "SO-01" in out
    assert main(["remind", "--dry-run", "--at", "2024-12-22T22:00"]) == 0
    assert "Đang trong khung giờ không gửi nhắc việc: tin sẽ gửi lúc 23/12/2024 07:00" in capsys.readouterr().out
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(OutboxMessage)).all() == []
        assert uow.session.exec(select(FiredReminder)).all() == []
    engine.dispose()
