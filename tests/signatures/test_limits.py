"""Sandbox limits: time, memory, worker reuse, concurrency, and no leaked processes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.verdict import contract_errors
from tests.signatures.conftest import Corpus, alive
from tests.signatures.testpki import TestPKI, memory_bomb_pdf


async def test_slow_file_hits_the_time_limit_and_worker_is_replaced(pki: TestPKI, corpus: Corpus) -> None:
    # The bomb needs about 12 s of a quiet core before it fails; 6 s stops it, and leaves the warm
    # check (half a second quiet, several seconds with the suite's four workers on two cores) room.
    limits = VerifyLimits(timeout_s=6.0)
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), limits, max_workers=1) as chk:
        warm = await chk.check(corpus["valid"])
        assert warm.status == "valid"
        (first_pid,) = chk.worker_pids()
        started = time.monotonic()
        v = await chk.check(corpus["bomb"])
        elapsed = time.monotonic() - started
        assert (v.status, v.error) == ("error", "timeout")
        assert contract_errors(v.to_json()) == []
        assert "thời gian" in v.message_vi
        assert elapsed < limits.timeout_s + 4.0
        assert alive([first_pid]) == []
        # The replacement worker serves the next file normally.
        after = await chk.check(corpus["valid"])
        assert after.status == "valid"
        assert chk.worker_pids() != [first_pid]
        mine = chk.worker_pids()
    assert alive(mine) == []


async def test_memory_hungry_file_hits_the_memory_limit(pki: TestPKI, corpus: Corpus, tmp_path: Path) -> None:
    # The worker idles well under 200 MB of address space (pyHanko, pydantic); the bomb needs 250 MB.
    # The memory limit must be what stops it, not the wall clock: on a loaded machine (the suite runs four
    # workers on two cores) the bomb may get a fraction of a core, so the deadline is far away.
    bomb = tmp_path / "bom-bo-nho.pdf"
    bomb.write_bytes(memory_bomb_pdf())
    limits = VerifyLimits(timeout_s=240.0, memory_mb=200)
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), limits, max_workers=1) as chk:
        (first_pid,) = chk.worker_pids()
        v = await chk.check(bomb)
        assert (v.status, v.error) == ("error", "too_large")
        assert alive([first_pid]) == []
        after = await chk.check(corpus["valid"])
        assert after.status == "valid"
        mine = chk.worker_pids()
    assert alive(mine) == []


async def test_worker_is_reused_across_files(checker: SignatureChecker, corpus: Corpus) -> None:
    await checker.check(corpus["valid"])
    before = set(checker.worker_pids())
    for _ in range(4):
        await checker.check(corpus["valid"])
    assert set(checker.worker_pids()) == before


async def test_concurrent_users_do_not_block_the_event_loop(checker: SignatureChecker, corpus: Corpus) -> None:
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    names = ["valid", "person_and_seal", "modified", "unsigned", "not_pdf", "pages200"] * 2
    started = time.monotonic()
    results = await asyncio.gather(*(checker.check(corpus[n], display_name=n) for n in names))
    elapsed = time.monotonic() - started
    beat.cancel()
    assert [r.file for r in results] == names
    assert [r.status for r in results[:4]] == ["valid", "valid", "invalid", "unsigned"]
    # The loop kept ticking while the workers ran: at least half the expected heartbeats.
    assert ticks >= elapsed / 0.01 / 2
    assert len(checker.worker_pids()) <= checker.max_workers


def test_close_leaves_no_worker(pki: TestPKI, corpus: Corpus) -> None:
    chk = SignatureChecker(pki.trust_dir, RecordPeriod.default(), max_workers=2, prestart=2)
    verdicts = chk.check_many([corpus["valid"], corpus["unsigned"], corpus["empty"]])
    assert [v.status for v in verdicts] == ["valid", "unsigned", "error"]
    mine = chk.worker_pids()
    assert len(mine) == 2 and alive(mine) == sorted(mine)
    chk.close()
    assert alive(mine) == []
