"""Two campaigns active at once, each with its own schools, rubric and calendar, on SQLite and PostgreSQL:
the 2024-2025 inspection of every demo school (A) and a re-inspection (B) of Hoa Sen and a school of its
own, with the 2026 rubric. A principal in both is asked once which one, works in the chosen one, switches
with /doidot; reports, the dashboard and reminders of one never show the other's schools or answers."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.actions import campaign as campaign_actions
from hsdt.channels import numbered
from hsdt.events import Capabilities, Incoming, Kind
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.reminders.calendar import ReminderKind
from hsdt.reminders.engine import decide, fire, load_calendar, load_calendars
from hsdt.reminders.scheduler import Runtime, make_scheduler, sync_jobs
from hsdt.scoring import default_rubric_path, load_rubric_text
from hsdt.services.campaigns import (
    close_campaign,
    install_rubric,
    open_campaign,
    plan_for_school_year,
    use_campaign,
)
from hsdt.services.demo import demo_units
from hsdt.services.roster import UnitRow, UserRow, apply_roster
from hsdt.storage.models import Answer, Campaign, OutboxMessage
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import campaigns as ct
from hsdt.texts.levels import Structure
from tests.dashboard.support import COOKIE, dashboard_dispatcher, path_of, person, sign_in, web_app
from tests.helpers import ChatDriver, Clock
from tests.present import present

TZ = "Asia/Ho_Chi_Minh"
A, B = "HSDT-2024", "TAI-KT-2024"
PRINCIPAL = "HT-HOASEN"
B_ONLY = "MN-BINHMINH"


def open_second(engine: Engine, clock: Clock) -> dict[str, str]:
    """Campaign B beside the seeded A: the Sở, Hồng Bàng, Hoa Sen and a school only B has, with its
    principal; its own rubric and its own (earlier) self-assessment due date. Returns B's invite codes."""
    source = default_rubric_path().read_text(encoding="utf-8")
    plan = replace(plan_for_school_year(2024, TZ, structure=Structure.DISTRICT), code=B,
                   name="Kiểm tra lại việc sử dụng hồ sơ điện tử năm học 2024-2025",
                   self_assessment_due=datetime(2024, 12, 20, 17, 0, tzinfo=ZoneInfo(TZ)).astimezone(UTC))
    rows = {u.code: u for u in demo_units(Structure.DISTRICT)}
    with UnitOfWork(engine) as uow:
        rubric = install_rubric(uow, load_rubric_text(source, source="2026"), source)
        campaign, _ = open_campaign(uow, plan, rubric)
        units = [rows["SO-HP"], rows["PGD-HB"], rows["MN-HOASEN"],
                 UnitRow(B_ONLY, "Trường Mầm non Bình Minh", "school", "PGD-HB", position=20)]
        result = apply_roster(uow, units, [UserRow("HT-BINHMINH", "Vũ Thị Lan", "principal", B_ONLY)],
                              invite_ttl=timedelta(days=30), now=clock(), campaign=campaign)
    return {user.code: code for user, code, _ in result.invites}


def campaign_id(engine: Engine, code: str) -> int:
    with UnitOfWork(engine) as uow:
        return present(present(uow.campaigns.by_code(code)).id)


def working_in(engine: Engine, user_code: str) -> str | None:
    """The campaign the user's last turn ran in, as its conversation state records it."""
    with UnitOfWork(engine) as uow:
        user = present(uow.users.by_code(user_code))
        data = uow.conversations.load_for_update(present(user.id)).data
        campaign = uow.campaigns.get(data["campaign"]) if "campaign" in data else None
        return campaign.code if campaign is not None else None


def in_questionnaire(chat: ChatDriver, engine: Engine, user_code: str, campaign: str) -> bool:
    return "Tự đánh giá — Tiêu chí" in chat.text and working_in(engine, user_code) == campaign


