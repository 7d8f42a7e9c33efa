"""The download page of the one-time links to files a chat cannot carry (`hsdt.links.downloads`).

- A document link opens a small page (file name and size, one button): a link preview made by the chat
  app fetches only the page, and the download itself (POST) uses the link up.
- A picture link (`direct`) serves the bytes on GET, for Zalo's servers fetching a sendPhoto URL.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from hsdt.links.downloads import PATH, PICTURE_PURPOSE, Downloads, size_text
from hsdt.links.tokens import LinkExpired, LinkInvalid
from hsdt.texts import report as m
from hsdt.web.config import WebConfig, WebHost
from hsdt.web.pages import PageError, add_assets, error_page, render


class DownloadPage:
    def __init__(self, downloads: Downloads) -> None:
        self.downloads = downloads

    async def page(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        try:
            grant = self.downloads.grant(token)
        except LinkInvalid:
            return _refusal(m.DOWNLOAD_INVALID, 403)
        except LinkExpired as error:
            return _refusal(m.DOWNLOAD_EXPIRED.format(expires=error.expires_at.astimezone(self.downloads.tz)
                                                      .strftime("%H:%M %d/%m/%Y")), 410)
        found = self.downloads.stored(grant)
        if found is None or await asyncio.to_thread(self.downloads.used, grant):
            return _refusal(m.DOWNLOAD_USED, 410)
        path, meta = found
        if grant.purpose == PICTURE_PURPOSE or request.method == "POST":
            if not await asyncio.to_thread(self.downloads.use, grant):
                return _refusal(m.DOWNLOAD_USED, 410)
            return await self._send(request, path, meta)
        return render("download.html", {"title": m.DOWNLOAD_PAGE_TITLE, "m": m, "name": str(meta["name"]),
                                        "size": size_text(int(str(meta["size"])))})

    async def _send(self, request: web.Request, path: Path, meta: dict[str, object]) -> web.StreamResponse:
        name = str(meta["name"])
        ascii_name = name.encode("ascii", "ignore").decode() or "tep"
        response = web.StreamResponse(headers={
            "Content-Type": str(meta.get("mime") or "application/octet-stream"),
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        })
        await response.prepare(request)
        with path.open("rb") as source:
            while chunk := source.read(65536):
                await response.write(chunk)
        await response.write_eof()
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
        return response


def _refusal(message: str, status: int) -> web.Response:
    return error_page(PageError(status, message), title=m.DOWNLOAD_PAGE_TITLE, heading=m.DOWNLOAD_PAGE_TITLE)


def register(web_app: web.Application, downloads: Downloads | None) -> None:
    """The download routes on the bot's web server (nothing when links are not configured)."""
    if downloads is None:
        return
    download_page = DownloadPage(downloads)
    add_assets(web_app)
    web_app.router.add_get(PATH, download_page.page)
    web_app.router.add_post(PATH, download_page.page)


def routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    register(web_app, host.downloads)
