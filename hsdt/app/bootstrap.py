"""The composition root: everything a bot process uses is built here, once, and handed out.

settings -> engine -> rubric cache -> router -> checker -> dispatcher -> upload links -> one client
per configured channel (Telegram, Zalo) with its reply delivery and its outbound sender; what the web
server and the dashboard are given (`web_config`, `App.dashboard`). Services (`runner.SERVICES`)
receive the `App` and only run; they build nothing of their own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.app.logs import configure as configure_logs
from hsdt.app.metrics import MeteredChecker, Metrics
from hsdt.channels.contract import ChannelSender, TurnQueue, bot_scope
from hsdt.channels.ratelimit import RateLimiter, SendBudget, SharedRateLimiter, window_rate
from hsdt.config import Settings
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig
from hsdt.links.tokens import UploadLinks, load_secret, public_base_url
from hsdt.redaction import redact_secrets
from hsdt.scoring import default_rubric_path, read_rubric_file
from hsdt.services.campaigns import ensure_campaign, install_rubric
from hsdt.services.demo import is_empty, seed_demo
from hsdt.services.roster import RosterResult
from hsdt.signatures.checker import Checker, SignatureChecker
from hsdt.storage.db import make_engine, upgrade
from hsdt.storage.leases import Lease
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.tenancy import DEFAULT_TENANT
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.web.dashboard.auth import from_settings as dashboard_links_from_settings

if TYPE_CHECKING:
    from hsdt.channels.delivery import ReplyDelivery
    from hsdt.channels.outbox import OutboxDelivery
    from hsdt.channels.telegram.receive import TelegramChannel
    from hsdt.channels.zalo_bot.receive import ZaloChannel
    from hsdt.channels.zalo_oa.receive import OAChannel
    from hsdt.links.downloads import Downloads
    from hsdt.web.config import WebConfig
    from hsdt.web.dashboard.deps import DashboardDeps

log = logging.getLogger(__name__)


@dataclass
class TenantChannels:
    """One Sở's channels in this process. Whoever runs one of their entry points (a poll loop, a webhook
    call, a reply delivery's sweeps, the outbox delivery) does so inside `tenant_scope(tenant)`, so every
    unit of work it opens, also in the tasks and database threads it starts, is that Sở's."""

    tenant: int
    code: str
    telegram: TelegramChannel | None = None
    telegram_secret: str | None = None
    zalo: ZaloChannel | None = None
    zalo_secret: str | None = None
    # Its Official Accounts by OA id.
    zalo_oa: dict[str, OAChannel] = field(default_factory=dict)
    # Its outbound senders by channel name (the outbox delivery's).
    senders: dict[str, ChannelSender] = field(default_factory=dict)

    def deliveries(self) -> list[ReplyDelivery[Any]]:
        found: list[ReplyDelivery[Any]] = []
        if self.telegram is not None:
            found.append(self.telegram.delivery)
        if self.zalo is not None:
            found.append(self.zalo.delivery)
        return [*found, *(oa.delivery for oa in self.zalo_oa.values())]


