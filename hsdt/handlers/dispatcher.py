"""Turns one incoming event into replies: resolve the user, route to the flow, commit once."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hsdt import texts as messages
from hsdt.events import FileTooLarge, Incoming, Kind, Reply
from hsdt.handlers import enrolment
from hsdt.handlers.context import CheckedFile, Ctx, SignInLinkIssuer
from hsdt.handlers.router import Router
from hsdt.handlers.rubrics import RubricCache
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandlerConfig:
    files_dir: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    max_upload_bytes: int = 20 * 1024 * 1024
    db_workers: int = 8
    # Hands out one-time dashboard sign-in links (hsdt.dashboard.auth.SignInLinks); None: no web server.
    dashboard_links: SignInLinkIssuer | None = None


class Dispatcher:
    """The single entry point for every adapter (Telegram, Zalo, terminal, upload page)."""

    def __init__(
        self,
        engine: Engine,
        config: HandlerConfig,
        checker: object | None = None,
        clock: Callable[[], datetime] = utcnow,
        router: Router | None = None,
    ) -> None:
        from hsdt.handlers.features import build_router

        self.router = router or build_router()
        self.engine = engine
        self.config = config
        self.checker = checker
        self.clock = clock
        self.rubrics = RubricCache()
        self.tz = ZoneInfo(config.timezone)
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        # SQLite has one writer: threads queueing on its file lock sleep in its busy handler, so one
        # thread does all transactions. PostgreSQL takes concurrent transactions.
        workers = 1 if engine.dialect.name == "sqlite" else config.db_workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hsdt-db")

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    async def handle(self, event: Incoming) -> list[Reply]:
        # aiogram runs updates concurrently; one user's events must apply in order.
        lock = self._locks.setdefault((event.channel, event.user_ref), asyncio.Lock())
        async with lock:
            checked = await self._check_file(event) if event.kind is Kind.DOCUMENT else None
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._executor, self.handle_sync, event, checked)
            finally:
                if checked is not None and checked.path is not None:
                    checked.path.unlink(missing_ok=True)
                if not lock.locked() and self._locks.get((event.channel, event.user_ref)) is lock:
                    self._locks.pop((event.channel, event.user_ref), None)

    def handle_sync(self, event: Incoming, checked: CheckedFile | None = None) -> list[Reply]:
        try:
            return self._apply(event, checked)
        except IntegrityError as error:
            if "processed_event" not in str(error):
                log.exception("event %s/%s violated a constraint; rolled back", event.channel, event.event_id)
                return [Reply(messages.INTERNAL_ERROR)]
            # The same event was applied before (redelivery), or a racing copy committed first.
            log.info("duplicate event %s/%s ignored", event.channel, event.event_id)
            return []
        except Exception:
            log.exception("event %s/%s failed; transaction rolled back", event.channel, event.event_id)
            return [Reply(messages.INTERNAL_ERROR)]

    def _apply(self, event: Incoming, checked: CheckedFile | None) -> list[Reply]:
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            uow.events.mark(event.channel, event.event_id)
            found = uow.identities.user_of(event.channel, event.user_ref)
            if found is None:
                return enrolment.handle_anonymous(uow, event, now, self.tz, self.router.menu_for)
            user, unit = found
            if not user.active:
                return [Reply(messages.USER_INACTIVE)]
            state = uow.conversations.load_for_update(user.id)  # type: ignore[arg-type]
            campaign = uow.campaigns.active()
            rubric = self.rubrics.for_campaign(uow, campaign) if campaign is not None else None
            ctx = Ctx(
                uow=uow,
                event=event,
                user=user,
                unit=unit,
                state=state,
                campaign=campaign,
                rubric=rubric,
                now=now,
                tz=self.tz,
                files_dir=self.config.files_dir,
                checked=checked,
                dashboard_links=self.config.dashboard_links,
                flow=state.flow,
                data=dict(state.data),
            )
            replies = self.router.route(ctx)
            uow.conversations.save(state, ctx.flow, ctx.data)
            return replies

    async def _check_file(self, event: Incoming) -> CheckedFile:
        """Fetch and check a document outside the transaction: it may take seconds."""
        ref = event.file
        assert ref is not None
        name = ref.name or "tep.pdf"
        limit = self.config.max_upload_bytes
        if ref.size is not None and ref.size > limit:
            return CheckedFile(
                name=name,
                path=None,
                size=ref.size,
                verdict=None,
                refusal=messages.CHECK_TOO_LARGE.format(
                    name=name, size_mb=_mb(ref.size), limit_mb=_mb(limit)
                ),
            )
        if self.checker is None:
            return CheckedFile(name=name, path=None, size=ref.size or 0, verdict=None,
                               refusal=messages.CHECK_UNAVAILABLE)
        tmp_dir = self.config.files_dir / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        path = tmp_dir / f"{uuid.uuid4().hex}.pdf"
        try:
            await ref.fetch(path, limit)
        except FileTooLarge:
            path.unlink(missing_ok=True)
            return CheckedFile(name=name, path=None, size=limit + 1, verdict=None,
                               refusal=messages.CHECK_TOO_LARGE.format(
                                   name=name, size_mb=f"> {_mb(limit)}", limit_mb=_mb(limit)))
        except Exception:
            log.exception("download of %s failed", name)
            path.unlink(missing_ok=True)
            return CheckedFile(name=name, path=None, size=0, verdict=None,
                               refusal=messages.CHECK_DOWNLOAD_FAILED.format(name=name))
        verdict = await self.checker.check(path, display_name=name)  # type: ignore[attr-defined]
        return CheckedFile(name=name, path=path, size=path.stat().st_size, verdict=verdict)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")
