"""The deadline evening through the production path: every Sở with its own Zalo bot, `hsdt run` workers
in webhook mode behind nginx, PostgreSQL, the workers connected as `hsdt_app` (row-level security on).

    .venv/bin/python bench/bench_national_http.py [--tenants 34] [--users-per-tenant 72] [--rate 40]
        [--duration 300] [--workers 3] [--send-rate 30]

The recipe of the fleet tests (tests/deploy/fleet.py): Debian's nginx with deploy/nginx/hsdt-locations.conf
in front of the workers, on a database of its own on HSDT_TEST_POSTGRES_URL's server. The first Sở's bot
comes from the environment, every other Sở's from its `tenant_channel` row; each bot registers its own
webhook path (`/t/<code>/zalo/webhook`) and secret on the fake Zalo host, which serves every token.
Each user enrols and opens the questionnaire first (not timed). Then answers arrive as a Poisson process at
`--rate` for `--duration` seconds: each arrival is the next answer of a user (in any Sở) whose previous
reply arrived and was recorded (a person reads before answering). Timed: from the webhook POST to the reply
reaching the fake platform. Printed: answers/s achieved, p50/p99, errors, CPU per answer of the workers
(their own processes; nginx, PostgreSQL and the fake platform are not counted), and whether every answer
was applied once (audit rows).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sqlalchemy import make_url, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from hsdt.scoring import load_rubric_text  # noqa: E402
from hsdt.services.campaigns import ensure_campaign, install_rubric  # noqa: E402
from hsdt.services.roster import UnitRow, UserRow, apply_roster  # noqa: E402
from hsdt.services.tenants import create_tenant  # noqa: E402
from hsdt.storage.db import make_engine, upgrade  # noqa: E402
from hsdt.storage.roles import grant_app_role  # noqa: E402
from hsdt.storage.tenancy import DEFAULT_TENANT  # noqa: E402
from hsdt.storage.tenant_channels import ChannelConfig, ChannelKind, save_channel  # noqa: E402
from hsdt.storage.unit_of_work import UnitOfWork  # noqa: E402
from tests.deploy.fleet import STEPS, Fleet, drop_database, fresh_database, on_record, text_update  # noqa: E402
from tests.fakes.zalo_server import FakeZaloCloud, FakeZaloServer  # noqa: E402
from tests.helpers import RUBRIC_2024  # noqa: E402
from tests.required_tools import NGINX  # noqa: E402
from tests.signatures.testpki import build_pki  # noqa: E402

PG_URL = os.environ.get("HSDT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
APP_ROLE = "hsdt_app"
PREP_STEPS = 2  # enrol, open the questionnaire


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000 if ordered else float("nan")


def token_of(tenant: int) -> str:
    return f"{8_000_000_000 + tenant}:so-{tenant}-zalo-token"


def secret_of(tenant: int) -> str:
    return f"so-{tenant}-zalo-webhook-secret"


@dataclass
class User:
    ref: str
    code: str
    bot: FakeZaloServer
    step: int = 0


@dataclass
class Evening:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unserved: int = 0  # arrivals that found every user still reading


def seed(owner: Engine, app: Engine, tenants: int, per_tenant: int) -> dict[int, dict[str, str]]:
    """`tenants` Sở (the first is the migration's), each with its campaign, a school per principal and
    the principals' invite codes; every Sở but the first gets its bot's channel row."""
    source = RUBRIC_2024.read_text(encoding="utf-8")  # fleet.STEPS answer that rubric's questions
    ids = [DEFAULT_TENANT] + [create_tenant(owner, f"so-{n:02d}", f"Sở Giáo dục và Đào tạo {n}", f"Tỉnh {n}").id
                              for n in range(2, tenants + 1)]
    codes: dict[int, dict[str, str]] = {}
    for tenant in ids:
        units = [UnitRow("SO", "Sở GD&ĐT", "so"), UnitRow("XA", "UBND xã", "district", "SO")]
        users = []
        for i in range(per_tenant):
            units.append(UnitRow(f"S{i}", f"Trường Mầm non số {i}", "school", "XA"))
            users.append(UserRow(f"P{i}", f"Hiệu trưởng {i}", "principal", f"S{i}"))
        with UnitOfWork(app, tenant) as uow:
            ensure_campaign(uow, install_rubric(uow, load_rubric_text(source, "default"), source),
                            tz="Asia/Ho_Chi_Minh")
            result = apply_roster(uow, units, users, invite_ttl=timedelta(days=1), now=datetime.now(UTC))
        codes[tenant] = {user.code: code for user, code, _ in result.invites}
        if tenant != DEFAULT_TENANT:
            token = token_of(tenant)
            save_channel(owner, ChannelConfig(tenant, ChannelKind.ZALO_BOT, token.split(":", 1)[0], token=token,
                                              webhook_secret=secret_of(tenant)))
    return codes


async def step(user: User, owner: Engine) -> float:
    """The user's next message, until its reply arrived and was recorded; seconds from the POST."""
    typed, expected = STEPS[user.step]
    started = time.perf_counter()
    delivered = await user.bot.deliver_webhook(text_update(user.ref, typed.format(code=user.code)))
    if delivered.status != 200:
        raise RuntimeError(f"{user.ref}: the webhook answered {delivered.status}")
    await user.bot.wait_for_message(user.ref, lambda m: expected in m.text, timeout=120)
    took = time.perf_counter() - started
    await on_record(owner, user.ref)
    user.step += 1
    return took


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_pids(fleet: Fleet) -> list[int]:
    """The workers and their children (the signature checker's sandboxes)."""
    roots = [w.process.proc.pid for w in fleet.workers if w.process.proc is not None]
    found = list(roots)
    for pid in roots:
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found


async def evening(users: list[User], owner: Engine, rate: float, duration: float, seed_value: int) -> Evening:
    rng = random.Random(seed_value)
    result = Evening()
    idle = [u for u in users if u.step < len(STEPS)]
    running: set[asyncio.Task[None]] = set()

    async def answer(user: User) -> None:
        try:
            result.latencies.append(await step(user, owner))
        except Exception as error:  # counted and shown, never hidden
            result.errors.append(f"{user.ref}: {error!r}"[:300])
        if user.step < len(STEPS):
            idle.append(user)

    end = time.perf_counter() + duration
    next_at = time.perf_counter()
    while True:
        next_at += rng.expovariate(rate)
        if next_at >= end:
            break
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        if not idle:
            result.unserved += 1
            continue
        user = idle.pop(rng.randrange(len(idle)))
        task = asyncio.create_task(answer(user))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running)
    return result


