"""/baocao for the Ministry's people (Bộ GD&ĐT): the national workbook, one row per province.

Nothing of another Sở is read inside the event's transaction (which belongs to the Ministry's tenant):
the workbook is a `DeferredDocument`, made after the commit from the national data set, which reads each
Sở in a read-only unit of work of that Sở's own tenant (`hsdt.reports.national`)."""

from __future__ import annotations

from hsdt.events import DeferredDocument, Reply
from hsdt.handlers.context import Ctx
from hsdt.texts import national as n

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def national_reply(ctx: Ctx) -> list[Reply]:
    engine, now, tz = ctx.uow.engine, ctx.now, str(ctx.tz)

    def render() -> bytes:
        from hsdt.reports.national import national
        from hsdt.reports.national_excel import national_bytes

        return national_bytes(national(engine, now, tz))

    name = n.FILE_XLSX.format(stamp=f"{now.astimezone(ctx.tz):%Y%m%d-%H%M}")
    return [Reply(n.WORKBOOK_CAPTION, document=DeferredDocument(name, render, XLSX_MIME))]
