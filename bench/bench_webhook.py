"""K simulated users through nginx at 1, 2 and 3 workers: answers/s, p50/p99, order and exactly-once.

    .venv/bin/python bench/bench_webhook.py [--users 100] [--workers 1,2,3] [--twice 0.1]

The production recipe of the end-to-end test (tests/deploy/fleet.py): Debian's nginx with
deploy/nginx/hsdt-locations.conf in front of N `hsdt run` workers in Zalo webhook mode on one fresh
PostgreSQL database (HSDT_TEST_POSTGRES_URL's server), the fake Zalo server as the platform.
Each user enrols, opens the questionnaire and answers five questions, each answer after the
previous reply arrived and was recorded (a person reads before answering). Timed: the answers, from
the webhook POST to the reply reaching the fake platform. `--twice` delivers that share of the
updates twice at once. After each run the database is checked: every answer applied once and in
its user's order, every reply delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.bot.zalo_support import ZALO_TOKEN  # noqa: E402
from tests.deploy.fleet import (  # noqa: E402
    STEPS,
    Fleet,
    Traffic,
    drive_user,
    drop_database,
    fresh_database,
    problems,
    repeated_replies,
    seed_principals,
    zalo_webhook,
)
from tests.fakes.zalo_server import FakeZaloServer  # noqa: E402
from tests.required_tools import NGINX  # noqa: E402
from tests.signatures.testpki import build_pki  # noqa: E402

PG_URL = os.environ.get("HSDT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else float("nan")


async def run(workers: int, users: int, twice: float, trust_dir: Path, seed: int, send_rate: float) -> None:
    url = fresh_database(PG_URL)
    engine, codes = seed_principals(url, users)
    try:
        with tempfile.TemporaryDirectory(prefix="hsdt-bench-") as root:
            async with FakeZaloServer(ZALO_TOKEN) as zalo:
                channel = {**zalo_webhook(zalo.base_url), "SEND_RATE_PER_S": str(send_rate)}
                fleet = Fleet(Path(root), url, channel, trust_dir, workers)
                try:
                    await fleet.start()
                    traffic = Traffic()
                    rng = random.Random(seed)
                    refs = {f"z{i}": codes[f"P{i}"] for i in range(users)}
                    started = time.perf_counter()
                    await asyncio.gather(*(drive_user(zalo, engine, ref, code, random.Random(rng.random()),
                                                      traffic, twice_p=twice, pause_s=0.05)
                                           for ref, code in refs.items()))
                    elapsed = time.perf_counter() - started
                finally:
                    fleet.stop()
                found = problems(engine, zalo, list(refs))
                answers = len(traffic.latencies)
                print(f"workers={workers} users={users} answers={answers} time={elapsed:.1f}s "
                      f"answers/s={answers / elapsed:.1f} p50={percentile(traffic.latencies, 0.5):.0f}ms "
                      f"p99={percentile(traffic.latencies, 0.99):.0f}ms delivered-twice={len(traffic.twice)} "
                      f"repeated-replies={repeated_replies(zalo, list(refs))} "
                      f"order-and-once={'ok' if not found else 'BROKEN'}", flush=True)
                for problem in found[:10]:
                    print("   ", problem)
    finally:
        engine.dispose()
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--workers", default="1,2,3")
    parser.add_argument("--twice", type=float, default=0.1, help="share of updates delivered twice at once")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--send-rate", type=float, default=30.0,
                        help="SEND_RATE_PER_S, the bot's messages/s over all workers (the platform's limit; "
                             "raise it to see what the workers alone can do)")
    args = parser.parse_args()
    if not NGINX.exists():
        sys.exit(f"{NGINX} is missing: apt-get install nginx-light")
    print(f"{len(STEPS) - 2} answers per user through nginx; cores={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.1f} send-rate={args.send_rate:g}/s", flush=True)
    with tempfile.TemporaryDirectory(prefix="hsdt-bench-pki-") as pki_dir:
        pki = build_pki(Path(pki_dir))
        for workers in (int(w) for w in args.workers.split(",")):
            asyncio.run(run(workers, args.users, args.twice, pki.trust_dir, args.seed, args.send_rate))


if __name__ == "__main__":
    main()
