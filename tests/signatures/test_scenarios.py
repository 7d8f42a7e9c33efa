"""End-to-end verdicts for the scenarios of issue #3, through the sandboxed checker."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.verdict import FileVerdict, contract_errors
from tests.signatures.conftest import Corpus
from tests.signatures.testpki import TestPKI

DATE_TIME_VI = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")


async def check(checker: SignatureChecker, corpus: Corpus, name: str) -> FileVerdict:
    verdict = await checker.check(corpus[name], display_name=f"{name}.pdf")
    assert contract_errors(verdict.to_json()) == []
    assert verdict.file == f"{name}.pdf"
    assert verdict.sha256 == hashlib.sha256(corpus[name].read_bytes()).hexdigest()
    return verdict


async def test_valid_personal_signature(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "valid")
    assert v.status == "valid" and v.error is None
    (sig,) = v.signatures
    assert sig.signer == "Nguyễn Thị Hồng Nhung"
    assert sig.organization == "Trường Mầm non Hoa Sen"
    assert sig.uid == "CCCD:001088012345" and sig.kind == "personal"
    assert sig.field == "ChuKyGiaoVien"
    assert sig.signing_time == "2024-10-15T09:30:00+07:00" and sig.time_source == "signer"
    assert sig.intact and sig.trusted and sig.cert_valid_at_signing and sig.covers_whole_file
    assert not sig.modified_after_signing and sig.in_period
    # The certificate's status was asked of the (local) OCSP responder the certificate names.
    assert sig.problems == () and sig.revocation == "online"
    assert v.message_vi.startswith("✅ Hợp lệ")
    assert "15/10/2024 09:30" in v.message_vi and "chữ ký số cá nhân" in v.message_vi
    assert "không bị tạm dừng, thu hồi" in v.message_vi
    # No jargon in the chat; no seal note for a file not known to be the school's own document.
    assert "PAdES" not in v.message_vi and "con dấu" not in v.message_vi


async def test_person_and_seal_in_signing_order(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "person_and_seal")
    assert v.status == "valid"
    first, second = v.signatures
    assert (first.field, first.kind) == ("ChuKyGiaoVien", "personal")
    assert (second.field, second.kind, second.uid) == ("ConDauTruong", "organization", "MST:0101234567")
    # The first signature no longer covers the file, but a later signature is a permitted change.
    assert not first.covers_whole_file and not first.modified_after_signing
    assert second.covers_whole_file
    assert "Có chữ ký số của tổ chức (con dấu): Trường Mầm non Hoa Sen" in v.message_vi
    assert "con dấu" in second.message_vi


async def test_page_changed_after_signing_is_invalid(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "modified")
    assert v.status == "invalid"
    (sig,) = v.signatures
    assert sig.intact and sig.trusted
    assert sig.modified_after_signing and not sig.covers_whole_file
    assert "modified_after_signing" in sig.problems
    assert v.message_vi.startswith("❌ Không hợp lệ") and "sửa sau khi ký" in v.message_vi


async def test_byte_changed_inside_signed_range(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "tampered")
    assert v.status == "invalid"
    (sig,) = v.signatures
    assert not sig.intact and not sig.trusted
    assert "not_intact" in sig.problems


async def test_certificate_expired_at_signing_time(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "expired")
    assert v.status == "invalid"
    (sig,) = v.signatures
    assert sig.intact and not sig.cert_valid_at_signing
    assert "cert_expired_at_signing" in sig.problems
    assert sig.uid == "CMND:012345678" and sig.kind == "personal"
    assert "hết hiệu lực tại thời điểm ký" in v.message_vi


async def test_untrusted_root_is_indeterminate(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "untrusted_root")
    assert v.status == "indeterminate"
    (sig,) = v.signatures
    assert sig.intact and not sig.trusted
    assert "untrusted_root_missing" in sig.problems
    assert v.message_vi.startswith("⚠️ Chưa xác định")
    assert (
        "chứng thư chữ ký số không dẫn về chứng thư gốc của tổ chức cung cấp dịch vụ chứng thực chữ ký số"
        in v.message_vi
    )
    assert "TRUST_DIR" not in v.message_vi


async def test_no_trust_dir_means_no_roots(corpus: Corpus) -> None:
    with SignatureChecker(None, RecordPeriod.default()) as bare:
        v = await bare.check(corpus["valid"])
    assert v.status == "indeterminate"
    assert v.signatures[0].problems[0] == "untrusted_root_missing"


async def test_outside_period_is_reported_not_invalidating(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "out_of_period")
    assert v.status == "valid"
    (sig,) = v.signatures
    assert not sig.in_period and "outside_period" in sig.problems
    assert "Ký ngoài thời điểm kiểm tra lưu hồ sơ (01/09/2024–31/12/2024)" in v.message_vi
    assert "15/03/2025" in v.message_vi


async def test_custom_period_moves_the_boundary(pki: TestPKI, corpus: Corpus) -> None:
    period = RecordPeriod.parse("2025-01-01:2025-06-30")
    with SignatureChecker(pki.trust_dir, period) as other:
        inside, outside = await asyncio.gather(other.check(corpus["out_of_period"]), other.check(corpus["valid"]))
    assert inside.signatures[0].in_period and not outside.signatures[0].in_period


async def test_timestamp_time_is_preferred(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "timestamped")
    assert v.status == "valid"
    (sig,) = v.signatures
    assert sig.time_source == "timestamp"
    assert sig.signing_time == "2024-11-01T08:00:00+07:00"
    assert "theo dấu thời gian" in sig.message_vi


async def test_unsigned(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "unsigned")
    assert v.status == "unsigned" and v.signatures == () and v.error is None
    assert "Không có chữ ký số" in v.message_vi


async def test_error_categories(checker: SignatureChecker, corpus: Corpus) -> None:
    expected = {"not_pdf": "not_pdf", "empty": "not_pdf", "encrypted": "encrypted"}
    results = await asyncio.gather(*(check(checker, corpus, name) for name in expected))
    for (name, category), v in zip(expected.items(), results, strict=True):
        assert (v.status, v.error) == ("error", category), name
        assert v.message_vi.startswith("🚫") and f"{name}.pdf" in v.message_vi


async def test_missing_file_is_an_error_not_an_exception(checker: SignatureChecker, tmp_path: Path) -> None:
    v = await checker.check(tmp_path / "khong-co.pdf")
    assert v.status == "error" and v.error == "unreadable"
    assert contract_errors(v.to_json()) == []


async def test_truncated_signed_file_is_never_unsigned(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "truncated")
    assert v.status == "invalid"
    (sig,) = v.signatures
    assert sig.problems == ("signature_malformed",)
    # Nothing was read from the signature: no time is invented for it, and no period judged on one.
    assert (sig.signing_time, sig.time_source, sig.in_period) == (None, None, None)
    assert "không xác định được thời điểm ký" in v.message_vi and "ký lúc" not in v.message_vi
    assert "chưa đánh giá được việc ký trong thời điểm kiểm tra lưu hồ sơ" in v.message_vi


async def test_size_limit_checked_before_reading(pki: TestPKI, corpus: Corpus) -> None:
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), VerifyLimits(max_bytes=4096)) as small:
        v = await small.check(corpus["valid"])
    assert (v.status, v.error) == ("error", "too_large")
    assert v.sha256 == hashlib.sha256(corpus["valid"].read_bytes()).hexdigest()


async def test_two_hundred_pages(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "pages200")
    assert v.status == "valid" and len(v.signatures) == 1


async def test_deeply_nested_unsigned_object_is_harmless(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "nested")
    assert v.status == "unsigned"


async def test_messages_use_local_dates(checker: SignatureChecker, corpus: Corpus) -> None:
    v = await check(checker, corpus, "person_and_seal")
    for sig in v.signatures:
        assert DATE_TIME_VI.search(sig.message_vi)
        assert "\n" not in sig.message_vi
