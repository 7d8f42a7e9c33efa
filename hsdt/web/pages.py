"""The server-rendered pages of the web server's own routes (the upload page, the download page, their
errors): Jinja templates in `templates/`, one stylesheet in `static/`, in Vietnamese, no script and
nothing from elsewhere, so they work on any phone browser; the dashboard's headers and
Content-Security-Policy (`hsdt.web.templating`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from aiohttp import web

from hsdt.texts import channels as texts
from hsdt.web.templating import environment, secure

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/tep"
_ASSETS_ROUTE = "page-assets"


class PageError(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the rest of the body is not read: the connection must go


def _assets_version() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


_ENVIRONMENT = environment(TEMPLATES)
_ENVIRONMENT.globals.update(stylesheet=f"{ASSETS_PATH}/trang.css?v={_assets_version()}")


def render(template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    """A complete page: never cached, no referrer, the shared security headers."""
    document = _ENVIRONMENT.get_template(template).render(context)
    response = web.Response(text=document, status=status, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store"})
    secure(response)
    return response


def error_page(error: PageError, back: str | None = None, *, title: str = texts.PAGE_TITLE,
               heading: str = texts.PAGE_ERROR_HEADING) -> web.Response:
    response = render("message.html", {"title": title, "heading": heading, "message": error.message,
                                       "back": back, "back_label": texts.BACK_TO_FORM}, error.status)
    if error.close:
        response.force_close()
    return response


def add_assets(web_app: web.Application) -> None:
    """The pages' stylesheet (once per application, whichever route group asks first)."""
    if _ASSETS_ROUTE not in web_app.router.named_resources():
        web_app.router.add_static(ASSETS_PATH, STATIC, name=_ASSETS_ROUTE)


def megabytes(size: int) -> str:
    """A byte count in whole megabytes, as the pages name the upload limit."""
    return f"{size / (1024 * 1024):.0f}"
