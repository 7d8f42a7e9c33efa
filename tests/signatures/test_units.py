"""Pure functions: classification, period, JSON contract, rendering."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter

from hsdt.signatures.classify import classify_uid
from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.render import render_file
from hsdt.signatures.verdict import (
    ErrorCategory,
    FileStatus,
    FileVerdict,
    SignatureVerdict,
    contract_errors,
    file_status,
    verdict_from_json,
)


@pytest.mark.parametrize(
    ("uid", "kind"),
    [
        ("CCCD:001088012345", "personal"),
        ("CMND:012345678", "personal"),
        ("HC:B1234567", "personal"),
        ("cccd: 001088012345", "personal"),
        ("MST:0101234567", "organization"),
        ("MNS:1234567", "organization"),
        ("0101234567", "unknown"),
        (None, "unknown"),
        ("", "unknown"),
    ],
)
def test_classify_uid(uid: str | None, kind: str) -> None:
    assert classify_uid(uid) == kind


def test_period_uses_local_calendar_days() -> None:
    period = RecordPeriod.default()
    assert period == RecordPeriod(date(2024, 9, 1), date(2024, 12, 31), "Asia/Ho_Chi_Minh")
    # 31/08 17:30 UTC is already 01/09 00:30 in Hà Nội.
    assert period.contains(datetime(2024, 8, 31, 17, 30, tzinfo=UTC))
    assert not period.contains(datetime(2024, 8, 31, 16, 59, tzinfo=UTC))
    # 31/12 16:59 UTC is 31/12 23:59 local (inside); 17:00 UTC is already 2025 locally.
    assert period.contains(datetime(2024, 12, 31, 16, 59, tzinfo=UTC))
    assert not period.contains(datetime(2024, 12, 31, 17, 0, tzinfo=UTC))


@pytest.mark.parametrize("text", ["2024-09-01", "2024-12-31:2024-09-01", "01/09/2024:31/12/2024"])
def test_period_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        RecordPeriod.parse(text)


def _sig(**overrides: object) -> SignatureVerdict:
    base: dict[str, object] = dict(
        field="Sig1", signer="Phạm Thu Hà", organization=None, uid="CCCD:1", kind="personal",
        signing_time="2024-10-01T08:00:00+07:00", time_source="signer", intact=True, trusted=True,
        cert_valid_at_signing=True, covers_whole_file=True, modified_after_signing=False, in_period=True,
        problems=(), message_vi="x",
    )
    base.update(overrides)
    # Validated as the constructor validates (problem names become `Problem`s), with the type known.
    return TypeAdapter(SignatureVerdict).validate_python(base)


def test_status_aggregation() -> None:
    assert file_status(()) == "unsigned"
    assert file_status((_sig(), _sig(problems=("outside_period",)))) == "valid"
    assert file_status((_sig(), _sig(problems=("untrusted_root_missing",)))) == "indeterminate"
    assert file_status((_sig(problems=("untrusted_root_missing",)), _sig(problems=("not_intact",)))) == "invalid"


def test_json_round_trip_and_rerender() -> None:
    sigs = (_sig(), _sig(field="Seal", kind="organization", uid="MST:0101234567", signer="Trường MN Sao Mai"))
    verdict = FileVerdict(file="kế hoạch.pdf", sha256="ab" * 32, status="valid", signatures=sigs)
    verdict = replace(verdict, message_vi=render_file(verdict))
    as_text = json.dumps(verdict.to_json(), ensure_ascii=False)
    restored = verdict_from_json(json.loads(as_text))
    assert restored == verdict
    assert render_file(restored) == verdict.message_vi
    assert "con dấu" in verdict.message_vi and "01/10/2024 08:00" in verdict.message_vi


def test_contract_errors_catch_drift() -> None:
    good = FileVerdict(file="a.pdf", sha256="00", status="valid", signatures=(_sig(),)).to_json()
    assert contract_errors(good) == []
    assert contract_errors({**good, "extra": 1})
    assert contract_errors({**good, "status": "ok"})
    assert contract_errors({**good, "error": "timeout"})
    bad_sig = {**good["signatures"][0], "problems": ["made_up"]}
    assert contract_errors({**good, "signatures": [bad_sig]})
    naive = {**good["signatures"][0], "signing_time": "2024-10-01T08:00:00"}
    assert contract_errors({**good, "signatures": [naive]})
    with pytest.raises(ValueError):
        verdict_from_json({**good, "status": "ok"})


def test_importing_the_package_is_light() -> None:
    code = (
        "import sys, hsdt.signatures, hsdt.signatures.cli; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pyhanko', 'pyhanko_certvalidator', 'aiogram')]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _malformed(**overrides: object) -> dict[str, object]:
    sig = _sig(signer="", uid=None, kind="unknown", signing_time=None, time_source=None, in_period=None,
               intact=False, trusted=False, problems=("signature_malformed",)).to_json()
    sig.update(overrides)
    return {"file": "a.pdf", "sha256": "00", "status": "invalid", "signatures": [sig]}


def test_the_contract_forbids_a_time_the_file_did_not_give() -> None:
    assert contract_errors(_malformed()) == []
    invented = _malformed(signing_time="2026-12-03T20:40:00+07:00", time_source="signer", in_period=False)
    assert any("cannot have one" in e for e in contract_errors(invented))
    assert contract_errors(_malformed(time_source="signer"))  # half a time is no time either
    missing = {**_sig().to_json(), "problems": ["signing_time_missing"]}
    assert contract_errors({"file": "a.pdf", "sha256": "00", "status": "indeterminate", "signatures": [missing]})


def test_verdicts_stored_by_earlier_versions_still_load() -> None:
    # Earlier versions stamped an unreadable signature with the time of the check and judged the period on it.
    legacy = _malformed(
        signing_time="2026-12-03T20:40:00+07:00", time_source="signer", in_period=False,
        problems=["signature_malformed", "outside_period"],
    )
    restored = verdict_from_json(legacy)
    (sig,) = restored.signatures
    assert (sig.signing_time, sig.time_source, sig.in_period) == (None, None, None)
    assert sig.problems == ("signature_malformed",)
    # A valid verdict of an earlier version (revocation unchecked was only a note then) keeps its status.
    old_valid = FileVerdict(
        file="a.pdf", sha256="00", status="valid", signatures=(_sig(problems=("revocation_not_checked",)),)
    ).to_json()
    old_valid["signatures"][0].pop("roster_tax_code")
    old_valid["signatures"][0].pop("roster_name")
    assert verdict_from_json(old_valid).status == "valid"
    rendered = render_file(verdict_from_json(legacy))
    assert "ký lúc" not in rendered and "không xác định được thời điểm ký" in rendered


def test_no_jargon_in_the_chat() -> None:
    sig = _sig(pades_level="B-LTA", problems=("unsupported_format",), revocation="embedded")
    text = render_file(FileVerdict(file="a.pdf", sha256="00", status="indeterminate", signatures=(sig,)))
    for jargon in ("PAdES", "B-LTA", "adbe", "pkcs7", "sha1", "SHA-1"):
        assert jargon not in text, jargon


def test_proven_summary_says_what_the_check_proved() -> None:
    from hsdt.signatures.render import proven_summary

    def summary(status: FileStatus, *sigs: SignatureVerdict, error: ErrorCategory | None = None) -> str:
        return proven_summary(FileVerdict(file="a.pdf", sha256="00", status=status, signatures=sigs, error=error))

    proven = _sig(time_source="timestamp", revocation="online")
    assert summary("valid", proven) == (
        "Hợp lệ: chữ ký số đúng, văn bản không bị sửa, chứng thư chữ ký số không bị tạm dừng, thu hồi"
    )
    unchecked = _sig(time_source="timestamp", problems=("revocation_not_checked",))
    assert summary("indeterminate", unchecked).startswith("Chữ ký số đúng, văn bản không bị sửa; chưa kiểm tra được")
    changed = _sig(problems=("modified_after_signing",), changes=("pages",), modified_after_signing=True)
    assert summary("invalid", changed).startswith("Không hợp lệ: văn bản bị sửa sau khi ký: thêm, bớt hoặc thay trang")
    outside = _sig(in_period=False, problems=("outside_period",), revocation="online")
    assert summary("valid", outside).endswith("; ký ngoài thời điểm kiểm tra lưu hồ sơ")
    assert summary("unsigned") == "Không có chữ ký số"
    assert summary("error", error="corrupt") == "Không kiểm tra được tệp"
    assert max(len(summary("valid", proven)), len(summary("indeterminate", unchecked))) < 160


def test_seal_matches_the_roster_by_tax_code_or_budget_unit_code() -> None:
    from hsdt.signatures.classify import SchoolIdentity, organization_codes, seal_belongs_to

    ids = ["MST:0101234567", "MNS:1234567"]
    assert organization_codes(ids) == ["0101234567", "1234567"]
    for roster in ("1234567", "MNS:1234567", "0101234567", "MST: 0101234567"):
        assert seal_belongs_to(SchoolIdentity(roster), seal_names=[], seal_codes=organization_codes(ids)), roster
    assert seal_belongs_to(SchoolIdentity("7654321"), seal_names=[], seal_codes=organization_codes(ids)) is False
