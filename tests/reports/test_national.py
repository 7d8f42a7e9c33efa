"""The Ministry's national view, on SQLite and PostgreSQL (as a role that owns no table, so row-level
security is on): two Sở with results, each read in its own tenant; the figures equal each Sở's own
report, the workbook has a row per province and a total, and only the Ministry's people get it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from hsdt import texts as messages
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.handlers.features import build_router
from hsdt.reports.dataset import ReportData, Units, gather, scope_for
from hsdt.reports.national import national
from hsdt.reports.national_excel import national_bytes
from hsdt.services.roster import RosterError, UnitRow, UserRow, apply_roster
from hsdt.services.tenants import create_tenant
from hsdt.storage.models import Role, TenantKind
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.tenancy import DEFAULT_TENANT, tenant_scope
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import dashboard as dashboard_texts
from hsdt.texts import national as n
from hsdt.texts import report as report_texts
from tests.conftest import seed
from tests.dashboard.support import build_city
from tests.helpers import ChatDriver, Clock
from tests.inspection.fixtures import submit_self
from tests.present import present

HANOI_SCHOOL = "Trường Mầm non Hà Nội Bí Mật"  # a school of the second Sở, renamed so any leak shows


@pytest.fixture
def dispatcher_all(engine: Engine, clock: Clock, tmp_path: Path) -> Dispatcher:
    return Dispatcher(engine, HandlerConfig(files_dir=tmp_path / "files"), checker=None, clock=clock,
                      router=build_router())


@pytest.fixture
def country(engine: Engine, clock: Clock, codes: dict[str, str]) -> dict[str, object]:
    """The first Sở with the dashboard tests' city, a second (Hà Nội) with one submitted school, and the
    Ministry with one person."""
    people = build_city(engine, codes, clock)
    hanoi = create_tenant(engine, "hanoi", "Sở Giáo dục và Đào tạo Hà Nội", "Hà Nội").id
    with tenant_scope(hanoi):
        hanoi_codes = seed(engine, clock())
        submit_self(engine, "MN-SAOMAI")
    with UnitOfWork(engine, hanoi) as uow:
        school = present(uow.units.by_code("MN-HOASEN"))
        school.name = HANOI_SCHOOL
        uow.session.add(school)
    ministry = create_tenant(engine, "bo", "Bộ Giáo dục và Đào tạo", "Cả nước", TenantKind.MINISTRY).id
    with UnitOfWork(engine, ministry) as uow:
        result = apply_roster(uow, [UnitRow("BO", "Bộ Giáo dục và Đào tạo", "so")],
                              [UserRow("BO-01", "Lê Văn Bộ", Role.MINISTRY_STAFF, "BO")],
                              invite_ttl=timedelta(days=3), now=clock())
        ministry_code = result.invites[0][1]
    return {"people": people, "hanoi": hanoi, "hanoi_codes": hanoi_codes, "ministry": ministry,
            "ministry_code": ministry_code}


def _own_report(engine: Engine, tenant: int, now: datetime) -> ReportData:
    """What the Sở's own staff get from /baocao (the Sở staff member's scope)."""
    with UnitOfWork(engine, tenant) as uow:
        user = present(uow.users.by_code("SO-01"))
        campaign = present(uow.campaigns.active())
        units = Units.load(uow, present(campaign.id))
        scope = scope_for(uow, user, present(campaign.id), units)
        return gather(uow, campaign, RubricCache().for_campaign(uow, campaign), scope, now, units=units)


def test_each_provinces_figures_equal_its_own_report_and_the_total_adds_them_up(
        engine: Engine, clock: Clock, country: dict[str, object]) -> None:
    data = national(engine, clock())
    hanoi = int(str(country["hanoi"]))
    assert [p.tenant_id for p in data.provinces] == [DEFAULT_TENANT, hanoi]  # the Ministry is no province
    for province in data.provinces:
        own = _own_report(engine, province.tenant_id, clock()).city
        assert (province.schools, province.uses_erecords, province.submitted, province.rescored,
                province.cross_inspected, province.mean, province.band) == (
            own.school_count, own.uses_erecords, own.submitted, own.rescored, own.cross_inspected, own.mean,
            own.band)
        assert {label: province.band_count(label) for label in own.band_labels} == own.band_counts
    first, second = data.provinces
    assert (first.submitted, first.rescored, first.cross_inspected) == (3, 1, 1)
    assert (second.submitted, second.rescored, second.province) == (1, 0, "Hà Nội")
    assert data.total("submitted") == 4 and data.total("schools") == first.schools + second.schools
    assert data.counted == first.counted + second.counted
    # Evidence: the files stored by the tests' submissions, as each Sở holds them.
    for province in data.provinces:
        with UnitOfWork(engine, province.tenant_id) as uow:
            campaign = present(uow.campaigns.active())
            stored = uow.dashboard.evidence_counts(present(campaign.id), None)
        assert province.evidence_total == sum(sum(c.values()) for c in stored.values())
        assert province.evidence_valid == sum(c.get("valid", 0) for c in stored.values())


def test_a_ministry_user_gets_the_national_workbook_with_a_row_per_province(
        engine: Engine, clock: Clock, country: dict[str, object], dispatcher_all: Dispatcher) -> None:
    with tenant_scope(int(str(country["ministry"]))):
        chat = ChatDriver(dispatcher_all, "bo-01")
        chat.enrol(str(country["ministry_code"]))
        chat.send("/danhmuc")
        menu = [b.label for row in (chat.replies[-1].buttons or []) for b in row]
        chat.send("/baocao")
    # The menu offers what a ministry user may do: the report, the dashboard and help; nothing else.
    assert menu == [report_texts.BTN_REPORT, dashboard_texts.BTN_DASHBOARD, messages.BTN_HELP], menu
    documents = [r.document for r in chat.replies if r.document is not None]
    assert len(documents) == 1 and documents[0].file_name.startswith("tong-hop-toan-quoc-")
    sheet = load_workbook(io.BytesIO(documents[0].content)).active
    assert sheet is not None
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    by_province = {row[1]: row for row in cells if isinstance(row[0], int)}
    assert set(by_province) == {"Hà Nội", national(engine, clock()).provinces[0].province}
    data = national(engine, clock())
    for province in data.provinces:
        row = by_province[province.province]
        assert row[2] == province.department
        assert list(row[3:9]) == [1, province.schools, province.uses_erecords, province.submitted,
                                  province.rescored, province.cross_inspected]
    total = next(row for row in cells if row[0] == n.TOTAL)
    assert list(total[4:9]) == [data.total(a) for a in ("schools", "uses_erecords", "submitted", "rescored",
                                                        "cross_inspected")]
    # No school, no person below the province.
    text = "\n".join(str(c) for row in cells for c in row if c is not None)
    assert HANOI_SCHOOL not in text and "Phạm Minh Tuấn" not in text and "Hoa Sen" not in text


def test_a_so_staff_members_report_names_only_their_own_province(
        engine: Engine, clock: Clock, country: dict[str, object], dispatcher_all: Dispatcher) -> None:
    hanoi_codes = country["hanoi_codes"]
    assert isinstance(hanoi_codes, dict)
    with tenant_scope(int(str(country["hanoi"]))):
        chat = ChatDriver(dispatcher_all, "hanoi-so")
        chat.enrol(hanoi_codes["SO-01"])
        chat.send("/baocao")
        said = "\n".join(r.text for r in chat.replies)
    # Hà Nội's own figures (one school submitted, none re-scored), not the first Sở's (3 and 1) nor the country's.
    own = _own_report(engine, int(str(country["hanoi"])), clock()).city
    assert (own.school_count, own.submitted, own.rescored) == (4, 1, 0)
    assert "Đã nộp tự đánh giá: 1/4" in said and "Đã chấm lại: 0." in said
    assert n.TITLE not in said and "toàn quốc" not in said and not any(r.document for r in chat.replies)


def test_the_ministry_role_is_taken_only_in_the_ministrys_roster(
        engine: Engine, clock: Clock, country: dict[str, object]) -> None:
    so_roster = ([UnitRow("SO-X", "Sở X", "so")], [UserRow("X-01", "Người X", Role.MINISTRY_STAFF, "SO-X")])
    with UnitOfWork(engine, DEFAULT_TENANT) as uow, pytest.raises(RosterError) as refused:
        apply_roster(uow, *so_roster, invite_ttl=timedelta(days=3), now=clock())
    assert refused.value.problems == ["người dùng X-01: vai trò “Cán bộ Bộ GD&ĐT” chỉ dùng cho danh sách của "
                                      "Bộ Giáo dục và Đào tạo"]
    with UnitOfWork(engine, int(str(country["ministry"]))) as uow, pytest.raises(RosterError) as other:
        apply_roster(uow, [], [UserRow("BO-02", "Người Y", Role.SO_STAFF, "BO"),
                               UserRow("BO-03", "Người Z", Role.MINISTRY_STAFF, "BO")],
                     invite_ttl=timedelta(days=3), now=clock())
    assert len(other.value.problems) == 1 and "BO-02" in other.value.problems[0]
    with UnitOfWork(engine, DEFAULT_TENANT) as uow:
        assert uow.users.by_code("X-01") is None and uow.units.by_code("SO-X") is None


def test_a_so_without_results_or_without_a_campaign_is_a_row_that_says_so(engine: Engine, clock: Clock,
                                                                          codes: dict[str, str]) -> None:
    create_tenant(engine, "hue", "Sở Giáo dục và Đào tạo Huế", "Huế")  # no campaign opened yet
    data = national(engine, clock())
    sheet = load_workbook(io.BytesIO(national_bytes(data))).active
    assert sheet is not None
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row[0] in (1, 2, n.TOTAL)}
    assert rows[1][4:7] == (4, 4, 0) and data.mean is None and rows[1][-4] == n.NO_MEAN_CELL
    assert rows[2][1] == "Huế" and rows[2][3] == 0 and rows[2][4] == n.NO_CAMPAIGN
    assert rows[n.TOTAL][3:7] == (1, 4, 4, 0)


def test_the_cli_prints_and_writes_the_national_figures_without_a_tenant(
        engine: Engine, clock: Clock, country: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from hsdt.cli.main import main

    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    # Several Sở: `hsdt report` for one needs --tenant; the national one reads them all.
    assert main(["report", "national"]) == 0
    printed = capsys.readouterr().out
    assert "Tổng hợp toàn quốc (2 Sở Giáo dục và Đào tạo)" in printed and "• Hà Nội: " in printed
    assert "Toàn quốc: " in printed and "4 phiếu tự đánh giá đã nộp" in printed
    out = tmp_path / "bo" / "toan-quoc.xlsx"
    assert main(["report", "national", "--xlsx", str(out)]) == 0
    sheet = load_workbook(out).active
    assert sheet is not None
    assert [row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)][1] == "Hà Nội"
    assert main(["report", "national", "--district", "Hồng Bàng"]) == 2
