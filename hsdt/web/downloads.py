"""The download page of the one-time links to files a chat cannot carry (`hsdt.links.downloads`).

- A document link opens a small page (file name and size, one button): a link preview made by the chat
  app fetches only the page, and the download itself (POST) uses the link up.
- A picture link (`direct`) serves the bytes on GET, for Zalo's servers fetching a sendPhoto URL.
"""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from hsdt.links.downloads import PATH, PICTURE_PURPOSE, Downloads, size_text
from hsdt.links.tokens import LinkExpired, LinkInvalid
from hsdt.texts import report as m
from hsdt.web.config import WebConfig, WebHost


class DownloadPage:
    def __init__(self, downloads: Downloads) -> None:
        self.downloads = downloads

    async def page(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        try:
            grant = self.downloads.grant(token)
        except LinkInvalid:
            return _page(m.DOWNLOAD_INVALID, status=403)
        except LinkExpired as error:
            return _page(m.DOWNLOAD_EXPIRED.format(expires=error.expires_at.astimezone(self.downloads.tz)
                                                   .strftime("%H:%M %d/%m/%Y")), status=410)
        found = self.downloads.stored(grant)
        if found is None or await asyncio.to_thread(self.downloads.used, grant):
            return _page(m.DOWNLOAD_USED, status=410)
        path, meta = found
        if grant.purpose == PICTURE_PURPOSE or request.method == "POST":
            if not await asyncio.to_thread(self.downloads.use, grant):
                return _page(m.DOWNLOAD_USED, status=410)
            return await self._send(request, path, meta)
        name, size = str(meta["name"]), int(str(meta["size"]))
        body = (f"<h1>{html.escape(m.DOWNLOAD_PAGE_TITLE)}</h1>"
                f"<p><strong>{html.escape(name)}</strong> ({html.escape(size_text(size))})</p>"
                f'<form method="post"><button type="submit">{html.escape(m.DOWNLOAD_BUTTON)}</button></form>'
                f"<p>{html.escape(m.DOWNLOAD_ONCE)}</p>")
        return _page(body, raw=True)

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


def _page(body: str, *, status: int = 200, raw: bool = False) -> web.Response:
    content = body if raw else f"<p>{html.escape(body)}</p>"
    document = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(m.DOWNLOAD_PAGE_TITLE)}</title>"
                "<style>body{font-family:system-ui,Arial,sans-serif;max-width:34rem;margin:1rem auto;padding:0 1rem}"
                "button{width:100%;padding:.9rem;font-size:1.05rem;border:0;border-radius:.5rem;background:#0068ff;"
                "color:#fff}</style></head>"
                f"<body>{content}</body></html>")
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


def register(web_app: web.Application, downloads: Downloads | None) -> None:
    """The download routes on the bot's web server (nothing when links are not configured)."""
    if downloads is None:
        return
    download_page = DownloadPage(downloads)
    web_app.router.add_get(PATH, download_page.page)
    web_app.router.add_post(PATH, download_page.page)


def routes(web_app: web.Application, host: WebHost, config: WebConfig) -> None:
    register(web_app, host.downloads)
