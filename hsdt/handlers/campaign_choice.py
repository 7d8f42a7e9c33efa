"""Which campaign (đợt kiểm tra) an event belongs to, and `/doidot` to choose it.

Several campaigns may be active at once (say the preschools' and a re-inspection), each with its own
schools, rubric and calendar. An event belongs to:
- the one active campaign the user's unit takes part in, when there is one (nothing is asked);
- the one the user chose, when the unit takes part in several and the choice is still among them;
- none yet, when the unit takes part in several and no valid choice is stored: the router asks first.
A unit in no active campaign gets the newest active one, which the members-only features refuse.
The choice is kept in the user's conversation state (`conversation.CHOSEN_KEY`), so it outlives the flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.actions import campaign as act
from hsdt.actions import menu as menu_actions
from hsdt.events import Button, Reply, rows
from hsdt.handlers import conversation
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import IdleState
from hsdt.handlers.feature import Feature
from hsdt.storage.models import Campaign, Role
from hsdt.storage.repositories import Sender
from hsdt.texts import campaigns as ct
from hsdt.texts import typed as typed_texts

COMMAND = "/doidot"
SCREEN = "dot"


@dataclass(frozen=True)
class Pick:
    campaign: Campaign | None
    in_campaign: bool
    choices: tuple[Campaign, ...]
    chosen: int | None


def resolve(sender: Sender, chosen: int | None) -> Pick:
    """The event's campaign by the rules above; `chosen` is the stored choice (ignored when the campaign
    was closed or paused since, or the unit left it)."""
    if len(sender.campaigns) <= 1:
        return Pick(sender.campaign, sender.in_campaign, sender.campaigns, chosen)
    found = next((c for c in sender.campaigns if c.id == chosen), None)
    return Pick(found, True, sender.campaigns, chosen)


def ask(ctx: Ctx, note: str | None = None) -> list[Reply]:
    """The choice screen: the unit's active campaigns, one button (a numbered option on Zalo) each."""
    wording = typed_texts.CAMPAIGN_CHOOSE if ctx.typed else ct.CAMPAIGN_CHOOSE
    lines = [wording.format(unit=ctx.unit.name, count=len(ctx.campaigns)), ""]
    current = ctx.campaign.id if ctx.campaign is not None else None
    buttons = []
    for number, campaign in enumerate(ctx.campaigns, start=1):
        assert campaign.id is not None
        mark = ct.CHOOSE_CURRENT if campaign.id == current else ""
        named = ct.CHOOSE_OPTION.format(name=campaign.name, code=campaign.code) + mark
        if ctx.typed:
            # The channel numbers the options itself: each names its campaign in full.
            buttons.append(Button(named, act.Choose(campaign.id).pack()))
        else:
            lines.append(f"{number}. {named}")
            buttons.append(Button(campaign.code, act.Choose(campaign.id).pack()))
    screen = Reply("\n".join(lines), buttons=rows(*buttons), screen=SCREEN)
    return [Reply(note), screen] if note else [screen]


def switch(ctx: Ctx) -> list[Reply]:
    if len(ctx.campaigns) > 1:
        return ask(ctx)
    if ctx.campaign is not None and ctx.in_campaign:
        return [Reply(ct.ONLY_ONE.format(name=ctx.campaign.name))]
    return [Reply(ct.NONE_OPEN)]


def on_button(ctx: Ctx) -> list[Reply]:
    match act.ACTIONS.unpack(ctx.event.payload):
        case act.Choose(campaign=wanted):
            return choose(ctx, wanted)
        case act.Switch():
            return switch(ctx)
    return switch(ctx)


def choose(ctx: Ctx, wanted: int) -> list[Reply]:
    """Work in campaign `wanted` from now on. A campaign the user's unit does not take part in (an old
    button, a forged payload) is not found: nothing changes and the choice is shown again."""
    campaign = next((c for c in ctx.campaigns if c.id == wanted), None)
    if campaign is None:
        if len(ctx.campaigns) > 1:
            return ask(ctx, ct.CHOICE_NOT_FOUND)
        return [Reply(ct.CHOICE_NOT_FOUND), *switch(ctx)]
    current = ctx.campaign.id if ctx.campaign is not None else conversation.campaign_of(ctx.state.data)
    if current != campaign.id:
        # A questionnaire of the other campaign is left: its criteria and schools are not this one's.
        # The answers given stay stored in their campaign.
        ctx.goto(IdleState())
    ctx.campaign, ctx.in_campaign, ctx.chosen = campaign, True, wanted
    ctx.rubric = None  # read again by whoever needs it in this campaign (none in this turn)
    return [Reply(ct.CHOSEN.format(name=campaign.name, code=campaign.code),
                  buttons=rows(Button(ct.BTN_MENU, menu_actions.Menu().pack())))]


feature = Feature(
    name="campaign_choice",
    roles=(Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF),
    commands={COMMAND: switch},
    button_prefix=act.PREFIX,
    on_button=on_button,
    command_help=((COMMAND.removeprefix("/"), ct.CMD_SWITCH),),
)