@dataclass
class App:
    settings: Settings
    engine: Engine
    dispatcher: Dispatcher
    checker: SignatureChecker | None
    demo: RosterResult | None = None
    links: UploadLinks | None = None
    # One-time links to files a chat cannot carry (Zalo's documents, Telegram's oversized files).
    downloads: Downloads | None = None
    telegram: TelegramChannel | None = None
    metrics: Metrics = field(default_factory=Metrics)
    zalo: ZaloChannel | None = None
    # Zalo Official Accounts, by OA id (each has its own webhook route).
    zalo_oa: dict[str, OAChannel] = field(default_factory=dict)
    # Outbound messages outside a turn (reminders, upload results), one per configured channel.
    senders: dict[str, ChannelSender] = field(default_factory=dict)
    # This process's lease among the workers: which unsent turns are its own (`hsdt.storage.leases`).
    lease: Lease | None = None
    # Every Sở's channels served by this process, by tenant id: the first tenant's are the fields above
    # (the environment's channels, plus any it was given in `tenant_channel`), the others' their rows.
    tenants: dict[int, TenantChannels] = field(default_factory=dict)
    _closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)

    @property
    def rubrics(self) -> RubricCache:
        """The process's one rubric cache (the dispatcher's), also read by the reminders."""
        return self.dispatcher.rubrics

    def outbox_delivery(self, tenant: int = DEFAULT_TENANT) -> OutboxDelivery:
        """A fresh delivery of `tenant`'s outbox through that Sở's senders (one per leadership term)."""
        from hsdt.channels.outbox import ChannelLimits, OutboxDelivery

        settings = self.settings
        limits = ChannelLimits(settings.reminder_rate_per_s, settings.reminder_rate_per_chat_per_s)
        own = self.tenants.get(tenant)
        zalo = own.zalo if own is not None else self.zalo if tenant == DEFAULT_TENANT else None
        senders = own.senders if own is not None else self.senders if tenant == DEFAULT_TENANT else {}
        meters = {"zalo": zalo.meter} if zalo is not None else {}
        return OutboxDelivery(self.engine, senders, default_limits=limits, tenant=tenant,
                              concurrency=settings.outbox_concurrency, poll_s=settings.outbox_poll_s,
                              on_sent=self.metrics.observe_outbox_sent,
                              meters=meters, quotas=settings.message_quotas, tz=ZoneInfo(settings.timezone),
                              # Channels that count messages: a user's due rows go out as one digest.
                              digest_channels=frozenset({"zalo", "zalo_oa"}))

    def tenant_outbox_deliveries(self) -> list[tuple[int, OutboxDelivery]]:
        """The outbox deliveries of the Sở other than the first whose channels this process serves."""
        return [(tenant, self.outbox_delivery(tenant)) for tenant in sorted(self.tenants)
                if tenant != DEFAULT_TENANT and self.tenants[tenant].senders]

    def dashboard(self, clock: Callable[[], datetime] = utcnow) -> DashboardDeps | None:
        """What the dashboard reads. Its sign-in links are checked with the issuer the chat handlers were
        given (same key, same clock), else with one from the settings; None without a public address."""
        from hsdt.web.dashboard.auth import SignInLinks, cookie_policy
        from hsdt.web.dashboard.auth import from_settings as sign_in_links
        from hsdt.web.dashboard.deps import DashboardDeps

        configured = self.dispatcher.config.dashboard_links
        links = configured if isinstance(configured, SignInLinks) else sign_in_links(self.settings, clock)
        if links is None:
            return None
        return DashboardDeps(engine=self.engine, rubrics=self.rubrics, timezone=self.settings.timezone,
                             links=links, cookie=cookie_policy(self.settings, links.base_url))

    async def aclose(self) -> None:
        """The channel clients' HTTP sessions (inside the event loop)."""
        for close in self._closers:
            try:
                await close()
            except Exception:
                log.exception("closing a channel client failed")
        self._closers.clear()

    def close(self) -> None:
        self.dispatcher.close()
        if self.checker is not None:
            self.checker.close()
        self.engine.dispose()


def private_dir(path: Path) -> Path:
    """Created readable by the bot's own user only (it holds answers, evidence and the link key)."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
    elif path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


def prepare_database(settings: Settings, *, seed: bool) -> tuple[Engine, RosterResult | None]:
    """Migrate; with `seed`, an empty database gets the demo: a campaign for the current school year
    (with the configured rubric) and the demo roster. Campaigns are otherwise opened by the operator
    (`hsdt campaign new`), and each keeps the rubric it was opened with."""
    # The rubric first: a broken file (RubricError) stops here, before the database is touched.
    source, rubric = read_rubric_file(settings.rubric or default_rubric_path())
    migrate_as_owner(settings)
    engine = make_engine(settings.database_url)
    warn_if_unbound(engine)
    demo: RosterResult | None = None
    if not seed:
        return engine, demo
    with UnitOfWork(engine) as uow:
        if is_empty(uow):
            ensure_campaign(uow, install_rubric(uow, rubric, source), tz=settings.timezone)
            demo = seed_demo(uow, invite_ttl=timedelta(days=settings.invite_ttl_days))
            log.info("seeded the demo campaign")
    return engine, demo


def migrate_as_owner(settings: Settings) -> None:
    """The schema brought to this code's head by the tables' owner (DATABASE_OWNER_URL, else the bot's own
    role); several workers starting at once take turns (the migration holds a lock on the version row)."""
    owner = make_engine(settings.migration_url)
    try:
        upgrade(owner)
    finally:
        owner.dispose()


def warn_if_unbound(engine: Engine) -> None:
    """Row-level security keeps Sở apart only for a role it binds: say so when the bot's role is not one."""
    from hsdt.storage.roles import check_role

    try:
        found = check_role(engine)
    except Exception:  # the check is advice; the database's own errors surface on first use
        log.exception("could not check the database role")
        return
    if found is not None and not found.bound_by_policies:
        log.warning("database role %s %s: row-level security does not apply to it; connect the bot as a role "
                    "that owns no table (hsdt db grant-app ROLE, DATABASE_OWNER_URL for migrations)",
                    found.role, "is a superuser" if found.superuser else
                    "bypasses row-level security" if found.bypasses else "owns the tables")


