"""The assessment rules under concurrency, typed conversation state (and rows of the first release),
and which question a typed answer lands on."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from hsdt.actions import dashboard, menu, prefix_of, reminders, signature_check
from hsdt.actions.questionnaire import Jump, Nav, QuestionScreen, Step
from hsdt.actions.self_assessment import Choose, EvidenceFor
from hsdt.handlers import conversation
from hsdt.handlers.conversation import IdleState, InspectionState, Mode, SelfAssessmentState
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.handlers.ledger import Receipt, turn_of
from hsdt.scoring import AnswerType, CountPair, Criterion, Rescore, load_rubric, read_stored, read_value, score_school
from hsdt.scoring.assessment import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Locked,
    MissingRequired,
    NotReopenable,
    VersionConflict,
)
from hsdt.services.invites import open_invites
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import Answer, AnswerAudit, ConversationState, Role, Submission, Unit, User
from hsdt.storage.unit_of_work import UnitOfWork
from tests.handlers.test_self_assessment import answer_all, principal
from tests.helpers import RUBRIC_2024, ChatDriver
from tests.present import present

NOW = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)


# --- the aggregate's rules (pure) ---------------------------------------------------------------------


def test_assessment_rules() -> None:
    rubric = load_rubric(RUBRIC_2024)
    own = Assessment(rubric=rubric, kind=AssessmentKind.SELF)
    with pytest.raises(MissingRequired):
        own.submit(by=1, at=NOW)
    for criterion in rubric.criteria:
        if criterion.required:
            value = {"B1": {"issued": 10, "used": 5}}.get(criterion.id)
            own.answer(criterion.id, read_value(value or _any_value(criterion)), by=1, at=NOW)
    own.submit(by=1, at=NOW)
    assert own.status is AssessmentStatus.SUBMITTED and own.total == own.current_total()
    with pytest.raises(Locked):
        own.answer("B1", CountPair(issued=10, used=10), by=1, at=NOW)
    own.reopen(at=NOW)
    own.answer("B1", CountPair(issued=10, used=10), by=1, at=NOW)
    with pytest.raises(NotReopenable):
        own.reopen(at=NOW)
    rescore = Assessment(rubric=rubric, kind=AssessmentKind.RESCORE)
    first = rescore.rescore("B1", Rescore(points=5), expected_version=0, by=2, at=NOW)
    with pytest.raises(VersionConflict) as conflict:
        rescore.rescore("B1", Rescore(points=6, comment="khác"), expected_version=0, by=3, at=NOW)
    assert conflict.value.current == first
    rescore.rescore("B1", Rescore(points=6, comment="khác"), expected_version=1, by=3, at=NOW)
    assert [c.new.version for c in rescore.changes] == [1, 2]


def _any_value(criterion: Criterion) -> dict[str, Any]:
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            return {"option": criterion.options[0].id}
        case AnswerType.MULTI_CHOICE:
            return {"options": []}
        case AnswerType.COUNT_PAIR:
            return {"issued": 1, "used": 1}
        case AnswerType.PERCENTAGE:
            return {"percent": 50}
        case AnswerType.EVIDENCE:
            return {"valid": 0, "total": 0}
    return {"text": "x"}


# --- two members of one school at once, on PostgreSQL ------------------------------------------------


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_concurrent_answers_and_submit_stay_consistent(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    with UnitOfWork(engine) as uow:
        school = uow.session.exec(select(Unit).where(Unit.code == "MN-HOASEN")).one()
        uow.users.add(User(code="HT-HOASEN-2", full_name="Phó Hiệu trưởng", role=Role.PRINCIPAL,
                           unit_id=present(school.id)))
        (_, second_code), = open_invites(uow, ["HT-HOASEN-2"], invite_ttl=timedelta(days=1), now=NOW)
    submitter = principal(dispatcher, codes, "p1")
    answer_all(submitter)
    assert submitter.button("Gửi kết quả tự đánh giá")
    writer = ChatDriver(dispatcher, "p2")
    writer.enrol(second_code)
    writer.send("/tudanhgia")
    saved: list[int] = []
    start = threading.Barrier(2)

    def write() -> None:
        start.wait()
        for used in range(1, 31):
            writer.press_action("sa:j:B1")
            writer.send(f"30/{used}")
            if "✔️ B1." in writer.text:
                saved.append(used)

    def submit() -> None:
        start.wait()
        submitter.press("Gửi kết quả tự đánh giá")
        submitter.press("Đồng ý gửi")

    threads = [threading.Thread(target=write), threading.Thread(target=submit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert "Đã gửi kết quả tự đánh giá" in submitter.text
    with UnitOfWork(engine) as uow:
        submission = uow.session.exec(select(Submission).where(Submission.kind == "self")).one()
        stored = {a.criterion_id: a for a in uow.session.exec(select(Answer).where(Answer.kind == "self"))}
        audit = uow.session.exec(select(AnswerAudit).where(AnswerAudit.criterion_id == "B1")).all()
    rubric = load_rubric(RUBRIC_2024)
    assert submission.status == "submitted"
    assert submission.total == score_school(rubric, {cid: read_stored(a.value) for cid, a in stored.items()}).total
    assert submission.total == pytest.approx(sum(a.points for a in stored.values()))
    # Every answer the second member was told is saved is in the history, and nothing else after it.
    assert [present(a.new_value)["used"] for a in audit[1:]] == saved
    assert stored["B1"].value == ({"issued": 30, "used": saved[-1]} if saved else {"issued": 12, "used": 10})


# --- typed state ------------------------------------------------------------------------------------


def test_state_round_trip_and_unreadable_rows_reset() -> None:
    st = InspectionState(school=3, kind="district", criterion="A1", mode=Mode.COMMENT, pending_points=2.5)
    idle = IdleState(resume=st)
    assert conversation.load("idle", conversation.dump(idle)) == idle
    assert conversation.load("sa", {"v": 2, "flow": "sa", "criterion": 5}) == IdleState()
    # The first release's shape is migration 0006's to convert (tested below); unversioned, it reads as idle.
    assert conversation.load("sa", {"cid": "B2", "mode": "review", "ret": True}) == IdleState()


def test_actions_pack_within_the_callback_limit() -> None:
    assert Choose("C1", "full").pack() == "sa:o:C1:full"
    assert Choose.unpack("sa:o:C1:full") == Choose("C1", "full")
    assert Choose.unpack("sa:o:C1") is None and EvidenceFor.unpack("sa:ev:x:E1") is None
    with pytest.raises(ValueError):
        Choose("C1", "x" * 64).pack()


def test_every_button_is_a_typed_action_read_by_its_prefix() -> None:
    # The buttons reminders and menus carry are packed from types, as they always read.
    assert (menu.Menu().pack(), menu.Help().pack(), reminders.Calendar().pack()) == ("m:menu", "m:help", "rem:lich")
    assert (signature_check.CheckOnly().pack(), dashboard.Open().pack()) == ("chk:file", "bdk:open")
    assert [prefix_of(data) for data in ("sa:o:C1:full", "m:menu", "rp", "", None)] == ["sa", "m", "rp", None, None]
    assert menu.ACTIONS.unpack("m:help") == menu.Help() and menu.ACTIONS.unpack("m:helpx") is None
    assert EvidenceFor.unpack("sa:ev:12:E1") == EvidenceFor(12, "E1")
    assert Nav.unpack("sa", "sa:b") == Nav("sa", Step.BACK) and Nav.unpack("sa", "sa:zz") is None
    assert Jump.unpack("ins", Jump("ins", "II.1a").pack()) == Jump("ins", "II.1a")
    screen = QuestionScreen("ins", "12d", "B1")
    assert QuestionScreen.unpack("ins", screen.pack()) == screen and QuestionScreen.unpack("sa", screen.pack()) is None


def _legacy_engine(kind: str, tmp_path: Path) -> Engine:
    if kind == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'legacy.sqlite3'}")
    from tests.conftest import POSTGRES_URL

    schema = f"hsdt_legacy_{tmp_path.name[-12:].replace('-', '_')}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    from sqlalchemy import make_url

    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return make_engine(url.render_as_string(hide_password=False))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_rows_of_the_first_release_migrate_or_reset(backend: str, tmp_path: Path) -> None:
    engine = _legacy_engine(backend, tmp_path)
    upgrade(engine, "0005")
    rows = {
        "sa": ("sa", {"cid": "B2", "mode": "q", "sel": [], "ret": False}),
        "insp": ("insp", {"sid": 1, "k": "district", "cid": "A1", "mode": "cm", "ver": 2, "pend": 3.5, "ret": True}),
        "resume": ("idle", {"resume": {"flow": "sa", "data": {"cid": "C1", "mode": "q"}}}),
        "broken": ("sa", {"mode": "q"}),
    }
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO unit (code, name, kind, uses_erecords) VALUES ('S', 'Trường', 'school', true)"))
        for i, name in enumerate(rows, start=1):
            conn.execute(text("INSERT INTO app_user (code, full_name, role, unit_id, active, created_at) "
                              "VALUES (:c, 'X', 'principal', 1, true, :t)"), {"c": name, "t": NOW})
            flow, data = rows[name]
            conn.execute(text("INSERT INTO conversation_state (user_id, flow, data, version, updated_at) "
                              "VALUES (:u, :f, :d, 0, :t)"), {"u": i, "f": flow, "d": _json(data), "t": NOW})
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        loaded = [conversation.load(s.flow, s.data)
                  for s in uow.session.exec(select(ConversationState).order_by(col(ConversationState.user_id)))]
    engine.dispose()
    assert loaded == [
        SelfAssessmentState(criterion="B2"),
        InspectionState(school=1, kind="district", criterion="A1", mode=Mode.COMMENT, shown_version=2,
                        pending_points=3.5, to_review=True),
        IdleState(resume=SelfAssessmentState(criterion="C1")),
        IdleState(),
    ]


def _json(data: object) -> str:
    import json

    return json.dumps(data)


# --- a typed answer lands on the question the user saw ---------------------------------------------------


def test_typed_answer_goes_to_the_question_last_shown(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    chat.press("Bỏ qua")
    question = chat.replies[-1]
    assert "Tiêu chí 2/12" in question.text and question.screen is not None
    with UnitOfWork(engine) as uow:
        user_id = uow.session.exec(select(User).where(User.code == "HT-HOASEN")).one().id
    assert user_id is not None
    dispatcher.mark_shown(user_id, question.screen)
    chat.send("12/10")
    assert "✔️ B1." in chat.text and "Tiêu chí 3/12" in chat.text
    # The reply showing B2 never reached the user (the platform refused it for good, after the line
    # confirming B1): they type again, still looking at B1.
    lost = chat.last_event
    assert lost is not None
    screen_at = next(i for i, reply in enumerate(chat.replies) if reply.screen)
    stored_turn = dispatcher.stored("test", lost.event_id)
    assert stored_turn is not None
    dispatcher.confirm([Receipt("test", lost.event_id, screen_at, settled=True, error="SendRefused: gone",
                                user_ref=chat.user_ref, refused=turn_of(stored_turn.replies))])
    chat.send("12/11")
    assert "✔️ B1." in chat.text and "Tiêu chí 3/12" in chat.text
    with UnitOfWork(engine) as uow:
        stored = {a.criterion_id: a.value for a in uow.session.exec(select(Answer))}
    assert stored == {"B1": {"issued": 12, "used": 11}}
    dispatcher.mark_shown(user_id, chat.replies[-1].screen or "")
    chat.send("20/18")
    assert "✔️ B2." in chat.text and "Tiêu chí 4/12" in chat.text


def test_a_typed_answer_goes_to_the_question_the_last_turn_put_up_before_its_send_is_confirmed(
    dispatcher: Dispatcher, codes: dict[str, str], engine: Engine
) -> None:
    """Answers typed back to back reach several workers: the next one is applied (after the chat
    lock) before the worker that sent the previous question confirmed it. It still answers that
    question: the committed state says which screen is up, not a send receipt."""
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    assert "Tiêu chí 1/12" in chat.text
    for typed, answered, shown in (("1,2,3", "A1.", "Tiêu chí 2/12"), ("12/10", "B1.", "Tiêu chí 3/12"),
                                   ("20/18", "B2.", "Tiêu chí 4/12")):
        chat.send(typed)  # no confirmation of any send in between
        assert f"✔️ {answered}" in chat.text and shown in chat.text
    with UnitOfWork(engine) as uow:
        stored = {a.criterion_id: a.value for a in uow.session.exec(select(Answer))}
    assert stored["B1"] == {"issued": 12, "used": 10} and stored["B2"] == {"issued": 20, "used": 18}


def test_a_late_confirmation_of_an_older_turn_leaves_the_newer_question_on_record(
    engine: Engine, dispatcher: Dispatcher, codes: dict[str, str]
) -> None:
    """Two workers each send a redelivered turn; the copy confirmed last may be the older one. The
    question on record as shown stays the newest, so the next typed answer lands where it was meant."""
    chat = principal(dispatcher, codes)
    chat.send("/tudanhgia")
    opened = chat.last_event
    assert opened is not None and "Tiêu chí 1/12" in chat.text
    opened_receipt = chat.receipt()
    dispatcher.confirm([opened_receipt])
    chat.press("Bỏ qua")
    skipped = chat.last_event
    assert skipped is not None and "Tiêu chí 2/12" in chat.text
    dispatcher.confirm([chat.receipt()])
    # The other worker's copy of the opening turn reports only now.
    dispatcher.confirm([opened_receipt])
    chat.send("12/10")
    assert "✔️ B1." in chat.text and "Tiêu chí 3/12" in chat.text
    with UnitOfWork(engine) as uow:
        stored = {a.criterion_id: a.value for a in uow.session.exec(select(Answer))}
    assert stored == {"B1": {"issued": 12, "used": 10}}
