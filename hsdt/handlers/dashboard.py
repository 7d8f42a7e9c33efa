"""/bangdieukhien: a one-time link that signs the user in to the web dashboard.

The link is issued by whatever the composition root handed the dispatcher (`Ctx.dashboard_links`);
the handler stays channel-neutral and never learns the web server's address or key. Nothing is
written: the link is signed, and the web server records its one use.
"""

from __future__ import annotations

from hsdt import texts as messages
from hsdt.actions import dashboard as act
from hsdt.events import Reply
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Role
from hsdt.texts import dashboard as t

COMMAND = "/bangdieukhien"


def open_dashboard(ctx: Ctx) -> list[Reply]:
    if ctx.dashboard_links is None:
        return [Reply(t.NOT_CONFIGURED)]
    # A user in several campaigns sees on the web the one chosen in the chat.
    chosen = ctx.campaign.code if ctx.campaign is not None and len(ctx.campaigns) > 1 else None
    url, expires = ctx.dashboard_links.issue(stored_id(ctx.user.id), ctx.uow.tenant, chosen)
    minutes = max(1, round((expires - ctx.now).total_seconds() / 60))
    return [Reply(t.LINK_MESSAGE.format(name=ctx.user.full_name, url=url, expires=ctx.local(expires),
                                        minutes=minutes))]


def on_button(ctx: Ctx) -> list[Reply]:
    if act.Open.unpack(ctx.event.payload) is not None:
        return open_dashboard(ctx)
    return [Reply(messages.STALE_BUTTON)]


feature = Feature(
    name="dashboard",
    roles=(Role.PRINCIPAL, Role.DISTRICT_STAFF, Role.SO_STAFF, Role.MINISTRY_STAFF),
    commands={COMMAND: open_dashboard},
    menu=(MenuEntry(t.BTN_DASHBOARD, act.Open().pack()),),
    button_prefix=act.PREFIX,
    on_button=on_button,
    command_help=((COMMAND.removeprefix("/"), t.CMD_DASHBOARD),),
)
