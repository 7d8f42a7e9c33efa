"""`hsdt status`: this month's outbound messages per channel, against each channel's plan."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from hsdt.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from hsdt.texts import cli as tc

    status = sub.add_parser("status", help=tc.HELP_STATUS)
    status.add_argument("--month", help=tc.HELP_STATUS_MONTH)
    status.set_defaults(handler=cmd_status)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.services.usage import month_of
    from hsdt.storage.db import make_engine, upgrade
    from hsdt.storage.types import utcnow
    from hsdt.storage.unit_of_work import UnitOfWork
    from hsdt.texts import cli as tc

    month = args.month or month_of(utcnow(), ZoneInfo(settings.timezone))
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError:
        print(tc.STATUS_BAD_MONTH.format(month=month))
        return 2
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        rows = uow.usage.of_month(month)
        counted = {row.channel: row.messages for row in rows}
        warned = {row.channel for row in rows if row.warned_at is not None}
    year, number = month.split("-")
    print(tc.STATUS_HEADING.format(month=f"{number}/{year}"))
    quotas = settings.message_quotas
    for channel in sorted({*counted, *quotas}):
        sent, quota = counted.get(channel, 0), quotas.get(channel, 0)
        name = tc.CHANNEL_NAMES.get(channel, channel)
        if quota > 0:
            line = tc.STATUS_LINE_QUOTA.format(channel=name, sent=_number(sent), quota=_number(quota),
                                               percent=sent * 100 // quota)
            if channel in warned:
                line += " " + tc.STATUS_NEAR_QUOTA
        else:
            line = tc.STATUS_LINE.format(channel=name, sent=_number(sent))
        print(line)
    from hsdt.cli.zalo_oa import status_lines

    for line in status_lines(engine, month, settings):
        print(line)
    return 0
