"""Benchmark: ``hsdt verify`` against ``pdfsig`` and ``pyhanko sign validate``; prints figures only.

Run: ``.venv/bin/python bench/bench_verify.py [--files 200] [--pyhanko-sample 20]`` on an idle
machine (the load average is printed beside the figures).

What is measured is CPU time (user + system) of the processes, not wall time: on a shared machine it
is the steadier figure. ``hsdt verify`` checks a whole batch in one process; its start-up (Python,
pyHanko's import in the worker, the first file's chain and revocation fetch) is reported apart, as
CPU(batch of N) - N x per-file, with per-file = (CPU(N files) - CPU(1 file)) / (N - 1). pdfsig and
pyHanko's CLI are run once per file, as a script would: their per-file figure includes their
start-up, which is also shown alone (a run on an unsigned file). The files are distinct one-page
documents signed by a handful of people of the test PKI, as a school's batch is; certificates name
the PKI's local OCSP responder, so hsdt's default (online) check runs without the internet.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from tests.signatures.testpki import TestPKI, build_pki, issue, make_pdf, sign_pdf  # noqa: E402

SIGNING_TIME = datetime(2024, 10, 15, 2, 30, tzinfo=UTC)
RUNNER = "from hsdt.signatures.cli import run_verify; import sys; sys.exit(run_verify(sys.argv[1:]))"


@dataclass(frozen=True)
class Run:
    cpu_s: float
    wall_s: float
    code: int


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cmd: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """CPU of the command and everything it started (its workers included), and wall time."""
    before, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return Run(_children_cpu() - before, time.perf_counter() - started, done.returncode)


def corpus(pki: TestPKI, folder: Path, count: int) -> list[Path]:
    signers = [pki.person, pki.seal] + [
        issue(f"Giáo viên {n}", pki.intermediate, org="Trường Mầm non Hoa Sen", uids=(f"CCCD:07920000{n:04d}",),
              revocation=pki.revocation)
        for n in range(3)
    ]
    paths = []
    for index in range(count):
        data = sign_pdf(make_pdf(1, text=f"Ke hoach so {index}"), signers[index % len(signers)], "ChuKy",
                        signing_time=SIGNING_TIME)
        path = folder / f"van-ban-{index:03d}.pdf"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def bench_hsdt(files: list[Path], trust_dir: Path, env: dict[str, str], extra: list[str]) -> tuple[float, float, Run]:
    base = [sys.executable, "-c", RUNNER, "--json", "--workers", "1", "--trust-dir", str(trust_dir), *extra]
    one = measure([*base, str(files[0])], env)
    batch = measure([*base, *map(str, files)], env)
    per_file = (batch.cpu_s - one.cpu_s) / (len(files) - 1)
    return per_file, one.cpu_s - per_file, batch


def bench_per_process(cmd: list[str], files: list[Path], unsigned: Path) -> tuple[float, float]:
    startup = measure([*cmd, str(unsigned)])
    runs = [measure([*cmd, str(path)]) for path in files]
    return sum(r.cpu_s for r in runs) / len(runs), startup.cpu_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--pyhanko-sample", type=int, default=20, help="files for pyHanko's CLI (slow)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="hsdt-bench-") as tmp:
        base = Path(tmp)
        pki = build_pki(base)
        files = corpus(pki, base, args.files)
        unsigned = base / "unsigned.pdf"
        unsigned.write_bytes(make_pdf(1))
        rows: list[tuple[str, str, str, str]] = []

        per_file, startup, batch = bench_hsdt(files, pki.trust_dir, env, [])
        assert batch.code == 0, "every file of the batch must be valid"
        rows.append(("hsdt verify (online, one process, 1 worker)", _ms(per_file), _ms(startup),
                     f"{batch.wall_s:.2f} s for {len(files)}"))
        per_off, startup_off, batch_off = bench_hsdt(files, pki.trust_dir, env, ["--offline"])
        rows.append(("hsdt verify --offline", _ms(per_off), _ms(startup_off), f"{batch_off.wall_s:.2f} s"))

        pdfsig_per_file = None
        if shutil.which("pdfsig"):
            pdfsig_per_file, pdfsig_start = bench_per_process(["pdfsig"], files, unsigned)
            rows.append(("pdfsig, one process per file", _ms(pdfsig_per_file), _ms(pdfsig_start), "(in per file)"))
        else:
            print("pdfsig: not installed (apt-get install poppler-utils)")

        pyhanko = shutil.which("pyhanko") or str(Path(sys.executable).with_name("pyhanko"))
        if Path(pyhanko).exists():
            cmd = [pyhanko, "sign", "validate", "--no-revocation-check", "--trust", str(pki.trust_dir / "root.pem"),
                   "--trust-replace"]
            sample = files[: args.pyhanko_sample]
            pyhanko_per_file, pyhanko_start = bench_per_process(cmd, sample, unsigned)
            rows.append((f"pyhanko sign validate, per file ({len(sample)} files)", _ms(pyhanko_per_file),
                         _ms(pyhanko_start), "(in per file)"))
        else:
            print("pyhanko sign validate: pyhanko-cli not installed")

    print(f"\n{len(files)} distinct one-page signed files, 5 signers; CPU = user + system of all processes\n")
    print("| tool | CPU per file | start-up CPU | batch wall |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if pdfsig_per_file is not None:
        verdict = "meets" if per_file <= pdfsig_per_file else "misses"
        print(f"target (hsdt per file <= pdfsig per file): {verdict} ({per_file / pdfsig_per_file:.2f}x)")


if __name__ == "__main__":
    main()
