"""Drive N simulated principals concurrently through the real handlers; print answers/s and latency.

    .venv/bin/python bench/bench_handlers.py [--principals 200] [--backend sqlite|postgres|both]

Every principal first enrols and opens the questionnaire (not timed), then answers the whole
questionnaire (11 answers: typed numbers, button presses, a multi-choice). Two phases per backend:

- saturation: all principals answer as fast as they can (a closed loop with N requests always
  pending); prints the throughput. Latency here is mostly queueing (N pending / throughput).
- paced: a second set of principals answer in an open loop, answers arriving as a Poisson stream of
  --rate answers/s; prints p50/p99 of the latency an adapter sees around `Dispatcher.handle`
  (queueing for the database thread + the transaction), from each answer's arrival, excluding the
  network.

PostgreSQL uses the database named by --pg-url (default: local `hsdt_bench`, recreated).
`cpu/answer` is this process's CPU time per answer (the database server's not included): on a shared
machine it moves far less than answers/s, so compare it between runs made in the same conditions.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from hsdt.actions.self_assessment import Choose, EvidenceDone
from hsdt.app.heap import settle_after_startup
from hsdt.events import Incoming, Kind
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.scoring import default_rubric_path, load_rubric_text
from hsdt.services.campaigns import ensure_campaign, install_rubric
from hsdt.services.roster import UnitRow, UserRow, apply_roster
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.unit_of_work import UnitOfWork

_ids = itertools.count()

# (kind, text or action) for one full questionnaire of the default rubric (hsdt-2026.2) from question 1;
# every answer is accepted (checked on each reply), so what is timed is real work, not refusals.
SCRIPT: list[tuple[Kind, str]] = [
    (Kind.TEXT, "1,2,3"),
    (Kind.TEXT, "12/10"),
    (Kind.TEXT, "20/18"),
    (Kind.TEXT, "5/5"),
    (Kind.TEXT, "1,2"),
    (Kind.BUTTON, Choose("6", "full").pack()),
    (Kind.BUTTON, Choose("7", "part").pack()),
    (Kind.TEXT, "100/15/85"),
    (Kind.BUTTON, Choose("9", "yes").pack()),
    (Kind.BUTTON, EvidenceDone("10").pack()),
    (Kind.BUTTON, Choose("11", "pass").pack()),
]


def prepare(engine_url: str, principals: int) -> tuple[Engine, dict[str, str]]:
    engine = make_engine(engine_url)
    upgrade(engine)
    source = default_rubric_path().read_text(encoding="utf-8")
    units = [UnitRow("SO", "Sở GD&ĐT", "so"), UnitRow("PGD", "Phòng GD&ĐT", "district", "SO")]
    users = []
    for i in range(principals):
        units.append(UnitRow(f"S{i}", f"Trường Mầm non số {i}", "school", "PGD"))
        users.append(UserRow(f"P{i}", f"Hiệu trưởng {i}", "principal", f"S{i}"))
    with UnitOfWork(engine) as uow:
        ensure_campaign(uow, install_rubric(uow, load_rubric_text(source, "default"), source), tz="Asia/Ho_Chi_Minh")
        result = apply_roster(uow, units, users, invite_ttl=timedelta(days=1), now=datetime.now(UTC))
    return engine, {user.code: code for user, code, _ in result.invites}


def event(user: str, kind: Kind, value: str) -> Incoming:
    button = kind is Kind.BUTTON
    return Incoming(channel="bench", user_ref=user, event_id=f"b{next(_ids)}", kind=kind,
                    payload=value if button else "", text="" if button else value)


async def open_questionnaire(dispatcher: Dispatcher, user: str, code: str) -> None:
    await dispatcher.handle(event(user, Kind.COMMAND, f"/start {code}"))
    await dispatcher.handle(event(user, Kind.COMMAND, "/tudanhgia"))


async def answer_all(dispatcher: Dispatcher, user: str, latencies: list[float]) -> None:
    for step in range(len(SCRIPT)):
        await answer(dispatcher, user, step, time.perf_counter(), latencies)


async def answer(dispatcher: Dispatcher, user: str, step: int, since: float, latencies: list[float]) -> None:
    kind, value = SCRIPT[step]
    replies = await dispatcher.handle(event(user, kind, value))
    latencies.append(time.perf_counter() - since)
    assert replies and replies[0].text.startswith("✔️"), f"{value!r} was not accepted: {replies[0].text[:200]}"


async def open_all(dispatcher: Dispatcher, codes: dict[str, str]) -> None:
    await asyncio.gather(*(open_questionnaire(dispatcher, f"u{user}", code) for user, code in codes.items()))


async def saturate(dispatcher: Dispatcher, codes: dict[str, str]) -> tuple[float, float, list[float]]:
    """(wall seconds, CPU seconds of this process, latencies): every principal answers back to back."""
    await open_all(dispatcher, codes)
    latencies: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(answer_all(dispatcher, f"u{user}", latencies) for user in codes))
    return time.perf_counter() - started, time.process_time() - cpu, latencies


async def pace(dispatcher: Dispatcher, codes: dict[str, str], rate: float) -> tuple[float, list[float]]:
    """(wall seconds, latencies) of an open loop: answers arrive as a Poisson stream at `rate` per second,
    each taken by the principal idle longest (one answer at a time per principal, as on a phone). The
    latency counts from the arrival, so an answer waiting for a free principal is counted as late."""
    await open_all(dispatcher, codes)
    idle: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for user in codes:
        idle.put_nowait((f"u{user}", 0))
    latencies: list[float] = []
    tasks: list[asyncio.Task[None]] = []

    async def one(user: str, step: int, arrived: float) -> None:
        await answer(dispatcher, user, step, arrived, latencies)
        if step + 1 < len(SCRIPT):
            idle.put_nowait((user, step + 1))

    started = arrival = time.perf_counter()
    for _ in range(len(codes) * len(SCRIPT)):
        arrival += random.expovariate(rate)
        await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
        user, step = await idle.get()
        tasks.append(asyncio.create_task(one(user, step, arrival)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - started, latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000


def ensure_pg_database(url: str) -> None:
    admin_url, _, name = url.rpartition("/")
    admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def bench(label: str, url: str, principals: int, rate: float) -> None:
    engine, codes = prepare(url, principals * 2)
    settle_after_startup()  # as `hsdt run` does once started
    items = list(codes.items())
    saturated, paced = dict(items[:principals]), dict(items[principals:])
    with tempfile.TemporaryDirectory() as files:
        dispatcher = Dispatcher(engine, HandlerConfig(files_dir=Path(files)), router=build_router())
        elapsed, cpu, latencies = asyncio.run(saturate(dispatcher, saturated))
        print(
            f"{label:9} saturation: principals={principals} answers={len(latencies)} time={elapsed:.2f}s "
            f"answers/s={len(latencies) / elapsed:.0f} (latency p50={percentile(latencies, 0.5):.0f}ms, "
            f"queueing-bound) cpu/answer={cpu / len(latencies) * 1000:.2f}ms"
        )
        elapsed, latencies = asyncio.run(pace(dispatcher, paced, rate))
        print(
            f"{label:9} paced, Poisson arrivals at {rate:.0f} answers/s: answers={len(latencies)} "
            f"achieved={len(latencies) / elapsed:.0f}/s p50={percentile(latencies, 0.5):.1f}ms "
            f"p99={percentile(latencies, 0.99):.1f}ms"
        )
        dispatcher.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--principals", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rate", type=float, default=150.0, help="offered answers/s in the paced phase")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/hsdt_bench")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args.principals, args.rate)
    if args.backend in ("postgres", "both"):
        ensure_pg_database(args.pg_url)
        bench("postgres", args.pg_url, args.principals, args.rate)


if __name__ == "__main__":
    main()