def seed_demo_campaign(uow: UnitOfWork, settings: Settings) -> None:
    """The demo's campaign for the current school year, with the configured rubric."""
    source, rubric = read_rubric_file(settings.rubric or default_rubric_path())
    ensure_campaign(uow, install_rubric(uow, rubric, source), tz=settings.timezone)


def record_period(settings: Settings, engine: Engine) -> tuple[date, date]:
    """The checker's default record period: the newest active campaign's; the settings' only while no
    campaign is open. A file sent in a campaign is checked against that campaign's own period (the
    intake passes it with the file), so this default serves only files of no campaign."""
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        if campaign is not None:
            return campaign.record_start, campaign.record_end
    return settings.record_period_start, settings.record_period_end


def make_checker(settings: Settings, engine: Engine | None = None) -> SignatureChecker:
    from hsdt.signatures import RecordPeriod, VerifyLimits
    from hsdt.signatures.config import Revocation

    start, end = (record_period(settings, engine) if engine is not None
                  else (settings.record_period_start, settings.record_period_end))
    return SignatureChecker(
        trust_dir=settings.trust_dir if settings.trust_dir.exists() else None,
        period=RecordPeriod(start, end, settings.timezone),
        limits=VerifyLimits(
            timeout_s=settings.verify_timeout_s,
            memory_mb=settings.verify_memory_mb,
            max_bytes=settings.max_upload_bytes,
        ),
        max_workers=settings.verify_workers,
        revocation=Revocation(
            settings.verify_online, settings.verify_revocation_timeout_s, settings.verify_cache_dir
        ),
    )


def make_links(settings: Settings) -> UploadLinks | None:
    base = public_base_url(settings)
    if base is None:
        return None
    return UploadLinks(load_secret(settings), base, timedelta(minutes=settings.upload_link_ttl_minutes), utcnow)


def make_dispatcher(settings: Settings, engine: Engine, checker: Checker | None,
                    rubrics: RubricCache) -> Dispatcher:
    from hsdt.handlers.features import build_router

    config = HandlerConfig(files_dir=settings.files_dir, timezone=settings.timezone,
                           max_upload_bytes=settings.max_upload_bytes,
                           dashboard_links=dashboard_links_from_settings(settings),
                           message_quotas=settings.message_quotas)
    return Dispatcher(engine, config, checker=checker, router=build_router(), rubrics=rubrics)


