"""What the dashboard reads, handed over by the composition root: the dashboard never sees the bot's
`App`, its dispatcher or its handlers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from hsdt.storage.rubrics import RubricCache
from hsdt.web.dashboard.auth import CookiePolicy, SignInLinks


@dataclass(frozen=True)
class DashboardDeps:
    engine: Engine
    rubrics: RubricCache  # the process's one cache, shared with the chat
    timezone: str
    links: SignInLinks  # the issuer the chat hands sign-in links out with (same key, same clock)
    cookie: CookiePolicy
