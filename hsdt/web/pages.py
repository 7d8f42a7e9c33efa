"""The server-rendered pages of the web server's own routes (upload page, errors): plain HTML in
Vietnamese, no scripts or external assets, so they work on any phone browser."""

from __future__ import annotations

import html

from aiohttp import web

from hsdt.texts import channels as texts


class PageError(Exception):
    def __init__(self, status: int, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the rest of the body is not read: the connection must go


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.3rem;margin:.5rem 0 1rem}
.card{background:#fff;border-radius:.6rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.muted{color:#5b6775;font-size:.95rem}
label{display:block;font-weight:600;margin:.5rem 0}
input[type=file]{display:block;width:100%;padding:.8rem 0;font-size:1rem}
button,.button{display:block;width:100%;box-sizing:border-box;padding:.9rem;font-size:1.05rem;border:0;
border-radius:.5rem;background:#0068ff;color:#fff;text-align:center;text-decoration:none;margin-top:.8rem}
pre{white-space:pre-wrap;word-wrap:break-word;font-family:inherit;margin:0;line-height:1.45}
.verdict{border-left:.35rem solid #0068ff}
.error{border-left:.35rem solid #d93025}
"""


def page(title: str, body: str, status: int = 200) -> web.Response:
    """A complete page: the shared style, never cached, no referrer."""
    document = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                 "X-Content-Type-Options": "nosniff"})


def error_page(error: PageError, back: str | None = None) -> web.Response:
    again = f'<a class="button" href="{html.escape(back)}">{html.escape(texts.BACK_TO_FORM)}</a>' if back else ""
    body = (f"<h1>{html.escape(texts.PAGE_ERROR_HEADING)}</h1>"
            f'<div class="card error" role="alert"><pre>{html.escape(error.message)}</pre></div>{again}')
    response = page(texts.PAGE_TITLE, body, error.status)
    if error.close:
        response.force_close()
    return response


def megabytes(size: int) -> str:
    """A byte count in whole megabytes, as the pages name the upload limit."""
    return f"{size / (1024 * 1024):.0f}"
