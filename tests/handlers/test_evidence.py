"""Signed PDFs as evidence and on-the-spot checks, through the handlers with the real sandboxed checker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.actions import self_assessment as sa_act
from hsdt.app.metrics import MeteredChecker, Metrics
from hsdt.handlers.conversation import IdleState, InspectionState, Mode, SelfAssessmentState
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.handlers.seal import expects_school_seal
from hsdt.handlers.signature_check import UPLOAD_PURPOSE
from hsdt.scoring.assessment import AssessmentKind
from hsdt.signatures import RecordPeriod, SignatureChecker
from hsdt.storage.models import Answer, Evidence
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.signatures import SEAL_MISSING
from tests.helpers import ChatDriver, Clock
from tests.signatures.testpki import TestPKI, build_pki, make_pdf, modify_first_page, sign_pdf

SIGNED_AT = datetime(2024, 10, 15, 2, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def pdfs(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdfs")
    valid = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=SIGNED_AT)
    files = {
        "valid": valid,
        "with_seal": sign_pdf(valid, pki.seal, "ConDau", signing_time=SIGNED_AT),
        "modified": modify_first_page(valid),
        "unsigned": make_pdf(1),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = out / f"{name}.pdf"
        paths[name].write_bytes(data)
    paths["not_pdf"] = out / "bang.xlsx"
    paths["not_pdf"].write_bytes(b"PK\x03\x04 spreadsheet")
    return paths


@pytest.fixture(scope="module")
def checker(pki: TestPKI) -> Iterator[SignatureChecker]:
    with SignatureChecker(pki.trust_dir, RecordPeriod.default()) as checker:
        yield checker


@pytest.fixture
def checking_dispatcher(
    engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str], checker: SignatureChecker
) -> Dispatcher:
    config = HandlerConfig(files_dir=tmp_path / "files", max_upload_bytes=200_000)
    return Dispatcher(engine, config, checker=checker, clock=clock, router=build_router())


def at_e1(dispatcher: Dispatcher, codes: dict[str, str]) -> ChatDriver:
    chat = ChatDriver(dispatcher, "p1")
    chat.enrol(codes["HT-HOASEN"])
    chat.send("/tudanhgia")
    chat.press("Danh sách")
    chat.press("E1.")
    assert "Tiêu chí 10/12" in chat.text
    return chat


def test_evidence_scoring_all_some_none(
    checking_dispatcher: Dispatcher, codes: dict[str, str], pdfs: dict[str, Path], engine: Engine, tmp_path: Path
) -> None:
    chat = at_e1(checking_dispatcher, codes)
    question = chat.screen[-1].screen
    chat.upload(pdfs["with_seal"], name="ke-hoach.pdf")
    # The question becomes one line pointing below, where one status message lists the files.
    note, status = chat.replies
    assert note.replaces == question and not note.buttons and "bên dưới" in note.text
    assert status.screen == question and status.replaces is None and status.buttons
    assert "✅ Hợp lệ" in status.text and "✅ ke-hoach.pdf" in status.text and "Đã nhận 1 tệp" in status.text

    def e1() -> tuple[dict[str, Any], float]:
        with UnitOfWork(engine) as uow:
            answer = uow.session.exec(select(Answer).where(Answer.criterion_id == "E1")).one()
            # The value also says how many files were signed inside the record period (rubrics from
            # 2026 count only those); the 2024-2025 rubric counts every valid file.
            assert set(answer.value) == {"valid", "total", "in_period", "in_period_proven"}
            return {k: answer.value[k] for k in ("valid", "total")}, answer.points

    assert e1() == ({"valid": 1, "total": 1}, 6)
    chat.upload(pdfs["modified"], name="bi-sua.pdf")
    # The next file updates that status message in place.
    [status] = chat.replies
    assert status.replaces == question and status.screen == question
    assert "❌ Không hợp lệ" in status.text and "✅ ke-hoach.pdf" in status.text and "⚠️ bi-sua.pdf" in status.text
    assert status.text.count("Không hợp lệ") == 1  # the newest verdict once, not the same sentence three times
    assert e1() == ({"valid": 1, "total": 2}, 3)
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(select(Evidence)).all()
    assert [(r.file_name, r.status) for r in rows] == [("ke-hoach.pdf", "valid"), ("bi-sua.pdf", "invalid")]
    stored = tmp_path / "files" / rows[0].sha256[:2] / f"{rows[0].sha256}.pdf"
    assert stored.read_bytes() == pdfs["with_seal"].read_bytes()
    assert rows[0].verdict["signatures"][1]["kind"] == "organization"
    chat.press("Xong")
    assert "Tiêu chí 11/12" in chat.text


def test_a_file_at_a_question_that_takes_none_gets_its_verdict_and_the_question(
    checking_dispatcher: Dispatcher, codes: dict[str, str], pdfs: dict[str, Path], engine: Engine
) -> None:
    chat = at_e1(checking_dispatcher, codes)
    chat.press("Xong")
    assert "Tiêu chí 11/12" in chat.text
    chat.upload(pdfs["with_seal"], name="cong-van.pdf")
    [reply] = chat.replies
    assert "cong-van.pdf" in reply.text and "✅ Hợp lệ" in reply.text and "không lưu làm minh chứng" in reply.text
    assert "Tiêu chí 11/12" in reply.text and reply.buttons and reply.screen is not None
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Evidence)).all() == []


def test_errors_are_explained_and_not_stored(
    checking_dispatcher: Dispatcher, codes: dict[str, str], pdfs: dict[str, Path], engine: Engine, tmp_path: Path
) -> None:
    chat = at_e1(checking_dispatcher, codes)
    chat.upload(pdfs["not_pdf"])
    assert "bang.xlsx" in chat.text and "Minh chứng tiêu chí E1" in chat.text
    big = tmp_path / "lon.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * 300_000)
    chat.upload(big)
    assert "quá lớn" in chat.text
    # A platform that under-declares the size is still cut off while downloading.
    chat.upload(big, declared_size=1000)
    assert "quá lớn" in chat.text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Evidence)).all() == []
        assert uow.session.exec(select(Answer)).all() == []


def test_any_role_can_check_a_pdf_outside_the_questionnaire(
    checking_dispatcher: Dispatcher, codes: dict[str, str], pdfs: dict[str, Path], engine: Engine
) -> None:
    inspector = ChatDriver(checking_dispatcher, "i1")
    inspector.enrol(codes["CB-HB-01"])
    inspector.send("/kiemtra")
    assert "gửi tệp PDF" in inspector.text
    for name, headline in (("valid", "✅ Hợp lệ"), ("modified", "❌ Không hợp lệ"), ("unsigned", "")):
        inspector.upload(pdfs[name])
        assert f"{name}.pdf" in inspector.text
        assert headline in inspector.text
    principal = at_e1(checking_dispatcher, codes)
    principal.press("Danh sách")
    principal.press("C1.")
    principal.upload(pdfs["valid"])
    assert "✅ Hợp lệ" in principal.text and "không lưu làm minh chứng" in principal.text
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Evidence)).all() == []


def test_a_file_without_the_school_seal_is_said_so_at_an_evidence_question_not_at_kiemtra(
    checking_dispatcher: Dispatcher, codes: dict[str, str], pdfs: dict[str, Path]
) -> None:
    chat = ChatDriver(checking_dispatcher, "p1")
    chat.enrol(codes["HT-HOASEN"])
    # Checked on its own, a file may be anyone's: a missing school seal says nothing about it.
    chat.send("/kiemtra")
    chat.upload(pdfs["valid"], name="ke-hoach.pdf")
    assert "ke-hoach.pdf" in chat.text and "✅ Hợp lệ" in chat.text
    assert SEAL_MISSING not in chat.text
    # The same file as evidence of the school's own records: the school's seal is expected.
    chat.send("/tudanhgia")
    chat.press("Danh sách")
    chat.press("E1.")
    chat.upload(pdfs["valid"], name="ke-hoach.pdf")
    assert "ke-hoach.pdf" in chat.text and SEAL_MISSING in chat.text
    # A sealed file at the same question is not said to lack it.
    chat.upload(pdfs["with_seal"], name="cong-van.pdf")
    assert "cong-van.pdf" in chat.text and SEAL_MISSING not in chat.text


def test_the_metered_checker_the_bot_runs_passes_the_seal_expectation_on(
    engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str], checker: SignatureChecker,
    pdfs: dict[str, Path],
) -> None:
    config = HandlerConfig(files_dir=tmp_path / "files", max_upload_bytes=200_000)
    metered = MeteredChecker(checker, Metrics())
    chat = at_e1(Dispatcher(engine, config, checker=metered, clock=clock, router=build_router()), codes)
    chat.upload(pdfs["valid"], name="ke-hoach.pdf")
    assert "ke-hoach.pdf" in chat.text and SEAL_MISSING in chat.text


def test_only_evidence_for_a_criterion_that_takes_files_expects_the_school_seal(
    checking_dispatcher: Dispatcher, engine: Engine
) -> None:
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None
        rubric = checking_dispatcher.rubrics.for_campaign(uow, campaign)
    at_e1_state = SelfAssessmentState(criterion="E1")
    assert expects_school_seal(None, at_e1_state, rubric)
    assert expects_school_seal(None, InspectionState(criterion="E1", school=1, kind=AssessmentKind.RESCORE), rubric)
    assert not expects_school_seal(None, SelfAssessmentState(criterion="E1", mode=Mode.REVIEW), rubric)
    assert not expects_school_seal(None, SelfAssessmentState(criterion="C1"), rubric)
    assert not expects_school_seal(None, IdleState(), rubric)
    assert not expects_school_seal(None, at_e1_state, None)
    # An upload link's purpose decides, whatever question the chat is on.
    assert expects_school_seal(sa_act.EvidenceFor(school=1, criterion="E1").pack(), IdleState(), rubric)
    assert not expects_school_seal(sa_act.EvidenceFor(school=1, criterion="C1").pack(), at_e1_state, rubric)
    assert not expects_school_seal(UPLOAD_PURPOSE, at_e1_state, rubric)


def test_principal_removes_a_file_and_the_points_follow(
    checking_dispatcher: Dispatcher, codes: dict[str, str], pdfs: dict[str, Path], engine: Engine
) -> None:
    chat = at_e1(checking_dispatcher, codes)
    chat.upload(pdfs["with_seal"], name="ke-hoach.pdf")
    chat.upload(pdfs["modified"], name="bi-sua.pdf")

    def e1() -> tuple[dict[str, Any], float]:
        with UnitOfWork(engine) as uow:
            answer = uow.session.exec(select(Answer).where(Answer.criterion_id == "E1")).one()
            # The value also says how many files were signed inside the record period (rubrics from
            # 2026 count only those); the 2024-2025 rubric counts every valid file.
            assert set(answer.value) == {"valid", "total", "in_period", "in_period_proven"}
            return {k: answer.value[k] for k in ("valid", "total")}, answer.points

    assert e1() == ({"valid": 1, "total": 2}, 3)
    assert "bi-sua.pdf" in chat.text
    chat.press("Gỡ “bi-sua.pdf”")
    assert "Đã gỡ tệp “bi-sua.pdf”" in chat.text and "Tiêu chí 10/12" in chat.text
    assert e1() == ({"valid": 1, "total": 1}, 6)
    chat.press("Gỡ “ke-hoach.pdf”")
    assert e1() == ({"valid": 0, "total": 0}, 0)
    with UnitOfWork(engine) as uow:
        assert uow.session.exec(select(Evidence)).all() == []
    # A second press of an old removal button changes nothing.
    chat.press_action(chat.last_event.payload if chat.last_event else "")
    assert "không còn trong minh chứng" in chat.text
