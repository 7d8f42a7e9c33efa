"""What every server-rendered page of the web server shares, the dashboard's and the link pages'
alike: one Jinja2 configuration (autoescaped, strict about missing names, templates holding no text
of their own), one set of security headers, the Content-Security-Policy first, and how a failed
request is named in the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

# No inline script or style, nothing from elsewhere: the page works offline and an injected tag runs nothing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

# The options of every template environment (the dashboard hands them to aiohttp-jinja2).
ENVIRONMENT_OPTIONS: dict[str, Any] = {
    "autoescape": jinja2.select_autoescape(["html"]),
    "undefined": jinja2.StrictUndefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
}


def environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), **ENVIRONMENT_OPTIONS)


def secure(response: web.StreamResponse) -> web.StreamResponse:
    """The headers every page carries (a route may have set its own already)."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def route_of(request: web.Request) -> str:
    """The request as a log line names it: the route's pattern (`/u/{token}`), never the path, which
    carries a link's token."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "(no route)"