def wire_channels(app: App) -> App:
    """One client per configured channel of every Sở (the environment's for the first, `tenant_channel`'s
    rows for any), its reply delivery and its outbound sender, gathered per Sở in `app.tenants`."""
    settings = app.settings
    tz = ZoneInfo(settings.timezone)
    from hsdt.links import downloads

    app.downloads = downloads.from_settings(settings, app.engine)
    # Zalo declares what it can show, and its hooks keep its numbered menus in the event's transaction,
    # also for an upload-page event of a Zalo chat handled by a process without the Zalo token (the
    # Telegram channel declares itself when it is built; an undeclared channel has buttons).
    from hsdt.channels.zalo_bot.menus import ZaloMenus
    from hsdt.channels.zalo_bot.translate import CAPABILITIES as ZALO_CAPABILITIES
    from hsdt.channels.zalo_bot.translate import CHANNEL as ZALO

    app.dispatcher.declare(ZALO, ZALO_CAPABILITIES, ZaloMenus())
    from hsdt.app import zalo_oa
    from hsdt.services.tenants import all_tenants
    from hsdt.storage.tenant_channels import ChannelKind, all_channels

    codes = {tenant.id: tenant.code for tenant in all_tenants(app.engine)}
    # The first Sở's: the environment's channels. The same dict objects as `app.zalo_oa`, `app.senders`.
    first = app.tenants[DEFAULT_TENANT] = TenantChannels(DEFAULT_TENANT, codes.get(DEFAULT_TENANT, "default"),
                                                         zalo_oa=app.zalo_oa, senders=app.senders)
    zalo_oa.wire(app)
    if settings.telegram_bot_token is not None:
        first.telegram_secret = _plain(settings.telegram_webhook_secret)
        app.telegram = wire_telegram(app, first, settings.telegram_bot_token.get_secret_value())
    if settings.zalo_bot_token is not None:
        first.zalo_secret = _plain(settings.zalo_webhook_secret)
        app.zalo = wire_zalo(app, first, settings.zalo_bot_token.get_secret_value(), tz)
    for row in all_channels(app.engine):
        redact_secrets(*row.secrets())
        own = app.tenants.get(row.tenant_id)
        if own is None:
            own = app.tenants[row.tenant_id] = TenantChannels(row.tenant_id, codes.get(row.tenant_id, ""))
        if row.kind is ChannelKind.TELEGRAM and row.token:
            if own.telegram is not None:
                log.warning("tenant %s has a second Telegram bot (%s); only the first is served",
                            own.code, row.account)
                continue
            own.telegram_secret = row.webhook_secret
            channel = wire_telegram(app, own, row.token)
            if row.tenant_id == DEFAULT_TENANT and app.telegram is None:
                app.telegram = channel
        elif row.kind is ChannelKind.ZALO_BOT and row.token:
            if own.zalo is not None:
                log.warning("tenant %s has a second Zalo bot (%s); only the first is served", own.code, row.account)
                continue
            own.zalo_secret = row.webhook_secret
            bot = wire_zalo(app, own, row.token, tz)
            if row.tenant_id == DEFAULT_TENANT and app.zalo is None:
                app.zalo = bot
        elif row.kind is ChannelKind.ZALO_OA:
            zalo_oa.wire(app, zalo_oa.settings_of(row), tenant=own)
    if app.lease is not None:
        for own in app.tenants.values():
            for delivery in own.deliveries():
                delivery.owner = app.lease.worker_id
                delivery.alone = settings.workers == 1 or app.engine.dialect.name != "postgresql"
                delivery.sweep_s = app.lease.renew_every_s
                # In a fleet a worker whose lease may lapse sends nothing: another may be taking its turns.
                delivery.holds_lease = None if delivery.alone else app.lease.fresh
    return app


