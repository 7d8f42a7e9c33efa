"""What each role sees over HTTP, on SQLite and PostgreSQL: the same scope as in chat, every denial
proven, and every number equal to the report data set and to the database's own rows."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from aiohttp import ClientResponse
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.reports import pdf
from hsdt.reports.dataset import ReportData, Units, gather, scope_for
from hsdt.scoring.assessment import AssessmentKind
from hsdt.storage.models import Evidence, Submission
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.dashboard import exports
from hsdt.web.dashboard.auth import SignInLinks
from tests.dashboard.support import COOKIE, person, sign_in, unit_id
from tests.helpers import Clock, WebClient
from tests.inspection.fixtures import reopen_self, submit_self
from tests.present import present
from tests.reports.reading import sheets, table

SCHOOLS = {"MN-HOASEN": "Hoa Sen", "MN-SAOMAI": "Sao Mai", "MN-HOAMAI": "Hoa Mai", "MN-TUOITHO": "Tuổi Thơ"}


def _codes_in(html: str) -> set[str]:
    return set(re.findall(r'data-school="([A-Z-]+)"', html))


def _dataset(engine: Engine, user_code: str, now: datetime) -> ReportData:
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code(user_code)
        campaign = uow.campaigns.active()
        assert user is not None and campaign is not None
        units = Units.load(uow)
        scope = scope_for(uow, user, present(campaign.id), units)
        return gather(uow, campaign, RubricCache().for_campaign(uow, campaign), scope, now, units=units)


async def _get(client: WebClient, path: str, token: str, **headers: str) -> ClientResponse:
    return await client.get(f"/bang-dieu-khien{path}", cookies={COOKIE: token}, headers=headers)


async def test_so_staff_numbers_equal_the_data_set_and_the_database(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine, clock: Clock
) -> None:
    token = await sign_in(client, person(wired[0], city, "SO-01"))
    response = await _get(client, "/du-lieu", token)
    assert response.status == 200
    payload = await response.json()
    data = _dataset(engine, "SO-01", clock())
    assert (payload["schools"], payload["submitted"], payload["rescored"], payload["cross"]) == (
        data.city.school_count, data.city.submitted, data.city.rescored, data.city.cross_inspected)
    assert payload["mean"] == data.city.mean
    with UnitOfWork(engine) as uow:  # the database's own count, not through the data set
        counts = dict(uow.session.execute(
            select(Submission.kind, func.count()).where(Submission.status == "submitted").group_by(Submission.kind)
        ).all())
    assert (payload["submitted"], payload["rescored"], payload["cross"]) == (
        counts["self"], counts["district"], counts["cross"]) == (3, 1, 1)
    by_unit = {u["name"]: u for u in payload["units"]}
    for district in data.city.districts:
        unit = by_unit[district.district.name]
        assert (unit["schools"], unit["submitted"], unit["rescored"], unit["cross"], unit["mean"]) == (
            district.school_count, district.submitted, district.rescored, district.cross_inspected, district.mean)
    assert by_unit["Phòng GD&ĐT quận Hồng Bàng"]["mean"] == 72.64  # as /report says in chat
    overview = await (await _get(client, "/", token)).text()
    for district in data.city.districts:
        row = re.search(rf'<tr data-unit="{district.district.id}">(.*?)</tr>', overview, re.S)
        assert row is not None
        cells = dict(re.findall(r'data-col="(\w+)"[^>]*>([^<]*)<', row.group(1)))
        assert cells["submitted"] == str(district.submitted) and cells["rescored"] == str(district.rescored)
        assert cells["mean"] == (f"{district.mean:g}".replace(".", ",") if district.mean is not None else "—")
    assert "<svg" in overview and "Phân bố điểm cuối cùng" in overview
    table = await (await _get(client, "/truong", token)).text()
    assert _codes_in(table) == set(SCHOOLS)


async def test_workbook_download_is_the_viewers_scope(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    for code, expected in (("SO-01", set(SCHOOLS)), ("PGD-HB-01", {"MN-HOASEN", "MN-SAOMAI"}),
                           ("HT-HOASEN", {"MN-HOASEN"})):
        token = await sign_in(client, person(wired[0], city, code))
        response = await _get(client, "/tai/excel", token)
        assert response.status == 200
        assert response.headers["Content-Disposition"].startswith("attachment; filename=\"bao-cao-hsdt-")
        workbook = load_workbook(io.BytesIO(await response.read()))
        # Phụ lục 2 lists every school of each managing unit in scope with its self-assessment total.
        shown = {r["Tên trường"]: r["Tự đánh giá"] for sheet in sheets(workbook, "PL2 ") for r in table(sheet)[:-1]}
        with UnitOfWork(engine) as uow:
            names = {code: present(uow.units.by_code(code)).name for code in SCHOOLS}
            totals = {present(uow.units.get(s.school_id)).name: s.total
                      for s in uow.session.exec(select(Submission).where(Submission.kind == "self")).all()}
        assert set(shown) == {names[code] for code in expected}, code
        for name, total in shown.items():
            assert total == totals.get(name), name
        summary = dict(row[:2] for row in workbook["Tổng hợp"].iter_rows(values_only=True))
        assert summary["Số trường"] == len(expected)
        assert summary["Đã nộp tự đánh giá"] == sum(1 for school in expected if names[school] in totals)
    pdf = await _get(client, "/tai/pdf", token)  # the same appendices, converted by LibreOffice
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
    assert (await _get(client, "/tai/zip", token)).status == 404


async def test_pdf_button_follows_the_converter(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await sign_in(client, person(wired[0], city, "SO-01"))
    assert "/tai/pdf" in await (await _get(client, "/", token)).text()
    monkeypatch.setattr(exports, "pdf_available", lambda: False)  # a server without LibreOffice
    assert "/tai/pdf" not in await (await _get(client, "/", token)).text()
    assert (await _get(client, "/tai/pdf", token)).status == 404


async def test_a_scope_too_large_for_one_pdf_is_offered_the_workbook(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "MAX_SCHOOLS", 3)  # the city's four schools are too many for one PDF here
    token = await sign_in(client, person(wired[0], city, "SO-01"))
    page = await (await _get(client, "/", token)).text()
    assert "/tai/pdf" not in page and "/tai/excel" in page
    refused = await _get(client, "/tai/pdf", token)
    assert refused.status == 422 and "Phạm vi này có 4 trường" in await refused.text()
    # A managing unit's two schools are within the limit.
    token = await sign_in(client, person(wired[0], city, "PGD-HB-01"))
    assert "/tai/pdf" in await (await _get(client, "/", token)).text()


async def test_district_staff_sees_only_their_district(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    token = await sign_in(client, person(wired[0], city, "PGD-HB-01"))
    assert _codes_in(await (await _get(client, "/truong", token)).text()) == {"MN-HOASEN", "MN-SAOMAI"}
    overview = await (await _get(client, "/", token)).text()
    assert "Thủy Nguyên" not in overview and "Hồng Bàng" in overview
    for other in ("MN-HOAMAI", "MN-TUOITHO"):
        denied = await _get(client, f"/truong/{unit_id(engine, other)}", token)
        assert denied.status == 403 and "không có quyền" in await denied.text()
    filtered = await _get(client, f"/truong?don-vi={unit_id(engine, 'PGD-TN')}", token)
    assert _codes_in(await filtered.text()) == set()
    payload = await (await _get(client, "/du-lieu", token)).json()
    assert [u["name"] for u in payload["units"]] == ["Phòng GD&ĐT quận Hồng Bàng"] and payload["schools"] == 2
    assert (await _get(client, f"/truong/{unit_id(engine, 'MN-SAOMAI')}", token)).status == 200
    assert (await _get(client, f"/truong/{unit_id(engine, 'PGD-HB')}", token)).status == 404  # not a school
    assert (await _get(client, "/truong/999999", token)).status == 404
    assert (await _get(client, "/truong/abc", token)).status == 404


async def test_principal_sees_only_their_school(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    token = await sign_in(client, person(wired[0], city, "HT-HOASEN"))
    assert _codes_in(await (await _get(client, "/truong", token)).text()) == {"MN-HOASEN"}
    overview = await (await _get(client, "/", token)).text()
    assert 'id="progress"' not in overview  # no unit means for a principal: that figure would be theirs
    for other in ("MN-SAOMAI", "MN-HOAMAI", "MN-TUOITHO"):
        denied = await _get(client, f"/truong/{unit_id(engine, other)}", token)
        assert denied.status == 403
        body = await denied.text()
        assert "không có quyền" in body and SCHOOLS[other] not in body
    payload = await (await _get(client, "/du-lieu", token)).json()
    assert payload["schools"] == 1 and payload["scope"] == "school"


async def test_one_users_cookie_never_shows_anothers_data(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    principal = await sign_in(client, person(wired[0], city, "HT-HOASEN"))
    staff = await sign_in(client, person(wired[0], city, "PGD-TN-01"))
    assert _codes_in(await (await _get(client, "/truong", principal)).text()) == {"MN-HOASEN"}
    assert _codes_in(await (await _get(client, "/truong", staff)).text()) == {"MN-HOAMAI", "MN-TUOITHO"}
    hoamai = f"/truong/{unit_id(engine, 'MN-HOAMAI')}"
    assert (await _get(client, hoamai, principal)).status == 403
    assert (await _get(client, hoamai, staff)).status == 200
    assert "Vũ Minh Hải" in await (await _get(client, "/", staff)).text()
    assert "Vũ Minh Hải" not in await (await _get(client, "/", principal)).text()


async def test_roles_without_the_feature_and_without_a_web_server(
    wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], dispatcher: Dispatcher
) -> None:
    inspector = person(wired[0], city, "CB-HB-01").chat
    inspector.send("/bangdieukhien")
    assert "chỉ dành cho" in inspector.text and "/bang-dieu-khien/" not in inspector.text
    so = person(wired[0], city, "SO-01").chat
    so.send("/menu")
    so.press("Mở trang theo dõi")
    assert "/bang-dieu-khien/vao/" in so.text
    plain = person(dispatcher, city, "PGD-HB-01").chat  # a dispatcher without a web server
    plain.send("/bangdieukhien")
    assert "chưa bật trang web" in plain.text


async def test_data_endpoint_answers_304_until_something_changes(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    token = await sign_in(client, person(wired[0], city, "PGD-TN-01"))
    first = await _get(client, "/du-lieu", token)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    page = await (await _get(client, "/", token)).text()
    assert f'data-etag="{etag.replace(chr(34), "&#34;")}"' in page  # the page starts from the same version
    assert (await _get(client, "/du-lieu", token, **{"If-None-Match": etag})).status == 304
    assert (await _get(client, "/du-lieu", token, **{"If-Modified-Since": modified})).status == 304
    past = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert (await _get(client, "/du-lieu", token, **{"If-Modified-Since": past})).status == 200
    reopen_self(engine, "MN-HOASEN")  # another district: nothing changes here
    assert (await _get(client, "/du-lieu", token, **{"If-None-Match": etag})).status == 304
    submit_self(engine, "MN-TUOITHO")
    changed = await _get(client, "/du-lieu", token, **{"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert (await changed.json())["submitted"] == 2


async def test_school_page_shows_answers_comments_evidence_and_audit(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine
) -> None:
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        school = uow.units.by_code("MN-HOASEN")
        principal = uow.users.by_code("HT-HOASEN")
        assert campaign and school and principal
        uow.evidence.add(Evidence(
            campaign_id=present(campaign.id), school_id=present(school.id), kind=AssessmentKind.SELF, criterion_id="E1",
            sha256="ab" * 32, size=1000, file_name="ke-hoach-nam-hoc.pdf", status="valid",
            uploaded_by=present(principal.id),
            verdict={"status": "valid", "signatures": [{"signer": "Nguyễn Thị Hồng Nhung",
                                                        "organization": "Trường Mầm non Hoa Sen"}]}))
    token = await sign_in(client, person(wired[0], city, "PGD-HB-01"))
    page = await _get(client, f"/truong/{unit_id(engine, 'MN-HOASEN')}", token)
    html = await page.text()
    assert page.status == 200
    row = re.search(r'<tr data-criterion="B1">(.*?)</tr>', html, re.S)
    assert row is not None
    assert "6,67" in row.group(1) and ">4<" in row.group(1) and "Nhận xét B1" in row.group(1)
    assert "differs" in row.group(1)
    assert "ke-hoach-nam-hoc.pdf" in html and "verdict-valid\">Hợp lệ" in html and "Nguyễn Thị Hồng Nhung" in html
    assert "Lịch sử thay đổi" in html and html.count("Lần đầu:") >= 12
    assert "71,47" in html and "68,8" in html  # self and re-score totals, as in chat
    assert "Không có ý kiến." in html  # the school's own proposal (criterion III)


async def test_names_are_escaped(client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str],
                                 engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        school = uow.units.by_code("MN-TUOITHO")
        assert school is not None
        school.name = '<script>alert("x")</script> Tuổi Thơ'
        uow.session.add(school)
    token = await sign_in(client, person(wired[0], city, "SO-01"))
    for path in ("/truong", f"/truong/{unit_id(engine, 'MN-TUOITHO')}", "/"):
        html = await (await _get(client, path, token)).text()
        assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in await (await _get(client, "/truong", token)).text()


async def test_big_tables_are_cut_and_failures_get_a_page(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hsdt.web.dashboard import routes, views

    token = await sign_in(client, person(wired[0], city, "SO-01"))
    monkeypatch.setattr(routes, "TABLE_LIMIT", 2)
    html = await (await _get(client, "/truong", token)).text()
    assert len(_codes_in(html)) == 2 and "lọc theo đơn vị" in html

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "school_rows", broken)
    failed = await _get(client, "/truong", token)
    assert failed.status == 500 and "gặp sự cố" in await failed.text()
    assert failed.headers["Content-Security-Policy"].startswith("default-src 'none'")