def answers_by_campaign(engine: Engine, school: str) -> dict[int, set[str]]:
    with UnitOfWork(engine) as uow:
        unit = present(uow.units.by_code(school))
        rows = uow.session.exec(select(Answer).where(Answer.school_id == unit.id, Answer.kind == "self")).all()
        found: dict[int, set[str]] = {}
        for row in rows:
            found.setdefault(row.campaign_id, set()).add(row.criterion_id)
        return found


def answer_first_question(chat: ChatDriver) -> None:
    """Tick the first option of the question on screen (and confirm, for a multiple choice)."""
    options = [b.action for r in chat.replies for b in r.flat_buttons if b.action.startswith(("sa:o:", "sa:t:"))]
    assert options, chat.text
    chat.press_action(options[0])
    done = [b.action for r in chat.replies for b in r.flat_buttons if b.action.startswith("sa:d")]
    if done:
        chat.press_action(done[0])


@pytest.fixture
def both(engine: Engine, clock: Clock, codes: dict[str, str]) -> dict[str, str]:
    return {**codes, **open_second(engine, clock)}


def test_a_principal_in_both_is_asked_once_and_works_in_the_chosen_one(
    engine: Engine, dispatcher: Dispatcher, both: dict[str, str]
) -> None:
    with UnitOfWork(engine) as uow:
        assert [c.code for c in uow.campaigns.active_all()] == [A, B]  # side by side
    a_id, b_id = campaign_id(engine, A), campaign_id(engine, B)
    principal = ChatDriver(dispatcher, "ref-hoasen")
    principal.enrol(both["HT-HOASEN"])

    # Help needs no campaign and lists the switch; anything else first asks which campaign.
    principal.send("/huongdan")
    assert "/doidot — Chọn đợt kiểm tra để làm việc" in principal.text and "đang tham gia" not in principal.text
    principal.send("/tudanhgia")
    assert "đang tham gia 2 đợt kiểm tra" in principal.text and "(mã TAI-KT-2024)" in principal.text
    assert {b.label for r in principal.replies for b in r.flat_buttons} == {A, B}
    principal.press(B)
    assert ct.CHOSEN.format(name=principal.replies[0].text.split("“")[1].split("”")[0], code=B) in principal.text

    # Answers go to B, with B's rubric.
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, PRINCIPAL, B)
    answer_first_question(principal)
    assert set(answers_by_campaign(engine, "MN-HOASEN")) == {b_id}

    # Not asked again; the menu offers the switch.
    principal.send("/danhmuc")
    assert "đang tham gia 2 đợt" not in principal.text
    assert ct.BTN_SWITCH in [b.label for r in principal.replies for b in r.flat_buttons]

    # /doidot switches: A's rubric, A's answers.
    principal.send("/doidot")
    assert "— đang chọn" in principal.text
    principal.press(A)
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, PRINCIPAL, A)
    answer_first_question(principal)
    found = answers_by_campaign(engine, "MN-HOASEN")
    assert set(found) == {a_id, b_id} and len(found[b_id]) == 1 and len(found[a_id]) == 1

    # A campaign the unit is not in (a third one, or no campaign at all) is not found; nothing changes.
    with UnitOfWork(engine) as uow:
        fields = present(uow.campaigns.get(b_id)).model_dump(exclude={"id", "code"})
        other = uow.campaigns.add(Campaign(**fields, code="KHAC"))
        other_id = present(other.id)
    for stranger in (other_id, 999_999):
        principal.press_action(campaign_actions.Choose(stranger).pack())
        assert ct.CHOICE_NOT_FOUND in principal.text
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, PRINCIPAL, A)

    # A chosen campaign that closes falls back to the rule: Hoa Sen is then in B only, nothing asked.
    with UnitOfWork(engine) as uow:
        close_campaign(uow, A)
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, PRINCIPAL, B) and "đang tham gia" not in principal.text
    # Reopened, the stored choice (A) holds again.
    with UnitOfWork(engine) as uow:
        use_campaign(uow, A, reopen=True)
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, PRINCIPAL, A) and "đang tham gia" not in principal.text


