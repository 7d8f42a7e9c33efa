"""A user of one Sở who presses buttons naming another Sở's ids, or sends its invite codes, gets "not
found" and changes nothing: each event is applied in its own tenant's unit of work, whose queries never
see another tenant's rows (on PostgreSQL the row-level security hides them from any query as well)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hsdt.actions import campaign as campaign_actions
from hsdt.actions import inspection as inspection_actions
from hsdt.actions import report as report_actions
from hsdt.actions import self_assessment as sa_actions
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.services.tenants import create_tenant
from hsdt.storage.models import Answer, AnswerAudit, ChatIdentity, Evidence, InviteCode, Submission, UnitKind
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import seed
from tests.helpers import ChatDriver, Clock
from tests.present import present

SECRET_NAME = "Trường Mầm non Tuyệt Mật"  # the other Sở's school, renamed so any leak shows in a reply


def _other_so(engine: Engine, clock: Clock) -> tuple[int, dict[str, str], dict[str, int]]:
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with tenant_scope(hanoi):
        codes = seed(engine, clock())
    with UnitOfWork(engine, hanoi) as uow:
        school = present(uow.units.by_code("MN-HOASEN"))
        school.name = SECRET_NAME
        uow.session.add(school)
        district = present(school.parent_id)
        campaign = present(uow.campaigns.active())
        principal = present(uow.users.by_code("HT-HOASEN"))
        evidence = uow.evidence.add(Evidence(
            campaign_id=present(campaign.id), school_id=present(school.id), criterion_id="B1", sha256="0" * 64,
            size=1, file_name="bi-mat.pdf", status="valid", verdict={}, uploaded_by=present(principal.id)))
        ids = {"school": present(school.id), "district": district, "campaign": present(campaign.id),
               "evidence": present(evidence.id)}
    return hanoi, codes, ids


def _footprint(engine: Engine, tenant: int) -> dict[str, int]:
    with UnitOfWork(engine, tenant) as uow:
        return {model.__tablename__: int(uow.session.execute(select(func.count()).select_from(model)).scalar() or 0)
                for model in (Answer, AnswerAudit, Submission, Evidence, ChatIdentity, InviteCode)}


@pytest.fixture
def first(engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str]) -> Dispatcher:
    """The first Sở's dispatcher (its demo roster seeded by `codes`)."""
    return Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                      router=build_router())


def _in_first(step: Callable[[], object]) -> object:
    with tenant_scope(DEFAULT_TENANT):
        return step()


def test_another_sos_invite_code_is_a_wrong_code(engine: Engine, clock: Clock, first: Dispatcher) -> None:
    hanoi, their_codes, _ = _other_so(engine, clock)
    before = _footprint(engine, hanoi)
    chat = ChatDriver(first, "u-foreign")
    _in_first(lambda: chat.enrol(their_codes["HT-HOASEN"]))
    with UnitOfWork(engine, DEFAULT_TENANT) as uow:
        assert uow.identities.find("test", "u-foreign") is None
    assert "mã" in chat.text.lower() and SECRET_NAME not in chat.text
    assert _footprint(engine, hanoi) == before


def test_buttons_naming_another_sos_ids_find_nothing_and_change_nothing(
        engine: Engine, clock: Clock, first: Dispatcher, codes: dict[str, str]) -> None:
    hanoi, _, ids = _other_so(engine, clock)
    before = _footprint(engine, hanoi)
    so_staff, principal, inspector = (ChatDriver(first, ref) for ref in ("so", "principal", "inspector"))
    for chat, code in ((so_staff, "SO-01"), (principal, "HT-HOASEN"), (inspector, "CB-HB-01")):
        _in_first(lambda chat=chat, code=code: chat.enrol(codes[code]))  # type: ignore[misc]
    school, district = ids["school"], ids["district"]
    forged = [
        (so_staff, report_actions.School(school=school)),
        (so_staff, report_actions.Form1(school=school)),
        (so_staff, report_actions.Form1Pdf(school=school)),
        (so_staff, report_actions.District(district=district)),
        (so_staff, report_actions.DistrictWorkbook(district=district)),
        (inspector, inspection_actions.Pick(school=school, kind="d")),
        (inspector, inspection_actions.Pick(school=school, kind="c")),
        (principal, sa_actions.EvidenceFor(school=school, criterion="B1")),
        (principal, sa_actions.RemoveEvidence(criterion="B1", evidence=ids["evidence"])),
        (principal, campaign_actions.Choose(campaign=ids["campaign"])),
    ]
    for chat, action in forged:
        replies = _in_first(lambda chat=chat, action=action: chat.press_action(action.pack()))  # type: ignore[misc]
        assert isinstance(replies, list)
        shown = chat.text + "".join(b.label for r in chat.replies for b in r.flat_buttons)
        assert SECRET_NAME not in shown, action
        assert not any(r.document is not None for r in chat.replies), action
    assert _footprint(engine, hanoi) == before
    # The first Sở's own school is still theirs to see.
    with UnitOfWork(engine, DEFAULT_TENANT) as uow:
        own = present(uow.units.by_code("MN-HOASEN"))
        assert own.kind == UnitKind.SCHOOL and own.id != school


def test_a_chat_identity_of_one_so_is_a_stranger_to_another(engine: Engine, clock: Clock, first: Dispatcher,
                                                           codes: dict[str, str]) -> None:
    hanoi, _, _ = _other_so(engine, clock)
    chat = ChatDriver(first, "same-person")
    _in_first(lambda: chat.enrol(codes["HT-HOASEN"]))
    # The same chat id, as another Sở's bot sees it: not enrolled there, asked for a code.
    with tenant_scope(hanoi):
        there = ChatDriver(first, "same-person")
        there.send("/tudanhgia")
    with UnitOfWork(engine, hanoi) as uow:
        assert uow.identities.find("test", "same-person") is None
    assert "Nguyễn Thị Hồng Nhung" not in there.text
