"""PDF of an appendix: the appendix's own workbook converted by LibreOffice (headless, Debian's
`libreoffice-calc-nogui`), so the PDF is the same form as the Excel file, page setup included (A4
landscape fitted to width, repeated header rows, page numbers). Times New Roman is metric-compatible
Liberation Serif on a server without Microsoft's fonts (`fonts-liberation2`).

Each conversion runs as its own process group with a private profile and a timeout; callers run it in a
worker thread (never on the event loop, never inside a database transaction)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CONVERTERS = ("soffice", "libreoffice")
DEFAULT_TIMEOUT_S = 120.0
# The most schools whose Phụ lục 1 (two pages each) one PDF takes. LibreOffice's time and memory grow with
# the pages: Hồ Chí Minh City's 1,858 schools took 282 s and 4.6 GB (bench_national), past the timeout, while
# the server answers principals; 300 schools stay under a minute and about 1 GB. A larger scope gets its
# PDFs per managing unit, and the whole workbook in Excel.
MAX_SCHOOLS = 300


def too_large(schools: int) -> bool:
    """Whether Phụ lục 1 of `schools` schools is more than one PDF may hold (`MAX_SCHOOLS`)."""
    return schools > MAX_SCHOOLS
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class PdfUnavailable(RuntimeError):
    """No converter installed on this machine."""


class PdfFailed(RuntimeError):
    """The converter ran but gave no PDF (crash, timeout)."""


def converter() -> str | None:
    return next((found for name in CONVERTERS if (found := shutil.which(name)) is not None), None)


def available() -> bool:
    return converter() is not None


def xlsx_to_pdf(workbook: bytes, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
    program = converter()
    if program is None:
        log.warning("PDF export unavailable: LibreOffice (soffice) is not installed "
                    "(apt-get install libreoffice-calc-nogui fonts-liberation2)")
        raise PdfUnavailable("soffice not found")
    with tempfile.TemporaryDirectory(prefix="hsdt-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "phu-luc.xlsx"
        source.write_bytes(workbook)
        command = [program, "--headless", "--norestore", "--nolockcheck", "--nodefault",
                   f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", str(folder), str(source)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                   env={**os.environ, "HOME": tmp})
        try:
            _, errors = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            log.error("PDF conversion timed out after %.0f s", timeout_s)
            raise PdfFailed("timeout") from None
        result = folder / "phu-luc.pdf"
        if process.returncode != 0 or not result.exists():
            log.error("PDF conversion failed (exit %s): %s", process.returncode, errors.decode(errors="replace")[-500:])
            raise PdfFailed(f"exit {process.returncode}")
        return result.read_bytes()


def page_count(pdf: bytes) -> int:
    return len(_PAGE.findall(pdf))