def test_a_principal_in_one_campaign_is_never_asked(engine: Engine, dispatcher: Dispatcher,
                                                     both: dict[str, str]) -> None:
    principal = ChatDriver(dispatcher, "ref-binhminh")
    principal.enrol(both["HT-BINHMINH"])
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, "HT-BINHMINH", B) and "đang tham gia" not in principal.text
    principal.send("/doidot")
    assert ct.ONLY_ONE.split("“")[0] in principal.text
    # A button naming A (which its unit is not in) is not found.
    principal.press_action(campaign_actions.Choose(campaign_id(engine, A)).pack())
    assert ct.CHOICE_NOT_FOUND in principal.text
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, "HT-BINHMINH", B)


def test_reports_of_one_campaign_never_show_the_others_schools(engine: Engine, dispatcher: Dispatcher,
                                                               both: dict[str, str]) -> None:
    so = ChatDriver(dispatcher, "ref-so")
    so.enrol(both["SO-01"])
    so.send("/baocao")  # the Sở takes part in both: asked first
    assert "đang tham gia 2 đợt kiểm tra" in so.text
    so.press(B)

    def shown() -> str:  # the summary and its buttons (one per school)
        return "\n".join([so.text, *(b.label for r in so.replies for b in r.flat_buttons)])

    so.send("/baocao")
    assert "Kiểm tra lại" in so.text and "Số trường: 2" in so.text and "Thủy Nguyên" not in so.text
    assert "Bình Minh" in shown() and "Hoa Sen" in shown() and "Sao Mai" not in shown()
    so.send("/doidot")
    so.press(A)
    so.send("/baocao")
    assert "Số trường: 4" in so.text and "Thủy Nguyên" in so.text and "Bình Minh" not in shown()
    so.press("Hồng Bàng")  # A's Hồng Bàng: its own schools, not B's Bình Minh
    assert "Hoa Sen" in shown() and "Bình Minh" not in shown()


