"""/report (/baocao): the summary of what the user may see with its drill-down buttons, then a chart;
the workbook and the PDFs of the appendices on request; a principal's own Phụ lục 1 once submitted.
Every press re-derives the user's scope, so a crafted button cannot widen it.

Inside the event's transaction the handler reads only what the summary needs. Files (chart, workbook,
PDFs) are `DeferredDocument`s: made after the commit, in a worker, from a data set each reads in a
read-only transaction of its own (`hsdt.reports.exports`)."""

from __future__ import annotations

import logging
from functools import partial

from hsdt import texts as messages
from hsdt.actions import report as act
from hsdt.events import Button, DeferredDocument, Reply, rows
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.handlers.national import national_reply
from hsdt.reports import exports, pdf, text
from hsdt.reports.dataset import SELF, ReportData, Scope, Units, gather, narrow_to_district, scope_for
from hsdt.reports.wording import chart_caption
from hsdt.scoring import Rubric
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, Role, SubmissionStatus
from hsdt.texts import report as m

log = logging.getLogger(__name__)

MAX_BUTTONS = 40
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"


def open_(ctx: Ctx) -> list[Reply]:
    if ctx.user.role == Role.MINISTRY_STAFF:
        return national_reply(ctx)  # every Sở's figures by province; nothing of the Ministry's own
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    units = Units.load(ctx.uow, ctx.campaign.id)
    scope = _scope(ctx, units)
    if not scope.school_ids:
        return [Reply(m.NOTHING_IN_SCOPE)]
    if scope.kind == "school":
        return _school(ctx, units, scope, next(iter(scope.school_ids)))
    data = _gather(ctx, units, scope)
    buttons: list[Button] = []
    if scope.kind in ("city", "district") and len(data.city.districts) > 1:
        buttons += [Button(m.BUTTON_DISTRICT.format(name=d.district.name), act.District(d.district.id).pack())
                    for d in data.city.districts[:MAX_BUTTONS]]
        items = [(d.district.name, d.mean) for d in data.city.districts if d.mean is not None]
        caption = chart_caption(data.levels)
    else:
        reports = [r for d in data.city.districts for r in d.schools]
        buttons += [Button(m.BUTTON_SCHOOL.format(name=r.school.name), act.School(r.school.id).pack())
                    for r in reports[:MAX_BUTTONS]]
        items = [(r.school.name, r.final) for r in reports if r.final is not None]
        caption = m.CHART_CAPTION_ASSIGNED if scope.kind == "assigned" else \
            m.CHART_CAPTION_SCHOOLS.format(unit=scope.label)
    buttons += [Button(m.BTN_EXCEL, act.Workbook().pack()), Button(m.BTN_PDF, act.Pdfs().pack())]
    summary = Reply(text.summary(data), buttons=rows(*buttons))
    return [summary, *_chart(ctx, caption, items)]


def on_button(ctx: Ctx) -> list[Reply]:
    if ctx.user.role == Role.MINISTRY_STAFF:
        # The national view has one screen: whatever report button a ministry user presses, it is that.
        return national_reply(ctx)
    if ctx.campaign is None or ctx.rubric is None:
        return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
    action = act.ACTIONS.unpack(ctx.event.payload)
    if action is None:
        return [Reply(messages.STALE_BUTTON)]
    if isinstance(action, act.Open | act.City):
        return open_(ctx)
    units = Units.load(ctx.uow, ctx.campaign.id)
    scope = _scope(ctx, units)
    match action:
        case act.Workbook():
            return [_workbook(ctx, scope)]
        case act.Pdfs():
            return _pdfs(ctx, scope)
        case act.School(school=school) | act.Form1(school=school) | act.Form1Pdf(school=school):
            if school not in units.by_id or not scope.allows(school):
                return [Reply(m.NOT_IN_SCOPE)]
            if isinstance(action, act.School):
                return _school(ctx, units, scope, school)
            return [_form1(ctx, units, school, as_pdf=isinstance(action, act.Form1Pdf))]
        case (act.District(district=district) | act.DistrictWorkbook(district=district)
              | act.DistrictPdfs(district=district)):
            # A principal's scope is their school, never a district view (its mean would be theirs alone).
            narrowed = (narrow_to_district(scope, units, district)
                        if district in units.by_id and scope.kind != "school" else None)
            if narrowed is None:
                return [Reply(m.NOT_IN_SCOPE)]
            if isinstance(action, act.DistrictWorkbook):
                return [_workbook(ctx, narrowed)]
            if isinstance(action, act.DistrictPdfs):
                return _pdfs(ctx, narrowed)
            return _district(ctx, units, scope, narrowed, district)
    return [Reply(messages.STALE_BUTTON)]


def _campaign(ctx: Ctx) -> Campaign:
    """The views below run only once `open_` or `on_button` found an active campaign."""
    assert ctx.campaign is not None
    return ctx.campaign


def _rubric(ctx: Ctx) -> Rubric:
    assert ctx.rubric is not None
    return ctx.rubric


def _scope(ctx: Ctx, units: Units) -> Scope:
    return scope_for(ctx.uow, ctx.user, stored_id(_campaign(ctx).id), units)


def _gather(ctx: Ctx, units: Units, scope: Scope, *, details: bool = False) -> ReportData:
    return gather(ctx.uow, _campaign(ctx), _rubric(ctx), scope, ctx.now, details=details, units=units,
                  tz=str(ctx.tz))


