"""`hsdt verify FILE...`: signed PDFs checked from the command line (pyHanko only: no aiogram on this
path, so it starts fast), and `hsdt verify --recheck-evidence`: every stored evidence file re-verified."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from hsdt.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Listed in the help only: `main` hands `verify` its own arguments before argparse reads them."""
    from hsdt.texts import cli as tc

    sub.add_parser("verify", help=tc.HELP_VERIFY, add_help=False)


def _record_period(settings: Settings, code: str | None = None) -> tuple[date, date]:
    """The record period of the campaign `code` names, or of the one active campaign; the settings' when
    there is no database or no campaign yet. With several active and none named, `CampaignError` (its
    message lists their codes). The database is only read: checking a file never creates or migrates one."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    fallback = (settings.record_period_start, settings.record_period_end)
    url = make_url(settings.database_url)
    if settings.is_sqlite and not (url.database and Path(url.database).is_file()):
        return fallback
    from hsdt.services.campaigns import campaign_to_use
    from hsdt.storage.db import make_engine
    from hsdt.storage.unit_of_work import UnitOfWork

    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(engine) as uow:
            if code is None and not uow.campaigns.active_all():
                return fallback
            campaign = campaign_to_use(uow, code)
            return campaign.record_start, campaign.record_end
    except SQLAlchemyError:  # not migrated yet, or the server is down: checking a file still works
        return fallback
    finally:
        engine.dispose()


def cmd_verify(argv: list[str], settings: Settings) -> int:
    from hsdt.services.campaigns import CampaignError
    from hsdt.signatures import RecordPeriod
    from hsdt.signatures.cli import run_verify

    if argv[:1] == ["--recheck-evidence"]:
        return recheck_evidence(settings)
    code = None
    if argv[:1] == ["--campaign"] and len(argv) > 1:  # whose record period files are checked against
        code, argv = argv[1], argv[2:]
    try:
        start, end = _record_period(settings, code)
    except CampaignError as error:
        print(error, file=sys.stderr)
        return 2
    period = RecordPeriod(start, end, settings.timezone)
    trust_dir = settings.trust_dir if settings.trust_dir.exists() else None
    return run_verify(argv, default_trust_dir=trust_dir, default_period=period, default_online=settings.verify_online,
                      default_cache_dir=settings.verify_cache_dir)


def recheck_evidence(settings: Settings) -> int:
    """Exit 0, or 2 when the files or the data folder cannot be read or written."""
    from hsdt.app.bootstrap import make_checker, prepare_database
    from hsdt.services.evidence_recheck import recheck_all
    from hsdt.texts import signatures as texts

    try:
        engine, _ = prepare_database(settings, seed=False)
        checker = make_checker(settings)
        with checker:
            result = recheck_all(settings, engine, checker)
        engine.dispose()
    except OSError as error:
        print(texts.RECHECK_FAILED.format(error=error), file=sys.stderr)
        return 2
    print(texts.RECHECK_DONE.format(count=result.checked, changed=result.changed, schools=result.schools))
    if result.missing:
        print(texts.RECHECK_SKIPPED.format(count=result.missing))
    return 0