async def test_the_dashboard_stays_inside_a_campaign(engine: Engine, clock: Clock, tmp_path: Path,
                                                     both: dict[str, str]) -> None:
    dispatcher, _ = dashboard_dispatcher(engine, clock, tmp_path)
    so = person(dispatcher, both, "SO-01")
    so.chat.send("/doidot")
    so.chat.press(B)
    lone = person(dispatcher, both, "HT-BINHMINH")
    # Hoa Sen answers its first question in B only.
    hoasen = person(dispatcher, both, PRINCIPAL)
    hoasen.chat.send("/tudanhgia")
    hoasen.chat.press(B)
    hoasen.chat.send("/tudanhgia")
    answer_first_question(hoasen.chat)
    assert set(answers_by_campaign(engine, "MN-HOASEN")) == {campaign_id(engine, B)}
    async with TestClient(TestServer(web_app(engine, dispatcher, tmp_path, clock, "http://bot.example"))) as client:
        # The link asked for in the chat opens the pages on the campaign chosen there (either one, so one of
        # them is not the newest, which the pages open on otherwise), and only on one the user may see.
        async def schools_after_sign_in(link_path: str) -> tuple[bool, bool]:
            """(A's school shown, B's school shown) on the schools page of the session the link opens."""
            signed_in = await client.post(link_path, allow_redirects=False)
            assert signed_in.status == 303
            cookies = {name: morsel.value for name, morsel in signed_in.cookies.items()}
            client.session.cookie_jar.clear()
            html = await (await client.get("/bang-dieu-khien/truong", cookies=cookies)).text()
            return "Sao Mai" in html, "Bình Minh" in html

        for chosen, shown in ((A, (True, False)), (B, (False, True))):
            so.chat.send("/doidot")
            so.chat.press(chosen)
            link = path_of(so.link())
            assert link.endswith(f"?dot={chosen}")
            assert await schools_after_sign_in(link) == shown, chosen
        newest = await schools_after_sign_in(path_of(so.link()).split("?")[0])
        assert await schools_after_sign_in(path_of(so.link()).replace(f"?dot={B}", "?dot=KHONG-CO")) == newest
        assert "?dot=" not in person(dispatcher, both, "HT-BINHMINH").link()  # in one campaign: no choice
        token = await sign_in(client, so)

        async def page(path: str, extra: dict[str, str] | None = None) -> tuple[int, str]:
            response = await client.get(f"/bang-dieu-khien{path}", cookies={COOKIE: token, **(extra or {})},
                                        allow_redirects=False)
            return response.status, await response.text()

        status, html = await page("/truong?dot=" + B)
        assert status == 200 and "Bình Minh" in html and "Sao Mai" not in html
        assert f'href="/bang-dieu-khien/dot/{A}"' in html  # the chooser: both campaigns
        status, html = await page("/truong?dot=" + A)
        assert status == 200 and "Sao Mai" in html and "Bình Minh" not in html
        # A school of B is not a page of A.
        with UnitOfWork(engine) as uow:
            b_school = present(present(uow.units.by_code(B_ONLY)).id)
        status, _ = await page(f"/truong/{b_school}?dot={A}")
        assert status == 404
        status, html = await page(f"/truong/{b_school}?dot={B}")
        assert status == 200 and "Bình Minh" in html
        # Hoa Sen's answer in B shows on B's page of the school, never on A's.
        with UnitOfWork(engine) as uow:
            hoasen_id = present(present(uow.units.by_code("MN-HOASEN")).id)
        _, in_b = await page(f"/truong/{hoasen_id}?dot={B}")
        _, in_a = await page(f"/truong/{hoasen_id}?dot={A}")
        answer = re.search(r'<tr data-criterion="1">.*?<span class="answer">(.*?)</span>', in_b, re.S)
        assert answer is not None and answer.group(1).strip()
        assert 'data-criterion="A1"' in in_a and 'data-criterion="1"' not in in_a
        first_a = re.search(r'<tr data-criterion="A1">.*?<span class="answer">(.*?)</span>', in_a, re.S)
        assert first_a is not None and first_a.group(1).strip() != answer.group(1).strip()
        assert 'data-col="criterion">1<' in in_b and 'data-col="criterion">1<' not in in_a  # the audit trail
        # The chooser remembers the campaign; a code the user cannot see is not found.
        response = await client.get(f"/bang-dieu-khien/dot/{B}", cookies={COOKIE: token}, allow_redirects=False)
        assert response.status == 303
        remembered = response.cookies["hsdt_dot"].value
        status, html = await page("/truong", {"hsdt_dot": remembered})
        assert "Bình Minh" in html and "Sao Mai" not in html
        for hidden in ("KHONG-CO", "HSDT-2023"):
            status, _ = await page(f"/?dot={hidden}")
            assert status == 404
            response = await client.get(f"/bang-dieu-khien/dot/{hidden}", cookies={COOKIE: token},
                                        allow_redirects=False)
            assert response.status == 404

        # A principal of B only: no chooser, and A is not found.
        client.session.cookie_jar.clear()
        lone_token = await sign_in(client, lone)
        response = await client.get("/bang-dieu-khien/", cookies={COOKIE: lone_token})
        html = await response.text()
        assert response.status == 200 and "/bang-dieu-khien/dot/" not in html
        response = await client.get(f"/bang-dieu-khien/?dot={A}", cookies={COOKIE: lone_token})
        assert response.status == 404


