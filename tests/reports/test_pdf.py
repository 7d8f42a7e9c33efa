"""The PDFs of the appendices: made from the same workbook by LibreOffice, A4 landscape, Vietnamese text
intact (extracted back from the PDF), Times New Roman (or its metric twin) embedded. Each appendix's
first page is rendered to PNG under test-artifacts/ for a person to look at.

LibreOffice (`libreoffice-calc-nogui`) and poppler (`poppler-utils`) are Debian packages that `.ci/run`
installs; without LibreOffice the tests that need it are skipped with that reason (a failure under
HSDT_REQUIRE_LIBREOFFICE, as in CI), and the chat says plainly that PDF export is not available (tested
below without it)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from hsdt.events import Reply
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.reports import pdf
from tests.helpers import ChatDriver

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdfs_for(dispatcher: Dispatcher, codes: dict[str, str], user: str) -> list[Reply]:
    driver = ChatDriver(dispatcher, f"ref-{user}")
    driver.enrol(codes[user])
    driver.send("/baocao")
    driver.press("Tải PDF")
    return [r for r in driver.replies if r.document is not None]


def _pdf_text(path: Path, page: int = 1) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.needs("libreoffice")
def test_each_appendix_as_a_pdf(engine: Engine, dispatcher: Dispatcher, city: dict[str, str], tmp_path: Path,
                                request: pytest.FixtureRequest) -> None:
    replies = pdfs_for(dispatcher, city, "SO-01")
    assert [r.text for r in replies] == [f"📄 Phụ lục {n} (PDF, khổ A4 ngang)." for n in (1, 2, 3)]
    ARTIFACTS.mkdir(exist_ok=True)
    backend = request.node.callspec.params.get("engine", "db")
    pages = []
    for number, reply in enumerate(replies, start=1):
        assert reply.document is not None and reply.document.file_name.startswith(f"phu-luc-{number}-")
        content = reply.document.content
        assert content.startswith(b"%PDF")
        path = tmp_path / reply.document.file_name
        path.write_bytes(content)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", info)
        assert size is not None and float(size.group(1)) > float(size.group(2)), info  # A4 landscape
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert "LiberationSerif" in fonts or "TimesNewRoman" in fonts, fonts
        first = _pdf_text(path)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first and f"Phụ lục {number}" in first
        assert "Trang 1/" in first  # the footer's page number
        pages.append(pdf.page_count(content))
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(path),
                        str(ARTIFACTS / f"phu-luc-{number}-{backend}")], check=True)
        assert (ARTIFACTS / f"phu-luc-{number}-{backend}.png").stat().st_size > 10_000
    # Four schools: one form each (two pages: the criteria run on under the repeated header); two
    # managing units; two cross-inspection teams.
    assert pages == [8, 2, 2]
    first_page = _pdf_text(tmp_path / replies[0].document.file_name)  # type: ignore[union-attr]
    second_page = _pdf_text(tmp_path / replies[0].document.file_name, 2)  # type: ignore[union-attr]
    assert "TRƯỜNG MẦM NON HOA SEN" in first_page and "Cán bộ quản lý (CBQL)" in first_page
    # The criteria run on under the repeated header; the total (decimal comma) and the signer follow.
    assert "Nội dung, tiêu chí" in second_page and "71,47" in second_page and "HIỆU TRƯỞNG" in second_page


def test_without_a_converter_the_chat_says_so(
    engine: Engine, dispatcher: Dispatcher, city: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    driver = ChatDriver(dispatcher, "ref-so")
    driver.enrol(city["SO-01"])
    driver.send("/baocao")
    driver.press("Tải PDF")
    assert "chưa xuất được tệp PDF" in driver.text and "Excel" in driver.text
    assert not any(r.document for r in driver.replies)
    assert "LibreOffice (soffice) is not installed" in caplog.text
