"""The one door from the dashboard to the report renderers: which appendix files exist, and one call
that renders any of them for the viewer's scope.

To offer another format (the official forms, a PDF), add its renderer to `RENDERERS`: the download
button appears by itself, and the route, the scope check and the file name stay as they are.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from hsdt.reports.dataset import ReportData


class ExportFormat(StrEnum):
    EXCEL = "excel"
    PDF = "pdf"


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Renderer:
    extension: str
    mime_type: str
    render: Callable[[ReportData], bytes]


def _excel(data: ReportData) -> bytes:
    from hsdt.reports.excel import write_workbook

    buffer = io.BytesIO()
    write_workbook(data, buffer)
    return buffer.getvalue()


def _pdf(data: ReportData) -> bytes:
    from hsdt.reports.exports import pdf_of

    return pdf_of(lambda: _excel(data))


def pdf_available() -> bool:
    """The PDFs are the workbook converted by LibreOffice, which a deployment may not have installed."""
    from hsdt.reports import pdf

    return pdf.available()


RENDERERS: dict[ExportFormat, Renderer] = {
    ExportFormat.EXCEL: Renderer("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _excel),
    ExportFormat.PDF: Renderer("pdf", "application/pdf", _pdf),
}


def available_formats() -> list[ExportFormat]:
    return [fmt for fmt in ExportFormat if fmt in RENDERERS and (fmt is not ExportFormat.PDF or pdf_available())]


def render_appendices(fmt: ExportFormat, data: ReportData) -> ExportFile | None:
    """The appendices of `data`'s scope in one format; None when no renderer offers it.

    `data` must be gathered with details (per-criterion points and comments)."""
    renderer = RENDERERS.get(fmt)
    if renderer is None or fmt not in available_formats():
        return None
    stamp = data.now.astimezone(ZoneInfo(data.tz)).strftime("%Y%m%d-%H%M")
    return ExportFile(f"bao-cao-hsdt-{stamp}.{renderer.extension}", renderer.render(data), renderer.mime_type)
