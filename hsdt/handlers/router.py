"""Routes an enrolled user's event to the feature in charge, checking the role first."""

from __future__ import annotations

from collections.abc import Iterable

from hsdt import texts as messages
from hsdt.actions import campaign as campaign_actions
from hsdt.actions import menu as menu_actions
from hsdt.actions import prefix_of
from hsdt.events import Button, Kind, Reply, rows
from hsdt.handlers import campaign_choice, enrolment
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import IdleState
from hsdt.handlers.feature import Feature, FlowHandler
from hsdt.storage.models import User
from hsdt.texts import campaigns as ct
from hsdt.texts import commands as command_texts
from hsdt.texts import typed as typed_texts

# The English commands of the first versions, still understood; menus and help list the Vietnamese ones.
COMMAND_ALIASES = {"/help": "/huongdan", "/menu": "/danhmuc", "/report": "/baocao"}


class Router:
    def __init__(self) -> None:
        self.features: list[Feature] = []
        # A button belongs to the feature whose actions carry its prefix ("sa" of "sa:o:C1:full").
        self._by_prefix: dict[str, Feature] = {}

    def include(self, *features: Feature) -> Router:
        for feature in features:
            prefix = feature.button_prefix
            if prefix is not None and (prefix == menu_actions.PREFIX or prefix in self._by_prefix):
                owner = self._by_prefix[prefix].name if prefix in self._by_prefix else "the menu"
                raise ValueError(f"button prefix {prefix!r} of {feature.name} already used by {owner}")
            self.features.append(feature)
            if prefix is not None:
                self._by_prefix[prefix] = feature
        return self

    # --- the main menu and help -----------------------------------------------------------------

    def menu_for(self, user: User, *, switch: bool = False) -> Reply:
        """The main menu; `switch`: the user's unit takes part in several campaigns (a button to change)."""
        buttons = [Button(entry.label, entry.action) for feature in self._for_role(user.role) for entry in feature.menu]
        if switch:
            buttons.append(Button(ct.BTN_SWITCH, campaign_actions.Switch().pack()))
        buttons.append(Button(messages.BTN_HELP, menu_actions.Help().pack()))
        return Reply(messages.MENU_TITLE, buttons=rows(*buttons))

    def help_reply(self, ctx: Ctx) -> Reply:
        lines = [messages.HELP_TITLE]
        for feature in self._for_role(ctx.user.role):
            lines.extend(f"/{command} — {description}" for command, description in feature.command_help
                         if f"/{command}" not in COMMAND_ALIASES)
        lines.extend(command_texts.HELP_COMMON)
        return Reply("\n".join(lines))

    def command_menu(self, role: str | None = None) -> list[tuple[str, str]]:
        """The commands a chat's menu lists: every feature's, or those of `role`; aliases never."""
        seen: dict[str, str] = {}
        for feature in self.features if role is None else self._for_role(role):
            seen.update(dict(feature.command_help))
        seen.update(dict(command_texts.CORE_COMMAND_MENU))
        return [(command, text) for command, text in seen.items() if f"/{command}" not in COMMAND_ALIASES]

    def _for_role(self, role: str) -> Iterable[Feature]:
        return (f for f in self.features if role in f.roles)

    # --- routing --------------------------------------------------------------------------------

    def _menu(self, ctx: Ctx) -> Reply:
        return self.menu_for(ctx.user, switch=len(ctx.campaigns) > 1)

    def route(self, ctx: Ctx) -> list[Reply]:
        event = ctx.event
        if ctx.must_choose and not self._may_wait_for_choice(ctx):
            # The unit takes part in several campaigns: which one this user works in is asked once, first.
            return campaign_choice.ask(ctx)
        if event.kind is Kind.COMMAND:
            return self._command(ctx)
        if event.kind is Kind.BUTTON:
            return self._button(ctx)
        flow_owner = self._flow_owner(ctx)
        if event.kind is Kind.DOCUMENT:
            # A file sent for a stated purpose (an upload link's "chk:file", "sa:ev:..."): its feature decides.
            addressed = self._owner(event.payload)
            if addressed is not None and addressed.on_document is not None:
                return self._guarded(ctx, addressed, addressed.on_document)
            if flow_owner is not None and flow_owner.on_document is not None:
                return self._guarded(ctx, flow_owner, flow_owner.on_document)
            stray = next((f for f in self.features if f.handles_stray_documents), None)
            if stray is None or stray.on_document is None:
                return [Reply(messages.UNEXPECTED_INPUT), self._menu(ctx)]
            return self._guarded(ctx, stray, stray.on_document)
        if event.kind is Kind.PHOTO:
            # A chat without files (Zalo) adds its upload link to this reply: it must not say "send a file".
            return [Reply(typed_texts.PHOTO if ctx.typed else messages.SEND_PDF_NOT_PHOTO)]
        if event.kind is Kind.TEXT:
            if flow_owner is not None and flow_owner.on_text is not None:
                return self._guarded(ctx, flow_owner, flow_owner.on_text)
            if enrolment.looks_like_code(event.text):
                return enrolment.handle_code_from_enrolled(ctx, self.menu_for, event.text)
            return [Reply(messages.UNEXPECTED_INPUT), self._menu(ctx)]
        if ctx.typed:
            # A sticker or a voice note: say what to type, under the screen the user is on.
            return [Reply(typed_texts.OTHER_CONTENT), *self._where(ctx, flow_owner)]
        return [Reply(messages.OTHER_CONTENT)]

    @staticmethod
    def _may_wait_for_choice(ctx: Ctx) -> bool:
        """What needs no campaign: the choice itself, help, and a code to link another account."""
        event = ctx.event
        if event.kind is Kind.BUTTON:
            return prefix_of(event.payload) == campaign_actions.PREFIX or isinstance(
                menu_actions.ACTIONS.unpack(event.payload), menu_actions.Help)
        if event.kind is Kind.COMMAND:
            command, argument = event.command
            command = COMMAND_ALIASES.get(command, command)
            return command in (campaign_choice.COMMAND, "/huongdan") or (command == "/start" and bool(argument))
        return False

    def _where(self, ctx: Ctx, owner: Feature | None) -> list[Reply]:
        """The screen the user is on: the flow's current question, or the menu."""
        if owner is not None and owner.current_screen is not None:
            return list(owner.current_screen(ctx))
        return [self._menu(ctx)]

    def _command(self, ctx: Ctx) -> list[Reply]:
        command, argument = ctx.event.command
        command = COMMAND_ALIASES.get(command, command)
        if command == "/start" and argument:
            return enrolment.handle_code_from_enrolled(ctx, self.menu_for, argument)
        if command in ("/start", "/danhmuc"):
            return [self._menu(ctx)]
        if command == "/huongdan":
            return [self.help_reply(ctx), self._menu(ctx)]
        if command == "/huy":
            return self._cancel(ctx)
        for feature in self.features:
            handler = feature.commands.get(command) or feature.commands.get(ctx.event.command[0])
            if handler is not None:
                return self._guarded(ctx, feature, handler)
        return [Reply(messages.UNKNOWN_COMMAND.format(command=command[:32])), self._menu(ctx)]

    def _button(self, ctx: Ctx) -> list[Reply]:
        match menu_actions.ACTIONS.unpack(ctx.event.payload):
            case menu_actions.Help():
                return [self.help_reply(ctx), self._menu(ctx)]
            case menu_actions.Menu():
                return [self._menu(ctx)]
        feature = self._owner(ctx.event.payload)
        if feature is not None and feature.on_button is not None:
            return self._guarded(ctx, feature, feature.on_button)
        owner = self._flow_owner(ctx)
        if owner is not None and owner.current_screen is not None:
            return [Reply(messages.STALE_BUTTON), *owner.current_screen(ctx)]
        return [Reply(messages.UNEXPECTED_INPUT), self._menu(ctx)]

    def _cancel(self, ctx: Ctx) -> list[Reply]:
        was_busy = not isinstance(ctx.conv, IdleState)
        owner = self._flow_owner(ctx)
        # The command that opens the stopped flow again: /tudanhgia for a principal, /chamdiem for an inspector.
        again = next(iter(owner.commands), "") if owner is not None else ""
        # Remember where the user was, so opening the feature again resumes exactly there.
        ctx.goto(IdleState(resume=ctx.conv if not isinstance(ctx.conv, IdleState) else ctx.conv.resume))
        text = messages.CANCELLED.format(command=again) if was_busy and again else messages.NOTHING_TO_CANCEL
        return [Reply(text), self._menu(ctx)]

    def _owner(self, action: str | None) -> Feature | None:
        """The feature whose buttons (or upload purposes) carry the action's prefix."""
        prefix = prefix_of(action)
        return self._by_prefix.get(prefix) if prefix is not None else None

    def _flow_owner(self, ctx: Ctx) -> Feature | None:
        if ctx.flow == "idle":
            return None
        return next((f for f in self.features if f.flow == ctx.flow), None)

    def _guarded(self, ctx: Ctx, feature: Feature, handler: FlowHandler) -> list[Reply]:
        if ctx.user.role not in feature.roles:
            levels = ctx.uow.levels.of_campaign(ctx.campaign.id if ctx.campaign is not None else None)
            return [
                Reply(
                    messages.NOT_ALLOWED.format(
                        roles=messages.roles_list(feature.roles, levels), role=messages.role_name(ctx.user.role, levels)
                    )
                ),
                self._menu(ctx),
            ]
        campaign = ctx.campaign
        if feature.campaign_members_only and campaign is not None and campaign.id is not None \
                and not self._in_campaign(ctx, campaign.id):
            return [Reply(ct.NOT_IN_CAMPAIGN.format(unit=ctx.unit.name, campaign=campaign.name))]
        return handler(ctx)

    @staticmethod
    def _in_campaign(ctx: Ctx, campaign_id: int) -> bool:
        if ctx.in_campaign is not None:
            return ctx.in_campaign
        return ctx.uow.units.is_member(campaign_id, ctx.user.unit_id)
