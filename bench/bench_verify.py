"""Benchmark: ``hsdt verify`` against ``pdfsig`` and ``pyhanko sign validate``; prints figures only.

Run: ``.venv/bin/python bench/bench_verify.py [--files 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from hsdt.signatures.checker import SignatureChecker  # noqa: E402
from hsdt.signatures.config import RecordPeriod, VerifyLimits  # noqa: E402
from tests.signatures.testpki import build_pki, make_pdf, sign_pdf  # noqa: E402

SIGNING_TIME = datetime(2024, 10, 15, 2, 30, tzinfo=UTC)
RUNNER = "from hsdt.signatures.cli import run_verify; import sys; sys.exit(run_verify(sys.argv[1:]))"


def _time(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - started


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def bench_kind(label: str, files: list[Path], trust_pem: Path, env: dict[str, str]) -> None:
    print(f"\n== {label}: {len(files)} files ==")
    total = _time([sys.executable, "-c", RUNNER, "--json", "--trust-dir", str(trust_pem.parent), *map(str, files)], env)
    print(f"hsdt verify, one process, {len(files)} files: total {_ms(total)}; per file {_ms(total / len(files))}")

    # Per-file median inside a batch (what one more file costs once the workers are up).
    with SignatureChecker(trust_pem.parent, RecordPeriod.default(), VerifyLimits(), max_workers=1) as chk:
        chk.check_many(files[:1])
        per_file = []
        for path in files:
            started = time.perf_counter()
            chk.check_many([path])
            per_file.append(time.perf_counter() - started)
    print(f"hsdt verify, median per file in a batch (1 worker): {_ms(statistics.median(per_file))}")
    _engine_cpu(files[0], trust_pem.parent)

    if shutil.which("pdfsig"):
        runs = [_time(["pdfsig", str(p)]) for p in files]
        print(f"pdfsig, one process per file, median:              {_ms(statistics.median(runs))}")
    else:
        print("pdfsig: not installed (apt-get install poppler-utils)")

    pyhanko = shutil.which("pyhanko") or str(Path(sys.executable).with_name("pyhanko"))
    if Path(pyhanko).exists():
        sample = files[: min(10, len(files))]
        cmd = [pyhanko, "sign", "validate", "--no-revocation-check", "--trust", str(trust_pem), "--trust-replace"]
        runs = [_time([*cmd, str(p)]) for p in sample]
        median = _ms(statistics.median(runs))
        print(f"pyhanko sign validate, one process per file, median ({len(sample)} files): {median}")
    else:
        print("pyhanko sign validate: pyhanko-cli not installed")


def _engine_cpu(path: Path, trust_dir: Path) -> None:
    """CPU time of the verification itself, in this process: steadier than wall time on a shared machine."""
    from hsdt.signatures.engine import verify_bytes
    from hsdt.signatures.trust import load_trust_roots

    data, roots, period = path.read_bytes(), load_trust_roots(trust_dir), RecordPeriod.default()
    verify_bytes(data, path.name, roots, period)
    runs = []
    for _ in range(30):
        started = time.process_time()
        verify_bytes(data, path.name, roots, period)
        runs.append(time.process_time() - started)
    print(f"engine CPU time per file (in process), median of 30:  {_ms(statistics.median(runs))}")


async def bench_bot(trust_dir: Path, one_page: Path) -> None:
    print("\n== in-bot SignatureChecker.check, 1-page file ==")
    started = time.perf_counter()
    chk = SignatureChecker(trust_dir, RecordPeriod.default())
    verdict = await chk.check(one_page)
    cold = time.perf_counter() - started
    warm_runs = []
    for _ in range(10):
        started = time.perf_counter()
        await chk.check(one_page)
        warm_runs.append(time.perf_counter() - started)
    chk.close()
    print(f"cold (new checker, worker start included): {_ms(cold)}  status={verdict.status}")
    print(f"warm (worker already running), median of 10: {_ms(statistics.median(warm_runs))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=30)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    with tempfile.TemporaryDirectory(prefix="hsdt-bench-") as tmp:
        base = Path(tmp)
        pki = build_pki(base)
        trust_pem = pki.trust_dir / "root.pem"
        kinds = {}
        for pages in (1, 200):
            signed = sign_pdf(make_pdf(pages), pki.person, "ChuKy", signing_time=SIGNING_TIME)
            folder = base / f"p{pages}"
            folder.mkdir()
            paths = []
            for index in range(args.files):
                path = folder / f"van-ban-{index:03d}.pdf"
                path.write_bytes(signed)
                paths.append(path)
            kinds[pages] = paths
            print(f"{pages}-page signed PDF: {len(signed)} bytes")
        for pages, paths in kinds.items():
            bench_kind(f"{pages}-page signed PDF", paths, trust_pem, env)
        asyncio.run(bench_bot(pki.trust_dir, kinds[1][0]))


if __name__ == "__main__":
    main()
