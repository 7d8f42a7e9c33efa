"""The dashboard as an aiohttp sub-application under /bang-dieu-khien/ of the bot's web server.

Every page re-reads the signed-in user, their role and unit, and derives the scope with the same
`scope_for` the chat uses, so a session can never show more than that user may see in chat, and a
change of role or a blocked account takes effect on the next request. Reads run in a thread (the
database calls are blocking); templates are Jinja2 with autoescaping and no Vietnamese of their own.

Sign-in: GET on the link only shows a button (so a link preview fetching the URL does not use it);
the POST uses the link once, opens a session and sets the cookie (HttpOnly, SameSite=Strict,
Secure behind TLS). The redirect that follows is same-site, so the strict cookie is sent with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from hsdt import texts as messages
from hsdt.links.tokens import LinkExpired, LinkInvalid, SignInGrant
from hsdt.reports.dataset import SELF, ReportData, Scope, Units, gather, scope_for
from hsdt.reports.national import NationalData, national
from hsdt.reports.pdf import too_large
from hsdt.reports.wording import mean_meaning
from hsdt.scoring import Rescore, Rubric, Text, format_points, read_stored
from hsdt.scoring.summary import summarise
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, Role, SubmissionStatus, User
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import campaigns as campaign_texts
from hsdt.texts import dashboard as t
from hsdt.texts import national as n
from hsdt.texts.signatures import HEADLINES
from hsdt.web.dashboard import charts, views
from hsdt.web.dashboard.auth import CAMPAIGN_PARAM, PATH_PREFIX, new_session_token, session_digest
from hsdt.web.dashboard.deps import DashboardDeps
from hsdt.web.dashboard.exports import ExportFormat, available_formats, render_appendices
from hsdt.web.dashboard.recent import Recent
from hsdt.web.templating import ENVIRONMENT_OPTIONS, route_of, secure

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
AUDIT_LIMIT = 200
# Messages given up this recently name the people the OA cannot reach now (older ones may have written since).
UNREACHABLE_DAYS = 30
# `?dot=CODE` (`CAMPAIGN_PARAM`) names the campaign a page shows; `/dot/CODE` remembers it in this cookie, as
# does signing in with a link that names one.
CAMPAIGN_COOKIE = "hsdt_dot"
TABLE_LIMIT = 500  # rows per page of the schools table: a city of thousands is filtered, not scrolled
T = TypeVar("T")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PageError(Exception):
    def __init__(self, status: int, message: str, *, new_link_hint: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.new_link_hint = new_link_hint


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    role: str
    unit: str

    @property
    def line(self) -> str:
        return t.SIGNED_IN_AS.format(name=self.name, role=self.role, unit=self.unit)


@dataclass
class Reading:
    """One request's view of the database: who asks, what campaign, and what they may see."""

    uow: UnitOfWork
    viewer: Viewer
    user: User
    campaign: Campaign
    rubric: Rubric
    units: Units
    scope: Scope
    now: datetime
    tz: str
    # The active campaigns the user's unit takes part in (newest first): with several, a chooser.
    choices: tuple[Campaign, ...] = ()

    @property
    def campaign_id(self) -> int:
        return stored_id(self.campaign.id)

    def gather(self, scope: Scope | None = None, *, details: bool = False) -> ReportData:
        return gather(self.uow, self.campaign, self.rubric, scope or self.scope, self.now, details=details,
                      units=self.units, tz=self.tz)

    def local(self, moment: datetime) -> str:
        return views.local(moment, self.tz)

    def version(self) -> tuple[str, datetime | None]:
        """(ETag, last change) of everything this viewer's pages show."""
        ids = None if self.scope.kind == "city" else sorted(self.scope.school_ids)
        last = self.uow.dashboard.last_change(self.campaign_id, ids)
        units = [(u.id, u.code, u.name, u.kind, u.parent_id, u.uses_erecords) for u in self.units.by_id.values()]
        tag = views.version_tag(self.scope.kind, self.scope.school_ids, units, self.campaign, last, self.now)
        return tag, last


