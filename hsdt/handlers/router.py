"""Routes an enrolled user's event to the flow in charge. The table of contents of the bot."""

from __future__ import annotations

from hsdt.handlers import enrolment, menu, messages, self_assessment, signature_check
from hsdt.handlers.context import Ctx
from hsdt.handlers.events import Kind, Reply


def _allowed(ctx: Ctx, roles: tuple[str, ...]) -> list[Reply] | None:
    if ctx.user.role in roles:
        return None
    return [
        Reply(messages.NOT_ALLOWED.format(roles=messages.roles_list(roles), role=messages.role_name(ctx.user.role))),
        menu.menu_reply(ctx.user),
    ]


def _self_assessment(ctx: Ctx) -> list[Reply]:
    return _allowed(ctx, menu.SELF_ASSESSMENT_ROLES) or self_assessment.open_(ctx)


def _check(ctx: Ctx) -> list[Reply]:
    return _allowed(ctx, menu.SIGNATURE_CHECK_ROLES) or signature_check.prompt(ctx)


def _cancel(ctx: Ctx) -> list[Reply]:
    was_busy = ctx.flow != "idle"
    # Remember the question, so the next /tudanhgia resumes exactly there.
    resume = ctx.data.get("cid") if ctx.flow == self_assessment.FLOW else ctx.data.get("resume_cid")
    ctx.goto("idle", resume_cid=resume)
    return [Reply(messages.CANCELLED if was_busy else messages.NOTHING_TO_CANCEL), menu.menu_reply(ctx.user)]


def _menu(ctx: Ctx) -> list[Reply]:
    return [menu.menu_reply(ctx.user)]


def _help(ctx: Ctx) -> list[Reply]:
    return [Reply(messages.HELP), menu.menu_reply(ctx.user)]


COMMANDS = {
    "/start": _menu,
    "/menu": _menu,
    "/help": _help,
    "/huy": _cancel,
    "/tudanhgia": _self_assessment,
    "/kiemtra": _check,
}
MENU_BUTTONS = {"m:sa": _self_assessment, "m:chk": _check, "m:help": _help}


def route(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.COMMAND:
        command, argument = event.command
        if command == "/start" and argument:
            return enrolment.handle_code_from_enrolled(ctx.uow, event, ctx.user, argument, ctx.now, ctx.tz)
        handler = COMMANDS.get(command)
        if handler is None:
            return [Reply(messages.UNKNOWN_COMMAND.format(command=command[:32])), menu.menu_reply(ctx.user)]
        return handler(ctx)
    if event.kind is Kind.BUTTON:
        if event.payload in MENU_BUTTONS:
            return MENU_BUTTONS[event.payload](ctx)
        if event.payload.startswith("sa:"):
            return _allowed(ctx, menu.SELF_ASSESSMENT_ROLES) or self_assessment.on_button(ctx)
        return _stale(ctx)
    if event.kind is Kind.DOCUMENT:
        if denied := _allowed(ctx, menu.SIGNATURE_CHECK_ROLES):
            return denied
        if ctx.flow == self_assessment.FLOW:
            return self_assessment.on_document(ctx)
        return signature_check.on_document(ctx)
    if event.kind is Kind.PHOTO:
        return [Reply(messages.SEND_PDF_NOT_PHOTO)]
    if event.kind is Kind.TEXT:
        if ctx.flow == self_assessment.FLOW:
            return self_assessment.on_text(ctx)
        if enrolment.looks_like_code(event.text):
            return enrolment.handle_code_from_enrolled(ctx.uow, event, ctx.user, event.text, ctx.now, ctx.tz)
        return [Reply(messages.UNEXPECTED_INPUT), menu.menu_reply(ctx.user)]
    return [Reply(messages.OTHER_CONTENT)]


def _stale(ctx: Ctx) -> list[Reply]:
    if ctx.flow == self_assessment.FLOW:
        return [Reply(messages.STALE_BUTTON), *self_assessment.current_screen(ctx)]
    return [Reply(messages.UNEXPECTED_INPUT), menu.menu_reply(ctx.user)]
