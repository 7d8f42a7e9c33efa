"""The report's files, made after the event's transaction: each export reads its data set in a short
read-only transaction of its own and renders it (workbook, one school's Phụ lục 1, the PDFs, the
chart). The handler only describes what to make (`ExportRequest`); nothing here runs on the database
thread or inside the event's write transaction."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from hsdt.reports.dataset import ReportData, Scope, gather
from hsdt.scoring import Rubric
from hsdt.storage.db import read_only
from hsdt.storage.models import Campaign
from hsdt.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ExportRequest:
    engine: Engine
    campaign_id: int
    rubric: Rubric
    scope: Scope
    now: datetime
    tz: str

    def read(self) -> ReportData:
        """The data set with details, in one read-only transaction (a snapshot, no write lock)."""
        with UnitOfWork(read_only(self.engine)) as uow:
            campaign = uow.session.get(Campaign, self.campaign_id)
            if campaign is None:
                raise LookupError(f"campaign {self.campaign_id} is gone")
            return gather(uow, campaign, self.rubric, self.scope, self.now, details=True, tz=self.tz)


class SharedRead:
    """One read for several files of one reply list (the three PDFs share their data set)."""

    def __init__(self, request: ExportRequest) -> None:
        self.request = request
        self._data: ReportData | None = None
        self._lock = threading.Lock()

    def __call__(self) -> ReportData:
        with self._lock:
            if self._data is None:
                self._data = self.request.read()
            return self._data


def workbook_bytes(data: ReportData) -> bytes:
    from hsdt.reports.excel import write_workbook

    buffer = io.BytesIO()
    write_workbook(data, buffer)
    return buffer.getvalue()


def appendix_bytes(data: ReportData, appendix: int) -> bytes:
    from hsdt.reports.excel import write_workbook

    buffer = io.BytesIO()
    write_workbook(data, buffer, appendices=[appendix])
    return buffer.getvalue()


def form1_bytes(data: ReportData, school_id: int) -> bytes:
    from hsdt.reports.excel import write_form1

    buffer = io.BytesIO()
    write_form1(data, school_id, buffer)
    return buffer.getvalue()


def pdf_of(make_workbook: Callable[[], bytes]) -> bytes:
    from hsdt.reports.pdf import xlsx_to_pdf

    return xlsx_to_pdf(make_workbook())


def chart_bytes(title: str, items: list[tuple[str, float]], rubric: Rubric) -> bytes:
    from hsdt.reports.chart import bar_chart

    return bar_chart(title, items, rubric)