def applied_once(owner: Engine) -> tuple[int, int]:
    """Answers in the audit trail, and (school, criterion) pairs changed more than once."""
    with owner.connect() as conn:
        audits = int(conn.execute(text("SELECT count(*) FROM answer_audit")).scalar() or 0)
        twice = int(conn.execute(text(
            "SELECT count(*) FROM (SELECT tenant_id, school_id, criterion_id FROM answer_audit "
            "GROUP BY tenant_id, school_id, criterion_id HAVING count(*) > 1) AS more")).scalar() or 0)
    return audits, twice


async def run(args: argparse.Namespace, trust_dir: Path) -> None:
    url = fresh_database(PG_URL)
    owner = make_engine(url)
    try:
        upgrade(owner)
        grant_app_role(owner, APP_ROLE)
        app_url = make_url(url).set(username=APP_ROLE, password=None).render_as_string(hide_password=False)
        app = make_engine(app_url)
        started = time.perf_counter()
        codes = seed(owner, app, args.tenants, args.users_per_tenant)
        app.dispose()
        print(f"seeded {args.tenants} Sở x {args.users_per_tenant} principals in {time.perf_counter() - started:.1f} s",
              flush=True)
        tokens = {tenant: token_of(tenant) for tenant in codes}
        async with FakeZaloCloud(*tokens.values()) as cloud:
            env = {"ZALO_BOT_TOKEN": tokens[DEFAULT_TENANT], "ZALO_API_BASE": cloud.base_url, "ZALO_MODE": "webhook",
                   "ZALO_WEBHOOK_SECRET": secret_of(DEFAULT_TENANT), "SEND_RATE_PER_S": str(args.send_rate)}
            with tempfile.TemporaryDirectory(prefix="hsdt-bench-") as root:
                fleet = Fleet(Path(root), app_url, env, trust_dir, args.workers)
                try:
                    await fleet.start()
                    for tenant, token in tokens.items():
                        bot = cloud.bot(token)
                        await bot.wait_until(lambda bot=bot: bool(bot.webhook_url), timeout=120,  # type: ignore[misc]
                                             what=f"Sở {tenant}'s webhook")
                    users = [User(f"t{tenant}u{i}", codes[tenant][f"P{i}"], cloud.bot(tokens[tenant]))
                             for tenant in codes for i in range(args.users_per_tenant)]
                    prep_started = time.perf_counter()
                    gate = asyncio.Semaphore(24)

                    async def prepare(user: User) -> None:
                        async with gate:
                            for _ in range(PREP_STEPS):
                                await step(user, owner)

                    await asyncio.gather(*(prepare(user) for user in users))
                    print(f"{len(users)} principals enrolled and in the questionnaire in "
                          f"{time.perf_counter() - prep_started:.1f} s (not timed)", flush=True)
                    pids = worker_pids(fleet)
                    print(f"\ndeadline evening through nginx ({load()}): {args.workers} workers, Poisson arrivals "
                          f"at {args.rate:g} answers/s for {args.duration:g} s across {args.tenants} Sở", flush=True)
                    cpu_before, wall_before = cpu_seconds(pids), time.perf_counter()
                    done = await evening(users, owner, args.rate, args.duration, args.seed)
                    wall, cpu = time.perf_counter() - wall_before, cpu_seconds(pids) - cpu_before
                finally:
                    await fleet.stop_async()
        answers = len(done.latencies)
        audits, twice = applied_once(owner)
        print(f"   answers {answers} in {wall:.1f} s = {answers / wall:.1f}/s (offered {args.rate:g}/s; "
              f"{done.unserved} arrivals found every user still reading)")
        print(f"   latency, webhook POST to the reply on the platform: p50 {percentile(done.latencies, 0.5):.1f} ms  "
              f"p99 {percentile(done.latencies, 0.99):.1f} ms  max {max(done.latencies, default=0) * 1000:.0f} ms")
        print(f"   cpu/answer {cpu / max(answers, 1) * 1000:.2f} ms (the workers' processes; nginx, PostgreSQL "
              "and the fake platform excluded)")
        print(f"   errors {len(done.errors)}" + "".join(f"\n     {e}" for e in done.errors[:5]))
        print(f"   applied once: {'yes' if twice == 0 and audits == answers else 'NO'} (answers {answers}; audit "
              f"rows {audits}; criteria changed more than once {twice})")
        print(f"({load()})")
    finally:
        owner.dispose()
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=34)
    parser.add_argument("--users-per-tenant", type=int, default=72,
                        help="5 answers each: 34 x 72 principals carry 40/s for 300 s")
    parser.add_argument("--rate", type=float, default=40.0)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--send-rate", type=float, default=30.0, help="SEND_RATE_PER_S of each Sở's bot")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not NGINX.exists():
        sys.exit(f"{NGINX} is missing: apt-get install nginx-light")
    print(f"bench_national_http: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hsdt-bench-pki-") as pki_dir:
        pki = build_pki(Path(pki_dir))
        asyncio.run(run(args, pki.trust_dir))


if __name__ == "__main__":
    main()
