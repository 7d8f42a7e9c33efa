"""Walk the campaign calendar forward with a controllable clock and check who got what.

The scheduler's job function is driven directly: at each planned moment, every reminder due by then
runs, exactly as APScheduler would run it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from hsdt.reminders.engine import fire, load_calendar
from hsdt.reminders.scheduler import Runtime, fire_reminder
from hsdt.scoring.assessment import AssessmentKind
from hsdt.storage.inspection_models import Assignment
from hsdt.storage.models import OutboxMessage
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver, Clock
from tests.inspection.fixtures import rescore, submit_self
from tests.present import present
from tests.reminders.conftest import TZ, user_id

ZONE = ZoneInfo(TZ)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def runtime(engine: Engine, clock: Clock) -> Runtime:
    return Runtime(engine, TZ, RubricCache(), clock)


def fire_due(runtime: Runtime) -> None:
    engine, clock = runtime.engine, runtime.clock
    with UnitOfWork(engine) as uow:
        cal = load_calendar(uow, TZ)
        fired = uow.reminders.fired_ids(present(cal).campaign_id)
    assert cal is not None
    for reminder in cal.reminders():
        if reminder.fire_at <= clock() and reminder.id not in fired:
            fire_reminder(runtime, reminder.id)


def inbox(engine: Engine) -> dict[str, list[OutboxMessage]]:
    """Outbox rows by user code."""
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        codes = {r.user_id: present(uow.users.get(r.user_id)).code for r in rows}
    found: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        found.setdefault(codes[row.user_id], []).append(row)
    return found


def new_since(engine: Engine, seen: dict[str, int]) -> dict[str, list[str]]:
    """Texts queued since the last call, by user code."""
    fresh: dict[str, list[str]] = {}
    for code, rows in inbox(engine).items():
        texts = [r.replies[0]["text"] for r in rows[seen.get(code, 0):]]
        if texts:
            fresh[code] = texts
        seen[code] = len(rows)
    return fresh


def actions(row: OutboxMessage) -> list[str]:
    return [action for line in row.replies[0]["buttons"] for _, action in line]


def test_walking_the_calendar(engine: Engine, clock: Clock, people: dict[str, ChatDriver],
                              runtime: Runtime) -> None:
    ids = {code: user_id(engine, code) for code in people}
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        hoamai = uow.units.by_code("MN-HOAMAI")
        for existing in uow.session.exec(select(Assignment)).all():  # the demo's own; this test sets its own
            uow.session.delete(existing)
        uow.session.flush()
        uow.session.add(Assignment(campaign_id=present(present(campaign).id), inspector_id=ids["CB-HB-01"],
                                   school_id=present(present(hoamai).id), kind=AssessmentKind.CROSS))
    seen: dict[str, int] = {}

    # 22/12 08:00: 7 days before the self-assessment is due: both principals, nobody else.
    clock.now = local(2024, 12, 22, 8, 0)
    fire_due(runtime)
    got = new_since(engine, seen)
    assert set(got) == {"HT-HOASEN", "HT-SAOMAI"}
    assert "còn 7 ngày 15 giờ" in got["HT-HOASEN"][0] and "0/12" in got["HT-HOASEN"][0]
    assert "Trường Mầm non Sao Mai" in got["HT-SAOMAI"][0]
    assert actions(inbox(engine)["HT-HOASEN"][0])[0] == "sa:open"

    # Hoa Sen answers a question; Sao Mai mutes optional reminders.
    hoasen = people["HT-HOASEN"]
    hoasen.send("/tudanhgia")
    hoasen.press(hoasen.replies[-1].flat_buttons[0].label)
    people["HT-SAOMAI"].send("/tatnhac")
    assert "Đã tắt nhắc việc" in people["HT-SAOMAI"].text

    # 26/12: 3 days before: only Hoa Sen, who now sees her progress.
    clock.now = local(2024, 12, 26, 8, 0)
    fire_due(runtime)
    got = new_since(engine, seen)
    assert set(got) == {"HT-HOASEN"}
    assert "còn 3 ngày 15 giờ" in got["HT-HOASEN"][0]

    # Hoa Sen submits: she is done, and is never reminded again.
    submit_self(engine, "MN-HOASEN")
    clock.now = local(2024, 12, 28, 8, 0)
    fire_due(runtime)
    assert new_since(engine, seen) == {}

    # 30/12, first inspection day and 7 days before the final deadline. The final-deadline reminder
    # reaches Sao Mai although she muted; the inspector and the district get theirs; the Sở its digest.
    clock.now = local(2024, 12, 30, 8, 0)
    fire_due(runtime)
    got = new_since(engine, seen)
    assert set(got) == {"HT-SAOMAI", "CB-HB-01", "PGD-HB-01", "SO-01"}
    assert all(len(texts) == 1 for texts in got.values()), "one reminder a day per person"
    assert "hạn cuối" in got["HT-SAOMAI"][0]
    # The principal is told her own deadline, not the managing unit's final one to the Sở (06/01).
    assert "Hạn nộp phiếu tự đánh giá là 29/12/2024 23:59 (đã quá hạn" in got["HT-SAOMAI"][0]
    assert "06/01" not in got["HT-SAOMAI"][0]
    assert "1 trường chưa chấm lại" in got["CB-HB-01"][0] and "Trường Mầm non Hoa Mai" in got["CB-HB-01"][0]
    assert actions(inbox(engine)["CB-HB-01"][0])[0] == "ins:open"
    assert "Sao Mai: chưa nộp phiếu tự đánh giá" in got["PGD-HB-01"][0] and "Hoa Sen" not in got["PGD-HB-01"][0]
    assert "Phiếu tự đánh giá đã nộp: 1/4 trường" in got["SO-01"][0] and "30/12/2024" in got["SO-01"][0]

    # 31/12: the inspection morning is optional: Sao Mai (muted) is skipped.
    clock.now = local(2024, 12, 31, 8, 0)
    fire_due(runtime)
    got = new_since(engine, seen)
    assert set(got) == {"CB-HB-01", "PGD-HB-01", "SO-01"}

    # The inspector re-scores Hoa Mai: no longer reminded; the district still has Sao Mai late.
    rescore(engine, "MN-HOAMAI", "cross", "CB-HB-01", {})
    clock.now = local(2025, 1, 3, 8, 0)
    fire_due(runtime)
    got = new_since(engine, seen)
    assert set(got) == {"HT-SAOMAI", "PGD-HB-01"}
    assert "Hạn nộp phiếu tự đánh giá là 29/12/2024 23:59 (đã quá hạn 4 ngày 8 giờ)" in got["HT-SAOMAI"][0]
    assert "06/01" not in got["HT-SAOMAI"][0]

    # Sao Mai submits: on 05/01 the district has nothing late and nobody is reminded.
    submit_self(engine, "MN-SAOMAI")
    clock.now = local(2025, 1, 5, 8, 0)
    fire_due(runtime)
    assert new_since(engine, seen) == {}

    # Firing any reminder again changes nothing: the dedupe keys and the fired log hold.
    with UnitOfWork(engine) as uow:
        cal = load_calendar(uow, TZ)
    results = [fire(engine, r.id, clock(), TZ, RubricCache()) for r in present(cal).reminders()]
    assert {r.status for r in results} == {"already"}
    assert new_since(engine, seen) == {}
    keys = [r.dedupe_key for rows in inbox(engine).values() for r in rows]
    assert len(keys) == len(set(keys)) == 2 + 1 + 4 + 3 + 2


def test_unenrolled_and_blocked_people_are_not_queued(engine: Engine, clock: Clock, codes: dict[str, str],
                                                      runtime: Runtime) -> None:
    clock.now = local(2024, 12, 22, 8, 0)
    with UnitOfWork(engine) as uow:
        reminder = present(load_calendar(uow, TZ)).reminders()[0]
    result = fire(engine, reminder.id, clock(), TZ, RubricCache())
    assert (result.status, result.enqueued, result.unreachable) == ("sent", 0, 1)


def test_a_reminder_fired_in_quiet_hours_waits_for_the_morning(engine: Engine, clock: Clock,
                                                               people: dict[str, ChatDriver]) -> None:
    # The process was down at 08:00 and came back at 22:30: the reminder is decided now, sent at 07:00.
    clock.now = local(2024, 12, 22, 22, 30)
    with UnitOfWork(engine) as uow:
        reminder = present(load_calendar(uow, TZ)).reminders()[0]
    assert fire(engine, reminder.id, clock(), TZ, RubricCache()).enqueued == 2
    rows = [r for rows in inbox(engine).values() for r in rows]
    assert {r.not_before for r in rows} == {local(2024, 12, 23, 7, 0)}
