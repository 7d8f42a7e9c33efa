"""The composition root: settings -> engine -> rubric -> checker -> dispatcher."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from hsdt.bot.settings import Settings
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.setup import RosterResult, ensure_campaign, install_rubric, is_empty, seed_demo
from hsdt.scoring import default_rubric_path, read_rubric_file
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
    """Migrate; with `seed`, an empty database gets the demo: a campaign for the current school year
    (with the configured rubric) and the demo roster. Campaigns are otherwise opened by the operator
    (`hsdt campaign new`), and each keeps the rubric it was opened with."""
    # The rubric first: a broken file (RubricError) stops here, before the database is touched.
    source, rubric = read_rubric_file(settings.rubric or default_rubric_path())
    engine = make_engine(settings.database_url)
    upgrade(engine)
    demo: RosterResult | None = None
    if not seed:
        return engine, demo
    with UnitOfWork(engine) as uow:
        if is_empty(uow):
            ensure_campaign(uow, install_rubric(uow, rubric, source), tz=settings.timezone)
            demo = seed_demo(uow, invite_ttl=timedelta(days=settings.invite_ttl_days))
            log.info("seeded the demo campaign")
    return engine, demo


def seed_demo_campaign(uow: UnitOfWork, settings: Settings) -> None:
    """The demo's campaign for the current school year, with the configured rubric."""
    source, rubric = read_rubric_file(settings.rubric or default_rubric_path())
    ensure_campaign(uow, install_rubric(uow, rubric, source), tz=settings.timezone)


def record_period(settings: Settings, engine: Engine) -> tuple[date, date]:
    """The active campaign's record period; the settings' only while no campaign is open."""
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        if campaign is not None:
            return campaign.record_start, campaign.record_end
    return settings.record_period_start, settings.record_period_end


def make_checker(settings: Settings, engine: Engine | None = None) -> object | None:
    from hsdt.signatures import RecordPeriod, SignatureChecker, VerifyLimits

    start, end = (record_period(settings, engine) if engine is not None
                  else (settings.record_period_start, settings.record_period_end))
    return SignatureChecker(
        trust_dir=settings.trust_dir if settings.trust_dir.exists() else None,
        period=RecordPeriod(start, end, settings.timezone),
        limits=VerifyLimits(
            timeout_s=settings.verify_timeout_s,
            memory_mb=settings.verify_memory_mb,
            max_bytes=settings.max_upload_bytes,
        ),
        max_workers=settings.verify_workers,
        online=settings.verify_online,
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
    checker = make_checker(settings, engine) if with_checker else None
    if checker is not None:
        from hsdt.bot.evidence_recheck import recheck_if_trust_changed
        from hsdt.signatures import SignatureChecker

        assert isinstance(checker, SignatureChecker)
        # Evidence checked under other trust roots is re-verified before anyone sees its points.
        recheck_if_trust_changed(settings, engine, checker)
    settings.files_dir.mkdir(parents=True, exist_ok=True)
    dispatcher = Dispatcher(
        engine,
        HandlerConfig(
            files_dir=settings.files_dir,
            timezone=settings.timezone,
            max_upload_bytes=settings.max_upload_bytes,
        ),
        checker=checker,
    )
    return App(settings=settings, engine=engine, dispatcher=dispatcher, checker=checker, demo=demo)
