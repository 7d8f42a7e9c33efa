"""The certificate's status (suspended, revoked), asked online by default of the local test servers:
answers kept until nextUpdate, a server that does not answer, offline mode, and no other fetching."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from hsdt.signatures import chain_cache, revocation
from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, Revocation, VerifyLimits
from hsdt.signatures.engine import verify_bytes
from hsdt.signatures.render import proven_summary
from hsdt.signatures.trust import load_trust_roots
from hsdt.signatures.verdict import FileVerdict, contract_errors
from tests.signatures.revocation_server import closed_port_url, silent_server
from tests.signatures.testpki import Identity, TestPKI, issue, make_pdf, sign_pdf

SIGNED = datetime(2024, 10, 15, 2, 30, tzinfo=UTC)
PROVEN = datetime(2024, 11, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Path]:
    """A worker state with nothing remembered; the defaults come back afterwards."""
    chain_cache.clear()
    revocation.configure(Revocation(timeout_s=0.5))
    yield tmp_path
    chain_cache.clear()
    revocation.configure(Revocation())


def _signer(pki: TestPKI, name: str) -> Identity:
    return issue(name, pki.intermediate, uids=("CCCD:079200000001",), revocation=pki.revocation)


def verify(pki: TestPKI, data: bytes, *, online: bool | None = None) -> FileVerdict:
    verdict = verify_bytes(data, "x.pdf", load_trust_roots(pki.trust_dir), RecordPeriod.default(), online=online)
    assert contract_errors(verdict.to_json()) == []
    return verdict


def _ocsp_hits(pki: TestPKI, who: Identity) -> int:
    return pki.revocation.hits.count(("ocsp", who.cert.serial_number))


def test_status_is_checked_online_by_default(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Vũ Thị Trực Tuyến")
    v = verify(pki, sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED))
    assert v.status == "valid" and v.signatures[0].revocation == "online"
    assert _ocsp_hits(pki, signer) == 1
    assert "không bị tạm dừng, thu hồi, trực tuyến" in v.message_vi
    assert proven_summary(v).startswith("Hợp lệ: chữ ký số đúng, văn bản không bị sửa")


def test_a_timestamped_signature_is_checked_at_its_proven_time(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Lý Thị Dấu Thời Gian")
    data = sign_pdf(make_pdf(1), signer, "ChuKy", timestamp_by=pki.tsa, timestamp_time=PROVEN)
    v = verify(pki, data)
    assert v.status == "valid", v.signatures[0].problems
    assert v.signatures[0].time_proven and v.signatures[0].revocation == "online"


def test_revoked_certificate(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Trịnh Văn Thu Hồi")
    pki.revocation.revoke(signer.cert)
    v = verify(pki, sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED))
    assert v.status == "indeterminate" and v.signatures[0].problems[0] == "cert_revoked_no_poe"
    # Revoked before a proven signing time: the signature is invalid.
    stamped = verify(pki, sign_pdf(make_pdf(1), signer, "ChuKy", timestamp_by=pki.tsa, timestamp_time=PROVEN))
    assert stamped.status == "invalid" and "cert_revoked" in stamped.signatures[0].problems
    assert "đã bị thu hồi trước thời điểm ký" in stamped.message_vi


def test_suspended_certificate_is_named_as_suspended(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Đinh Thị Tạm Dừng")
    pki.revocation.suspend(signer.cert)
    v = verify(pki, sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED))
    assert v.status == "indeterminate" and v.signatures[0].problems[0] == "cert_suspended_no_poe"
    assert "đang bị tạm dừng" in v.message_vi and "thu hồi" not in v.signatures[0].message_vi
    stamped = verify(pki, sign_pdf(make_pdf(1), signer, "ChuKy", timestamp_by=pki.tsa, timestamp_time=PROVEN))
    assert stamped.status == "invalid" and "cert_suspended" in stamped.signatures[0].problems


@pytest.mark.parametrize("dead", ["silent", "refused"])
def test_a_server_that_does_not_answer_leaves_the_status_unchecked(pki: TestPKI, fresh: Path, dead: str) -> None:
    with silent_server() as silent:
        url = silent if dead == "silent" else closed_port_url()
        signer = issue(
            "Mai Văn Mất Mạng", pki.intermediate, uids=("CCCD:079200000002",), ocsp_url=url, crl_url=url + "/x.crl"
        )
        data = sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED)
        first = verify(pki, data)
        second = verify(pki, data)
    for v in (first, second):
        assert v.status == "indeterminate"
        (sig,) = v.signatures
        assert sig.problems == ("revocation_unverifiable",) and sig.revocation == "not_checked"
        assert "không kiểm tra được trạng thái tạm dừng, thu hồi" in v.message_vi
        assert "chữ ký số đúng, văn bản không bị sửa sau khi ký" in v.message_vi
        assert not v.message_vi.startswith("✅")
    assert proven_summary(first) == (
        "Chữ ký số đúng, văn bản không bị sửa; chưa kiểm tra được trạng thái tạm dừng, thu hồi của chứng thư "
        "chữ ký số; thời điểm ký chưa được chứng thực"
    )


def test_a_hanging_server_costs_the_revocation_timeout_not_the_file_limit(pki: TestPKI, tmp_path: Path) -> None:
    """Through the sandbox: with a per-file limit far above the revocation timeout, the file gets a
    verdict (the status unchecked), not a timeout error."""
    with silent_server() as url:
        signer = issue("Hà Văn Treo", pki.intermediate, uids=("CCCD:079200000003",), ocsp_url=url)
        path = tmp_path / "treo.pdf"
        path.write_bytes(sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED))
        settings = Revocation(timeout_s=0.5)
        with SignatureChecker(
            pki.trust_dir, RecordPeriod.default(), VerifyLimits(timeout_s=8), max_workers=1, revocation=settings
        ) as checker:
            (v,) = checker.check_many([path])
    assert v.status == "indeterminate" and v.signatures[0].problems == ("revocation_unverifiable",)


def test_answers_are_kept_in_memory_until_next_update(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Cao Thị Nhớ")
    first = sign_pdf(make_pdf(1, text="Van ban mot"), signer, "ChuKy", signing_time=SIGNED)
    second = sign_pdf(make_pdf(1, text="Van ban hai"), signer, "ChuKy", signing_time=SIGNED)
    assert verify(pki, first).status == "valid"
    chain_cache.clear()  # the chain result would answer first; the OCSP answer is what is tested
    assert verify(pki, second).status == "valid"
    assert _ocsp_hits(pki, signer) == 1


def test_answers_on_disk_serve_another_worker_until_next_update(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Lê Văn Đĩa")
    cert = asn1_x509.Certificate.load(signer.cert.public_bytes(serialization.Encoding.DER))
    data = sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED)
    revocation.configure(Revocation(cache_dir=fresh / "cache"))
    assert verify(pki, data).status == "valid"
    stored = list((fresh / "cache").glob("ocsp-*.der"))
    assert len(stored) == 1 and _ocsp_hits(pki, signer) == 1

    # A new worker (nothing in memory) reads the answer from disk...
    chain_cache.clear()
    revocation.configure(Revocation(cache_dir=fresh / "cache"))
    assert verify(pki, data).signatures[0].revocation == "online"
    assert _ocsp_hits(pki, signer) == 1
    # ...until its nextUpdate has passed; then the responder is asked again.
    stale = revocation.AnswerCache(fresh / "cache", clock=lambda: datetime.now(UTC) + timedelta(days=2))
    key = stored[0].stem
    assert stale.get(key, revocation.ocsp_fresh_until) is None and not stored[0].exists()
    assert cert.serial_number == signer.cert.serial_number


def test_offline_mode_asks_nobody_and_says_so(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Phan Thị Ngoại Tuyến")
    data = sign_pdf(make_pdf(1), signer, "ChuKy", signing_time=SIGNED)
    v = verify(pki, data, online=False)
    assert _ocsp_hits(pki, signer) == 0 and pki.revocation.hits.count(("crl", "")) == 0
    assert v.status == "indeterminate" and v.signatures[0].problems == ("revocation_not_checked",)
    assert "chưa kiểm tra được trạng thái tạm dừng, thu hồi của chứng thư chữ ký số" in v.message_vi
    assert "Hợp lệ" not in v.message_vi


def test_issuer_certificates_are_never_downloaded(pki: TestPKI, fresh: Path) -> None:
    """A file that leaves out its intermediate is told so; the address its certificate names for the
    issuer (AIA caIssuers) is not fetched."""
    issuer_url = f"{pki.revocation.base_url}/ca/intermediate.cer"
    signer = issue("Tô Văn Thiếu", pki.intermediate, uids=("CCCD:079200000004",), ca_issuers_url=issuer_url)
    alone = Identity(cert=signer.cert, key=signer.key, chain=[])
    v = verify(pki, sign_pdf(make_pdf(1), alone, "ChuKy", signing_time=SIGNED))
    assert v.signatures[0].problems[0] == "chain_incomplete"
    assert "/ca/intermediate.cer" not in pki.revocation.requests


def test_the_test_pki_never_points_at_the_internet(pki: TestPKI) -> None:
    for who in (pki.intermediate, pki.person, pki.seal, pki.expired, pki.tsa):
        cert = asn1_x509.Certificate.load(who.cert.public_bytes(serialization.Encoding.DER))
        urls = list(cert.ocsp_urls) + [
            name.native for point in cert.crl_distribution_points for name in point["distribution_point"].chosen
        ]
        assert urls and {urlsplit(u).hostname for u in urls} == {"127.0.0.1"}


def test_a_remembered_chain_result_never_serves_a_file_with_other_certificates(pki: TestPKI, fresh: Path) -> None:
    signer = _signer(pki, "Ngô Thị Nhớ Chuỗi")
    whole = verify(pki, sign_pdf(make_pdf(1, text="Mot"), signer, "ChuKy", signing_time=SIGNED))
    alone = Identity(cert=signer.cert, key=signer.key, chain=[])
    partial = verify(pki, sign_pdf(make_pdf(1, text="Hai"), alone, "ChuKy", signing_time=SIGNED))
    again = verify(pki, sign_pdf(make_pdf(1, text="Ba"), signer, "ChuKy", signing_time=SIGNED))
    assert whole.status == again.status == "valid"
    assert partial.signatures[0].problems[0] == "chain_incomplete"
    assert _ocsp_hits(pki, signer) == 1  # the third file reused the first one's result
