"""The dashboard per Sở, on SQLite and PostgreSQL: a session lives in its user's tenant (the sign-in link
and the cookie name it, signed), every page reads that tenant only, and URLs naming another Sở's schools
are not found; an edited link or cookie is refused; a cookie set before tenants means the first Sở."""

from __future__ import annotations

import base64
import json

from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.services.tenants import create_tenant
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import dashboard as t
from hsdt.web.dashboard.auth import SignInLinks
from tests.conftest import seed
from tests.dashboard.support import COOKIE, path_of, person, sign_in
from tests.helpers import Clock, WebClient
from tests.inspection.fixtures import submit_self
from tests.present import present

HANOI_SCHOOL = "Trường Mầm non Hà Nội Bí Mật"


def _hanoi(engine: Engine, clock: Clock) -> tuple[int, dict[str, str], int]:
    """A second Sở with one school submitted and renamed; (tenant, invite codes, that school's id)."""
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with tenant_scope(hanoi):
        codes = seed(engine, clock())
        submit_self(engine, "MN-HOASEN")
    with UnitOfWork(engine, hanoi) as uow:
        school = present(uow.units.by_code("MN-HOASEN"))
        school.name = HANOI_SCHOOL
        uow.session.add(school)
        return hanoi, codes, present(school.id)


def _school_id(engine: Engine, tenant: int, code: str) -> int:
    with UnitOfWork(engine, tenant) as uow:
        return present(present(uow.units.by_code(code)).id)


async def _get(client: WebClient, path: str, cookie: str) -> tuple[int, str]:
    response = await client.get(f"/bang-dieu-khien{path}", cookies={COOKIE: cookie})
    return response.status, await response.text()


async def test_each_sos_session_reads_its_own_tenant_and_not_the_others_ids(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine, clock: Clock,
) -> None:
    hanoi, hanoi_codes, hanoi_school = _hanoi(engine, clock)
    first_school = _school_id(engine, DEFAULT_TENANT, "MN-HOASEN")
    with tenant_scope(DEFAULT_TENANT):
        first = await sign_in(client, person(wired[0], city, "SO-01"))
    with tenant_scope(hanoi):
        there = await sign_in(client, person(wired[0], hanoi_codes, "SO-01"))
    assert there.startswith(f"{hanoi}.") and first.startswith(f"{DEFAULT_TENANT}.")
    # Each session's figures are its own Sở's: 3 schools submitted in the first, 1 in Hà Nội.
    mine = await (await client.get("/bang-dieu-khien/du-lieu", cookies={COOKIE: first})).json()
    theirs = await (await client.get("/bang-dieu-khien/du-lieu", cookies={COOKIE: there})).json()
    assert (mine["submitted"], theirs["submitted"]) == (3, 1)
    status, page = await _get(client, f"/truong/{hanoi_school}", there)
    assert status == 200 and HANOI_SCHOOL in page
    # The other Sở's school ids are not found, with no hint that they exist (not "not in your scope").
    for path, cookie in ((f"/truong/{first_school}", there), (f"/truong/{hanoi_school}", first)):
        status, page = await _get(client, path, cookie)
        assert status == 404 and t.NOT_FOUND in page and t.NOT_IN_SCOPE not in page and HANOI_SCHOOL not in page
    _, overview = await _get(client, "/truong", first)
    assert HANOI_SCHOOL not in overview


async def test_an_edited_cookie_or_link_is_refused_and_an_old_cookie_means_the_first_so(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine, clock: Clock,
) -> None:
    hanoi, hanoi_codes, _ = _hanoi(engine, clock)
    with tenant_scope(DEFAULT_TENANT):
        first = await sign_in(client, person(wired[0], city, "SO-01"))
    with tenant_scope(hanoi):
        there = await sign_in(client, person(wired[0], hanoi_codes, "SO-01"))
    _, token, mac = there.split(".")
    for forged in (f"{DEFAULT_TENANT}.{token}.{mac}", f"{hanoi}.{token}.{mac[:-2]}AA", f"{hanoi}.{token}",
                   token):
        status, page = await _get(client, "/", forged)
        assert status == 401 and t.NEED_SIGN_IN in page
    # A cookie set before tenants (the bare token) is the first Sở's session.
    assert (await _get(client, "/", first.split(".")[1]))[0] == 200
    # Hà Nội's sign-in link edited to name the first Sở fails its signature (and is not used up).
    with tenant_scope(hanoi):
        link = path_of(person(wired[0], hanoi_codes, "PGD-HB-01").link())
    payload, signature = link.rsplit("/", 1)[1].split(".")
    grant = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert grant["tenant_id"] == hanoi
    grant["tenant_id"] = DEFAULT_TENANT
    edited = base64.urlsafe_b64encode(json.dumps(grant).encode()).rstrip(b"=").decode()
    forged_link = f"/bang-dieu-khien/vao/{edited}.{signature}"
    assert (await client.get(forged_link)).status == 403
    assert (await client.post(forged_link, allow_redirects=False)).status == 403
    assert (await client.get(link)).status == 200


