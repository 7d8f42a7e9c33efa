"""Prometheus metrics of one bot process, served at `/metrics` by the bot's web server.

Everything is observed at the composition boundary: the dispatcher tells `observe_event` what it
handled (the bootstrap installs it as `Dispatcher.on_handled`), the signature checker is wrapped
(`MeteredChecker`), the outbox delivery reports each row it sent. The gauges that describe shared
state (replies committed but not confirmed sent, the outbox's depth) are read from the database at
scrape time, so every worker reports the same, true figure. One registry per process, not the
library's global one, so tests that build several apps in one process never collide.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.engine import Engine

from hsdt.events import Handled, Incoming
from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.classify import SchoolIdentity
from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.verdict import FileVerdict
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Event handling on a loaded database is tens of milliseconds; a signature check, seconds.
_EVENT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_CHECK_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter("hsdt_events_handled", "Incoming events handled, by channel, kind and outcome",
                              ["channel", "kind", "outcome"], registry=r)
        self.latency = Histogram("hsdt_event_handling_seconds",
                                 "Time from an event reaching the dispatcher to its replies being ready",
                                 ["channel"], buckets=_EVENT_BUCKETS, registry=r)
        self.replies_pending = Gauge("hsdt_replies_pending",
                                     "Turns committed whose replies the platform has not confirmed yet (all workers)",
                                     registry=r)
        self.outbox_depth = Gauge("hsdt_outbox_depth", "Outbox messages due and not sent yet (all workers)",
                                  registry=r)
        self.outbox_sent = Counter("hsdt_outbox_sent", "Outbox messages sent by this process, by kind",
                                   ["kind"], registry=r)
        self.reminders_sent = Counter("hsdt_reminders_sent", "Reminders sent by this process", registry=r)
        self.verifier_in_flight = Gauge("hsdt_verifier_in_flight",
                                        "Signature checks running or waiting for a worker", registry=r)
        self.verifier_waiting = Gauge("hsdt_verifier_queue",
                                      "Signature checks waiting for a free verifier worker", registry=r)
        self.verifier_seconds = Histogram("hsdt_verifier_seconds", "Time of one signature check, queueing included",
                                          buckets=_CHECK_BUCKETS, registry=r)
        self.verifier_results = Counter("hsdt_verifier_results", "Signature checks by verdict status",
                                        ["status"], registry=r)
        self.verifier_timeouts = Counter("hsdt_verifier_timeouts",
                                         "Signature checks stopped at the time limit", registry=r)

    # --- observers the bootstrap installs ---------------------------------------------------------

    def observe_event(self, event: Incoming, handled: Handled, seconds: float) -> None:
        outcome = "duplicate" if handled.duplicate else "applied"
        self.events.labels(event.channel, event.kind.value, outcome).inc()
        self.latency.labels(event.channel).observe(seconds)

    def observe_outbox_sent(self, kind: str) -> None:
        self.outbox_sent.labels(kind).inc()
        if kind.startswith("reminder"):
            self.reminders_sent.inc()

    # --- exposition -------------------------------------------------------------------------------

    def refresh(self, engine: Engine) -> None:
        """The shared gauges, from the database (run off the event loop): every Sở's, each read in its own
        unit of work (the row-level security lets none see another's)."""
        from hsdt.services.tenants import all_tenants

        pending = depth = 0
        now = utcnow()
        for tenant in all_tenants(engine):
            with UnitOfWork(engine, tenant.id) as uow:
                pending += uow.events.unsettled_count()
                depth += uow.outbox.depth(now)
        self.replies_pending.set(pending)
        self.outbox_depth.set(depth)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


class MeteredChecker:
    """The signature checker as the dispatcher sees it, counting what goes through it. It changes no
    verdict: the sandboxed pool and its limits stay the checker's own."""

    def __init__(self, checker: SignatureChecker, metrics: Metrics) -> None:
        self.inner = checker
        self.metrics = metrics
        self._in_flight = 0
        self._workers = int(getattr(checker, "max_workers", 1))

    def _set(self, delta: int) -> None:
        self._in_flight += delta
        self.metrics.verifier_in_flight.set(self._in_flight)
        self.metrics.verifier_waiting.set(max(0, self._in_flight - self._workers))

    async def check(self, path: Path, display_name: str | None = None, *,
                    school: SchoolIdentity | None = None, school_issued: bool = False,
                    period: RecordPeriod | None = None) -> FileVerdict:
        started = time.perf_counter()
        self._set(+1)
        try:
            verdict = await self.inner.check(path, display_name=display_name, school=school,
                                             school_issued=school_issued, period=period)
        finally:
            self._set(-1)
            self.metrics.verifier_seconds.observe(time.perf_counter() - started)
        self.metrics.verifier_results.labels(str(getattr(verdict, "status", "unknown"))).inc()
        if getattr(verdict, "error", None) == "timeout":
            self.metrics.verifier_timeouts.inc()
        return verdict

    def __getattr__(self, name: str) -> Any:
        # close(), worker_pids(), check_many() ...: the wrapped checker's own.
        return getattr(self.inner, name)
