"""The production recipe on one machine: Debian's nginx (unprivileged, generated configuration in a
temporary folder, `daemon off`) in front of N `hsdt run` worker processes on one fresh PostgreSQL
database, the Zalo platform played by the fake server. Shared by the end-to-end test and
`bench/bench_webhook.py`.

The generated configuration includes `deploy/nginx/hsdt-locations.conf` itself, so what is tested
is the shipped proxy configuration; only the listening address and the upstream list differ.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import select

from hsdt.scoring import load_rubric_text
from hsdt.services.campaigns import ensure_campaign, install_rubric
from hsdt.services.roster import UnitRow, UserRow, apply_roster
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.models import Answer, AnswerAudit
from hsdt.storage.unit_of_work import UnitOfWork
from tests.bot.test_telegram_e2e import TOKEN as TELEGRAM_TOKEN
from tests.bot.test_telegram_e2e import BotProcess
from tests.bot.zalo_support import ZALO_TOKEN, channel_bot, free_port
from tests.fakes.zalo_server import FakeZaloServer, SentMessage, WebhookDelivery
from tests.helpers import RUBRIC_2024
from tests.required_tools import NGINX

ROOT = Path(__file__).resolve().parents[2]
LOCATIONS = ROOT / "deploy" / "nginx" / "hsdt-locations.conf"
WEBHOOK_SECRET = "fleet-webhook-secret-0123456789"  # valid for both platforms: letters, digits, "-"
UPLOAD_SECRET = "fleet-upload-secret-0123456789abcdef"


# --- the database ---------------------------------------------------------------------------------


def fresh_database(admin_url: str) -> str:
    """A database of its own (other runs share the server); returns its URL."""
    name = f"hsdt_fleet_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def seed_principals(url: str, count: int) -> tuple[Engine, dict[str, str]]:
    """Migrated, one campaign, `count` schools with one principal each; invite codes by user code."""
    engine = make_engine(url)
    upgrade(engine)
    source = RUBRIC_2024.read_text(encoding="utf-8")  # the users' answers below follow that rubric
    units = [UnitRow("SO", "Sở GD&ĐT", "so"), UnitRow("PGD", "Phòng GD&ĐT", "district", "SO")]
    users = []
    for i in range(count):
        units.append(UnitRow(f"S{i}", f"Trường Mầm non số {i}", "school", "PGD"))
        users.append(UserRow(f"P{i}", f"Hiệu trưởng {i}", "principal", f"S{i}"))
    with UnitOfWork(engine) as uow:
        ensure_campaign(uow, install_rubric(uow, load_rubric_text(source, "default"), source), tz="Asia/Ho_Chi_Minh")
        result = apply_roster(uow, units, users, invite_ttl=timedelta(days=1), now=datetime.now(UTC))
    return engine, {user.code: code for user, code, _ in result.invites}


# --- nginx ----------------------------------------------------------------------------------------


def _nobody() -> tuple[int, int] | None:
    """Who nginx runs as when the tests run as root: it needs no privilege (ports above 1024)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


class Proxy:
    def __init__(self, upstream_ports: list[int]) -> None:
        self.port = free_port()
        self.upstreams = upstream_ports
        # Under /tmp directly: pytest's own folder is private to its user, which nginx may not be.
        self.prefix = Path(tempfile.mkdtemp(prefix="hsdt-nginx-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in self.upstreams)
        temp = "\n".join(f"    {kind}_temp_path {self.prefix / kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return f"""daemon off;
worker_processes 1;
pid {self.prefix / 'nginx.pid'};
error_log {self.prefix / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {self.prefix / 'access.log'};
{temp}
    upstream hsdt_workers {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        include {LOCATIONS};
    }}
}}
"""

    def start(self) -> None:
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.config(), encoding="utf-8")
        user = _nobody()
        if user is not None:
            os.chmod(self.prefix, 0o777)
        def drop() -> None:  # in the child, before exec
            if user is not None:
                os.setgid(user[1])
                os.setuid(user[0])
        self.proc = subprocess.Popen(
            [str(NGINX), "-p", str(self.prefix), "-c", str(conf), "-e", str(self.prefix / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, preexec_fn=drop,
        )

    async def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise TimeoutError(f"nginx did not listen: {self.error_log()}")

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finishes the requests in flight
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)


# --- the workers ----------------------------------------------------------------------------------


def zalo_webhook(api_base: str) -> dict[str, str]:
    """A worker's settings for Zalo in webhook mode (each worker registers the proxy's address)."""
    return {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE": api_base, "ZALO_MODE": "webhook",
            "ZALO_WEBHOOK_SECRET": WEBHOOK_SECRET}


def telegram_webhook(api_base: str) -> dict[str, str]:
    """A worker's settings for Telegram in webhook mode (registered once, by `hsdt webhook set`)."""
    return {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE": api_base, "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}


