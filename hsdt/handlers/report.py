"""/report (/baocao): the summary of what the user may see, a chart, drill-down buttons and the
Excel workbook on request. Every press re-derives the user's scope, so a crafted button cannot
widen it."""

from __future__ import annotations

import io
import logging

from hsdt import texts as messages
from hsdt.events import Button, Document, Reply, rows
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.reports import text
from hsdt.reports.dataset import ReportData, Scope, Units, gather, narrow_to_district, scope_for
from hsdt.storage.models import Role
from hsdt.texts import report as m

log = logging.getLogger(__name__)

P = "rp"
MAX_BUTTONS = 40
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_(ctx: Ctx) -> list[Reply]:
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    units = Units.load(ctx.uow)
    scope = _scope(ctx, units)
    if not scope.school_ids:
        return [Reply(m.NOTHING_IN_SCOPE)]
    if scope.kind == "school":
        return _school(ctx, units, scope, next(iter(scope.school_ids)))
    data = _gather(ctx, units, scope)
    buttons: list[Button] = []
    if scope.kind in ("city", "district") and len(data.city.districts) > 1:
        districts = sorted(data.city.districts, key=lambda d: (d.mean is None, d.mean or 0, d.district.name))
        buttons += [Button(m.BUTTON_DISTRICT.format(name=d.district.name), f"{P}:d:{d.district.id}")
                    for d in districts[:MAX_BUTTONS]]
        items = [(d.district.name, d.mean) for d in data.city.districts if d.mean is not None]
    else:
        reports = [r for d in data.city.districts for r in d.schools]
        buttons += [Button(m.BUTTON_SCHOOL.format(name=r.school.name), f"{P}:s:{r.school.id}")
                    for r in reports[:MAX_BUTTONS]]
        items = [(r.school.name, r.final) for r in reports if r.final is not None]
    buttons.append(Button(m.BTN_EXCEL, f"{P}:x"))
    summary = Reply(text.summary(data), buttons=rows(*buttons))
    return [*_chart(ctx, items), summary]  # type: ignore[arg-type]


def on_button(ctx: Ctx) -> list[Reply]:
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    parts = ctx.event.payload.split(":")
    action = parts[1] if len(parts) > 1 else ""
    argument = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    if action in ("open", "c"):
        return open_(ctx)
    units = Units.load(ctx.uow)
    scope = _scope(ctx, units)
    if action == "x":
        return [_workbook(ctx, units, scope)]
    if argument is None or argument not in units.by_id:
        return [Reply(m.NOT_IN_SCOPE)]
    if action == "s":
        if not scope.allows(argument):
            return [Reply(m.NOT_IN_SCOPE)]
        return _school(ctx, units, scope, argument)
    if action in ("d", "xd"):
        # A principal's scope is their school, never a district view (its mean would be theirs alone).
        narrowed = narrow_to_district(scope, units, argument) if scope.kind != "school" else None
        if narrowed is None:
            return [Reply(m.NOT_IN_SCOPE)]
        if action == "xd":
            return [_workbook(ctx, units, narrowed)]
        return _district(ctx, units, scope, narrowed, argument)
    return [Reply(messages.STALE_BUTTON)]


def _scope(ctx: Ctx, units: Units) -> Scope:
    return scope_for(ctx.uow, ctx.user, ctx.campaign.id, units)  # type: ignore[union-attr,arg-type]


def _gather(ctx: Ctx, units: Units, scope: Scope, *, details: bool = False) -> ReportData:
    return gather(ctx.uow, ctx.campaign, ctx.rubric, scope, ctx.now, details=details, units=units,  # type: ignore[arg-type]
                  tz=str(ctx.tz))


def _district(ctx: Ctx, units: Units, scope: Scope, narrowed: Scope, district_id: int) -> list[Reply]:
    data = _gather(ctx, units, narrowed)
    reports = [r for d in data.city.districts for r in d.schools]
    buttons = [Button(m.BUTTON_SCHOOL.format(name=r.school.name), f"{P}:s:{r.school.id}")
               for r in reports[:MAX_BUTTONS]]
    buttons.append(Button(m.BTN_EXCEL, f"{P}:xd:{district_id}"))
    if scope.kind == "city":
        buttons.append(Button(m.BTN_CITY, f"{P}:c"))
    items = [(r.school.name, r.final) for r in reports if r.final is not None]
    return [*_chart(ctx, items), Reply(text.district_detail(data, district_id), buttons=rows(*buttons))]  # type: ignore[arg-type]


def _school(ctx: Ctx, units: Units, scope: Scope, school_id: int) -> list[Reply]:
    narrowed = Scope("school", frozenset({school_id}), units.by_id[school_id].name, school_id)
    data = _gather(ctx, units, narrowed, details=True)
    buttons = [Button(m.BTN_EXCEL, f"{P}:x")] if scope.kind == "school" else []
    district_id = units.district_of(school_id)
    if scope.kind != "school" and district_id is not None and narrow_to_district(scope, units, district_id):
        buttons.append(Button(m.BUTTON_DISTRICT.format(name=units.by_id[district_id].name), f"{P}:d:{district_id}"))
    return [Reply(text.school_detail(data, school_id), buttons=rows(*buttons))]


def _chart(ctx: Ctx, items: list[tuple[str, float]]) -> list[Reply]:
    if not items:
        return []
    from hsdt.reports.chart import bar_chart

    try:
        png = bar_chart(m.CHART_CAPTION, items, ctx.rubric)  # type: ignore[arg-type]
    except ImportError:  # matplotlib not installed: the summary still goes out
        log.warning("matplotlib is not installed; /report without a chart")
        return []
    return [Reply(m.CHART_CAPTION, image=Document("bieu-do.png", png, "image/png"))]


def _workbook(ctx: Ctx, units: Units, scope: Scope) -> Reply:
    from hsdt.reports.excel import write_workbook

    if not scope.school_ids:
        return Reply(m.NOTHING_IN_SCOPE)
    data = _gather(ctx, units, scope, details=True)
    buffer = io.BytesIO()
    write_workbook(data, buffer)
    name = f"bao-cao-hsdt-{ctx.now.astimezone(ctx.tz):%Y%m%d-%H%M}.xlsx"
    return Reply(m.EXCEL_CAPTION, document=Document(name, buffer.getvalue(), XLSX_MIME))


feature = Feature(
    name="report",
    roles=(Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF),
    commands={"/report": open_, "/baocao": open_},
    menu=(MenuEntry(m.BTN_REPORT, f"{P}:open"),),
    button_prefix=P,
    on_button=on_button,
    command_help=(("baocao", m.CMD_REPORT), ("report", m.CMD_REPORT)),
)
