"""The outside programs some tests drive, and the switches that make their absence a failure.

A test marked `@pytest.mark.needs("chromium")` (or "nginx", "libreoffice") is skipped with the reason
and the install command where the program is missing, so a developer without it still runs the rest;
CI sets the switch (`HSDT_REQUIRE_BROWSER`, `HSDT_REQUIRE_NGINX`, `HSDT_REQUIRE_LIBREOFFICE`, or
`HSDT_REQUIRE_ALL` for these and `HSDT_REQUIRE_POSTGRES`), and then a missing program fails the test
instead: a broken install never turns a suite into silent skips."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NGINX = Path("/usr/sbin/nginx")


def switch_on(name: str) -> bool:
    def on(variable: str) -> bool:
        return os.environ.get(variable, "").strip().lower() not in ("", "0", "false", "no")

    return on(name) or on("HSDT_REQUIRE_ALL")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _emoji_font() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "emoji" in listed.lower()


def _missing_browser() -> str | None:
    if chromium() is None:
        return "chromium is not installed (apt-get install -y chromium; .ci/run does it)"
    if switch_on(TOOLS["chromium"].switch) and not _emoji_font():
        # Without it every emoji of a screenshot is a box: not what a phone shows.
        return "no emoji font (apt-get install -y fonts-noto-color-emoji; .ci/run does it)"
    return None


def _missing_nginx() -> str | None:
    return None if NGINX.exists() else "nginx is not installed (apt-get install nginx-light; .ci/run does it)"


def _missing_libreoffice() -> str | None:
    from hsdt.reports import pdf

    if pdf.available() and shutil.which("pdftoppm") is not None:
        return None
    return ("LibreOffice (soffice) or poppler-utils not installed: apt-get install libreoffice-calc-nogui "
            "fonts-liberation2 poppler-utils (.ci/run does)")


@dataclass(frozen=True)
class Tool:
    switch: str
    missing: Callable[[], str | None]  # the reason it cannot run here, or None


TOOLS: dict[str, Tool] = {
    "chromium": Tool("HSDT_REQUIRE_BROWSER", _missing_browser),
    "nginx": Tool("HSDT_REQUIRE_NGINX", _missing_nginx),
    "libreoffice": Tool("HSDT_REQUIRE_LIBREOFFICE", _missing_libreoffice),
}
_checked: dict[str, str | None] = {}


def unavailable(name: str) -> tuple[str, bool] | None:
    """Why `name` cannot run here and whether that is a failure (its switch is on), or None."""
    tool = TOOLS[name]
    if name not in _checked:
        _checked[name] = tool.missing()
    reason = _checked[name]
    if reason is None:
        return None
    required = switch_on(tool.switch)
    return (f"{reason}; {tool.switch} is set, so this is a failure" if required else reason), required
