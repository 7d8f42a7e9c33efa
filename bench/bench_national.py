"""National scale: one PostgreSQL schema holding every Sở (34 tenants, 15,000 preschools, ~100,000 users,
from `national_roster.py`), measured the way a deadline evening and the days around it load it.

    .venv/bin/python bench/bench_national.py [--tenants 34 --schools 15000 --users 100000]
        [--only evening,report,dashboard,reminders,size] [--rate 40 --duration 300 --workers 3]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--schema hsdt_national] [--keep | --reuse]

Sub-benchmarks, in this order (each prints the machine's load average when it starts; figures from a
machine whose load is well above its core count say more about the neighbours than about the bot):

  evening    Poisson arrivals of answers (--rate per second, --duration seconds) from random enrolled
             principals of random tenants, applied by --workers processes, each its own `Dispatcher`
             (`hsdt.handlers.dispatcher`) called directly inside `tenant_scope(tenant)`. Measured: the
             latency an adapter sees around `Dispatcher.handle` (from the answer's arrival: queueing +
             the transaction), p50/p99; this process's CPU per answer (the PostgreSQL server's CPU is not
             included: the server is shared); errors; and that every answer was applied once
             (processed_event and answer_audit rows against the answers sent, after a redelivery of a
             sample of them). Not measured: Telegram's HTTP, webhooks, nginx, the reply sends.
  reminders  every principal who still owes work in every tenant is reminded: `fire` decides the first
             self-assessment reminder in each tenant (outbox rows), then one `OutboxDelivery(tenant=...)`
             per tenant drains its outbox through a fake sender that enforces the tenant's own send budget
             (--send-budget messages/s, a 429 with retry_after=1 beyond it; the delivery paces itself with
             `hsdt.channels.ratelimit`). Tenants are split over --workers processes. Per tenant: rate
             achieved, lost, duplicates, 429s.
  (fill)     completes the campaign: every school's self-assessment answered and submitted, with the rows
             the chat writes for it (answers, one audit row and one processed_event row per answer with
             replies copied from real turns of the evening, the open and submit turns, the conversation).
  report     the largest province's /baocao files as the handler makes them (`hsdt.reports.exports`: the data
             set read in a read-only transaction, the workbook, the PDFs of Phụ lục 1-3 through LibreOffice),
             each in a fresh child process: wall time, peak RSS of the child and of LibreOffice.
             The national workbook (`hsdt.reports.national`): every Sở's rows, as the Ministry's /baocao makes it.
  dashboard  the overview page of the largest province's dashboard (`hsdt.web`, in-process aiohttp server,
             a Sở user signed in through the real sign-in link and cookie): p50/p99 over --requests.
  size       pg_total_relation_size of every table of the schema after the full campaign, per 1,000 schools.

The bot connects as `hsdt_app` (owns no table: the row-level security policies apply); the schema is
created, migrated by its owner and dropped at the end (--keep leaves it, --reuse measures it again).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT_ROOT), str(PROJECT_ROOT / "bench")]

import national_roster as nr  # noqa: E402
from bench_handlers import SCRIPT, percentile  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from hsdt.events import Incoming, Kind, Reply  # noqa: E402
from hsdt.storage.db import make_engine  # noqa: E402
from hsdt.storage.tenancy import scope_connection, tenant_scope  # noqa: E402

ANSWER_PREFIX = "na-"
OPEN_PREFIX = "no-"
STAGES = ("evening", "reminders", "report", "dashboard", "size")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def header(title: str, what: str) -> None:
    print(f"\n== {title} ({load()})\n   measures: {what}", flush=True)


def app_engine(url: str, schema: str) -> Engine:
    return make_engine(nr.schema_url(url, schema, nr.APP_ROLE))


def enrolled_principals(engine: Engine, roster: nr.NationalRoster) -> list[tuple[int, str]]:
    """(tenant, Telegram chat) of every enrolled principal of every tenant."""
    found: list[tuple[int, str]] = []
    for tenant in roster.tenants:
        with engine.begin() as conn:
            scope_connection(conn, tenant.tenant)
            found += [(tenant.tenant, str(ref)) for (ref,) in conn.execute(text(
                "SELECT i.external_id FROM chat_identity i JOIN app_user u ON u.id = i.user_id "
                "WHERE u.role = 'principal' ORDER BY i.id"))]
    return found


def collect(processes: list[Any], results: Queue[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every worker's result; a worker that died without one stops the benchmark instead of hanging it."""
    import queue

    found: list[dict[str, Any]] = []
    while len(found) < len(processes):
        try:
            found.append(results.get(timeout=5))
        except queue.Empty:
            if all(not p.is_alive() for p in processes):
                raise SystemExit(f"{len(processes) - len(found)} worker(s) died without a result") from None
    for process in processes:
        process.join()
    return found


