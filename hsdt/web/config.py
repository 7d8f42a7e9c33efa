"""What the web server is given: its configuration (links, reply deliveries, webhook channels and
secrets) and the host it serves from (the composition root's `App`, seen through `WebHost`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from sqlalchemy.engine import Engine

from hsdt.channels.contract import TurnQueue
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher
from hsdt.links.downloads import Downloads
from hsdt.links.tokens import UploadLinks
from hsdt.storage.tenancy import DEFAULT_TENANT
from hsdt.storage.types import utcnow
from hsdt.web.dashboard.deps import DashboardDeps

if TYPE_CHECKING:
    from hsdt.channels.telegram.receive import TelegramChannel

MAX_FILES = 10


class ZaloUpdates(Protocol):
    """Where the Zalo webhook hands each update: the Zalo channel (`ZaloChannel`), which applies it."""

    def submit(self, update: dict[str, Any]) -> Awaitable[None]: ...


@dataclass(frozen=True)
class TenantWebhooks:
    """One Sở's webhook channels, served at `/t/<code>/...` (`hsdt.web.webhooks`), with their secrets."""

    tenant: int
    telegram: TelegramChannel | None = None  # in Telegram's webhook mode
    telegram_secret: str | None = field(default=None, repr=False)
    zalo: ZaloUpdates | None = None
    zalo_secret: str | None = field(default=None, repr=False)


@dataclass
class WebConfig:
    links: UploadLinks
    # Each channel's reply delivery in this process: the upload page sends its result into the chat with it.
    deliveries: dict[str, TurnQueue] = field(default_factory=dict)
    zalo: ZaloUpdates | None = None  # when the webhook is served
    webhook_secret: str | None = None
    telegram: TelegramChannel | None = None  # in Telegram's webhook mode
    telegram_secret: str | None = None
    clock: Callable[[], datetime] = utcnow
    max_files: int = MAX_FILES
    body_timeout_s: float = 120.0
    # How long the upload page waits for its result to reach the chat before it says "on its way".
    reply_wait_s: float = 10.0
    # Every Sở's webhook channels by tenant code (the first Sở's are also the fields above, at the old paths).
    tenants: dict[str, TenantWebhooks] = field(default_factory=dict)
    # The other Sở's reply deliveries by tenant id (the first Sở's are `deliveries`).
    tenant_deliveries: dict[int, dict[str, TurnQueue]] = field(default_factory=dict)

    def deliveries_of(self, tenant: int) -> dict[str, TurnQueue]:
        """A Sở's reply deliveries in this process, by channel."""
        if tenant == DEFAULT_TENANT:
            return self.deliveries
        return self.tenant_deliveries.get(tenant, {})


class MetricsSource(Protocol):
    """The process's counters: refreshed from the database's gauges, rendered as Prometheus text."""

    def refresh(self, engine: Engine) -> None: ...

    def render(self) -> bytes: ...


class WebHost(Protocol):
    """What the routes read from the composition root (its `App` is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def dispatcher(self) -> Dispatcher: ...

    @property
    def downloads(self) -> Downloads | None: ...

    @property
    def metrics(self) -> MetricsSource: ...

    def dashboard(self, clock: Callable[[], datetime]) -> DashboardDeps | None:
        """What the dashboard reads, with sign-in links checked against `clock`; None: not served."""
        ...


CONFIG = web.AppKey("config", WebConfig)
HOST: web.AppKey[WebHost] = web.AppKey("host")
