"""Stored evidence is re-verified when the trust roots change, and the school's points follow."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.services.evidence_recheck import recheck_evidence
from hsdt.signatures import RecordPeriod, SignatureChecker
from hsdt.signatures.recheck import trust_fingerprint
from hsdt.storage.models import Answer, Evidence
from hsdt.storage.unit_of_work import UnitOfWork
from tests.helpers import ChatDriver, Clock
from tests.signatures.conftest import Corpus


def _e1(engine: Engine) -> tuple[dict[str, int], float, list[str]]:
    with UnitOfWork(engine) as uow:
        answer = uow.session.exec(select(Answer).where(Answer.criterion_id == "E1")).one()
        statuses = [e.status for e in uow.session.exec(select(Evidence).order_by(Evidence.id)).all()]
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


def test_fingerprint_sees_content_changes(tmp_path: Path) -> None:
    (tmp_path / "root.pem").write_bytes(b"a")
    first = trust_fingerprint(tmp_path)
    (tmp_path / "root.pem").write_bytes(b"b")
    assert trust_fingerprint(tmp_path) != first
    assert trust_fingerprint(None) == trust_fingerprint(tmp_path / "missing")