# --- a. the deadline evening ----------------------------------------------------------------------


def _event(user: str, kind: Kind, value: str, event_id: str) -> Incoming:
    button = kind is Kind.BUTTON
    return Incoming(channel=nr.CHANNEL, user_ref=user, event_id=event_id, kind=kind,
                    payload=value if button else "", text="" if button else value)


def evening_worker(index: int, url: str, schema: str, principals: list[tuple[int, str]], rate: float,
                   duration: float, seed: int, barrier: Barrier, results: Queue[dict[str, Any]]) -> None:
    """One bot process: opens its principals' questionnaires (not timed), waits for the others, then
    applies its share of the Poisson stream."""
    from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
    from hsdt.handlers.features import build_router

    rng = random.Random(seed * 1000 + index)
    engine = app_engine(url, schema)
    ids = itertools.count()
    latencies: list[float] = []
    errors: list[str] = []
    sent: list[tuple[int, Incoming]] = []

    with tempfile.TemporaryDirectory() as files:
        dispatcher = Dispatcher(engine, HandlerConfig(files_dir=Path(files)), router=build_router())

        async def open_all() -> None:
            gate = asyncio.Semaphore(16)

            async def one(tenant: int, ref: str) -> None:
                async with gate:
                    with tenant_scope(tenant):
                        replies = await dispatcher.handle(
                            _event(ref, Kind.COMMAND, "/tudanhgia", f"{OPEN_PREFIX}{index}-{next(ids)}"))
                    if not replies or "1/12" not in replies[0].text:
                        errors.append(f"open {tenant}/{ref}: {replies[0].text[:120] if replies else 'no reply'}")

            await asyncio.gather(*(one(t, r) for t, r in principals))

        async def paced() -> tuple[float, float, int]:
            idle: asyncio.Queue[tuple[int, str, int]] = asyncio.Queue()
            order = list(principals)
            rng.shuffle(order)
            for tenant, ref in order:
                idle.put_nowait((tenant, ref, 0))
            tasks: list[asyncio.Task[None]] = []

            async def one(tenant: int, ref: str, step: int, arrived: float) -> None:
                kind, value = SCRIPT[step]
                event = _event(ref, kind, value, f"{ANSWER_PREFIX}{index}-{next(ids)}")
                try:
                    with tenant_scope(tenant):
                        replies = await dispatcher.handle(event)
                    latencies.append(time.perf_counter() - arrived)
                    sent.append((tenant, event))
                    if not replies or not replies[0].text.startswith("✔️"):
                        errors.append(f"{value!r}: {replies[0].text[:120] if replies else 'no reply'}")
                except Exception as error:  # counted, not raised: the run goes on
                    errors.append(repr(error))
                if step + 1 < len(SCRIPT):
                    idle.put_nowait((tenant, ref, step + 1))

            cpu = time.process_time()
            started = arrival = time.perf_counter()
            while True:
                arrival += rng.expovariate(rate)
                if arrival - started > duration:
                    break
                await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
                tenant, ref, step = await idle.get()
                tasks.append(asyncio.create_task(one(tenant, ref, step, arrival)))
            await asyncio.gather(*tasks)
            return time.perf_counter() - started, time.process_time() - cpu, len(tasks)

        async def redeliver(sample: list[tuple[int, Incoming]]) -> int:
            """The platform sends some updates again (a webhook retried): each must be recognised."""
            duplicates = 0
            for tenant, event in sample:
                with tenant_scope(tenant):
                    handled = await dispatcher.process(event)
                duplicates += handled.duplicate or not handled.committed
            return duplicates

        asyncio.run(open_all())
        opened_errors = len(errors)
        barrier.wait()
        wall, cpu, arrivals = asyncio.run(paced())
        sample = rng.sample(sent, min(len(sent), max(5, len(sent) // 100)))
        recognised = asyncio.run(redeliver(sample))
        dispatcher.close()
    engine.dispose()
    results.put({"worker": index, "latencies": latencies, "errors": errors, "open_errors": opened_errors,
                 "wall": wall, "cpu": cpu, "arrivals": arrivals, "answers": len(sent),
                 "redelivered": len(sample), "recognised": recognised})


def bench_evening(url: str, schema: str, owner: Engine, principals: list[tuple[int, str]], rate: float,
                  duration: float, workers: int, seed: int) -> None:
    header("a. deadline evening", f"{workers} processes x Dispatcher.handle (no HTTP, no sends), PostgreSQL as "
           f"hsdt_app under row-level security; Poisson arrivals at {rate:g} answers/s for {duration:g} s")
    print("   (not the HTTP path: `hsdt run` workers behind nginx, a Telegram webhook per Sở, are not driven here)")
    rng = random.Random(seed)
    # Principals enough for every arrival (each answers the 11 questions once), with a margin.
    needed = min(len(principals), int(rate * duration / len(SCRIPT) * 1.5) + 3 * workers)
    chosen = rng.sample(principals, needed)
    tenants = len({t for t, _ in chosen})
    print(f"   {needed} principals of {tenants} tenants take part; questionnaires opened first (not timed)")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results: Queue[dict[str, Any]] = context.Queue()
    processes = [context.Process(target=evening_worker, args=(i, url, schema, chosen[i::workers], rate / workers,
                                                              duration, seed, barrier, results))
                 for i in range(workers)]
    for process in processes:
        process.start()
    outcome = collect(processes, results)
    latencies = [lat for o in outcome for lat in o["latencies"]]
    answers = sum(o["answers"] for o in outcome)
    errors = [e for o in outcome for e in o["errors"]]
    cpu = sum(o["cpu"] for o in outcome)
    wall = max(o["wall"] for o in outcome)
    with owner.connect() as conn:
        processed = conn.execute(text("SELECT count(*) FROM processed_event WHERE event_id LIKE :p"),
                                 {"p": ANSWER_PREFIX + "%"}).scalar_one()
        audits, audited_events, most = conn.execute(text(
            "SELECT count(*), count(DISTINCT event_id), coalesce(max(n), 0) FROM (SELECT event_id, count(*) "
            "OVER (PARTITION BY event_id) AS n FROM answer_audit WHERE event_id LIKE :p) a"),
            {"p": ANSWER_PREFIX + "%"}).one()
    redelivered = sum(o["redelivered"] for o in outcome)
    recognised = sum(o["recognised"] for o in outcome)
    print(f"   answers {answers} in {wall:.1f} s = {answers / wall:.1f}/s (offered {rate:g}/s)")
    if latencies:
        print(f"   latency p50 {percentile(latencies, 0.5):.1f} ms  p99 {percentile(latencies, 0.99):.1f} ms  "
              f"max {max(latencies) * 1000:.0f} ms")
    print(f"   cpu/answer {cpu / max(1, answers) * 1000:.2f} ms (the {workers} bot processes; server excluded)")
    print(f"   errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    once = processed == answers and audited_events == answers and most == 1
    print(f"   applied once: {'yes' if once else 'NO'} (sent {answers}; processed_event rows {processed}; "
          f"answer_audit rows {audits} for {audited_events} events, at most {most} per event; "
          f"{recognised}/{redelivered} redelivered answers recognised as already applied)")


# --- d. reminder fan-out --------------------------------------------------------------------------


class BudgetSender:
    """A tenant's bot as the platform sees it: takes at most `budget` messages in any one second and
    answers a 429 (retry after 1 s) beyond; records every message it took."""

    channel = nr.CHANNEL

    def __init__(self, budget: float, latency_s: float) -> None:
        self.budget = budget
        self.latency_s = latency_s
        self.taken: list[tuple[float, str]] = []
        self.rejected = 0

    async def send(self, external_id: str, replies: list[Reply]) -> None:
        from hsdt.channels.contract import RetryLater

        await asyncio.sleep(self.latency_s)
        now = time.monotonic()
        recent = sum(1 for at, _ in self.taken[-int(self.budget) - 1:] if now - at < 1.0)
        if recent >= self.budget:
            self.rejected += 1
            raise RetryLater(retry_after=1.0)
        self.taken.append((now, external_id))


def reminders_worker(url: str, schema: str, tenants: list[int], budget: float, pace: float, latency_s: float,
                     concurrency: int, pool: int, results: Queue[dict[str, Any]]) -> None:
    from sqlmodel import create_engine

    from hsdt.channels.outbox import ChannelLimits, OutboxDelivery
    from hsdt.reminders.calendar import ReminderKind
    from hsdt.reminders.engine import fire, load_calendar
    from hsdt.storage.rubrics import RubricCache
    from hsdt.storage.unit_of_work import UnitOfWork

    # A delivery claims a row (a connection with its transaction open) before it waits for the row's send
    # slot, so each tenant holds up to `concurrency` connections: the pool is capped (PostgreSQL's default
    # max_connections is 100, and other processes share the server); a claim waits for a free connection.
    engine = create_engine(nr.schema_url(url, schema, nr.APP_ROLE), pool_size=pool, max_overflow=0,
                           pool_timeout=3600)
    rubrics = RubricCache()
    decided: dict[int, tuple[datetime, int, float]] = {}
    for tenant in tenants:
        with tenant_scope(tenant):
            with UnitOfWork(engine) as uow:
                calendar = load_calendar(uow, nr.TZ)
                assert calendar is not None
                reminder = next(r for r in calendar.reminders() if r.kind is ReminderKind.SELF_ASSESSMENT)
            started = time.perf_counter()
            result = fire(engine, reminder.id, reminder.fire_at, nr.TZ, rubrics)
            decided[tenant] = (reminder.fire_at, result.enqueued, time.perf_counter() - started)

    senders = {tenant: BudgetSender(budget, latency_s) for tenant in tenants}

    async def drain(tenant: int) -> tuple[int, float]:
        now = decided[tenant][0]
        delivery = OutboxDelivery(engine, {nr.CHANNEL: senders[tenant]}, tenant=tenant, clock=lambda: now,
                                  default_limits=ChannelLimits(pace, 1.0), concurrency=concurrency)
        started = time.perf_counter()
        stats = await delivery.drain()
        return stats.sent, time.perf_counter() - started

    async def all_tenants() -> list[tuple[int, float]]:
        # Threads enough for every claim waiting for a connection and every commit of a claim holding one:
        # with the default executor's few threads, claims blocked on the pool starve the commits that
        # would free it.
        from concurrent.futures import ThreadPoolExecutor

        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=len(tenants) * (concurrency + 2) + 4))
        return await asyncio.gather(*(drain(t) for t in tenants))

    cpu = time.process_time()
    drained = asyncio.run(all_tenants())
    cpu = time.process_time() - cpu
    report: list[dict[str, Any]] = []
    for tenant, (sent, seconds) in zip(tenants, drained, strict=True):
        sender = senders[tenant]
        times = [at for at, _ in sender.taken]
        per_chat = Counter(ref for _, ref in sender.taken)
        with engine.begin() as conn:
            scope_connection(conn, tenant)
            unsent = conn.execute(text("SELECT count(*) FROM outbox_message WHERE sent_at IS NULL")).scalar_one()
            owed = {str(r) for (r,) in conn.execute(text(
                "SELECT i.external_id FROM outbox_message o JOIN chat_identity i ON i.user_id = o.user_id"))}
        window = max((sum(1 for t in times[i:i + int(budget) + 1] if t - times[i] < 1.0)
                      for i in range(len(times))), default=0)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        report.append({"tenant": tenant, "enqueued": decided[tenant][1], "decide_s": decided[tenant][2],
                       "sent_rows": sent, "messages": len(times), "seconds": seconds,
                       "rate": (len(times) - 1) / span if span else 0.0, "lost": len(owed - set(per_chat)),
                       "duplicates": sum(n - 1 for n in per_chat.values() if n > 1), "unsent": unsent,
                       "rejected": sender.rejected, "max_in_1s": window})
    engine.dispose()
    results.put({"tenants": report, "cpu": cpu})


def bench_reminders(url: str, schema: str, roster: nr.NationalRoster, budget: float, pace: float, latency_s: float,
                    workers: int, concurrency: int, pool: int) -> None:
    header("d. reminder fan-out", f"fire() + OutboxDelivery(tenant=...).drain() per tenant in {workers} processes, "
           f"paced at ChannelLimits({pace:g}, 1) (production: REMINDER_RATE_PER_S); a fake sender per tenant taking "
           f"at most {budget:g} msg in any second (429, retry after 1 s, beyond), {latency_s * 1000:.0f} ms a send")
    context = multiprocessing.get_context("spawn")
    results: Queue[dict[str, Any]] = context.Queue()
    ordered = sorted(roster.tenants, key=lambda t: -t.schools)
    shares = [[t.tenant for t in ordered[i::workers]] for i in range(workers)]
    wanted = max(len(share) for share in shares) * (concurrency + 1)
    print(f"   {concurrency} sends in flight per tenant; connections per process {min(pool, wanted)} "
          f"(wanted {wanted}: up to {concurrency} claims held while waiting for send slots, +1 for the loads)")
    processes = [context.Process(target=reminders_worker,
                                 args=(url, schema, share, budget, pace, latency_s, concurrency, min(pool, wanted),
                                       results))
                 for share in shares if share]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcome = collect(processes, results)
    wall = time.perf_counter() - started
    rows = sorted((r for o in outcome for r in o["tenants"]), key=lambda r: -r["enqueued"])
    names = {t.tenant: t.code for t in roster.tenants}
    print(f"   {'tenant':11} {'queued':>6} {'decide s':>8} {'sent':>6} {'drain s':>7} {'msg/s':>6} {'max/1s':>6} "
          f"{'429':>4} {'lost':>4} {'dup':>4} {'unsent':>6}")
    for r in rows:
        print(f"   {names[r['tenant']]:11} {r['enqueued']:6d} {r['decide_s']:8.2f} {r['messages']:6d} "
              f"{r['seconds']:7.1f} {r['rate']:6.1f} {r['max_in_1s']:6d} {r['rejected']:4d} {r['lost']:4d} "
              f"{r['duplicates']:4d} {r['unsent']:6d}")
    total = sum(r["messages"] for r in rows)
    print(f"   total {total} messages to {sum(r['enqueued'] for r in rows)} queued in {wall:.1f} s wall "
          f"({total / wall:.0f} msg/s over all tenants); lost {sum(r['lost'] for r in rows)}, duplicates "
          f"{sum(r['duplicates'] for r in rows)}, unsent {sum(r['unsent'] for r in rows)}; "
          f"cpu/message {sum(o['cpu'] for o in outcome) / max(1, total) * 1000:.2f} ms")


# --- the full campaign ----------------------------------------------------------------------------


def fill_campaign(engine: Engine, owner: Engine, roster: nr.NationalRoster, seed: int) -> float:
    """Every school's self-assessment answered and submitted, with the rows the chat leaves for it."""
    from bench_report import RUBRIC, SCORED
    from bench_report import _value as generated

    from hsdt.scoring import band_for, read_value, score_criterion
    from hsdt.storage.models import Answer, AnswerAudit, ConversationState, ProcessedEvent, Submission

    def _value(criterion: Any, rng: random.Random) -> dict[str, Any]:
        if criterion.type.value == "document_share":  # newer than bench_report's generator
            stored = rng.randint(20, 150)
            paper = rng.randint(0, stored // 4)
            return {"stored": stored, "paper_only": paper, "signed": rng.randint(0, stored - paper)}
        return generated(criterion, rng)

    started = time.perf_counter()
    rng = random.Random(seed)
    with owner.connect() as conn:
        turns = [r for (r,) in conn.execute(text(
            "SELECT replies FROM processed_event WHERE event_id LIKE :p AND replies IS NOT NULL LIMIT 200"),
            {"p": ANSWER_PREFIX + "%"})]
        opens = [r for (r,) in conn.execute(text(
            "SELECT replies FROM processed_event WHERE event_id LIKE :p AND replies IS NOT NULL LIMIT 20"),
            {"p": OPEN_PREFIX + "%"})]
    turns = turns or [[{"text": "✔️ Đã lưu câu trả lời."}]]
    opens = opens or turns
    now = datetime.now(UTC)
    for tenant in roster.tenants:
        with engine.begin() as conn:
            scope_connection(conn, tenant.tenant)
            campaign = tenant.campaign_id
            principals = {int(s): int(u) for s, u in conn.execute(text(
                "SELECT unit_id, id FROM app_user WHERE role = 'principal' AND code LIKE 'HT-%'"))}
            chats = {int(u): str(r) for u, r in conn.execute(text("SELECT user_id, external_id FROM chat_identity"))}
            existing: dict[int, dict[str, float]] = {}
            for school, criterion, scored in conn.execute(text(
                    "SELECT school_id, criterion_id, points FROM answer WHERE kind = 'self'")):
                existing.setdefault(int(school), {})[str(criterion)] = float(scored)
            answers: list[dict[str, Any]] = []
            audits: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            submissions: list[dict[str, Any]] = []
            for school, user in principals.items():
                own = existing.get(school, {})
                points: dict[str, float] = {}
                ref = chats.get(user, str(user))
                events.append({"channel": nr.CHANNEL, "event_id": f"fill-o-{tenant.tenant}-{school}", "user_ref": ref,
                               "replies": rng.choice(opens), "sent": 1, "processed_at": now, "settled_at": now,
                               "turn": 1})
                for step, criterion in enumerate(SCORED):
                    if criterion.id in own:
                        points[criterion.id] = own[criterion.id]
                        continue
                    value = _value(criterion, rng)
                    points[criterion.id] = score_criterion(criterion, read_value(value))
                    event_id = f"fill-a-{tenant.tenant}-{school}-{criterion.id}"
                    answers.append({"campaign_id": campaign, "school_id": school, "kind": "self",
                                    "criterion_id": criterion.id, "value": value, "points": points[criterion.id],
                                    "answered_by": user, "answered_at": now, "version": 1})
                    audits.append({"campaign_id": campaign, "school_id": school, "kind": "self",
                                   "criterion_id": criterion.id, "old_value": None, "new_value": value,
                                   "user_id": user, "channel": nr.CHANNEL, "event_id": event_id, "at": now})
                    events.append({"channel": nr.CHANNEL, "event_id": event_id, "user_ref": ref,
                                   "replies": rng.choice(turns), "sent": 1, "processed_at": now, "settled_at": now,
                                   "turn": step + 2})
                events.append({"channel": nr.CHANNEL, "event_id": f"fill-s-{tenant.tenant}-{school}", "user_ref": ref,
                               "replies": rng.choice(turns), "sent": 1, "processed_at": now, "settled_at": now,
                               "turn": len(SCORED) + 2})
                total = round(sum(points.values()), 2)
                submissions.append({"campaign_id": campaign, "school_id": school, "kind": "self",
                                    "status": "submitted", "total": total, "band": band_for(RUBRIC, total).label,
                                    "submitted_at": now, "submitted_by": user, "updated_at": now, "version": 1})
            nr._bulk(conn, Answer, answers)
            nr._bulk(conn, AnswerAudit, audits)
            nr._bulk(conn, ProcessedEvent, events)
            for start in range(0, len(submissions), nr.BATCH):
                statement = pg_insert(Submission).values(submissions[start:start + nr.BATCH])
                conn.execute(statement.on_conflict_do_update(
                    constraint="uq_submission_scope",
                    set_={c: statement.excluded[c] for c in ("status", "total", "band", "submitted_at",
                                                             "submitted_by", "updated_at", "version")}))
            states = [{"user_id": u, "flow": "idle", "data": {}, "version": len(SCORED) + 2, "updated_at": now}
                      for u in principals.values()]
            for start in range(0, len(states), nr.BATCH):
                conn.execute(pg_insert(ConversationState).values(states[start:start + nr.BATCH])
                             .on_conflict_do_nothing())
    return time.perf_counter() - started


# --- b. one province's /baocao files --------------------------------------------------------------


def report_child(url: str, schema: str, tenant: int, user_id: int, what: str) -> dict[str, Any]:
    """In a fresh process: one of the handler's files for the Sở user's scope, timed, with peak memory."""
    from hsdt.reports import exports
    from hsdt.reports import text as report_text
    from hsdt.reports.dataset import Units, gather, scope_for
    from hsdt.reports.pdf import xlsx_to_pdf
    from hsdt.storage.db import read_only
    from hsdt.storage.models import User
    from hsdt.storage.rubrics import RubricCache
    from hsdt.storage.unit_of_work import UnitOfWork

    engine = app_engine(url, schema)
    out: dict[str, Any] = {}
    with tenant_scope(tenant):
        started = time.perf_counter()
        with UnitOfWork(read_only(engine)) as uow:
            campaign = uow.campaigns.active()
            assert campaign is not None and campaign.id is not None
            rubric = RubricCache().for_campaign(uow, campaign)
            units = Units.load(uow, campaign.id)
            user = uow.session.get(User, user_id)
            assert user is not None
            scope = scope_for(uow, user, campaign.id, units)
            now = datetime.now(UTC)
            if what == "summary":  # what /baocao answers in the chat, inside the event's transaction
                size = len(report_text.summary(gather(uow, campaign, rubric, scope, now, units=units)))
        if what != "summary":
            request = exports.ExportRequest(engine, campaign.id, rubric, scope, now, nr.TZ)
            data = request.read()
            out["read_s"] = time.perf_counter() - started
            if what == "workbook":
                size = len(exports.workbook_bytes(data))
            elif what == "national":
                size = measure_national(engine, now)
            else:
                appendix = int(what[-1])
                size = len(xlsx_to_pdf(exports.appendix_bytes(data, appendix), timeout_s=3600))
        out.update({"seconds": time.perf_counter() - started, "bytes": size, "schools": len(scope.school_ids),
                    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024})
    engine.dispose()
    return out


def measure_national(engine: Engine, now: datetime) -> int:
    """The Ministry's national workbook (every Sở read in its own tenant's unit of work); its size in bytes."""
    from hsdt.reports.national import national
    from hsdt.reports.national_excel import national_bytes

    return len(national_bytes(national(engine, now)))


def bench_report(url: str, schema: str, roster: nr.NationalRoster, appendices: list[int]) -> None:
    largest = roster.largest()
    header("b. one province's /baocao files", f"the largest province ({largest.province}, {largest.schools} "
           "schools) as its Sở staff sees it; hsdt.reports.exports as the handler calls it, each in a fresh child "
           "process (peak RSS: the child; LibreOffice's: its children)")
    steps = ["summary", "workbook", *(f"pdf{n}" for n in appendices)]
    steps.append("national")
    for what in steps:
        command = [sys.executable, __file__, "--child-report", what, "--url", url, "--schema", schema,
                   "--child-tenant", str(largest.tenant), "--child-user", str(largest.so_user_id)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"   {what:9s} FAILED: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
            continue
        got = json.loads(done.stdout.strip().splitlines()[-1])
        read = f" (data set read {got['read_s']:.2f} s)" if "read_s" in got else ""
        print(f"   {what:9s} {got['seconds']:7.2f} s{read}  peak RSS {got['rss_mb']:5.0f} MB, LibreOffice "
              f"{got['children_rss_mb']:5.0f} MB, {got['bytes'] / 1024:7.0f} KiB, {got['schools']} schools")


# --- c. dashboard overview ------------------------------------------------------------------------


def bench_dashboard(url: str, schema: str, roster: nr.NationalRoster, requests: int) -> None:
    largest = roster.largest()
    header("c. dashboard overview", f"GET /bang-dieu-khien/ x {requests}, one at a time, aiohttp in process "
           f"(TestServer on a local port): a Sở user of {largest.province} ({largest.schools} schools), "
           f"then a Ministry user (the national page, every Sở read in its own tenant)")
    asyncio.run(_dashboard(url, schema, roster, requests))


def _ministry_user(engine: Engine) -> tuple[int, int]:
    """The Ministry's tenant and one of its staff (made once per schema)."""
    from hsdt.services.tenants import TenantError, create_tenant, find_tenant
    from hsdt.storage.models import Role, TenantKind, Unit, User
    from hsdt.storage.unit_of_work import UnitOfWork

    try:
        bo = create_tenant(engine, "bo", "Bộ Giáo dục và Đào tạo", "", TenantKind.MINISTRY).id
    except TenantError:
        bo = find_tenant(engine, "bo").id
    with UnitOfWork(engine, bo) as uow:
        user = uow.users.by_code("BO-01")
        if user is None:
            unit = uow.units.by_code("BO") or uow.units.add(
                Unit(code="BO", name="Bộ Giáo dục và Đào tạo", kind="so"))
            user = uow.users.add(User(code="BO-01", full_name="Cán bộ Bộ", role=Role.MINISTRY_STAFF,
                                      unit_id=unit.id or 0))
        return bo, user.id or 0


async def _dashboard(url: str, schema: str, roster: nr.NationalRoster, requests: int) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from hsdt.app.bootstrap import App
    from hsdt.config import Settings
    from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
    from hsdt.handlers.features import build_router
    from hsdt.links.tokens import UploadLinks
    from hsdt.web.config import WebConfig
    from hsdt.web.dashboard.auth import SignInLinks
    from hsdt.web.server import make_web_app

    secret, base = b"bench-national-secret-0123456789", "http://bench.example"
    engine = app_engine(url, schema)
    links = SignInLinks(secret, base, timedelta(minutes=15))
    largest = roster.largest()
    bo, ministry_user = _ministry_user(engine)
    with tempfile.TemporaryDirectory() as tmp:
        dispatcher = Dispatcher(engine, HandlerConfig(files_dir=Path(tmp), dashboard_links=links),
                                router=build_router())
        settings = Settings(_env_file=None, data_dir=Path(tmp), files_dir=Path(tmp), upload_base_url=base)
        app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None)
        # No scope set around the requests: the sign-in link and the session cookie carry their Sở.
        web_app = make_web_app(app, WebConfig(links=UploadLinks(secret, base, timedelta(minutes=30))))
        async with TestClient(TestServer(web_app)) as client:
            for who, tenant, user, expect in (
                    (f"Sở {largest.province}", largest.tenant, largest.so_user_id, (f">{largest.schools}<",
                                                                                   f" {largest.schools} ")),
                    ("Ministry (34 Sở)", bo, ministry_user, (largest.province,))):
                times, status, size, page = await _overview(client, links, tenant, user, requests)
                shown = any(e in page for e in expect)
                print(f"   {who}: p50 {percentile(times, 0.5):.1f} ms  p99 {percentile(times, 0.99):.1f} ms  "
                      f"max {max(times) * 1000:.0f} ms  ({size / 1024:.0f} KiB a page; status {dict(status)}; "
                      f"the page shows {'its figures' if shown else 'NOT its figures'})")
        dispatcher.close()
    engine.dispose()


async def _overview(client: Any, links: Any, tenant: int, user_id: int,
                    requests: int) -> tuple[list[float], Counter[int], int, str]:
    with tenant_scope(tenant):
        path = "/" + links.issue(user_id)[0].split("/", 3)[3]
    client.session.cookie_jar.clear()
    signed = await client.post(path, allow_redirects=False)
    assert signed.status == 303, await signed.text()
    cookies = {"hsdt_bdk": signed.cookies["hsdt_bdk"].value}
    client.session.cookie_jar.clear()
    times: list[float] = []
    status: Counter[int] = Counter()
    body = b""
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get("/bang-dieu-khien/", cookies=cookies)
        body = await response.read()
        times.append(time.perf_counter() - started)
        status[response.status] += 1
    return times, status, len(body), body.decode("utf-8", "replace")


# --- e. database size -----------------------------------------------------------------------------


def bench_size(owner: Engine, schema: str, roster: nr.NationalRoster, empty_bytes: int) -> None:
    header("e. database size", "pg_total_relation_size (heap, indexes, TOAST) of every table of the schema after "
           "the full campaign (every school self-assessed and submitted), per 1,000 schools")
    sizes = table_sizes(owner, schema)
    total = sum(sizes.values())
    per = (total - empty_bytes) / roster.schools * 1000
    empty = (f"empty migrated schema {empty_bytes / 2**20:.1f} MiB" if empty_bytes
             else "empty schema not known (--reuse)")
    print(f"   {roster.schools} schools, {roster.users} users: {total / 2**20:.1f} MiB "
          f"({empty}) = {per / 2**20:.2f} MiB per 1,000 schools")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"     {name:24s} {size / 2**20:8.2f} MiB")


def table_sizes(owner: Engine, schema: str) -> dict[str, int]:
    with owner.connect() as conn:
        return {str(n): int(s) for n, s in conn.execute(text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'"), {"s": schema})}


# --- the run --------------------------------------------------------------------------------------


@contextmanager
def national_schema(args: argparse.Namespace) -> Iterator[tuple[Engine, Engine, nr.NationalRoster, int]]:
    if args.reuse:
        app, owner = nr.open_schema(args.url, args.schema)
        roster = nr.load_roster(app)
        empty = 0
    else:
        app, owner = nr.create_schema(args.url, args.schema)
        empty = sum(table_sizes(owner, args.schema).values())
        print(f"generating {args.tenants} tenants, {args.schools} schools, {args.users} users ({load()})", flush=True)
        roster = nr.generate(app, args.tenants, args.schools, args.users, args.seed)
        print(f"generated in {roster.seconds:.1f} s: {roster.schools} schools, {roster.users} users; largest "
              f"{roster.largest().province} ({roster.largest().schools} schools)", flush=True)
    try:
        yield app, owner, roster, empty
    finally:
        app.dispose()
        owner.dispose()
        if not args.keep:
            nr.drop_schema(args.url, args.schema)
            print(f"\nschema {args.schema} dropped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=nr.DEFAULT_URL)
    parser.add_argument("--schema", default="hsdt_national")
    parser.add_argument("--tenants", type=int, default=34)
    parser.add_argument("--schools", type=int, default=nr.NATIONAL_SCHOOLS)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default=",".join(STAGES), help=f"comma-separated, of {','.join(STAGES)}")
    parser.add_argument("--rate", type=float, default=40.0, help="evening: offered answers/s over all workers")
    parser.add_argument("--duration", type=float, default=300.0, help="evening: seconds of arrivals")
    parser.add_argument("--workers", type=int, default=3, help="bot processes (evening, reminders)")
    parser.add_argument("--send-budget", type=float, default=30.0, help="reminders: messages/s per tenant's bot")
    parser.add_argument("--outbox-rate", type=float, help="reminders: the delivery's pace (default: --send-budget, "
                                                           "as production's REMINDER_RATE_PER_S = the bot's budget)")
    parser.add_argument("--send-latency", type=float, default=0.03, help="reminders: seconds the fake send takes")
    parser.add_argument("--concurrency", type=int, default=8, help="reminders: sends in flight per tenant")
    parser.add_argument("--pool", type=int, default=25, help="reminders: database connections per process at most")
    parser.add_argument("--pdf", default="1,2,3", help="report: the appendices whose PDF is made ('' for none)")
    parser.add_argument("--requests", type=int, default=200, help="dashboard: requests")
    parser.add_argument("--keep", action="store_true", help="leave the schema (then --reuse)")
    parser.add_argument("--reuse", action="store_true", help="measure an existing schema (--keep'd) again")
    parser.add_argument("--child-report", help=argparse.SUPPRESS)
    parser.add_argument("--child-tenant", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-user", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_report:
        print(json.dumps(report_child(args.url, args.schema, args.child_tenant, args.child_user, args.child_report)))
        return
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress while it runs
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(STAGES)
    if unknown:
        raise SystemExit(f"unknown stages: {', '.join(sorted(unknown))}")
    print(f"bench_national: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load()}")
    started = time.perf_counter()
    with national_schema(args) as (app, owner, roster, empty):
        if "evening" in only:
            principals = enrolled_principals(app, roster)
            bench_evening(args.url, args.schema, owner, principals, args.rate, args.duration, args.workers, args.seed)
        if "reminders" in only:
            bench_reminders(args.url, args.schema, roster, args.send_budget, args.outbox_rate or args.send_budget,
                            args.send_latency, args.workers, args.concurrency, args.pool)
        if only & {"report", "dashboard", "size"} and not args.reuse:
            print(f"\nfilling the campaign (every school submitted) ({load()})", flush=True)
            print(f"   filled in {fill_campaign(app, owner, roster, args.seed):.1f} s", flush=True)
        if "report" in only:
            bench_report(args.url, args.schema, roster, [int(n) for n in args.pdf.split(",") if n.strip()])
        if "dashboard" in only:
            bench_dashboard(args.url, args.schema, roster, args.requests)
        if "size" in only:
            bench_size(owner, args.schema, roster, empty)
    print(f"total {time.perf_counter() - started:.0f} s ({load()})")


if __name__ == "__main__":
    main()