def _viewer(uow: UnitOfWork, user: User) -> Viewer:
    unit = uow.units.get(user.unit_id)
    return Viewer(stored_id(user.id), user.full_name, messages.role_name(user.role),
                  unit.name if unit is not None else "")


# How long the national overview is reused: it reads every Sở (0.7 s for the 34 provinces, measured), and
# the page says when it was read.
NATIONAL_PERIOD = timedelta(minutes=1)


class Dashboard:
    def __init__(self, deps: DashboardDeps, clock: Callable[[], datetime]) -> None:
        self.deps = deps
        self.links = deps.links
        self.cookie = deps.cookie
        self.clock = clock
        self.tz = deps.timezone
        self._national_read: Recent[NationalData] = Recent(NATIONAL_PERIOD, clock)

    # --- reading -----------------------------------------------------------------------------------

    def _reading(self, token: str | None, work: Callable[[Reading], T], wanted: str | None = None,
                 remembered: str | None = None) -> T:
        """`wanted`: the campaign code the request names (`?dot=`), refused as not found unless the user's
        unit takes part in that active campaign; `remembered`: the one chosen earlier (the cookie), kept
        while it is still among them."""
        now = self.clock()
        session = self.links.read_cookie(token)
        if session is None:
            raise PageError(401, t.NEED_SIGN_IN, new_link_hint=True)
        tenant, token = session
        # The session's own tenant (signed into the cookie): every id a URL names is looked up there only.
        with UnitOfWork(self.deps.engine, tenant) as uow:
            user_id = uow.dashboard.session_user(session_digest(token), now)
            user = uow.users.get(user_id) if user_id is not None else None
            if user is None:
                raise PageError(401, t.NEED_SIGN_IN, new_link_hint=True)
            if not user.active:
                raise PageError(403, t.ACCOUNT_INACTIVE)
            if user.role == Role.MINISTRY_STAFF:
                raise PageError(404, t.NOT_FOUND)  # the Ministry's one page is the national overview
            choices = tuple(uow.campaigns.active_of_unit(user.unit_id))
            campaign = _campaign_of(choices, wanted, remembered)
            if campaign is None:
                # In no active campaign: the newest one, which the check below refuses by name.
                campaign = uow.campaigns.active()
            if campaign is None:
                raise PageError(503, t.NO_CAMPAIGN)
            rubric = self.deps.rubrics.for_campaign(uow, campaign)
            units = Units.load(uow, stored_id(campaign.id))
            if user.unit_id not in units.by_id:  # the unit does not take part in the active campaign
                unit = uow.units.get(user.unit_id)
                raise PageError(403, campaign_texts.NOT_IN_CAMPAIGN.format(
                    unit=unit.name if unit is not None else "", campaign=campaign.name))
            scope = scope_for(uow, user, stored_id(campaign.id), units)
            reading = Reading(uow, _viewer(uow, user), user, campaign, rubric, units, scope, now, self.tz,
                              choices)
            return work(reading)

    async def _read(self, request: web.Request, work: Callable[[Reading], T], wanted: str | None = None) -> T:
        return await asyncio.to_thread(self._reading, request.cookies.get(self.cookie.name), work,
                                       wanted or request.query.get(CAMPAIGN_PARAM) or None,
                                       request.cookies.get(CAMPAIGN_COOKIE))

    async def choose_campaign(self, request: web.Request) -> web.Response:
        """`/dot/{code}`: the pages show that campaign from now on (a cookie), if the user may see it."""
        code = await self._read(request, lambda reading: reading.campaign.code, request.match_info["code"][:64])
        response = web.Response(status=303, headers={"Location": f"{PATH_PREFIX}/"})
        self._remember_campaign(response, code)
        return response

    def _remember_campaign(self, response: web.Response, code: str) -> None:
        """The campaign the pages show from now on (read back only while the user may see it)."""
        response.set_cookie(CAMPAIGN_COOKIE, code[:64], max_age=int(self.cookie.max_age.total_seconds()),
                            path=self.cookie.path, httponly=True, secure=self.cookie.secure, samesite="Strict")

    # --- sign-in -----------------------------------------------------------------------------------

    def _grant(self, token: str) -> SignInGrant:
        try:
            return self.links.verify(token)
        except LinkInvalid:
            raise PageError(403, t.LINK_INVALID, new_link_hint=True) from None
        except LinkExpired as error:
            raise PageError(410, t.LINK_EXPIRED.format(expires=views.local(error.expires_at, self.tz)),
                            new_link_hint=True) from None

    def _holder(self, uow: UnitOfWork, grant: SignInGrant) -> User:
        if uow.dashboard.link_used(grant.nonce):
            raise PageError(410, t.LINK_USED, new_link_hint=True)
        user = uow.users.get(grant.user_id)
        if user is None:
            raise PageError(403, t.LINK_INVALID, new_link_hint=True)
        if not user.active:
            raise PageError(403, t.ACCOUNT_INACTIVE)
        return user

    async def sign_in_page(self, request: web.Request) -> web.Response:
        grant = self._grant(request.match_info["token"])

        def describe() -> Viewer:
            with UnitOfWork(self.deps.engine, grant.tenant_id) as uow:
                return _viewer(uow, self._holder(uow, grant))

        viewer = await asyncio.to_thread(describe)
        return _render("signin.html", request, {
            "holder": t.SIGNIN_FOR.format(name=viewer.name, role=viewer.role, unit=viewer.unit),
            "expires": t.SIGNIN_EXPIRES.format(expires=views.local(grant.expires_at, self.tz)),
            "action": request.path_qs,  # the campaign the link names goes on to the sign-in
        })

    async def sign_in(self, request: web.Request) -> web.Response:
        _same_origin(request, self.links.base_url)
        grant = self._grant(request.match_info["token"])
        token, digest = new_session_token()
        expires = self.clock() + self.cookie.max_age

        def use() -> None:
            with UnitOfWork(self.deps.engine, grant.tenant_id) as uow:
                self._holder(uow, grant)
                if not uow.dashboard.use_link(grant.nonce, grant.user_id):
                    raise PageError(410, t.LINK_USED, new_link_hint=True)
                uow.dashboard.drop_expired(self.clock())
                uow.dashboard.open_session(digest, grant.user_id, expires)

        await asyncio.to_thread(use)
        log.info("dashboard session opened for user %s", grant.user_id)
        response = web.Response(status=303, headers={"Location": f"{PATH_PREFIX}/"})
        response.set_cookie(self.cookie.name, self.links.session_cookie(grant.tenant_id, token),
                            max_age=int(self.cookie.max_age.total_seconds()),
                            path=self.cookie.path, httponly=True, secure=self.cookie.secure, samesite="Strict")
        if campaign := request.query.get(CAMPAIGN_PARAM):
            # The campaign chosen in the chat when the link was asked for: the pages open on it while the
            # user may see it (else on the newest, as without it).
            self._remember_campaign(response, campaign)
        return response

    async def sign_out(self, request: web.Request) -> web.Response:
        _same_origin(request, self.links.base_url)
        session = self.links.read_cookie(request.cookies.get(self.cookie.name))

        def close(tenant: int, token: str) -> None:
            with UnitOfWork(self.deps.engine, tenant) as uow:
                uow.dashboard.close_session(session_digest(token))

        if session is not None:
            await asyncio.to_thread(close, *session)
        response = _message_page(request, 200, t.SIGNED_OUT, new_link_hint=True)
        response.del_cookie(self.cookie.name, path=self.cookie.path)
        return response

    def _common(self, reading: Reading, data: ReportData) -> dict[str, Any]:
        return {
            "viewer": reading.viewer,
            "campaign": reading.campaign.name,
            "scope_line": views.scope_line(data),
            "read_at": t.READ_AT.format(when=reading.local(reading.now)),
            "etag": reading.version()[0],
            "band_labels": list(data.city.band_labels),
            "formats": [(fmt.value, t.DOWNLOAD_LABELS[fmt.value]) for fmt in available_formats()
                        if not (fmt is ExportFormat.PDF and too_large(len(reading.scope.school_ids)))],
            "is_school": reading.scope.kind == "school",
            "campaigns": [(c.code, c.name, c.id == reading.campaign.id) for c in reading.choices]
            if len(reading.choices) > 1 else [],
            "own_school": next(iter(reading.scope.school_ids)) if reading.scope.kind == "school" and
            reading.scope.school_ids else None,
        }

    # --- the Ministry's national view ---------------------------------------------------------------

    def _ministry_viewer(self, cookie: str | None) -> Viewer | None:
        """The signed-in user when they are the Ministry's (staff of a Sở: None, their pages follow)."""
        session = self.links.read_cookie(cookie)
        if session is None:
            return None
        tenant, token = session
        with UnitOfWork(self.deps.engine, tenant) as uow:
            user_id = uow.dashboard.session_user(session_digest(token), self.clock())
            user = uow.users.get(user_id) if user_id is not None else None
            if user is None or not user.active or user.role != Role.MINISTRY_STAFF:
                return None
            return _viewer(uow, user)

    def _national(self, cookie: str | None) -> tuple[Viewer, NationalData] | None:
        """Every Sở's figures, each read in its own tenant (`hsdt.reports.national`), for a ministry user: read
        again once `NATIONAL_PERIOD` old."""
        viewer = self._ministry_viewer(cookie)
        if viewer is None:
            return None
        return viewer, self._national_read.get(
            lambda: national(self.deps.engine, self.clock(), self.tz, self.deps.rubrics))

    async def national_workbook(self, request: web.Request) -> web.Response:
        found = await asyncio.to_thread(self._national, request.cookies.get(self.cookie.name))
        if found is None:
            raise PageError(404, t.NOT_FOUND)
        _, data = found
        from hsdt.reports.national_excel import national_bytes  # openpyxl only when a workbook is asked for

        content = await asyncio.to_thread(national_bytes, data)
        name = n.FILE_XLSX.format(stamp=f"{data.now.astimezone(ZoneInfo(self.tz)):%Y%m%d-%H%M}")
        return web.Response(body=content, content_type=XLSX_MIME, headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        })

    # --- pages -------------------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.Response:
        found = await asyncio.to_thread(self._national, request.cookies.get(self.cookie.name))
        if found is not None:
            viewer, data = found
            return _render("national.html", request, {
                "viewer": viewer, "n": n, "data": data, "provinces": data.provinces,
                "band_labels": list(data.band_labels),
                "read_at": t.READ_AT.format(when=views.local(data.now, self.tz)),
            })

        def work(reading: Reading) -> dict[str, Any]:
            data = reading.gather()
            units = views.unit_progress(data)
            return {
                **self._common(reading, data), "page": "overview",
                "kpis": views.kpis(data), "deadlines": views.deadlines(data), "units": units,
                "total": views.total_progress(data),
                # The rule is the one the report prints (the campaign's), not a sentence of its own.
                "mean_note": t.MEAN_NOTE.format(meaning=mean_meaning(data.levels), rule=data.city.rule_name),
                "assumptions": [] if data.campaign.rubric_confirmed else list(data.rubric.assumptions),
                "charts": _charts(data, units, reading.tz),
                "nothing": not reading.scope.school_ids,
                "unreachable": _unreachable(reading),
                "unreachable_days": UNREACHABLE_DAYS,
            }

        return _render("overview.html", request, await self._read(request, work))

    async def schools(self, request: web.Request) -> web.Response:
        query = views.TableQuery.parse(request.query)

        def work(reading: Reading) -> dict[str, Any]:
            data = reading.gather()
            rows = views.school_rows(data, reading.uow.dashboard.evidence_counts(reading.campaign_id, _ids(data)))
            shown = views.sort_rows(views.filter_rows(rows, query), query, data.city.band_labels)
            statuses = [(views.OVERDUE, t.STATUS_OVERDUE)] if data.overdue else []
            statuses += [(views.NOT_STARTED, t.STATUS_NAMES[""])]
            statuses += [(key, t.STATUS_NAMES[key]) for key in (SubmissionStatus.DRAFT.value,
                                                                 SubmissionStatus.REOPENED.value,
                                                                 SubmissionStatus.SUBMITTED.value)]
            return {
                **self._common(reading, data), "page": "schools", "rows": shown[:TABLE_LIMIT],
                "total": len(rows), "matching": len(shown), "limit": TABLE_LIMIT,
                "query": query, "units": [(u.id, u.name) for u in views.unit_progress(data)],
                "statuses": statuses, "bands": list(data.city.band_labels), "columns": _COLUMNS,
            }

        context = await self._read(request, work)
        context["sort_url"] = lambda key: _url("/truong", query.sort_params(key))
        return _render("schools.html", request, context)

    async def school(self, request: web.Request) -> web.Response:
        raw = request.match_info["school"]
        if not raw.isdigit() or len(raw) > 12:
            raise PageError(404, t.NOT_FOUND)
        school_id = int(raw)

        def work(reading: Reading) -> dict[str, Any]:
            units = reading.units.by_id
            if school_id not in units or units[school_id].kind != "school":
                raise PageError(404, t.NOT_FOUND)
            if not reading.scope.allows(school_id):
                raise PageError(403, t.NOT_IN_SCOPE)
            narrowed = Scope("school", frozenset({school_id}), units[school_id].name, school_id)
            data = reading.gather(narrowed, details=True)
            # The page's minute check watches the whole scope, like the other pages.
            return {**self._common(reading, reading.gather()), "page": "school",
                    "school": _school_page(reading, data, school_id)}

        return _render("school.html", request, await self._read(request, work))

    async def data(self, request: web.Request) -> web.Response:
        """The minute check: 304 while nothing in the viewer's scope changed, decided before gathering."""
        def work(reading: Reading) -> tuple[str, datetime | None, dict[str, Any] | None]:
            tag, last = reading.version()
            if _not_modified(request, tag, last):
                return tag, last, None
            return tag, last, views.progress_payload(reading.gather(), last)

        try:
            etag, last, payload = await self._read(request, work)
        except PageError as error:
            return web.json_response({"ok": False}, status=error.status, headers=_no_store())
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
        if last is not None:
            headers["Last-Modified"] = format_datetime(last.replace(microsecond=0), usegmt=True)
        if payload is None:
            return web.Response(status=304, headers=headers)
        return web.json_response(payload, headers=headers, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def download(self, request: web.Request) -> web.Response:
        try:
            fmt = ExportFormat(request.match_info["format"])
        except ValueError:
            raise PageError(404, t.NOT_FOUND) from None

        def work(reading: Reading) -> Any:
            if not reading.scope.school_ids:
                raise PageError(404, t.NOTHING_IN_SCOPE)
            if fmt is ExportFormat.PDF and too_large(schools := len(reading.scope.school_ids)):
                raise PageError(422, t.PDF_TOO_LARGE.format(schools=schools))
            return render_appendices(fmt, reading.gather(details=True))

        exported = await self._read(request, work)
        if exported is None:
            raise PageError(404, t.FORMAT_UNAVAILABLE)
        return web.Response(body=exported.content, content_type=exported.mime_type, headers={
            "Content-Disposition": f"attachment; filename=\"{exported.file_name}\"; "
                                   f"filename*=UTF-8''{quote(exported.file_name)}",
            "Cache-Control": "no-store",
        })


# --- helpers ---------------------------------------------------------------------------------------

_COLUMNS = (
    (views.SortKey.NAME, t.H_SCHOOL, ""),
    (views.SortKey.UNIT, t.H_UNIT, ""),
    (views.SortKey.STATUS, t.H_STATUS, ""),
    (views.SortKey.SELF, t.H_SELF, "num"),
    (views.SortKey.RESCORE, t.H_RESCORE, "num"),
    (views.SortKey.CROSS, t.H_CROSS_SCORE, "num"),
    (views.SortKey.FINAL, t.H_FINAL, "num"),
    (views.SortKey.BAND, t.H_BAND, ""),
    (views.SortKey.EVIDENCE, t.H_EVIDENCE, ""),
)


def _unreachable(reading: Reading) -> list[views.UnreachableRow]:
    """Whom the OA could not reach lately, for the Sở's and the districts' staff to phone (a school's
    own people see their chats themselves)."""
    if reading.scope.kind == "school":
        return []
    found = reading.uow.dashboard.unreachable_oa_users(reading.now - timedelta(days=UNREACHABLE_DAYS))
    names = {unit_id: unit.name for unit_id, unit in reading.units.by_id.items()}
    for person in found:
        if person.unit_id not in names and (unit := reading.uow.units.get(person.unit_id)) is not None:
            names[person.unit_id] = unit.name
    return views.unreachable_rows(found, reading.scope, names, reading.tz)


def _ids(data: ReportData) -> list[int] | None:
    return None if data.scope.kind == "city" else sorted(data.scope.school_ids)


def _campaign_of(choices: tuple[Campaign, ...], wanted: str | None, remembered: str | None) -> Campaign | None:
    """The campaign a page shows among `choices`: the one named (a page of another campaign, or of one
    the user's unit is not in, is not found), else the one remembered, else the newest."""
    if wanted is not None:
        found = next((c for c in choices if c.code == wanted), None)
        if found is None:
            raise PageError(404, t.NOT_FOUND)
        return found
    return next((c for c in choices if c.code == remembered), choices[0] if choices else None)


def _url(path: str, params: dict[str, str]) -> str:
    return f"{PATH_PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")


