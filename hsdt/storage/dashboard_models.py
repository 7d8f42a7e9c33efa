"""Tables of the web dashboard: used one-time sign-in links and the browser sessions they opened.

In the database (not in a process's memory) so every bot process behind a load balancer accepts the
same sessions, and a link used on one process is refused by all of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from hsdt.storage.tenancy import TenantOwned
from hsdt.storage.types import UTCDateTime, utcnow


class UsedDashboardLink(TenantOwned, table=True):
    """A sign-in link that has been used; the primary key makes a second use a database fact."""

    __tablename__ = "used_dashboard_link"
    nonce: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DashboardSession(TenantOwned, table=True):
    """A signed-in browser. Only the SHA-256 of the cookie's value is stored: a copy of the table opens
    no session."""

    __tablename__ = "dashboard_session"
    token_sha256: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