def _district(ctx: Ctx, units: Units, scope: Scope, narrowed: Scope, district_id: int) -> list[Reply]:
    data = _gather(ctx, units, narrowed)
    reports = [r for d in data.city.districts for r in d.schools]
    buttons = [Button(m.BUTTON_SCHOOL.format(name=r.school.name), act.School(r.school.id).pack())
               for r in reports[:MAX_BUTTONS]]
    buttons += [Button(m.BTN_EXCEL, act.DistrictWorkbook(district_id).pack()),
                Button(m.BTN_PDF, act.DistrictPdfs(district_id).pack())]
    if scope.kind == "city":
        buttons.append(Button(m.BTN_CITY.format(area=data.form_heading.area), act.City().pack()))
    items = [(r.school.name, r.final) for r in reports if r.final is not None]
    caption = m.CHART_CAPTION_SCHOOLS.format(unit=units.by_id[district_id].name)
    return [Reply(text.district_detail(data, district_id), buttons=rows(*buttons)),
            *_chart(ctx, caption, items)]


def _school(ctx: Ctx, units: Units, scope: Scope, school_id: int) -> list[Reply]:
    narrowed = Scope("school", frozenset({school_id}), units.by_id[school_id].name, school_id)
    data = _gather(ctx, units, narrowed, details=True)
    buttons: list[Button] = []
    if data.submitted(school_id, SELF):
        buttons += [Button(m.BTN_FORM1_EXCEL, act.Form1(school_id).pack()),
                    Button(m.BTN_FORM1_PDF, act.Form1Pdf(school_id).pack())]
    district_id = units.district_of(school_id)
    if scope.kind != "school" and district_id is not None and narrow_to_district(scope, units, district_id):
        buttons.append(Button(m.BUTTON_DISTRICT.format(name=units.by_id[district_id].name),
                              act.District(district_id).pack()))
    return [Reply(text.school_detail(data, school_id), buttons=rows(*buttons))]


def _chart(ctx: Ctx, caption: str, items: list[tuple[str, float]]) -> list[Reply]:
    if not items:
        return []
    render = partial(exports.chart_bytes, caption, items, _rubric(ctx))
    return [Reply(caption, image=DeferredDocument(m.FILE_CHART, render, "image/png"))]


def _request(ctx: Ctx, scope: Scope) -> exports.ExportRequest:
    return exports.ExportRequest(ctx.uow.engine, stored_id(_campaign(ctx).id), _rubric(ctx), scope, ctx.now,
                                 str(ctx.tz))


def _stamp(ctx: Ctx) -> str:
    return f"{ctx.now.astimezone(ctx.tz):%Y%m%d-%H%M}"


def _workbook(ctx: Ctx, scope: Scope) -> Reply:
    if not scope.school_ids:
        return Reply(m.NOTHING_IN_SCOPE)
    read = exports.SharedRead(_request(ctx, scope))
    document = DeferredDocument(m.FILE_XLSX.format(stamp=_stamp(ctx)), lambda: exports.workbook_bytes(read()),
                                XLSX_MIME)
    return Reply(m.EXCEL_CAPTION, document=document)


def _pdf_missing() -> Reply | None:
    if pdf.available():
        return None
    log.warning("PDF requested but LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui")
    return Reply(m.PDF_UNAVAILABLE)


def _pdfs(ctx: Ctx, scope: Scope) -> list[Reply]:
    if not scope.school_ids:
        return [Reply(m.NOTHING_IN_SCOPE)]
    if (missing := _pdf_missing()) is not None:
        return [missing]
    read = exports.SharedRead(_request(ctx, scope))
    replies = []
    schools = len(scope.school_ids)
    for appendix, name in m.APPENDIX_NAMES.items():
        if appendix == 1 and pdf.too_large(schools):
            replies.append(Reply(m.FORM1_PDF_TOO_LARGE.format(schools=schools, pages=2 * schools)))
            continue

        def render(appendix: int = appendix) -> bytes:
            return exports.pdf_of(lambda: exports.appendix_bytes(read(), appendix))

        document = DeferredDocument(m.FILE_PDF.format(n=appendix, stamp=_stamp(ctx)), render, PDF_MIME)
        replies.append(Reply(m.PDF_CAPTION.format(appendix=name), document=document))
    return replies


def _form1(ctx: Ctx, units: Units, school_id: int, *, as_pdf: bool) -> Reply:
    submission = ctx.uow.submissions.get(stored_id(_campaign(ctx).id), school_id)
    if submission is None or submission.status != SubmissionStatus.SUBMITTED:
        return Reply(m.NO_FORM_YET)
    school = units.by_id[school_id]
    read = exports.SharedRead(_request(ctx, Scope("school", frozenset({school_id}), school.name, school_id)))

    def workbook() -> bytes:
        return exports.form1_bytes(read(), school_id)

    if as_pdf:
        if (missing := _pdf_missing()) is not None:
            return missing
        name = m.FILE_FORM1_PDF.format(code=school.code.lower(), stamp=_stamp(ctx))
        return Reply(m.FORM1_PDF_CAPTION.format(school=school.name),
                     document=DeferredDocument(name, lambda: exports.pdf_of(workbook), PDF_MIME))
    name = m.FILE_FORM1.format(code=school.code.lower(), stamp=_stamp(ctx))
    return Reply(m.FORM1_CAPTION.format(school=school.name), document=DeferredDocument(name, workbook, XLSX_MIME))


feature = Feature(
    name="report",
    roles=(Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF, Role.MINISTRY_STAFF),
    commands={"/report": open_, "/baocao": open_},
    menu=(MenuEntry(m.BTN_REPORT, act.Open().pack()),),
    button_prefix=act.PREFIX,
    on_button=on_button,
    command_help=(("baocao", m.CMD_REPORT), ("report", m.CMD_REPORT)),
    campaign_members_only=True,
)