class Worker:
    """One `hsdt run` process behind the proxy, its channel in webhook mode."""

    def __init__(self, index: int, root: Path, database_url: str, channel: dict[str, str], proxy_url: str,
                 trust_dir: Path, files_dir: Path, workers: int) -> None:
        self.index = index
        self.port = free_port()
        self.workdir = root / f"worker{index}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process: BotProcess = channel_bot(
            self.workdir, trust_dir, self.port,
            DATABASE_URL=database_url,
            UPLOAD_BASE_URL=proxy_url,
            UPLOAD_SECRET=UPLOAD_SECRET,
            FILES_DIR=str(files_dir),
            VERIFY_WORKERS="1",
            WORKERS=str(workers),
            REMINDERS_ENABLED="false",
            **channel,
        )

    def start(self) -> None:
        self.process.start()

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        self.process.stop()

    async def stop_async(self) -> None:
        await self.process.stop_async()

    def log(self) -> str:
        return self.process.log.read_text(errors="replace") if self.process.log.exists() else ""

    async def wait_ready(self, http: aiohttp.ClientSession, timeout: float = 240.0) -> None:
        """Until its /readyz says the database is there and migrated (the proxy may then send to it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.process.proc
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"worker {self.index} exited:\n{self.log()[-3000:]}")
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise TimeoutError(f"worker {self.index} not ready:\n{self.log()[-3000:]}")


class Fleet:
    def __init__(self, root: Path, database_url: str, channel: dict[str, str], trust_dir: Path, workers: int) -> None:
        ports = [free_port() for _ in range(workers)]
        self.proxy = Proxy(ports)
        files = root / "files"
        files.mkdir(parents=True, exist_ok=True)
        self.workers = [Worker(i, root, database_url, channel, self.proxy.base_url, trust_dir, files, workers)
                        for i in range(workers)]
        for worker, port in zip(self.workers, ports, strict=True):
            worker.port = port
            worker.process.env["WEB_PORT"] = str(port)

    def command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """An `hsdt` command with a worker's settings (e.g. `webhook set`, run once by the operator)."""
        worker = self.workers[0].process
        return subprocess.run([sys.executable, "-m", "hsdt.cli", *args], cwd=worker.workdir, env=worker.env,
                              capture_output=True, text=True, timeout=300)  # a new interpreter: aiogram's import

    async def start(self) -> None:
        self.proxy.start()
        for worker in self.workers:
            worker.start()
        await self.proxy.wait_ready()
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(worker.wait_ready(http) for worker in self.workers))

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.proxy.stop()

    async def stop_async(self) -> None:
        """The workers side by side, while the test's event loop goes on serving the fake platform
        their last sends go to; then the proxy."""
        await asyncio.gather(*(worker.stop_async() for worker in self.workers))
        self.proxy.stop()


# --- the users ------------------------------------------------------------------------------------

# (typed, the reply that follows): enrol, open the questionnaire, answer questions 1 to 5.
STEPS: list[tuple[str, str]] = [
    ("/start {code}", "Đăng ký thành công"),
    ("/tudanhgia", "Tiêu chí 1/12"),
    ("1,2,3", "Tiêu chí 2/12"),
    ("12/10", "Tiêu chí 3/12"),
    ("20/18", "Tiêu chí 4/12"),
    ("5/5", "Tiêu chí 5/12"),
    ("1,2,3,4", "Tiêu chí 6/12"),
]
# What questions 2 to 4 must hold when each answer went to the question it was typed for.
EXPECTED = {
    "B1": {"issued": 12, "used": 10},
    "B2": {"issued": 20, "used": 18},
    "B3": {"issued": 5, "used": 5},
}
ANSWERED = {"A1", "B1", "B2", "B3", "B4"}


def text_update(user_ref: str, typed: str) -> dict[str, Any]:
    """A Zalo text message as the platform posts it to the webhook."""
    return {"event_name": "message.text.received", "message": {
        "from": {"id": user_ref, "display_name": f"Hiệu trưởng {user_ref}", "is_bot": False},
        "chat": {"id": user_ref, "chat_type": "PRIVATE"}, "message_id": secrets.token_hex(10),
        "date": int(time.time() * 1000), "text": typed}}