def _plain(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def wire_telegram(app: App, own: TenantChannels, token: str) -> TelegramChannel:
    """A Telegram bot of `own`'s Sở: its channel, its sender, and its own send budget (keyed by the bot)."""
    from hsdt.channels.telegram.client import SendBudgetMiddleware, make_bot
    from hsdt.channels.telegram.receive import TelegramChannel
    from hsdt.channels.telegram.render import TelegramSender

    settings = app.settings
    bot = make_bot(token, settings.telegram_api_base)
    bot.session.middleware(SendBudgetMiddleware(send_budget(settings, app.engine, f"telegram:{bot.id}")))
    own.telegram = TelegramChannel(bot, app.dispatcher, app.links,
                                   busy_poll_s=settings.telegram_busy_poll_s, downloads=app.downloads,
                                   reply_wait_s=settings.telegram_webhook_reply_wait_s)
    own.senders["telegram"] = TelegramSender(bot, app.links, app.dispatcher, app.downloads)
    app._closers.append(bot.session.close)
    return own.telegram


def wire_zalo(app: App, own: TenantChannels, token: str, tz: ZoneInfo) -> ZaloChannel:
    """A Zalo bot of `own`'s Sở: its channel (sender and meter), and its own send budget."""
    from hsdt.channels.zalo_bot.client import ZaloBotClient
    from hsdt.channels.zalo_bot.receive import ZaloChannel
    from hsdt.channels.zalo_bot.translate import CHANNEL as ZALO

    settings = app.settings
    client = ZaloBotClient(token, settings.zalo_api_base)
    client.budget = send_budget(settings, app.engine, f"zalo:{bot_scope(client.token)}")
    own.zalo = ZaloChannel(client, app.dispatcher, app.links, tz, settings.zalo_quota_retry_s,
                           downloads=app.downloads)
    own.senders[ZALO] = own.zalo.sender
    app._closers.append(own.zalo.close)
    app._closers.append(client.close)
    return own.zalo


def web_config(app: App) -> WebConfig:
    """What the bootstrap built: the links, every channel's reply delivery (so upload results reach the
    chat in the user's order) and the Zalo channel for the webhook."""
    from hsdt.web.config import TenantWebhooks, WebConfig

    settings = app.settings
    if app.links is None:
        raise RuntimeError("the web server needs UPLOAD_BASE_URL (or ZALO_BOT_TOKEN)")
    secret = settings.zalo_webhook_secret
    telegram_secret = settings.telegram_webhook_secret
    deliveries: dict[str, TurnQueue] = {}
    if app.telegram is not None:
        deliveries["telegram"] = app.telegram.delivery
    if app.zalo is not None:
        deliveries["zalo"] = app.zalo.delivery
    for oa in app.zalo_oa.values():  # one OA per deployment: its chats are the "zalo_oa" channel
        deliveries[oa.delivery.channel] = oa.delivery
    return WebConfig(links=app.links, deliveries=deliveries, zalo=app.zalo,
                     webhook_secret=secret.get_secret_value() if secret is not None else None,
                     telegram=app.telegram if settings.telegram_webhook_enabled else None,
                     telegram_secret=telegram_secret.get_secret_value() if telegram_secret is not None else None,
                     body_timeout_s=settings.web_body_timeout_s,
                     tenants={own.code: TenantWebhooks(
                         own.tenant, telegram=own.telegram if settings.telegram_webhook_enabled else None,
                         telegram_secret=own.telegram_secret, zalo=own.zalo, zalo_secret=own.zalo_secret)
                         for own in app.tenants.values() if own.code},
                     tenant_deliveries={own.tenant: {d.channel: d for d in own.deliveries()}
                                        for own in app.tenants.values() if own.tenant != DEFAULT_TENANT})


def send_budget(settings: Settings, engine: Engine, key: str) -> SendBudget:
    """The bot's `SEND_RATE_PER_S`, held in every second: booked in the database when several workers
    send for it, else kept in memory. A worker that cannot reach the database paces itself at its share."""
    alone = RateLimiter(window_rate(settings.send_rate_per_s) / settings.workers)
    if settings.workers == 1 or engine.dialect.name != "postgresql":
        return alone
    from hsdt.storage.send_budget import SharedSendBudget

    return SharedRateLimiter(SharedSendBudget(engine, key, settings.send_rate_per_s).reserve, alone)


def _secrets(settings: Settings, links: UploadLinks | None) -> list[str | None]:
    def plain(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    return [plain(settings.database_owner_url), plain(settings.telegram_bot_token), plain(settings.zalo_bot_token),
            plain(settings.zalo_webhook_secret),
            plain(settings.telegram_webhook_secret),
            plain(settings.upload_secret), links.secret_text if links is not None else None]


def build(
    settings: Settings | None = None,
    *,
    seed: bool | None = None,
    with_checker: bool = True,
    log_to_file: bool = False,
) -> App:
    settings = settings or Settings()
    private_dir(settings.data_dir)
    configure_logs(settings.log_level, settings.log_format,
                   settings.data_dir / "hsdt.log" if log_to_file else None)
    # Alembic narrates every plugin it loads at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    redact_secrets(*_secrets(settings, None))
    engine, demo = prepare_database(settings, seed=settings.seed_demo if seed is None else seed)
    checker = make_checker(settings, engine) if with_checker else None
    if checker is not None:
        from hsdt.services.evidence_recheck import recheck_if_trust_changed

        # Evidence checked under other trust roots is re-verified before anyone sees its points.
        recheck_if_trust_changed(settings, engine, checker)
    private_dir(settings.files_dir)
    metrics = Metrics()
    metered = MeteredChecker(checker, metrics) if checker is not None else None
    rubrics = RubricCache()
    with UnitOfWork(engine) as uow:
        # Parsed now, not while the first principal waits for a question (the YAML takes a tenth of a
        # second): every active campaign's rubric.
        for campaign in uow.campaigns.active_all():
            rubrics.for_campaign(uow, campaign)
    dispatcher = make_dispatcher(settings, engine, metered, rubrics)
    dispatcher.on_handled = metrics.observe_event
    links = make_links(settings)
    redact_secrets(*_secrets(settings, links))
    app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=checker, demo=demo, links=links,
              metrics=metrics, lease=Lease(engine, ttl_s=settings.worker_lease_s))
    return wire_channels(app)
