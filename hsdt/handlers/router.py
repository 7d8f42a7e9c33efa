"""Routes an enrolled user's event to the feature in charge, checking the role first."""

from __future__ import annotations

from collections.abc import Iterable

from hsdt import texts as messages
from hsdt.events import Button, Kind, Reply, rows
from hsdt.handlers import enrolment
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import IdleState
from hsdt.handlers.feature import Feature, FlowHandler
from hsdt.storage.models import User


class Router:
    def __init__(self) -> None:
        self.features: list[Feature] = []

    def include(self, *features: Feature) -> Router:
        for feature in features:
            clash = [f.name for f in self.features if f.button_prefix and f.button_prefix == feature.button_prefix]
            if clash:
                raise ValueError(f"button prefix {feature.button_prefix!r} of {feature.name} already used by {clash}")
            self.features.append(feature)
        return self

    # --- the main menu and help -----------------------------------------------------------------

    def menu_for(self, user: User) -> Reply:
        buttons = [Button(entry.label, entry.action) for feature in self._for_role(user.role) for entry in feature.menu]
        buttons.append(Button(messages.BTN_HELP, "m:help"))
        return Reply(messages.MENU_TITLE, buttons=rows(*buttons))

    def help_reply(self, ctx: Ctx) -> Reply:
        lines = [messages.HELP_TITLE]
        for feature in self._for_role(ctx.user.role):
            lines.extend(f"/{command} — {description}" for command, description in feature.command_help)
        lines.extend(messages.HELP_COMMON)
        return Reply("\n".join(lines))

    def command_menu(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for feature in self.features:
            seen.update(dict(feature.command_help))
        seen.update(dict(messages.CORE_COMMAND_MENU))
        return list(seen.items())

    def _for_role(self, role: str) -> Iterable[Feature]:
        return (f for f in self.features if role in f.roles)

    # --- routing --------------------------------------------------------------------------------

    def route(self, ctx: Ctx) -> list[Reply]:
        event = ctx.event
        if event.kind is Kind.COMMAND:
            return self._command(ctx)
        if event.kind is Kind.BUTTON:
            return self._button(ctx)
        flow_owner = self._flow_owner(ctx)
        if event.kind is Kind.DOCUMENT:
            # A file sent for a stated purpose (an upload link's "chk:file", "sa:ev:..."): its feature decides.
            addressed = self._by_prefix(event.payload) if event.payload else None
            if addressed is not None and addressed.on_document is not None:
                return self._guarded(ctx, addressed, addressed.on_document)
            if flow_owner is not None and flow_owner.on_document is not None:
                return self._guarded(ctx, flow_owner, flow_owner.on_document)
            stray = next((f for f in self.features if f.handles_stray_documents), None)
            if stray is None or stray.on_document is None:
                return [Reply(messages.UNEXPECTED_INPUT), self.menu_for(ctx.user)]
            return self._guarded(ctx, stray, stray.on_document)
        if event.kind is Kind.PHOTO:
            return [Reply(messages.SEND_PDF_NOT_PHOTO)]
        if event.kind is Kind.TEXT:
            if flow_owner is not None and flow_owner.on_text is not None:
                return self._guarded(ctx, flow_owner, flow_owner.on_text)
            if enrolment.looks_like_code(event.text):
                return enrolment.handle_code_from_enrolled(ctx, self.menu_for, event.text)
            return [Reply(messages.UNEXPECTED_INPUT), self.menu_for(ctx.user)]
        return [Reply(messages.OTHER_CONTENT)]

    def _command(self, ctx: Ctx) -> list[Reply]:
        command, argument = ctx.event.command
        if command == "/start" and argument:
            return enrolment.handle_code_from_enrolled(ctx, self.menu_for, argument)
        if command in ("/start", "/menu"):
            return [self.menu_for(ctx.user)]
        if command == "/help":
            return [self.help_reply(ctx), self.menu_for(ctx.user)]
        if command == "/huy":
            return self._cancel(ctx)
        for feature in self.features:
            handler = feature.commands.get(command)
            if handler is not None:
                return self._guarded(ctx, feature, handler)
        return [Reply(messages.UNKNOWN_COMMAND.format(command=command[:32])), self.menu_for(ctx.user)]

    def _button(self, ctx: Ctx) -> list[Reply]:
        action = ctx.event.payload
        if action == "m:help":
            return [self.help_reply(ctx), self.menu_for(ctx.user)]
        if action == "m:menu":
            return [self.menu_for(ctx.user)]
        prefix = action.split(":", 1)[0]
        for feature in self.features:
            if feature.button_prefix == prefix and feature.on_button is not None:
                return self._guarded(ctx, feature, feature.on_button)
        owner = self._flow_owner(ctx)
        if owner is not None and owner.current_screen is not None:
            return [Reply(messages.STALE_BUTTON), *owner.current_screen(ctx)]
        return [Reply(messages.UNEXPECTED_INPUT), self.menu_for(ctx.user)]

    def _cancel(self, ctx: Ctx) -> list[Reply]:
        was_busy = not isinstance(ctx.conv, IdleState)
        owner = self._flow_owner(ctx)
        # The command that opens the stopped flow again: /tudanhgia for a principal, /chamdiem for an inspector.
        again = next(iter(owner.commands), "") if owner is not None else ""
        # Remember where the user was, so opening the feature again resumes exactly there.
        ctx.goto(IdleState(resume=ctx.conv if not isinstance(ctx.conv, IdleState) else ctx.conv.resume))
        text = messages.CANCELLED.format(command=again) if was_busy and again else messages.NOTHING_TO_CANCEL
        return [Reply(text), self.menu_for(ctx.user)]

    def _by_prefix(self, action: str) -> Feature | None:
        prefix = action.split(":", 1)[0]
        return next((f for f in self.features if f.button_prefix == prefix), None)

    def _flow_owner(self, ctx: Ctx) -> Feature | None:
        if ctx.flow == "idle":
            return None
        return next((f for f in self.features if f.flow == ctx.flow), None)

    def _guarded(self, ctx: Ctx, feature: Feature, handler: FlowHandler) -> list[Reply]:
        if ctx.user.role not in feature.roles:
            return [
                Reply(
                    messages.NOT_ALLOWED.format(
                        roles=messages.roles_list(feature.roles), role=messages.role_name(ctx.user.role)
                    )
                ),
                self.menu_for(ctx.user),
            ]
        return handler(ctx)
