"""Benchmark: fan out N reminders through the outbox delivery against the fake Telegram server.

The server enforces a rate limit with 429s (token buckets, like Telegram: `--rate` messages/s overall,
1/s per chat); the delivery runs with the same limits. Prints total time, messages lost and
duplicated (both must be 0), the 429s received and the achieved rate against the allowed one.

Run: ``.venv/bin/python bench/bench_reminders.py [--users 10000] [--rate 300] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402

from hsdt.channels.outbox import ChannelLimits, OutboxDelivery  # noqa: E402
from hsdt.channels.telegram.client import make_bot  # noqa: E402
from hsdt.channels.telegram.render import TelegramSender  # noqa: E402
from hsdt.reminders.engine import fire, load_calendar  # noqa: E402
from hsdt.scoring import default_rubric_path, load_rubric_text  # noqa: E402
from hsdt.services.campaigns import ensure_campaign, install_rubric  # noqa: E402
from hsdt.services.demo import DEMO_UNITS  # noqa: E402
from hsdt.services.roster import UnitRow  # noqa: E402
from hsdt.storage.db import make_engine, upgrade  # noqa: E402
from hsdt.storage.models import ChatIdentity, OutboxMessage, Role, Unit, User  # noqa: E402
from hsdt.storage.rubrics import RubricCache  # noqa: E402
from hsdt.storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402
from tests.present import present  # noqa: E402

TZ = "Asia/Ho_Chi_Minh"
TOKEN = "123456:BENCH"
FIRST_CHAT = 100_000


def serve_fake_telegram(conn: Connection, rate: float, chats: list[int]) -> None:
    """The fake server in its own process, as Telegram is: the sender's CPU is not shared with it."""

    async def main() -> None:
        server = FakeTelegramServer(token=TOKEN)
        await server.start()
        server.set_rate_limit(global_per_s=rate, per_chat_per_s=1, retry_after=1)
        conn.send(server.base_url)
        await asyncio.to_thread(conn.recv)  # "report"
        conn.send(({chat: len(server.messages(chat)) for chat in chats}, server.rejected_429))
        await server.stop()

    asyncio.run(main())


def seed(engine: Engine, users: int) -> None:
    source = default_rubric_path().read_text(encoding="utf-8")
    with UnitOfWork(engine) as uow:
        campaign = ensure_campaign(uow, install_rubric(uow, load_rubric_text(source, source="default"), source),
                                   tz=TZ, today=date(2024, 12, 22))
        rows: list[UnitRow] = DEMO_UNITS[:3]
        by_code: dict[str, Unit] = {}
        for row in rows:
            parent = by_code.get(row.parent_code or "")
            by_code[row.code] = uow.units.add(Unit(code=row.code, name=row.name, kind=row.kind,
                                                   parent_id=parent.id if parent else None))
        districts = [by_code["PGD-HB"], by_code["PGD-TN"]]
        schools = [Unit(code=f"MN-B{i:05}", name=f"Trường Mầm non {i:05}", kind="school",
                        parent_id=districts[i % 2].id) for i in range(users)]
        uow.session.add_all(schools)
        uow.session.flush()
        # Reminders go to the schools taking part in the campaign.
        uow.units.join_campaign(present(campaign.id), [present(u.id) for u in (*by_code.values(), *schools)])
        people = [User(code=f"HT-B{i:05}", full_name=f"Hiệu trưởng {i:05}", role=Role.PRINCIPAL, unit_id=present(s.id))
                  for i, s in enumerate(schools)]
        uow.session.add_all(people)
        uow.session.flush()
        uow.session.add_all([ChatIdentity(channel="telegram", external_id=str(FIRST_CHAT + i), user_id=present(u.id))
                             for i, u in enumerate(people)])


async def run(args: argparse.Namespace) -> None:
    tmp = tempfile.TemporaryDirectory()
    if args.postgres:
        engine = make_engine(args.postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        engine = make_engine(f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}")
    upgrade(engine)
    started = time.perf_counter()
    seed(engine, args.users)
    print(f"seeded {args.users} schools and principals in {time.perf_counter() - started:.1f} s "
          f"({engine.dialect.name})")

    now = datetime(2024, 12, 22, 8, 0, tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    with UnitOfWork(engine) as uow:
        reminder = present(load_calendar(uow, TZ)).reminders()[0]
    started = time.perf_counter()
    result = await asyncio.to_thread(fire, engine, reminder.id, now, TZ, RubricCache())
    print(f"decided reminder {reminder.id}: {result.enqueued} queued in {time.perf_counter() - started:.1f} s")

    chats = [FIRST_CHAT + i for i in range(args.users)]
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve_fake_telegram,
                                                           args=(child, args.rate, chats))
    process.start()
    base_url = await asyncio.to_thread(parent.recv)
    bot = make_bot(TOKEN, base_url)
    try:
        delivery = OutboxDelivery(engine, {"telegram": TelegramSender(bot)}, clock=lambda: now,
                                  default_limits=ChannelLimits(args.rate, 1), concurrency=args.concurrency)
        started = time.perf_counter()
        stats = await delivery.drain()
        elapsed = time.perf_counter() - started
    finally:
        await bot.session.close()
        parent.send("report")
        counts, rejected_429 = await asyncio.to_thread(parent.recv)
        process.join(timeout=10)

    per_chat = Counter(counts)
    lost = sum(1 for count in per_chat.values() if count == 0)
    duplicates = sum(count - 1 for count in per_chat.values() if count > 1)
    with UnitOfWork(engine) as uow:
        unsent = uow.session.exec(select(func.count()).select_from(OutboxMessage)
                                  .where(col(OutboxMessage.sent_at).is_(None))).one()
    delivered = sum(per_chat.values())
    rate = delivered / elapsed
    print(f"allowed rate      {args.rate:.0f} msg/s overall, 1 msg/s per chat (429 retry_after=1 s)")
    print(f"messages          {delivered} delivered to {args.users} chats, concurrency {args.concurrency}")
    print(f"total time        {elapsed:.1f} s")
    print(f"lost              {lost} (outbox rows still unsent: {unsent})")
    print(f"duplicates        {duplicates}")
    print(f"429 received      {rejected_429} (honoured: {stats.retried})")
    print(f"achieved rate     {rate:.1f} msg/s = {100 * rate / args.rate:.1f}% of the allowed rate")
    engine.dispose()
    tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="allowed messages per second overall")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of a temporary SQLite file "
                                           "(its public schema is dropped)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
