"""The Zalo OA webhook path: K users typing to one bot process through signed webhook calls.

    .venv/bin/python bench/bench_zalo_oa_webhook.py [--users 50] [--turns 10]

The bot of the OA end-to-end tests (tests/bot/zalo_oa_support.py: built by the bootstrap, its web
server on a port, SQLite) against the fake OA. The first user enrols, the others open the chat; each sends `--turns`
texts, each after the previous reply arrived (a person reads before typing). Timed per turn: the
webhook's answer (Zalo wants it within 2 s) and the reply reaching the fake platform. Printed:
answers/s, p50/p99 of both, and the OA messages each turn cost.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.bot.zalo_oa_support import Bot, enrolled, morning, oa_bot  # noqa: E402
from tests.fakes.zalo_oa_server import FakeOAUser  # noqa: E402
from tests.signatures.testpki import build_pki  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else float("nan")



def _more_than(user: FakeOAUser, seen: int) -> bool:
    return len(user.seen) > seen

async def drive(bot: Bot, user: FakeOAUser, turns: int, answers: list[float], replies: list[float]) -> None:
    fake = bot.fake
    for _ in range(turns):
        before = len(user.seen)
        body = fake.encode(fake._user_message(user, "user_send_text", text="/danhmuc"))
        started = time.perf_counter()
        delivery = await fake.deliver(body)
        answers.append(time.perf_counter() - started)
        assert delivery.status == 200, delivery
        await fake.wait_until(functools.partial(_more_than, user, before), timeout=60, what="the reply")
        replies.append(time.perf_counter() - started)
        user.consumed = len(user.seen)


async def run(users: int, turns: int) -> None:
    with tempfile.TemporaryDirectory(prefix="hsdt-bench-oa-") as root:
        trust = build_pki(Path(root) / "pki").trust_dir
        async with oa_bot(Path(root), trust, morning()) as bot:
            # The demo roster has one principal: the first user enrols with it and the others stay
            # strangers (each turn is the stranger's answer). Verification, deduplication, the dispatcher's
            # transaction and the send are the same path; the handlers' own cost is bench_handlers.py's.
            code = bot.codes["HT-HOASEN"]
            people = [await enrolled(bot, code, f"Người dùng {i}") for i in range(1)]
            people += [bot.fake.add_user(f"Người dùng {i}") for i in range(1, users)]
            for person in people[1:]:
                bot.fake.clicks_chat_now(person)
                await bot.fake.wait_for_message(person, timeout=60)
            sent_before = sum(len(u.seen) for u in people)
            answers: list[float] = []
            replies: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(*(drive(bot, person, turns, answers, replies) for person in people))
            elapsed = time.perf_counter() - started
            sent = sum(len(u.seen) for u in people) - sent_before
            print(f"users={users} turns={len(replies)} time={elapsed:.1f}s answers/s={len(replies) / elapsed:.1f} "
                  f"webhook p50={percentile(answers, 0.5):.0f}ms p99={percentile(answers, 0.99):.0f}ms "
                  f"reply p50={percentile(replies, 0.5):.0f}ms p99={percentile(replies, 0.99):.0f}ms "
                  f"messages/turn={sent / max(1, len(replies)):.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.users, args.turns))


if __name__ == "__main__":
    main()
