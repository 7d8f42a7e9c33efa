"""Fixtures: a test PKI and a corpus of PDFs, all generated at test time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from tests.signatures.testpki import (
    TestPKI,
    build_pki,
    deeply_nested_pdf,
    flip_signed_byte,
    make_encrypted_pdf,
    make_pdf,
    modify_first_page,
    predictor_bomb_pdf,
    sign_pdf,
)

# 15/10/2024 09:30 and 10:00 in Hà Nội; inside the default record period.
IN_PERIOD = datetime(2024, 10, 15, 2, 30, tzinfo=UTC)
IN_PERIOD_LATER = datetime(2024, 10, 15, 3, 0, tzinfo=UTC)
OUT_OF_PERIOD = datetime(2025, 3, 15, 2, 30, tzinfo=UTC)
TSA_TIME = datetime(2024, 11, 1, 1, 0, tzinfo=UTC)


@dataclass
class Corpus:
    pki: TestPKI
    dir: Path

    def __getitem__(self, name: str) -> Path:
        return self.dir / f"{name}.pdf"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return build_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def corpus(pki: TestPKI, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("pdfs")
    base = make_pdf(1)
    valid = sign_pdf(base, pki.person, "ChuKyGiaoVien", signing_time=IN_PERIOD)
    files = {
        "valid": valid,
        "person_and_seal": sign_pdf(valid, pki.seal, "ConDauTruong", signing_time=IN_PERIOD_LATER),
        "modified": modify_first_page(valid),
        "tampered": flip_signed_byte(valid),
        "expired": sign_pdf(base, pki.expired, "ChuKy", signing_time=IN_PERIOD),
        "untrusted_root": sign_pdf(base, pki.rogue_person, "ChuKy", signing_time=IN_PERIOD),
        "out_of_period": sign_pdf(base, pki.person, "ChuKy", signing_time=OUT_OF_PERIOD),
        "timestamped": sign_pdf(base, pki.person, "ChuKy", timestamp_by=pki.tsa, timestamp_time=TSA_TIME),
        "unsigned": base,
        "encrypted": make_encrypted_pdf(),
        "empty": b"",
        "not_pdf": "Đây không phải tệp PDF\n".encode(),
        "truncated": valid[: len(valid) // 2],
        "pages200": sign_pdf(make_pdf(200), pki.person, "ChuKy", signing_time=IN_PERIOD),
        "bomb": predictor_bomb_pdf(),
        "nested": deeply_nested_pdf(),
    }
    for name, data in files.items():
        (out / f"{name}.pdf").write_bytes(data)
    return Corpus(pki=pki, dir=out)


@pytest.fixture(scope="session")
def checker(pki: TestPKI) -> Iterator[SignatureChecker]:
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), VerifyLimits(timeout_s=10)) as chk:
        yield chk


def worker_children() -> list[int]:
    """Live (non-zombie) worker processes whose parent is this test process."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == me and state != "Z" and b"hsdt.signatures.worker" in cmdline:
            found.append(int(entry))
    return found


def alive(pids: list[int] | set[int]) -> list[int]:
    """Which of ``pids`` are still running worker children of this process."""
    return sorted(set(pids) & set(worker_children()))
