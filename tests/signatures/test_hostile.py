"""Hostile and long-term cases built with the test PKI; the engine is called in-process (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hsdt.signatures.classify import SchoolIdentity, classify_identifiers, seal_belongs_to
from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.engine import verify_bytes
from hsdt.signatures.trust import load_trust_roots
from hsdt.signatures.verdict import FileVerdict, contract_errors
from tests.signatures.testpki import (
    Identity,
    TestPKI,
    add_dss_and_timestamp,
    as_sha1_subfilter,
    break_last_xref,
    change_field,
    flip_signed_byte,
    issue,
    make_form_pdf,
    make_pdf,
    sign_pdf,
    unlink_signatures,
)

SIGNED = datetime(2024, 9, 20, 2, 0, tzinfo=UTC)  # 20/09/2024 09:00 in Hà Nội
LATER = datetime(2024, 10, 15, 3, 0, tzinfo=UTC)


def verify(
    pki: TestPKI, data: bytes, *, school: SchoolIdentity | None = None, school_issued: bool = False
) -> FileVerdict:
    roots = load_trust_roots(pki.trust_dir)
    verdict = verify_bytes(data, "x.pdf", roots, RecordPeriod.default(), school=school, school_issued=school_issued)
    assert contract_errors(verdict.to_json()) == []
    return verdict


@pytest.fixture(scope="module")
def backdated(pki: TestPKI) -> Identity:
    # Expired on 30/09/2024; the signer's clock says 20/09.
    return issue(
        "Đỗ Văn Hết Hạn", pki.intermediate, org="Trường Mầm non Hoa Sen", uids=("CCCD:001088000111",),
        not_before=datetime(2024, 1, 1, tzinfo=UTC), not_after=datetime(2024, 9, 30, tzinfo=UTC),
        revocation=pki.revocation,
    )


def test_form_field_changed_after_signing_is_invalid_and_named(pki: TestPKI) -> None:
    signed = sign_pdf(make_form_pdf("SoVanBan", "125/KH-MN"), pki.person, "ChuKy", signing_time=LATER)
    tampered = change_field(signed, "SoVanBan", "999/KH-MN")
    v = verify(pki, tampered)
    assert v.status == "invalid"
    (sig,) = v.signatures
    assert "form_field_changed" in sig.problems and sig.changed_fields == ("SoVanBan",)
    assert "“SoVanBan”" in v.message_vi


def test_form_field_changed_before_a_later_signature_is_covered(pki: TestPKI) -> None:
    signed = sign_pdf(make_form_pdf("SoVanBan", "125/KH-MN"), pki.person, "ChuKy", signing_time=LATER)
    filled = change_field(signed, "SoVanBan", "126/KH-MN")
    sealed = sign_pdf(filled, pki.seal, "ConDau", signing_time=LATER)
    v = verify(pki, sealed)
    assert v.status == "valid", v.message_vi
    assert all("form_field_changed" not in s.problems for s in v.signatures)


def test_second_signer_structure_tree_edits_are_permitted(pki: TestPKI) -> None:
    from tests.signatures.testpki import make_tagged_pdf

    teacher = sign_pdf(make_tagged_pdf(), pki.person, "ChuKyGiaoVien", signing_time=LATER)
    sealed = sign_pdf(teacher, pki.seal, "ConDau", signing_time=LATER, tag_widget=True)
    v = verify(pki, sealed)
    assert v.status == "valid", v.message_vi
    assert not v.signatures[0].modified_after_signing


def test_backdated_expired_certificate_without_timestamp_is_indeterminate(pki: TestPKI, backdated: Identity) -> None:
    v = verify(pki, sign_pdf(make_pdf(1), backdated, "ChuKy", signing_time=SIGNED))
    assert v.status == "indeterminate"
    (sig,) = v.signatures
    assert sig.problems[0] == "cert_expired_no_poe" and sig.time_source == "signer"
    assert "thời điểm ký chưa được chứng thực" in v.message_vi


def test_backdated_expired_certificate_with_trusted_timestamp_is_valid(pki: TestPKI, backdated: Identity) -> None:
    data = sign_pdf(make_pdf(1), backdated, "ChuKy", timestamp_by=pki.tsa, timestamp_time=SIGNED)
    v = verify(pki, data)
    assert v.status == "valid", v.message_vi
    (sig,) = v.signatures
    assert sig.time_source == "timestamp" and sig.time_proven and sig.pades_level == "B-T"
    assert "theo dấu thời gian tin cậy" in v.message_vi


def test_untrusted_tsa_proves_nothing(pki: TestPKI, backdated: Identity) -> None:
    rogue_tsa = issue("Rogue TSA", pki.rogue_root, tsa=True)
    data = sign_pdf(make_pdf(1), backdated, "ChuKy", signing_time=SIGNED, timestamp_by=rogue_tsa, timestamp_time=SIGNED)
    v = verify(pki, data)
    assert v.status == "indeterminate", v.signatures[0].problems
    (sig,) = v.signatures
    assert "timestamp_untrusted" in sig.problems and "cert_expired_no_poe" in sig.problems
    assert sig.time_source == "signer"


@pytest.mark.parametrize("drop", [True, False], ids=["acroform-dropped", "fields-blanked"])
def test_orphaned_signature_is_found_and_invalid(pki: TestPKI, drop: bool) -> None:
    valid = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=LATER)
    v = verify(pki, unlink_signatures(valid, drop=drop))
    assert v.status == "invalid"
    (sig,) = v.signatures
    assert "signature_detached" in sig.problems and sig.signer == "Nguyễn Thị Hồng Nhung"
    assert "tách khỏi ô chữ ký" in v.message_vi


def test_tampered_then_unlinked_is_not_intact(pki: TestPKI) -> None:
    valid = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=LATER)
    v = verify(pki, unlink_signatures(flip_signed_byte(valid), drop=True))
    assert v.status == "invalid"
    assert {"not_intact", "signature_detached"} <= set(v.signatures[0].problems)


def test_person_with_tax_code_and_citizen_id_is_a_person(pki: TestPKI) -> None:
    both = issue(
        "Phạm Thu Hà", pki.intermediate, org="Trường Mầm non Hoa Sen", uids=("MST:0101234567", "CCCD:0010"),
        revocation=pki.revocation,
    )
    data = sign_pdf(make_pdf(1), both, "ChuKy", signing_time=LATER)
    v = verify(pki, data, school=SchoolIdentity("0101234567"))
    (sig,) = v.signatures
    assert sig.kind == "personal" and sig.identifiers == ("MST:0101234567", "CCCD:0010")
    # A teacher's own record needs no seal: nothing is said about one.
    assert sig.own_seal is None and "con dấu" not in v.message_vi.lower()
    issued = verify(pki, data, school=SchoolIdentity("0101234567"), school_issued=True)
    assert "Văn bản chưa có chữ ký số của tổ chức (con dấu) của trường" in issued.message_vi


def test_seal_compared_with_the_roster(pki: TestPKI) -> None:
    data = sign_pdf(make_pdf(1), pki.seal, "ConDau", signing_time=LATER)
    mine = verify(pki, data, school=SchoolIdentity(tax_code="0101234567"))
    assert mine.signatures[0].own_seal is True
    assert "Con dấu khớp với thông tin của trường trong danh sách đơn vị" in mine.message_vi
    other = verify(pki, data, school=SchoolIdentity(tax_code="0309999999"))
    assert other.status == "valid" and other.signatures[0].own_seal is False
    assert "seal_of_other_unit" in other.signatures[0].problems
    # A mismatch with the roster, naming what differs; never "the seal of another unit" as a fact.
    assert (
        "không khớp với thông tin của trường trong danh sách đơn vị: mã số trên chứng thư chữ ký số là "
        "MST:0101234567, danh sách đơn vị ghi 0309999999"
    ) in other.message_vi
    assert "đơn vị khác" not in other.message_vi


def test_seal_ownership_rules() -> None:
    assert classify_identifiers(["MST:0101234567"]) == "organization"
    assert classify_identifiers(["MNS:1234567", "HC:B123"]) == "personal"
    assert classify_identifiers(["MST:0101234567"], organization="") == "unknown"  # no organisation name
    assert seal_belongs_to(SchoolIdentity("0101234567"), seal_tax_code="0101234567", seal_names=[]) is True
    by_name = SchoolIdentity(name="Trường Mầm non  Hoa Sen")
    assert seal_belongs_to(by_name, seal_tax_code=None, seal_names=["TRƯỜNG MẦM NON HOA SEN"]) is True
    assert seal_belongs_to(by_name, seal_tax_code=None, seal_names=["Trường Mầm non Sao Mai"]) is False
    assert seal_belongs_to(SchoolIdentity(), seal_tax_code="1", seal_names=["x"]) is None


def test_self_signed_without_key_usage_is_an_untrusted_root(pki: TestPKI) -> None:
    lone = issue("Tự Ký", None, uids=("CCCD:1",), key_usage=False)
    v = verify(pki, sign_pdf(make_pdf(1), lone, "ChuKy", signing_time=LATER))
    assert v.status == "indeterminate", v.signatures[0].problems
    assert v.signatures[0].problems[0] == "untrusted_root_missing"


def test_missing_intermediate_is_named(pki: TestPKI) -> None:
    from tests.signatures.testpki import Identity

    bare = Identity(cert=pki.person.cert, key=pki.person.key, chain=[])
    v = verify(pki, sign_pdf(make_pdf(1), bare, "ChuKy", signing_time=LATER))
    assert v.signatures[0].problems[0] == "chain_incomplete"


def test_ltv_file_with_dss_and_document_timestamp(pki: TestPKI) -> None:
    signed = sign_pdf(make_pdf(1), pki.person, "ChuKy", timestamp_by=pki.tsa, timestamp_time=LATER)
    ltv = add_dss_and_timestamp(signed, pki.tsa, pki.intermediate, [pki.person, pki.intermediate, pki.root])
    v = verify(pki, ltv)
    assert v.status == "valid", v.message_vi
    (sig,) = v.signatures
    assert sig.pades_level == "B-LTA" and sig.revocation == "embedded"
    (ts,) = v.timestamps
    assert ts.trusted and ts.intact and ts.problems == ()
    assert "Dấu thời gian của văn bản" in v.message_vi


def test_legacy_sha1_subfilter_is_indeterminate_not_malformed(pki: TestPKI) -> None:
    v = verify(pki, as_sha1_subfilter(sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=LATER)))
    assert v.status == "indeterminate"
    (sig,) = v.signatures
    assert sig.problems == ("unsupported_format",) and sig.signer == "Nguyễn Thị Hồng Nhung"


def test_broken_xref_is_rebuilt_and_analysed(pki: TestPKI) -> None:
    one = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=LATER)
    two = sign_pdf(one, pki.seal, "ConDau", signing_time=LATER)
    v = verify(pki, break_last_xref(two))
    # Both signatures are found and verify; the rebuilt revisions are compared like any others: the
    # broken section changes nothing, and the second signature is a permitted change for the first.
    assert v.status == "valid" and len(v.signatures) == 2, [s.problems for s in v.signatures]
    assert {s.signer for s in v.signatures} == {"Nguyễn Thị Hồng Nhung", "Trường Mầm non Hoa Sen"}
    assert v.problems == ("structure_rebuilt",)
    assert "đã đọc lại toàn bộ tệp" in v.message_vi


def test_trailing_junk_is_ignored(pki: TestPKI) -> None:
    valid = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=LATER)
    v = verify(pki, valid + b"\x00junk" * 1000)
    assert v.status == "valid" and v.problems == ("trailing_data_ignored",)


def test_naive_times_are_read_in_the_period_zone() -> None:
    from hsdt.signatures.engine import aware

    moment = aware(datetime(2024, 10, 15, 9, 30), "Asia/Ho_Chi_Minh")
    assert moment is not None and moment.utcoffset() is not None
    assert moment.astimezone(UTC) == datetime(2024, 10, 15, 2, 30, tzinfo=UTC)


def test_change_analysis_that_raises_is_indeterminate_not_malformed(
    pki: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hsdt.signatures import policy

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("analysis failed")

    monkeypatch.setattr(policy.SIGNED_DOCUMENT_POLICY, "review_file", broken)
    one = sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=LATER)
    v = verify(pki, sign_pdf(one, pki.seal, "ConDau", signing_time=LATER))
    first, second = v.signatures
    assert first.problems[0] == "diff_analysis_failed" and first.signer == "Nguyễn Thị Hồng Nhung"
    assert v.status == "indeterminate" and "diff_analysis_failed" not in second.problems
