"""Stored evidence is re-verified when the trust roots change, and the school's points follow."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.services.evidence_recheck import recheck_evidence
from hsdt.signatures import RecordPeriod, SignatureChecker
from hsdt.signatures.recheck import trust_fingerprint
from hsdt.storage.models import Answer, AnswerAudit, Evidence, Submission, SubmissionStatus
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts.signatures import SEAL_MISSING
from tests.helpers import ChatDriver, Clock
from tests.signatures.conftest import Corpus


def _e1(engine: Engine) -> tuple[dict[str, int], float, list[str]]:
    with UnitOfWork(engine) as uow:
        answer = uow.session.exec(select(Answer).where(Answer.criterion_id == "E1")).one()
        statuses = [e.status for e in uow.session.exec(select(Evidence).order_by(col(Evidence.id))).all()]
        # The chat and the re-check reckon the answer alike, period counts included.
        assert set(answer.value) == {"valid", "total", "in_period", "in_period_proven"}, answer.value
        return {"valid": answer.value["valid"], "total": answer.value["total"]}, answer.points, statuses


def test_points_follow_the_trust_roots(
    engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str], corpus: Corpus, checker: SignatureChecker
) -> None:
    files = tmp_path / "files"
    config = HandlerConfig(files_dir=files, max_upload_bytes=200_000)
    dispatcher = Dispatcher(engine, config, checker=checker, clock=clock, router=build_router())
    chat = ChatDriver(dispatcher, "p1")
    chat.enrol(codes["HT-HOASEN"])
    chat.send("/tudanhgia")
    chat.press("Danh sách")
    chat.press("E1.")
    chat.upload(corpus["person_and_seal"], name="ke-hoach.pdf")
    assert _e1(engine) == ({"valid": 1, "total": 1}, 6, ["valid"])

    # The operator removes the root the file chains to: the evidence no longer counts.
    bare = tmp_path / "trust-bare"
    bare.mkdir()
    assert trust_fingerprint(bare) != trust_fingerprint(corpus.pki.trust_dir)
    with SignatureChecker(bare, RecordPeriod.default()) as untrusting:
        result = recheck_evidence(engine, untrusting, files, event_id="trust:test-1")
    assert (result.checked, result.changed, result.schools) == (1, 1, 1)
    assert _e1(engine) == ({"valid": 0, "total": 1}, 0, ["indeterminate"])

    # And back, when the root is installed again.
    shutil.copytree(corpus.pki.trust_dir, tmp_path / "trust-again")
    with SignatureChecker(tmp_path / "trust-again", RecordPeriod.default()) as trusting:
        recheck_evidence(engine, trusting, files, event_id="trust:test-2")
    assert _e1(engine) == ({"valid": 1, "total": 1}, 6, ["valid"])


def _stored(
    engine: Engine, kind: str
) -> tuple[dict[str, tuple[dict[str, object], float, int]], tuple[SubmissionStatus, float | None, str | None, int]]:
    """(criterion -> (value, points, version), (status, total, band, version)) of one kind of assessment."""
    with UnitOfWork(engine) as uow:
        answers = {a.criterion_id: (dict(a.value), a.points, a.version)
                   for a in uow.session.exec(select(Answer).where(Answer.kind == kind)).all()}
        row = uow.session.exec(select(Submission).where(Submission.kind == kind)).one()
        return answers, (row.status, row.total, row.band, row.version)


def test_a_recheck_keeps_the_seal_expectation_of_evidence(
    engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str], corpus: Corpus, checker: SignatureChecker
) -> None:
    """A file without the school's seal sent as evidence says so; re-checked after the trust roots
    changed, its new verdict still does (the re-check checks evidence as evidence)."""
    files = tmp_path / "files"
    dispatcher = Dispatcher(engine, HandlerConfig(files_dir=files, max_upload_bytes=200_000), checker=checker,
                            clock=clock, router=build_router())
    chat = ChatDriver(dispatcher, "p1")
    chat.enrol(codes["HT-HOASEN"])
    chat.send("/tudanhgia")
    chat.press("Danh sách")
    chat.press("E1.")
    chat.upload(corpus["valid"], name="ke-hoach.pdf")

    def seal_noted() -> bool:
        with UnitOfWork(engine) as uow:
            (row,) = uow.session.exec(select(Evidence)).all()
            return SEAL_MISSING in str(row.verdict)

    assert seal_noted()
    shutil.copytree(corpus.pki.trust_dir, tmp_path / "trust-copy")
    (tmp_path / "trust-copy" / "extra.txt").write_text("a changed folder")
    with SignatureChecker(tmp_path / "trust-copy", RecordPeriod.default()) as again:
        result = recheck_evidence(engine, again, files, event_id="trust:test-seal")
    assert result.checked == 1
    assert seal_noted()


def test_a_submitted_rescore_survives_a_change_of_trust_roots(
    engine: Engine, clock: Clock, tmp_path: Path, codes: dict[str, str], corpus: Corpus, checker: SignatureChecker
) -> None:
    """The re-check refreshes the school's own evidence points and submitted total, and nothing of the
    inspector's re-score: its points, comments and total are the inspector's judgement, not a file count."""
    files = tmp_path / "files"
    config = HandlerConfig(files_dir=files, max_upload_bytes=200_000)
    dispatcher = Dispatcher(engine, config, checker=checker, clock=clock, router=build_router())
    principal = ChatDriver(dispatcher, "p1")
    principal.enrol(codes["HT-HOASEN"])
    principal.send("/tudanhgia")
    for label in ("trẻ em", "nhân sự", "chuyên môn"):
        principal.press(label)
    principal.press("Xong")
    for typed in ("12/10", "20 18", "5/5", "1,2,3,4"):
        principal.send(typed)
    principal.press("Đầy đủ")
    principal.press("Một phần")
    principal.send("85")
    principal.press("Có")
    principal.upload(corpus["person_and_seal"], name="ke-hoach.pdf")
    principal.press("Xong")
    principal.press("Đạt")
    principal.send("Đề nghị Sở tổ chức tập huấn thêm.")
    principal.press("Gửi kết quả tự đánh giá")
    principal.press("Đồng ý gửi")
    assert "77,47/100" in principal.text  # 71.47 and E1's 6 points for a valid file

    inspector = ChatDriver(dispatcher, "i1")
    inspector.enrol(codes["CB-HB-01"])
    inspector.send("/chamdiem")
    inspector.press("Hoa Sen")
    inspector.press("Đồng ý điểm của trường")  # A1
    inspector.send("5,5 Chỉ 7 CBQL có văn bản ký số trong kỳ")  # B1
    for _ in range(7):  # B2 .. D2
        inspector.press("Đồng ý điểm của trường")
    assert "E1." in inspector.text
    inspector.upload(corpus["person_and_seal"], name="bien-ban-kiem-tra.pdf")  # the inspector's own evidence
    inspector.send("4 Kế hoạch ký số chưa đủ chữ ký lãnh đạo")  # E1
    inspector.press("Đồng ý điểm của trường")  # E2
    inspector.press("Gửi kết quả chấm")
    inspector.press("Đồng ý gửi")
    assert "Đã gửi kết quả chấm lại" in inspector.text
    rescore_before = _stored(engine, "district")
    assert rescore_before[0]["E1"][:2] == ({"points": 4.0, "comment": "Kế hoạch ký số chưa đủ chữ ký lãnh đạo"}, 4.0)
    assert rescore_before[0]["B1"][:2] == ({"points": 5.5, "comment": "Chỉ 7 CBQL có văn bản ký số trong kỳ"}, 5.5)
    assert rescore_before[1][:3] == ("submitted", 74.3, "Khá")
    self_before = _stored(engine, "self")
    assert self_before[1][:3] == ("submitted", 77.47, "Khá")

    # The operator removes the root both files chain to.
    bare = tmp_path / "trust-bare"
    bare.mkdir()
    with SignatureChecker(bare, RecordPeriod.default()) as untrusting:
        result = recheck_evidence(engine, untrusting, files, event_id="trust:test-rescore")
    assert (result.checked, result.changed, result.schools) == (2, 2, 1)

    # The re-score is the inspector's: every answer, comment and the total stay as submitted.
    assert _stored(engine, "district") == rescore_before
    # The school's own evidence counts no more: E1 scores 0 and the submitted total follows (a new version).
    answers, submission = _stored(engine, "self")
    value, points, version = answers["E1"]
    assert (value["valid"], value["total"], points, version) == (0, 1, 0.0, self_before[0]["E1"][2] + 1)
    assert submission == ("submitted", 71.47, "Khá", self_before[1][3] + 1)
    assert {k: v for k, v in answers.items() if k != "E1"} == {k: v for k, v in self_before[0].items() if k != "E1"}
    with UnitOfWork(engine) as uow:
        audits = uow.session.exec(select(AnswerAudit).where(AnswerAudit.channel == "system")).all()
        assert [(a.kind, a.criterion_id, a.event_id) for a in audits] == [("self", "E1", "trust:test-rescore")]
    # Both evidence rows carry the new verdict: the files' facts, whoever sent them.
    with UnitOfWork(engine) as uow:
        assert [e.status for e in uow.session.exec(select(Evidence).order_by(col(Evidence.id))).all()] == [
            "indeterminate", "indeterminate"]


def test_fingerprint_sees_content_changes(tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_bytes(b"a")
    first = trust_fingerprint(tmp_path)
    (tmp_path / "root.pem").write_bytes(b"b")
    assert trust_fingerprint(tmp_path) != first
    assert trust_fingerprint(None) == trust_fingerprint(tmp_path / "missing")