def _no_store() -> dict[str, str]:
    return {"Cache-Control": "no-store"}


def _not_modified(request: web.Request, etag: str, last: datetime | None) -> bool:
    given = request.headers.get("If-None-Match")
    if given is not None:
        return any(tag.strip().removeprefix("W/") == etag for tag in given.split(",")) or given.strip() == "*"
    since = request.headers.get("If-Modified-Since")
    if since and last is not None:
        try:
            return last.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _same_origin(request: web.Request, base_url: str) -> None:
    """Refuses a form posted from another site (a forged sign-in or sign-out)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        raise PageError(403, t.FOREIGN_ORIGIN)
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return
    allowed = {_origin(base_url), f"{request.scheme}://{request.host}"}
    if origin.rstrip("/") not in allowed:
        raise PageError(403, t.FOREIGN_ORIGIN)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _charts(data: ReportData, units: list[views.UnitProgress], tz: str) -> dict[str, str]:
    zone = ZoneInfo(tz)
    bands = [charts.BandInfo(b.label, b.min_points) for b in data.rubric.bands]
    finals = [r.final for d in data.city.districts for r in d.schools if r.final is not None and r.school.uses_erecords]
    unit_bands = [charts.UnitBands(u.name, u.band_counts, u.not_scored) for u in units]
    more = max(0, len(unit_bands) - 30)
    series = []
    for kind, name in ((SELF, t.SERIES_SELF), (DISTRICT, t.SERIES_RESCORE), (CROSS, t.SERIES_CROSS)):
        days = [a.at.astimezone(zone).date() for (_, k), a in data.assessments.items()
                if k == kind and a.status == SubmissionStatus.SUBMITTED and a.at is not None]
        series.append(charts.Series(name, days))
    return {
        "distribution": charts.histogram(t.CHART_DISTRIBUTION, finals, bands, data.rubric.max_points,
                                         t.CHART_SCHOOLS, t.CHART_EMPTY),
        "bands": charts.bands_per_unit(t.CHART_BANDS, unit_bands, list(data.city.band_labels),
                                       t.CHART_NOT_SCORED, t.CHART_EMPTY,
                                       more_text=messages_more(more)),
        "progress": charts.progress_over_time(t.CHART_PROGRESS, series, data.city.school_count, t.CHART_EMPTY,
                                              until=data.now.astimezone(zone).date()),
    }


def messages_more(count: int) -> str:
    return t.CHART_MORE_UNITS.format(count=count) if count else ""


def _school_page(reading: Reading, data: ReportData, school_id: int) -> views.SchoolPage:
    uow, campaign_id = reading.uow, reading.campaign_id
    info = reading.units.by_id[school_id]
    district = reading.units.district_of(school_id)
    report = next(r for d in data.city.districts for r in d.schools if r.school.id == school_id)
    answers = uow.answers.for_school(campaign_id, school_id, SELF)
    rubric = reading.rubric
    values = {cid: read_stored(a.value) for cid, a in answers.items() if _has(rubric, cid)}
    self_answers = {cid: summarise(rubric.criterion(cid), value) for cid, value in values.items()}
    proposal = next((value.text for cid, value in values.items()
                     if rubric.criterion(cid).max_points <= 0 and isinstance(value, Text)), "")
    evidence = uow.dashboard.evidence_of_school(campaign_id, school_id)
    audit = uow.dashboard.audit_of_school(campaign_id, school_id, AUDIT_LIMIT)
    reopens = uow.dashboard.reopens_of_school(campaign_id, school_id)
    people = {a.by for a in data.assessments.values() if a.by is not None}
    people |= {e.uploaded_by for e in evidence} | {a.user_id for a in audit} | {r.user_id for r in reopens}
    names = {uid: name for uid, (_, name, _) in uow.inspection.user_names(people).items()}
    page = views.SchoolPage(
        id=school_id, code=info.code, name=info.name,
        unit_name=reading.units.by_id[district].name if district in reading.units.by_id else "",
        uses_erecords=info.uses_erecords, report=report, scores=views.score_lines(data, school_id, names),
        criteria=views.criterion_rows(data, school_id, self_answers), proposal=proposal,
        audit_limited=len(audit) >= AUDIT_LIMIT,
    )
    for item in evidence:
        page.evidence.append(views.EvidenceRow(
            file_name=item.file_name, criterion=item.criterion_id, kind=t.KIND_NAMES.get(item.kind, item.kind),
            status=item.status, verdict=_plain(HEADLINES.get(item.status, item.status)),
            signers=views.signers_of(item.read_verdict()), uploaded=reading.local(item.uploaded_at)))
    for row in audit:
        page.audit.append(views.AuditRow(
            when=reading.local(row.at), who=names.get(row.user_id, t.UNKNOWN_PERSON),
            kind=t.KIND_NAMES.get(row.kind, row.kind), criterion=row.criterion_id,
            change=_change(rubric, row.kind, row.criterion_id, row.old_value, row.new_value)))
    page.reopens = [t.REOPEN_LINE.format(when=reading.local(r.at), who=names.get(r.user_id, t.UNKNOWN_PERSON),
                                         reason=r.reason) for r in reopens]
    return page


def _plain(headline: str) -> str:
    """The verdict without its leading emoji: the page marks it with a coloured sign of its own, and a
    desk computer without an emoji font would show a box."""
    head, _, rest = headline.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in head) else headline


def _has(rubric: Rubric, criterion_id: str) -> bool:
    try:
        rubric.criterion(criterion_id)
    except KeyError:
        return False
    return True


def _describe(rubric: Rubric, kind: str, criterion_id: str, stored: dict[str, Any] | None) -> str:
    if stored is None:
        return t.NONE
    value = read_stored(stored)
    if kind != SELF:
        return t.AUDIT_POINTS.format(points=format_points(value.points)) if isinstance(value, Rescore) else t.NONE
    if not _has(rubric, criterion_id):
        return t.NONE
    return summarise(rubric.criterion(criterion_id), value)


def _change(rubric: Rubric, kind: str, criterion_id: str, old: dict[str, Any] | None,
            new: dict[str, Any] | None) -> str:
    if old is None:
        return t.AUDIT_FIRST.format(new=_describe(rubric, kind, criterion_id, new))
    return t.AUDIT_CHANGED.format(old=_describe(rubric, kind, criterion_id, old),
                                  new=_describe(rubric, kind, criterion_id, new))


def _render(name: str, request: web.Request, context: dict[str, Any]) -> web.Response:
    response = aiohttp_jinja2.render_template(name, request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _message_page(request: web.Request, status: int, message: str, *, new_link_hint: bool = False) -> web.Response:
    response = aiohttp_jinja2.render_template("message.html", request, {
        "message": message, "hint": t.GET_NEW_LINK if new_link_hint else "",
        "heading": t.ERROR_HEADING if status >= 400 else t.TITLE,
    }, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def _guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                 ) -> web.StreamResponse:
    try:
        response = await handler(request)
    except PageError as error:
        response = _message_page(request, error.status, error.message, new_link_hint=error.new_link_hint)
    except web.HTTPNotFound:
        response = _message_page(request, 404, t.NOT_FOUND)
    except web.HTTPMethodNotAllowed:
        response = _message_page(request, 405, t.NOT_FOUND)
    except web.HTTPException as redirect:
        if redirect.status >= 400:
            raise
        response = redirect
    except Exception:
        log.exception("dashboard page %s failed", route_of(request))
        response = _message_page(request, 500, t.INTERNAL_ERROR)
    return secure(response)


def _static_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def make_dashboard_app(deps: DashboardDeps, clock: Callable[[], datetime] = utcnow) -> web.Application:
    dashboard = Dashboard(deps, clock)
    sub = web.Application(middlewares=[_guard])
    environment = aiohttp_jinja2.setup(sub, loader=jinja2.FileSystemLoader(str(TEMPLATES)), **ENVIRONMENT_OPTIONS)
    environment.globals.update(t=t, base=PATH_PREFIX, static=f"{PATH_PREFIX}/tep", version=_static_version(),
                               url=_url)
    environment.filters["points"] = views.points
    sub.router.add_get("/", dashboard.overview)
    sub.router.add_get("/truong", dashboard.schools)
    sub.router.add_get("/truong/{school}", dashboard.school)
    sub.router.add_get("/du-lieu", dashboard.data)
    sub.router.add_get("/dot/{code}", dashboard.choose_campaign)
    sub.router.add_get("/tai/{format}", dashboard.download)
    sub.router.add_get("/toan-quoc.xlsx", dashboard.national_workbook)
    sub.router.add_get("/vao/{token}", dashboard.sign_in_page)
    sub.router.add_post("/vao/{token}", dashboard.sign_in)
    sub.router.add_post("/dang-xuat", dashboard.sign_out)
    sub.router.add_static("/tep", STATIC)
    return sub


def mount(web_app: web.Application, deps: DashboardDeps | None, clock: Callable[[], datetime] = utcnow) -> None:
    """The web server's one line: serve the dashboard under /bang-dieu-khien/ (when links can be made)."""
    if deps is None:
        log.info("no public address for the web server: the dashboard is not served")
        return
    web_app.add_subapp(PATH_PREFIX, make_dashboard_app(deps, clock))