def _unsettled(engine: Engine, user_ref: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM processed_event WHERE user_ref = :u AND settled_at IS NULL"), {"u": user_ref},
        ).scalar() or 0)


async def on_record(engine: Engine, user_ref: str, timeout: float = 120.0) -> None:
    """Until the worker that sent the user's last reply has recorded it as delivered.

    A person reads a question before answering it; here the answer would follow within
    milliseconds, sooner than the worker that sent the question records it as shown, and the
    questionnaire then (rightly) files the answer under the question on the user's screen. Waiting
    for that record stands in for a person's reading time."""
    deadline = time.monotonic() + timeout
    while await asyncio.to_thread(_unsettled, engine, user_ref):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replies to {user_ref} were never confirmed")
        await asyncio.sleep(0.05)


@dataclass
class Traffic:
    """What the simulated users did and saw."""

    twice: list[str] = field(default_factory=list)  # message ids delivered twice at once
    statuses: list[int] = field(default_factory=list)  # the proxy's answers to the webhook calls
    latencies: list[float] = field(default_factory=list)  # POST to the reply seen, per answer


def _says(expected: str) -> Callable[[SentMessage], bool]:
    return lambda message: expected in message.text


async def drive_user(zalo: FakeZaloServer, engine: Engine, user_ref: str, code: str, rng: random.Random,
                     traffic: Traffic, *, twice_p: float = 0.25, pause_s: float = 0.3) -> None:
    """One user through STEPS, each answer after the previous reply arrived and was recorded."""
    for step, (typed, expected) in enumerate(STEPS):
        await asyncio.sleep(rng.uniform(0, pause_s))  # the users' turns interleave at random
        update = text_update(user_ref, typed.format(code=code))
        started = time.perf_counter()
        if rng.random() < twice_p:
            # The same update twice at once; round robin puts the copies on two workers.
            traffic.twice.append(update["message"]["message_id"])
            results: tuple[WebhookDelivery, ...] = await asyncio.gather(
                zalo.deliver_webhook(update), zalo.deliver_webhook(update)
            )
        else:
            results = (await zalo.deliver_webhook(update),)
        traffic.statuses.extend(result.status for result in results)
        await zalo.wait_for_message(user_ref, _says(expected), timeout=120)
        if step >= 2:  # the answers, not the enrolment
            traffic.latencies.append(time.perf_counter() - started)
        await on_record(engine, user_ref)


def problems(engine: Engine, zalo: FakeZaloServer, users: list[str]) -> list[str]:
    """Every way the run broke "each answer applied once, in its user's order, every reply delivered"."""
    found = answer_problems(engine, len(users))
    for ref in users:
        shown = [m.text for m in zalo.messages(ref)]
        found.extend(f"{ref}: no reply “{expected}”" for _, expected in STEPS
                     if not any(expected in message for message in shown))
    return found


def answer_problems(engine: Engine, users: int) -> list[str]:
    """Every way the answers broke "applied once, each under the question it was typed for"."""
    found: list[str] = []
    with UnitOfWork(engine) as uow:
        answers = list(uow.session.exec(select(Answer)).all())
        audits = list(uow.session.exec(select(AnswerAudit)).all())
    by_school: dict[int, dict[str, Any]] = {}
    for answer in answers:
        by_school.setdefault(answer.school_id, {})[answer.criterion_id] = answer.value
    if len(by_school) != users:
        found.append(f"{len(by_school)} schools answered, {users} expected")
    for school, values in sorted(by_school.items()):
        if set(values) != ANSWERED or {k: values.get(k) for k in EXPECTED} != EXPECTED:
            found.append(f"school {school}: answers out of order or missing: {values}")
    changes: dict[tuple[int, str], int] = {}
    for audit in audits:
        key = (audit.school_id, audit.criterion_id)
        changes[key] = changes.get(key, 0) + 1
    found.extend(f"school {school} {criterion}: applied {n} times" for (school, criterion), n in
                 sorted(changes.items()) if n != 1)
    if len(changes) != users * len(ANSWERED):
        found.append(f"{len(changes)} answers applied, {users * len(ANSWERED)} expected")
    return found


def repeated_replies(zalo: FakeZaloServer, users: list[str]) -> int:
    """Messages a user was shown more than once (a SIGKILL or a redelivery may repeat one)."""
    repeats = 0
    for ref in users:
        texts = [m.text for m in zalo.messages(ref)]
        repeats += len(texts) - len(set(texts))
    return repeats
