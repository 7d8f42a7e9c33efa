"""The composition root: settings -> engine -> rubric -> checker -> dispatcher."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from hsdt.bot.settings import Settings
from hsdt.dashboard.auth import from_settings as dashboard_links_from_settings
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.setup import RosterResult, ensure_campaign, install_rubric, is_empty, seed_demo
from hsdt.scoring import default_rubric_path, load_rubric_text
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: Engine
    dispatcher: Dispatcher
    checker: object | None
    demo: RosterResult | None = None

    def close(self) -> None:
        self.dispatcher.close()
        if self.checker is not None:
            self.checker.close()  # type: ignore[attr-defined]
        self.engine.dispose()


def prepare_database(settings: Settings, *, seed: bool) -> tuple[Engine, RosterResult | None]:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    rubric_path = settings.rubric or default_rubric_path()
    source = rubric_path.read_text(encoding="utf-8")
    rubric = load_rubric_text(source, source=str(rubric_path))
    demo: RosterResult | None = None
    with UnitOfWork(engine) as uow:
        version = install_rubric(uow, rubric, source)
        ensure_campaign(
            uow,
            version,
            tz=settings.timezone,
            record_start=settings.record_period_start,
            record_end=settings.record_period_end,
        )
        if seed and is_empty(uow):
            demo = seed_demo(uow, invite_ttl=timedelta(days=settings.invite_ttl_days))
            log.info("seeded the demo campaign")
    return engine, demo


def make_checker(settings: Settings) -> object | None:
    from hsdt.signatures import RecordPeriod, SignatureChecker, VerifyLimits

    return SignatureChecker(
        trust_dir=settings.trust_dir if settings.trust_dir.exists() else None,
        period=RecordPeriod(settings.record_period_start, settings.record_period_end, settings.timezone),
        limits=VerifyLimits(
            timeout_s=settings.verify_timeout_s,
            memory_mb=settings.verify_memory_mb,
            max_bytes=settings.max_upload_bytes,
        ),
        max_workers=settings.verify_workers,
    )


def build(
    settings: Settings | None = None,
    *,
    seed: bool | None = None,
    with_checker: bool = True,
    log_to_file: bool = False,
) -> App:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=str(settings.data_dir / "hsdt.log") if log_to_file else None,
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic narrates every plugin it loads at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine, demo = prepare_database(settings, seed=settings.seed_demo if seed is None else seed)
    checker = make_checker(settings) if with_checker else None
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    dispatcher = Dispatcher(
        engine,
        HandlerConfig(
            files_dir=settings.files_dir,
            timezone=settings.timezone,
            max_upload_bytes=settings.max_upload_bytes,
            dashboard_links=dashboard_links_from_settings(settings),
        ),
        checker=checker,
    )
    return App(settings=settings, engine=engine, dispatcher=dispatcher, checker=checker, demo=demo)
