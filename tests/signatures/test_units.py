"""Pure functions: classification, period, JSON contract, rendering."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from hsdt.signatures.classify import classify_uid
from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.render import render_file
from hsdt.signatures.verdict import (
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
    return SignatureVerdict(**base)  # type: ignore[arg-type]


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
