"""End to end through a fake Bot API server: the bot's answers/s beside an aiogram echo bot's
round-trips/s, measured in the same run on the same machine.

    .venv/bin/python bench/bench_e2e.py [--principals 40] [--echo-rounds 100]

Both bots run as their own process (`hsdt run`, and a minimal aiogram echo bot), each polling its own
fake server in this process. N principals act at once, each waiting for the answer before the next
message, like a person: the echo phase sends text and waits for its echo; the bot phase enrols and
opens the questionnaire (neither timed nor counted in its CPU; one more principal answers
everything first, as a warm-up), then answers the 11 questions (typed
numbers and button presses), each time waiting until the next question is shown. SQLite, reminders off. Each bot's
CPU time per round-trip/answer is printed too: on a shared machine it moves far less than the rates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_handlers import prepare  # noqa: E402

from tests.fakes.telegram_server import FakeTelegramServer, SentMessage  # noqa: E402

# How long each bot may take to start polling: on a busy shared machine imports alone take a while.
STARTUP_S = 240
BOT_TOKEN = "123456:BENCH-BOT"
ECHO_TOKEN = "654321:BENCH-ECHO"
ECHO_BOT = """
import asyncio, sys
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

async def main() -> None:
    bot = Bot(sys.argv[1], session=AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[2])))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    await dp.start_polling(bot, handle_signals=True)

asyncio.run(main())
"""

# (typed text or button label, the question shown next) from question 1 of the default rubric (hsdt-2026.2).
SCRIPT: list[tuple[str, str, str]] = [
    ("type", "1,2,3", "Tiêu chí 2/12"),
    ("type", "12/10", "Tiêu chí 3/12"),
    ("type", "20/18", "Tiêu chí 4/12"),
    ("type", "5/5", "Tiêu chí 5/12"),
    ("type", "1,2", "Tiêu chí 6/12"),
    ("press", "Đầy đủ", "Tiêu chí 7/12"),
    ("press", "Đạt một phần", "Tiêu chí 8/12"),
    ("type", "100/15/85", "Tiêu chí 9/12"),
    ("press", "Có", "Tiêu chí 10/12"),
    ("press", "Xong", "Tiêu chí 11/12"),
    ("press", "Đạt", "Tiêu chí 12/12"),
]


def shows(fragment: str) -> Callable[[SentMessage], bool]:
    return lambda m: fragment in (m.text or "")


async def echo_phase(server: FakeTelegramServer, users: list[int], rounds: int) -> tuple[int, float]:
    async def one(user: int) -> None:
        for i in range(rounds):
            server.push_text(user, f"ping {i}")
            await server.wait_for_message(user, predicate=shows(f"ping {i}"), timeout=60)

    await asyncio.gather(*(one(u) for u in users[:1]))  # warm up
    started = time.perf_counter()
    await asyncio.gather(*(one(u) for u in users))
    return len(users) * rounds, time.perf_counter() - started


async def bot_phase(server: FakeTelegramServer, users: dict[int, str],
                    cpu: Callable[[], float]) -> tuple[int, float, float]:
    """Answers, seconds, and the bot's CPU seconds while answering (`cpu`: the bot's CPU so far). The
    enrolment and opening before are neither timed nor counted: they are not answers."""
    first: dict[int, SentMessage] = {}

    async def open_questionnaire(user: int, code: str) -> None:
        server.push_text(user, f"/start {code}")
        await server.wait_for_message(user, predicate=shows("Đăng ký thành công"), timeout=120)
        server.push_text(user, "/tudanhgia")
        first[user] = await server.wait_for_message(user, predicate=shows("Tiêu chí 1/12"), timeout=120)

    async def answer_all(user: int) -> None:
        question = first[user]
        for how, value, following in SCRIPT:
            if how == "type":
                server.push_text(user, value)
            else:
                server.press_button(user, question, value)
            question = await server.wait_for_message(user, predicate=shows(following), timeout=120)

    # One principal answers everything first, untimed, as the echo phase warms up with one user: the
    # first answers compile statements and build response models once per process.
    warm, *timed = users
    await open_questionnaire(warm, users[warm])
    await answer_all(warm)
    users = {u: users[u] for u in timed}
    await asyncio.gather(*(open_questionnaire(u, c) for u, c in users.items()))
    used = cpu()
    started = time.perf_counter()
    await asyncio.gather(*(answer_all(u) for u in users))
    elapsed = time.perf_counter() - started
    return len(users) * len(SCRIPT), elapsed, cpu() - used


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU time a child process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_bot(workdir: Path, url: str, api_base: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_API_BASE": api_base,
           "DATA_DIR": str(workdir / "data"), "FILES_DIR": str(workdir / "data" / "files"),
           "SEED_DEMO": "false", "REMINDERS_ENABLED": "false", "LOG_LEVEL": "WARNING",
           # The echo bot has no send budget and the fake server no rate limit: measured is the work per
           # answer, not Telegram's 30 messages a second (which would hold the bot at ~15 answers/s).
           "SEND_RATE_PER_S": "100000"}
    log = (workdir / "bot.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "hsdt.cli", "run"], cwd=workdir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


async def run(principals: int, echo_rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        engine, codes = prepare(url, principals + 1)  # one more to warm up
        engine.dispose()
        users = {7000 + i: code for i, code in enumerate(codes.values())}
        echo_users = list(users)[1:]
        async with FakeTelegramServer(BOT_TOKEN) as bot_api, FakeTelegramServer(ECHO_TOKEN) as echo_api:
            echo = subprocess.Popen([sys.executable, "-c", ECHO_BOT, ECHO_TOKEN, echo_api.base_url],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            bot = start_bot(workdir, url, bot_api.base_url)
            try:
                await echo_api.wait_for_calls("getUpdates", 1, timeout=STARTUP_S)
                await bot_api.wait_for_calls("getUpdates", 1, timeout=STARTUP_S)
                echo_cpu = cpu_seconds(echo)
                trips, echo_s = await echo_phase(echo_api, echo_users, echo_rounds)
                echo_cpu = cpu_seconds(echo) - echo_cpu
                answers, bot_s, bot_cpu = await bot_phase(bot_api, users, lambda: cpu_seconds(bot))
            finally:
                # Waited for off the loop: the fake servers it runs must answer the sends a stopping
                # bot finishes on its way out.
                for process in (echo, bot):
                    process.terminate()
                    await asyncio.to_thread(process.wait, 60)
        echo_rate, bot_rate = trips / echo_s, answers / bot_s
        print(f"principals={principals}")
        print(f"aiogram echo bot: {trips} round-trips in {echo_s:.2f}s = {echo_rate:.0f} round-trips/s, "
              f"cpu {echo_cpu / trips * 1000:.2f} ms/round-trip")
        print(f"hsdt bot:         {answers} answers in {bot_s:.2f}s = {bot_rate:.0f} answers/s, "
              f"cpu {bot_cpu / answers * 1000:.2f} ms/answer")
        echo_ms, bot_ms = echo_cpu / trips * 1000, bot_cpu / answers * 1000
        print(f"cpu ratio: {bot_ms / echo_ms:.2f} (the bot's CPU per answer over the echo's per round-trip; "
              f"target <= 3); rate ratio: {bot_rate / echo_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--principals", type=int, default=40)
    # Long enough that the echo bot's own full collections are in its figure as they are in a day's work
    # (a short phase has them or not: its CPU per round-trip then moved by half, measured).
    parser.add_argument("--echo-rounds", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.principals, args.echo_rounds))


if __name__ == "__main__":
    main()