async def _ministry(client: WebClient, wired: tuple[Dispatcher, SignInLinks], engine: Engine,
                    clock: Clock) -> tuple[int, str]:
    """The Ministry's tenant and its staff member's dashboard cookie."""
    from datetime import timedelta

    from hsdt.services.roster import UnitRow, UserRow, apply_roster
    from hsdt.storage.models import Role, TenantKind

    ministry = create_tenant(engine, "bo", "Bộ Giáo dục và Đào tạo", "Cả nước", TenantKind.MINISTRY).id
    with UnitOfWork(engine, ministry) as uow:
        invited = apply_roster(uow, [UnitRow("BO", "Bộ Giáo dục và Đào tạo", "so")],
                               [UserRow("BO-01", "Lê Văn Bộ", Role.MINISTRY_STAFF, "BO")],
                               invite_ttl=timedelta(days=3), now=clock())
    with tenant_scope(ministry):
        return ministry, await sign_in(client, person(wired[0], {"BO-01": invited.invites[0][1]}, "BO-01"))


async def test_a_ministry_user_sees_the_national_page_and_nothing_of_a_school(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine, clock: Clock,
) -> None:
    import io
    import re

    from openpyxl import load_workbook

    from hsdt.reports.national import national

    hanoi, _, hanoi_school = _hanoi(engine, clock)
    ministry, cookie = await _ministry(client, wired, engine, clock)
    with tenant_scope(DEFAULT_TENANT):
        so_cookie = await sign_in(client, person(wired[0], city, "SO-01"))
    status, page = await _get(client, "/", cookie)
    assert status == 200 and "Tổng hợp toàn quốc" in page and "Lê Văn Bộ" in page
    data = national(engine, clock())
    for province in data.provinces:
        row = re.search(rf'<tr data-province="{province.tenant_id}">(.*?)</tr>', page, re.S)
        assert row is not None
        cells = dict(re.findall(r'data-col="(\w+)"[^>]*>([^<]*)<', row.group(1)))
        assert (int(cells["schools"]), int(cells["submitted"]), int(cells["rescored"])) == (
            province.schools, province.submitted, province.rescored)
    assert f'data-province="{ministry}"' not in page and f'data-province="{hanoi}"' in page
    assert HANOI_SCHOOL not in page and "Hoa Sen" not in page
    # No school page, no table of schools, no appendices: not found.
    for path in ("/truong", f"/truong/{hanoi_school}", "/tai/xlsx"):
        assert (await _get(client, path, cookie))[0] == 404
    workbook = await client.get("/bang-dieu-khien/toan-quoc.xlsx", cookies={COOKIE: cookie})
    assert workbook.status == 200
    sheet = load_workbook(io.BytesIO(await workbook.read())).active
    assert sheet is not None
    assert [row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)][1] == "Hà Nội"
    # A Sở's staff get neither the national workbook nor the page: their overview is their Sở's.
    assert (await client.get("/bang-dieu-khien/toan-quoc.xlsx", cookies={COOKIE: so_cookie})).status == 404
    _, own = await _get(client, "/", so_cookie)
    assert "data-province" not in own


async def test_the_national_page_is_read_again_once_a_minute_old(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine, clock: Clock,
) -> None:
    """It reads every Sở: pages asked within a minute show the same reading, and say when it was made."""
    import re

    hanoi, _, _ = _hanoi(engine, clock)
    _, cookie = await _ministry(client, wired, engine, clock)

    def submitted(page: str) -> int:
        row = re.search(rf'<tr data-province="{hanoi}">(.*?)</tr>', page, re.S)
        assert row is not None
        return int(dict(re.findall(r'data-col="(\w+)"[^>]*>([^<]*)<', row.group(1)))["submitted"])

    first = (await _get(client, "/", cookie))[1]
    assert submitted(first) == 1
    with tenant_scope(hanoi):
        submit_self(engine, "MN-SAOMAI")
    clock.advance(seconds=30)
    again = (await _get(client, "/", cookie))[1]
    assert submitted(again) == 1 and t.READ_AT.split("{")[0] in again
    clock.advance(seconds=31)
    assert submitted((await _get(client, "/", cookie))[1]) == 2