async def test_reminders_follow_each_campaigns_own_calendar(engine: Engine, dispatcher: Dispatcher, clock: Clock,
                                                            both: dict[str, str]) -> None:
    chats = {code: ChatDriver(dispatcher, ref) for code, ref in (("HT-HOASEN", "ref-hoasen"),
                                                                  ("HT-BINHMINH", "ref-binhminh"))}
    for code, chat in chats.items():
        chat.enrol(both[code])
    a_id, b_id = campaign_id(engine, A), campaign_id(engine, B)
    with UnitOfWork(engine) as uow:
        calendars = {cal.campaign_id: cal for cal in load_calendars(uow, TZ)}
        hoasen, binhminh = (present(present(uow.users.by_code(c)).id) for c in ("HT-HOASEN", "HT-BINHMINH"))
    assert set(calendars) == {a_id, b_id}
    due = {cid: [r for r in cal.reminders() if r.kind == ReminderKind.SELF_ASSESSMENT]
           for cid, cal in calendars.items()}
    zone = ZoneInfo(TZ)
    assert {r.due.astimezone(zone).date().isoformat() for r in due[b_id]} == {"2024-12-20"}
    assert {r.due.astimezone(zone).date().isoformat() for r in due[a_id]} == {"2024-12-29"}
    assert all(r.id.startswith(f"c{b_id}:") for r in calendars[b_id].reminders())

    # Each reminder reaches its own campaign's schools only.
    first_b, first_a = due[b_id][0], due[a_id][0]
    with UnitOfWork(engine) as uow:
        b_users = {n.user_id for n in decide(uow, calendars[b_id], first_b, first_b.fire_at, RubricCache()).send}
        a_users = {n.user_id for n in decide(uow, calendars[a_id], first_a, first_a.fire_at, RubricCache()).send}
        uow.session.rollback()
    assert {hoasen, binhminh} <= b_users and binhminh not in a_users and hoasen in a_users
    result = fire(engine, first_b.id, first_b.fire_at, TZ, RubricCache())
    assert result.status == "sent" and result.enqueued == len(b_users)
    with UnitOfWork(engine) as uow:
        queued = {row.user_id: row.replies[0] for row in uow.session.exec(select(OutboxMessage)).all()}
        assert uow.reminders.fired_ids(b_id) == {first_b.id} and uow.reminders.fired_ids(a_id) == set()
    assert set(queued) == b_users
    # The reminder says its campaign, and its first button works in it (Hoa Sen is in both).
    reminder = queued[hoasen]
    assert f"Đợt kiểm tra: “Kiểm tra lại việc sử dụng hồ sơ điện tử năm học 2024-2025” (mã {B})" in reminder["text"]
    action = reminder["buttons"][0][0][1]
    assert action == campaign_actions.Choose(b_id).pack()
    chats["HT-HOASEN"].press_action(action)
    chats["HT-HOASEN"].send("/tudanhgia")
    assert in_questionnaire(chats["HT-HOASEN"], engine, PRINCIPAL, B)

    # The scheduler plans both campaigns' reminders; B's fired one is not planned again.
    with UnitOfWork(engine) as uow:
        cal_b = present(load_calendar(uow, TZ, b_id))
    scheduler = make_scheduler(engine, Runtime(engine, TZ, RubricCache(), clock))
    scheduler.start(paused=True)
    try:
        synced = sync_jobs(scheduler, engine, TZ, clock())
        planned = {job.id for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert len(synced.calendars) == 2
    assert any(j.startswith(f"c{a_id}:") for j in planned) and any(j.startswith(f"c{b_id}:") for j in planned)
    assert first_b.id not in planned and {r.id for r in cal_b.reminders() if r.fire_at > clock()} - {
        first_b.id} <= planned


def test_campaign_kept_unchanged_by_another(engine: Engine, both: dict[str, str]) -> None:
    """Opening or using one campaign leaves the others active; closing is explicit."""
    with UnitOfWork(engine) as uow:
        use_campaign(uow, B)
        assert {c.code for c in uow.campaigns.active_all()} == {A, B}
        close_campaign(uow, B)
        assert [c.code for c in uow.campaigns.active_all()] == [A]
        assert isinstance(uow.campaigns.by_code(B), Campaign)


def test_a_chat_without_buttons_types_the_number_of_the_campaign(engine: Engine, dispatcher: Dispatcher,
                                                                 both: dict[str, str]) -> None:
    """On Zalo the choice is a numbered list: the user types the number, the channel turns it into the
    option's action (`channels/numbered.py`), as for every screen."""
    dispatcher.declare("zalo", Capabilities(has_buttons=False))
    principal = ChatDriver(dispatcher, "zalo-hoasen", channel="zalo")
    principal.enrol(both[PRINCIPAL])
    principal.send("/tudanhgia")
    assert "gõ số của đợt" in principal.text and "bấm" not in principal.text
    screen = numbered.last_options(principal.replies)
    assert screen is not None
    assert screen["1"].label == (
        f"Kiểm tra lại việc sử dụng hồ sơ điện tử năm học 2024-2025 (mã {B})")  # the newest first
    chosen = numbered.resolve("1", screen)
    assert chosen is not None
    principal.press_action(chosen.action)
    principal.send("/tudanhgia")
    assert in_questionnaire(principal, engine, PRINCIPAL, B)


def flow_of(engine: Engine, user_code: str) -> str:
    with UnitOfWork(engine) as uow:
        user = present(uow.users.by_code(user_code))
        return uow.conversations.load_for_update(present(user.id)).flow


def test_a_questionnaire_begun_before_a_second_campaign_opened_stays_in_its_campaign(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str], clock: Clock
) -> None:
    principal = ChatDriver(dispatcher, "ref-hoasen")
    principal.enrol(codes[PRINCIPAL])
    principal.send("/tudanhgia")
    answer_first_question(principal)
    assert flow_of(engine, PRINCIPAL) == "sa" and working_in(engine, PRINCIPAL) == A
    open_second(engine, clock)
    principal.send("Xin chào")  # B opened: which campaign is asked first, the questionnaire kept
    assert "đang tham gia 2 đợt kiểm tra" in principal.text
    assert flow_of(engine, PRINCIPAL) == "sa" and working_in(engine, PRINCIPAL) == A
    principal.press(A)
    assert flow_of(engine, PRINCIPAL) == "sa"
    principal.send("/tudanhgia")
    assert "Tiêu chí 2/12" in principal.text and in_questionnaire(principal, engine, PRINCIPAL, A)
    # Switching leaves A's questionnaire (its answers stay in A); B starts at its own first question.
    principal.send("/doidot")
    principal.press(B)
    assert flow_of(engine, PRINCIPAL) == "idle"
    principal.send("/tudanhgia")
    assert "Tiêu chí 1/12" in principal.text and in_questionnaire(principal, engine, PRINCIPAL, B)
    assert set(answers_by_campaign(engine, "MN-HOASEN")) == {campaign_id(engine, A)}


def test_a_file_is_checked_against_its_campaigns_record_period(engine: Engine, dispatcher: Dispatcher,
                                                               both: dict[str, str]) -> None:
    with UnitOfWork(engine) as uow:
        b = present(uow.campaigns.by_code(B))
        b.record_start, b.record_end = date(2024, 10, 1), date(2024, 11, 30)
        uow.session.add(b)
    principal = ChatDriver(dispatcher, "ref-hoasen")
    principal.enrol(both[PRINCIPAL])
    event = Incoming(channel="test", user_ref="ref-hoasen", event_id="file-1", kind=Kind.DOCUMENT)
    for code, period in ((B, (date(2024, 10, 1), date(2024, 11, 30))), (A, (date(2024, 9, 1), date(2024, 12, 31)))):
        principal.send("/doidot")
        principal.press(code)
        found = dispatcher.intake.seal_of(event)[2]
        assert found is not None and (found.start, found.end) == period
