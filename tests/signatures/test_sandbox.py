"""The sandbox: what a worker inherits, the limits it runs under, and why it died."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from hsdt.signatures import sandbox
from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from tests.signatures.conftest import Corpus, alive
from tests.signatures.testpki import TestPKI


def _limits_of(pid: int) -> dict[str, str]:
    rows = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    return {row[:26].strip(): row[26:47].strip() for row in rows}


async def test_worker_gets_a_minimal_environment_and_limits(
    pki: TestPKI, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/x")
    monkeypatch.setenv("UPLOAD_SECRET", "hush")
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), VerifyLimits(memory_mb=400), max_workers=1) as chk:
        assert (await chk.check(corpus["valid"])).status == "valid"
        (pid,) = chk.worker_pids()
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        names = {entry.split(b"=", 1)[0].decode() for entry in environ if entry}
        assert names <= {"PATH", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE", "LANG"}
        limits = _limits_of(pid)
    assert limits["Max address space"] == str(400 * 1024 * 1024)
    assert limits["Max open files"] == "64"
    assert limits["Max cpu time"] != "unlimited"


async def test_a_worker_killed_mid_file_is_reported_as_crashed(pki: TestPKI, corpus: Corpus) -> None:
    # A generous memory limit, so the death cannot be read as running out of memory.
    limits = VerifyLimits(timeout_s=30, memory_mb=4096)
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), limits, max_workers=1) as chk:
        (pid,) = chk.worker_pids()
        await chk.check(corpus["valid"])
        pending = asyncio.ensure_future(chk.check(corpus["bomb"]))
        await asyncio.sleep(1.0)
        os.kill(pid, signal.SIGSEGV)
        verdict = await pending
        assert (verdict.status, verdict.error) == ("error", "crashed")
        assert "dừng bất thường" in verdict.message_vi
        assert alive([pid]) == []
        assert (await chk.check(corpus["valid"])).status == "valid"


async def test_a_worker_out_of_cpu_time_is_reported_as_timeout(pki: TestPKI, corpus: Corpus) -> None:
    limits = VerifyLimits(timeout_s=60, cpu_s=1)
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), limits, max_workers=1) as chk:
        verdict = await chk.check(corpus["bomb"])
    assert (verdict.status, verdict.error) == ("error", "timeout")


async def test_a_worker_that_cannot_start_is_unavailable(
    pki: TestPKI, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "WORKER_MODULE", "hsdt.signatures.no_such_module")
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), max_workers=1, prestart=0) as chk:
        verdict = await chk.check(corpus["valid"])
    assert (verdict.status, verdict.error) == ("error", "unavailable")
    assert "chưa khởi động được" in verdict.message_vi
