"""The pure parts of the dashboard: table queries never fail on junk, sorting puts missing values
last in both directions, charts escape every text and scale their axes; the sign-in token's own rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hsdt.links.tokens import LinkExpired, LinkInvalid
from hsdt.web.dashboard import charts, views
from hsdt.web.dashboard.auth import SignInLinks, cookie_is_secure
from tests.helpers import Clock


def _row(name: str, final: float | None, unit: str = "U", status: str = "submitted", overdue: bool = False,
         band: str | None = None) -> views.SchoolRow:
    return views.SchoolRow(id=hash(name) % 1000, code=name.upper(), name=name, unit_id=1, unit_name=unit,
                           uses_erecords=True, status=status, overdue=overdue, self_total=final,
                           rescore_total=None, cross_total=None, final=final, band=band,
                           evidence=views.EvidenceCount())


def test_table_query_ignores_junk_and_round_trips() -> None:
    query = views.TableQuery.parse({"sap": "'; drop table", "don-vi": "-3", "chieu": "x", "q": "  Hoa " * 50})
    assert query.sort is views.SortKey.UNIT and query.unit_id is None and not query.descending
    assert len(query.search) <= 100
    query = views.TableQuery.parse({"sap": "diem", "chieu": "giam", "don-vi": "7", "trang-thai": "qua-han"})
    assert (query.sort, query.descending, query.unit_id, query.status) == (views.SortKey.FINAL, True, 7, "qua-han")
    assert query.sort_params(views.SortKey.FINAL)["sap"] == "diem" and "chieu" not in query.sort_params(
        views.SortKey.FINAL)  # clicking the sorted column flips it
    assert query.sort_params(views.SortKey.NAME) == {"don-vi": "7", "trang-thai": "qua-han", "sap": "ten"}


def test_sorting_puts_missing_values_last_both_ways_and_search_ignores_diacritics() -> None:
    rows = [_row("Sao Mai", 76.47), _row("Tuổi Thơ", None, overdue=True), _row("Hoa Sen", 68.8),
            _row("Ánh Dương", 83.67)]
    up = views.sort_rows(rows, views.TableQuery(sort=views.SortKey.FINAL), ["Tốt"])
    down = views.sort_rows(rows, views.TableQuery(sort=views.SortKey.FINAL, descending=True), ["Tốt"])
    assert [r.final for r in up] == [68.8, 76.47, 83.67, None]
    assert [r.final for r in down] == [83.67, 76.47, 68.8, None]
    assert [r.name for r in views.filter_rows(rows, views.TableQuery(search="tuoi tho"))] == ["Tuổi Thơ"]
    assert [r.name for r in views.filter_rows(rows, views.TableQuery(status=views.OVERDUE))] == ["Tuổi Thơ"]
    by_status = views.sort_rows(rows, views.TableQuery(sort=views.SortKey.STATUS), [])
    assert by_status[0].name == "Tuổi Thơ"  # overdue first: what needs attention


def test_charts_escape_text_and_handle_no_data() -> None:
    evil = '<script>alert("x")</script>'
    bands = [charts.BandInfo("Tốt", 85), charts.BandInfo("Khá", 70), charts.BandInfo("Đạt", 50),
             charts.BandInfo("Chưa đạt", 0)]
    drawn = [
        charts.histogram(evil, [12.5, 99.0, 100.0, 70.0], bands, 100, evil, evil),
        charts.bands_per_unit(evil, [charts.UnitBands(evil, {"Tốt": 2}, 1)], ["Tốt"], evil, evil, evil),
        charts.progress_over_time(evil, [charts.Series(evil, [date(2024, 12, 1), date(2024, 12, 3)])], 3, evil,
                                  until=date(2024, 12, 30)),
        charts.histogram("x", [], bands, 100, "x", "Chưa có số liệu"),
        charts.bands_per_unit("x", [], [], "x", "Chưa có số liệu"),
        charts.progress_over_time("x", [charts.Series("x", [])], 0, "Chưa có số liệu"),
    ]
    for svg in drawn:
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert "<script" not in svg
    assert "&lt;script&gt;" in drawn[0]
    assert "Chưa có số liệu" in drawn[3]
    # 100 points falls in the last interval (95–100), not past the axis.
    assert drawn[0].count("<rect") == 3 + 4  # three bars (12.5, 70, 99 and 100 together) and four legend keys


def test_axis_is_round() -> None:
    assert charts._axis(0) == (1, [0, 1])
    assert charts._axis(7)[0] == 8 and charts._axis(7)[1][-1] == 8
    top, ticks = charts._axis(1234)
    assert top >= 1234 and len(ticks) <= 6


def test_sign_in_tokens(clock: Clock) -> None:
    links = SignInLinks(b"0123456789abcdef0123", "https://hsdt.example.gov.vn/", timedelta(minutes=15), clock)
    url, expires = links.issue(42)
    assert url.startswith("https://hsdt.example.gov.vn/bang-dieu-khien/vao/")
    grant = links.verify(url.rsplit("/", 1)[1])
    assert grant.user_id == 42 and grant.expires_at == expires
    clock.advance(minutes=15)
    with pytest.raises(LinkExpired):
        links.verify(url.rsplit("/", 1)[1])
    with pytest.raises(LinkInvalid):
        links.verify("")
    with pytest.raises(ValueError):
        SignInLinks(b"short", "x", timedelta(minutes=1), clock)
    assert cookie_is_secure("https://hsdt.example.gov.vn", None) is True
    assert cookie_is_secure("http://127.0.0.1:8080", None) is False
    assert cookie_is_secure("http://10.0.0.5", True) is True  # TLS ends at a proxy in front


def test_deadline_states() -> None:
    today = datetime(2024, 12, 30, tzinfo=UTC).date()
    assert views._day_state(today, date(2024, 12, 29)) == ("đã qua", True)
    assert views._day_state(today, date(2024, 12, 30), date(2024, 12, 31)) == ("đang diễn ra", False)
    assert views._day_state(today, date(2025, 1, 6)) == ("còn 7 ngày", False)
    assert views._day_state(today, today) == ("hôm nay", False)
