"""The dashboard in a real browser (Debian's Chromium driven by Playwright, no browser download): each
role opens it from a link minted in chat, sees its own scope and nothing else, sorts and filters the
table, downloads the workbook (checked against the database) and is refreshed by the minute check.
Desktop and phone screenshots go to test-artifacts/ for review."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.scoring.assessment import AssessmentKind
from hsdt.services.roster import UnitRow, apply_roster
from hsdt.storage.models import AnswerAudit, Evidence, Submission
from hsdt.storage.unit_of_work import UnitOfWork
from tests.conftest import seed
from tests.dashboard.support import Person, build_city, dashboard_dispatcher, person, web_app
from tests.helpers import Clock
from tests.inspection.fixtures import submit_self
from tests.ports import free_port
from tests.present import present
from tests.reports.reading import sheets, table
from tests.required_tools import chromium

CHROMIUM = chromium()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}, "locale": "vi-VN"}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
                         "has_touch": True, "locale": "vi-VN"}

pytestmark = pytest.mark.needs("chromium")

LE_CHAN: list[tuple[str, str, dict[str, dict[str, Any]] | None, int]] = [
    ("MN-HOAHONG", "Trường Mầm non Hoa Hồng", {"D1": {"percent": 95}, "C2": {"option": "full"}}, 9),
    ("MN-BINHMINH", "Trường Mầm non Bình Minh", {"B2": {"issued": 20, "used": 8}, "D1": {"percent": 40}}, 11),
    ("MN-ANHDUONG", "Trường Mầm non Ánh Dương", {"A1": {"options": ["c1", "c2", "c3", "c4", "c5", "c6"]},
                                                 "D1": {"percent": 100}, "C2": {"option": "full"}}, 14),
    ("MN-HOAPHUONG", "Trường Mầm non Hoa Phượng", {"C1": {"option": "none"}, "D1": {"percent": 20},
                                                   "B4": {"options": ["c1"]}}, 18),
    ("MN-SONCA", "Trường Mầm non Sơn Ca", None, 0),
    ("MN-VANGANH", "Trường Mầm non Vàng Anh", None, 0),
]


def _richer_city(engine: Engine, clock: Clock) -> None:
    """A third managing unit with more schools, submitted on different days, and evidence files."""
    with UnitOfWork(engine) as uow:
        units = [UnitRow("PGD-LC", "Phòng GD&ĐT quận Lê Chân", "district", "SO-HP")]
        units += [UnitRow(code, name, "school", "PGD-LC") for code, name, _, _ in LE_CHAN]
        apply_roster(uow, units, [], invite_ttl=timedelta(days=30), now=clock())
    start = clock() - timedelta(days=20)
    for code, _, changes, day in LE_CHAN:
        if changes is not None:
            submit_self(engine, code, changes)
            _move_submission(engine, code, start + timedelta(days=day))
    for offset, code in enumerate(("MN-HOASEN", "MN-SAOMAI", "MN-HOAMAI")):
        _move_submission(engine, code, start + timedelta(days=12 + offset * 3))
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        principal = uow.users.by_code("HT-HOASEN")
        school = uow.units.by_code("MN-HOASEN")
        assert campaign and principal and school
        for name, status, signer in (("ke-hoach-nam-hoc-2024-2025.pdf", "valid", "Nguyễn Thị Hồng Nhung"),
                                     ("bien-ban-hop-hoi-dong.pdf", "indeterminate", "Trần Văn Bình")):
            uow.evidence.add(Evidence(
                campaign_id=present(campaign.id), school_id=present(school.id), kind=AssessmentKind.SELF,
                criterion_id="E1",
                sha256=name[:8].encode().hex().ljust(64, "0"), size=120_000, file_name=name, status=status,
                uploaded_by=present(principal.id), uploaded_at=clock() - timedelta(days=9),
                verdict={"status": status, "signatures": [
                    {"signer": signer, "organization": "Trường Mầm non Hoa Sen"}]}))


def _move_submission(engine: Engine, code: str, when: datetime) -> None:
    with UnitOfWork(engine) as uow:
        school = uow.units.by_code(code)
        assert school is not None
        for row in uow.session.exec(select(Submission).where(Submission.school_id == school.id)).all():
            row.submitted_at = when if row.kind == "self" else when + timedelta(days=4)
            uow.session.add(row)
        # The answers' history at the same dates, so the screenshots tell one consistent story.
        for audit in uow.session.exec(select(AnswerAudit).where(AnswerAudit.school_id == school.id)).all():
            audit.at = when - timedelta(hours=1) if audit.kind == "self" else when + timedelta(days=4, hours=-1)
            uow.session.add(audit)


@pytest.fixture
async def served(sqlite_engine: Engine, tmp_path: Path) -> AsyncIterator[tuple[Dispatcher, dict[str, str], str,
                                                                             Clock, Engine]]:
    clock = Clock(datetime(2024, 12, 10, 2, 0, tzinfo=UTC))
    codes = build_city(sqlite_engine, seed(sqlite_engine, clock()), clock)
    _richer_city(sqlite_engine, clock)
    clock.advance(days=20)  # 30/12/2024, 09:00 in Hải Phòng: an inspection day, self-assessment overdue
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dispatcher, _ = dashboard_dispatcher(sqlite_engine, clock, tmp_path, base)
    runner = web.AppRunner(web_app(sqlite_engine, dispatcher, tmp_path, clock, base))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield dispatcher, codes, base, clock, sqlite_engine
    finally:
        await runner.cleanup()
        dispatcher.close()


async def _open(browser: Any, who: Person, options: dict[str, Any], base: str, external: list[str]) -> Any:
    context = await browser.new_context(accept_downloads=True, **options)
    page = await context.new_page()
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
    await page.goto(who.link())  # the sign-in page submits itself: one tap from the chat
    await page.wait_for_url(f"{base}/bang-dieu-khien/")
    return page


async def _column(page: Any, name: str) -> list[str]:
    return [text.strip() for text in await page.locator(f'#schools td[data-col="{name}"]').all_inner_texts()]


def _number(text: str) -> float | None:
    return None if text == "—" else float(text.replace(",", "."))


async def test_each_role_sees_its_scope_sorts_filters_and_downloads(served: tuple[Any, ...]) -> None:
    from playwright.async_api import async_playwright

    dispatcher, codes, base, _clock, engine = served
    ARTIFACTS.mkdir(exist_ok=True)
    external: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            # --- Sở staff on a desk: the whole city ---
            page = await _open(browser, person(dispatcher, codes, "SO-01"), DESKTOP, base, external)
            assert await page.locator("h1").inner_text() == "Tiến độ đợt kiểm tra"
            assert await page.locator('[data-kpi="schools"]').inner_text() == "10"
            assert await page.locator('[data-kpi="submitted"]').inner_text() == "7"
            assert await page.locator('[data-kpi="overdue"]').inner_text() == "3"
            assert await page.locator("#progress tbody tr").count() == 3
            assert "đang diễn ra" in await page.locator(".deadlines").inner_text()
            await page.screenshot(path=str(ARTIFACTS / "dashboard-overview-desktop.png"), full_page=True)

            await page.get_by_role("link", name="Danh sách trường").first.click()
            assert await page.locator("#schools tbody tr").count() == 10
            await page.locator('#schools thead a[data-sort="diem"]').click()
            await page.wait_for_url("**sap=diem**")
            finals = [_number(v) for v in await _column(page, "final")]
            scored = [v for v in finals if v is not None]
            assert scored == sorted(scored) and finals[len(scored):] == [None] * (len(finals) - len(scored))
            await page.locator('#schools thead a[data-sort="diem"]').click()
            await page.wait_for_url("**chieu=giam**")
            finals = [_number(v) for v in await _column(page, "final")]
            scored = [v for v in finals if v is not None]
            assert scored == sorted(scored, reverse=True) and len(scored) == 7
            await page.select_option("#don-vi", label="Phòng GD&ĐT quận Lê Chân")  # applies on change
            await page.wait_for_url("**don-vi=**")
            assert set(await _column(page, "unit")) == {"Phòng GD&ĐT quận Lê Chân"}
            assert await page.locator("#schools tbody tr").count() == 6
            await page.select_option("#trang-thai", label="Quá hạn")
            await page.wait_for_url("**trang-thai=qua-han**")
            assert {s.split("\n")[0] for s in await page.locator("#schools tbody th").all_inner_texts()} == {
                "Trường Mầm non Sơn Ca", "Trường Mầm non Vàng Anh"}
            await page.get_by_role("link", name="Bỏ lọc").click()
            await page.fill("#q", "hoa")
            await page.get_by_role("button", name="Lọc").click()
            await page.wait_for_url("**q=hoa**")
            assert await page.locator("#schools tbody tr").count() == 4  # Hoa Sen, Hoa Mai, Hoa Hồng, Hoa Phượng
            await page.get_by_role("link", name="Bỏ lọc").click()
            await page.locator('#schools thead a[data-sort="diem"]').click()
            await page.screenshot(path=str(ARTIFACTS / "dashboard-schools-desktop.png"), full_page=True)

            await page.get_by_role("link", name="Trường Mầm non Hoa Sen").click()
            assert await page.locator("h1").inner_text() == "Trường Mầm non Hoa Sen"
            b1 = await page.locator('#criteria tr[data-criterion="B1"]').inner_text()
            assert "6,67" in b1 and "Nhận xét B1" in b1
            assert "Chưa xác định" in await page.locator("#evidence").inner_text()
            await page.screenshot(path=str(ARTIFACTS / "dashboard-school-desktop.png"), full_page=True)

            async with page.expect_download() as download_info:
                await page.locator("nav a.download[data-format=excel]").click()
            download = await download_info.value
            assert download.suggested_filename.startswith("bao-cao-hsdt-20241230-")
            workbook = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
            # Phụ lục 2 lists every school of each managing unit with its self-assessment total.
            shown = {r["Tên trường"]: r["Tự đánh giá"] for sheet in sheets(workbook, "PL2 ") for r in table(sheet)[:-1]}
            with UnitOfWork(engine) as uow:
                totals = {present(uow.units.get(s.school_id)).name: s.total
                          for s in uow.session.exec(select(Submission).where(Submission.kind == "self")).all()}
            assert shown == {name: totals.get(name) for name in shown}
            assert len(shown) == 10 and sum(1 for name in shown if totals.get(name) is not None) == 7

            # --- the minute check reloads the page once when the data changes ---
            page = await _open(browser, person(dispatcher, codes, "SO-01"), DESKTOP, base, external)
            await page.clock.install()
            await page.reload()
            etag = await page.locator("body").get_attribute("data-etag")
            await page.clock.fast_forward(75_000)
            await page.wait_for_selector(".checked:not([hidden])")  # 304: checked, nothing reloaded
            assert await page.locator("body").get_attribute("data-etag") == etag
            submit_self(engine, "MN-SONCA")
            async with page.expect_navigation():
                await page.clock.fast_forward(75_000)
            assert await page.locator('[data-kpi="submitted"]').inner_text() == "8"
            assert await page.locator("body").get_attribute("data-etag") != etag

            # --- a principal on a phone: their school only ---
            page = await _open(browser, person(dispatcher, codes, "HT-HOASEN"), PHONE, base, external)
            assert await page.locator("#progress").count() == 0
            assert await page.locator('[data-kpi="schools"]').inner_text() == "1"
            await page.screenshot(path=str(ARTIFACTS / "dashboard-overview-phone.png"), full_page=True)
            await page.get_by_role("link", name="Danh sách trường").click()
            assert await page.locator("#schools tbody tr").count() == 1
            with UnitOfWork(engine) as uow:
                other = present(uow.units.by_code("MN-SAOMAI")).id
            refused = await page.goto(f"{base}/bang-dieu-khien/truong/{other}")
            assert refused is not None and refused.status == 403
            assert "không có quyền xem" in await page.locator("main").inner_text()
            assert "Sao Mai" not in await page.content()
            await page.go_back()
            await page.get_by_role("link", name="Trường Mầm non Hoa Sen").click()
            await page.screenshot(path=str(ARTIFACTS / "dashboard-school-phone.png"), full_page=True)

            # --- managing-unit staff on a phone: their unit's schools ---
            page = await _open(browser, person(dispatcher, codes, "PGD-HB-01"), PHONE, base, external)
            assert await page.locator("#progress tbody tr").count() == 1
            await page.get_by_role("link", name="Danh sách trường").click()
            assert set(await _column(page, "unit")) == {"Phòng GD&ĐT quận Hồng Bàng"}
            assert await page.locator("#schools tbody tr").count() == 2
            await page.screenshot(path=str(ARTIFACTS / "dashboard-schools-phone.png"), full_page=True)
            await page.get_by_role("button", name="Đăng xuất").click()
            assert "đã đăng xuất" in await page.locator("main").inner_text()
            back = await page.goto(f"{base}/bang-dieu-khien/truong")
            assert back is not None and back.status == 401
        finally:
            await browser.close()
    assert external == []  # nothing fetched from anywhere else
    assert (ARTIFACTS / "dashboard-overview-desktop.png").stat().st_size > 20_000
