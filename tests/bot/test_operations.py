"""What an operator watches: the probes, the Prometheus metrics and the structured log lines."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from hsdt.app.bootstrap import App
from hsdt.app.logs import configure
from hsdt.app.metrics import MeteredChecker, Metrics
from hsdt.config import Settings
from hsdt.events import Incoming, Kind, Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.tokens import UploadLinks
from hsdt.logcontext import event_scope
from hsdt.redaction import MASK, redact_secrets
from hsdt.storage.db import head_revision, make_engine, upgrade
from hsdt.web.config import WebConfig
from hsdt.web.server import make_web_app
from tests.bot.test_upload_page import SECRET
from tests.helpers import Clock, WebClient


def _app(engine: Engine, dispatcher: Dispatcher, tmp_path: Path) -> App:
    settings = Settings(_env_file=None, data_dir=tmp_path, files_dir=tmp_path / "files")
    metrics = Metrics()
    dispatcher.on_handled = metrics.observe_event
    return App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None, metrics=metrics)


async def _client(app: App, clock: Clock) -> AsyncIterator[WebClient]:
    links = UploadLinks(SECRET, "http://bot.example", timedelta(minutes=30), clock)
    async with TestClient(TestServer(make_web_app(app, WebConfig(links=links)))) as client:
        yield client


@pytest.fixture
async def client(engine: Engine, dispatcher: Dispatcher, tmp_path: Path, clock: Clock,
                 ) -> AsyncIterator[tuple[WebClient, App]]:
    app = _app(engine, dispatcher, tmp_path)
    async for c in _client(app, clock):
        yield c, app


def _sample(text: str, name: str) -> float:
    """The value of one sample line (`name` with its labels, as exposed)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exposed:\n{text}")


async def test_probes_and_metrics(client: tuple[WebClient, App], engine: Engine, dispatcher: Dispatcher,
                                  codes: dict[str, str]) -> None:
    http, app = client
    assert (await http.get("/healthz")).status == 200
    ready = await http.get("/readyz")
    assert ready.status == 200
    assert await ready.json() == {"ok": True, "database": "reachable", "migration": head_revision(engine),
                                  "head": head_revision(engine)}

    event = Incoming(channel="test", user_ref="ops-1", event_id="ops-e1", kind=Kind.COMMAND,
                     text=f"/start {codes['HT-HOASEN']}")
    await dispatcher.process(event)
    await dispatcher.process(event)  # a redelivery: counted as a duplicate, not applied
    user_id = dispatcher.user_id_of("test", "ops-1")
    assert user_id is not None
    dispatcher.notify(user_id, [Reply("Nhắc việc")], "reminder_due", "ops:reminder")

    response = await http.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert _sample(text, 'hsdt_events_handled_total{channel="test",kind="command",outcome="applied"}') == 1
    assert _sample(text, 'hsdt_events_handled_total{channel="test",kind="command",outcome="duplicate"}') == 1
    assert _sample(text, 'hsdt_event_handling_seconds_count{channel="test"}') == 2
    # The enrolment's replies are committed and never confirmed sent here; the reminder waits in the outbox.
    assert _sample(text, "hsdt_replies_pending") == 1
    assert _sample(text, "hsdt_outbox_depth") == 1

    app.metrics.observe_outbox_sent("reminder_due")
    app.metrics.observe_outbox_sent("upload_result")
    text = await (await http.get("/metrics")).text()
    assert _sample(text, "hsdt_reminders_sent_total") == 1
    assert _sample(text, 'hsdt_outbox_sent_total{kind="upload_result"}') == 1


async def test_not_ready_behind_the_migrations_or_without_a_database(
    tmp_path: Path, dispatcher: Dispatcher, clock: Clock
) -> None:
    behind = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(behind, "0008")
    async for http in _client(_app(behind, dispatcher, tmp_path), clock):
        response = await http.get("/readyz")
        assert response.status == 503
        body = await response.json()
        assert body["ok"] is False and body["migration"] == "0008" and body["head"] != "0008"
        assert (await http.get("/healthz")).status == 200  # up, only not ready
    behind.dispose()

    gone = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    async for http in _client(_app(gone, dispatcher, tmp_path), clock):
        response = await http.get("/readyz")
        assert response.status == 503 and (await response.json())["database"] == "unreachable"
        assert (await http.get("/metrics")).status == 200  # the process's own counters still served
    gone.dispose()


def test_log_lines_are_json_with_the_event_and_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "hsdt.log"
    handler = configure("INFO", "json", path)
    secret = "987654:SECRET-token-for-the-log-test"
    redact_secrets(secret)
    logger = logging.getLogger("hsdt.test_ops")
    try:
        logger.info("outside any event")
        with event_scope("zalo", "m-42"):
            logger.warning("calling https://api.example/bot%s/sendMessage", secret)
            try:
                raise RuntimeError(f"boom at /bot{secret}/getUpdates")
            except RuntimeError:
                logger.exception("send failed")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    raw = path.read_text(encoding="utf-8")
    assert secret not in raw
    lines = [json.loads(line) for line in raw.splitlines()]
    assert [line.get("event") for line in lines] == [None, "zalo:m-42", "zalo:m-42"]
    assert lines[1]["level"] == "WARNING" and lines[1]["logger"] == "hsdt.test_ops"
    assert MASK in lines[1]["msg"]
    assert "RuntimeError" in lines[2]["exc"] and MASK in lines[2]["exc"]


async def test_the_event_id_reaches_lines_logged_inside_the_transaction(
    dispatcher: Dispatcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hsdt.log"
    handler = configure("INFO", "json", path)

    def broken(event: Incoming, checked: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(dispatcher, "_apply", broken)
    try:
        await dispatcher.process(Incoming(channel="tg", user_ref="u", event_id="ops-77", kind=Kind.TEXT, text="x"))
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    failed = [line for line in lines if "failed; transaction rolled back" in line["msg"]]
    assert failed and failed[0]["event"] == "tg:ops-77" and "the database went away" in failed[0]["exc"]


async def test_the_verifier_is_counted_without_changing_its_verdict(tmp_path: Path) -> None:
    from datetime import date

    from hsdt.signatures import RecordPeriod, SignatureChecker

    metrics = Metrics()
    inner = SignatureChecker(None, RecordPeriod(date(2024, 9, 1), date(2024, 12, 31), "Asia/Ho_Chi_Minh"),
                             max_workers=1)
    checker = MeteredChecker(inner, metrics)
    broken = tmp_path / "not-a.pdf"
    broken.write_bytes(b"%PDF-1.7 this is no PDF")
    try:
        verdict = await checker.check(broken, display_name="x.pdf")
        direct = await inner.check(broken, display_name="x.pdf")
    finally:
        checker.close()
    assert verdict == direct
    text = metrics.render().decode()
    assert _sample(text, f'hsdt_verifier_results_total{{status="{verdict.status}"}}') == 1
    assert _sample(text, "hsdt_verifier_seconds_count") == 1
    assert _sample(text, "hsdt_verifier_in_flight") == 0
