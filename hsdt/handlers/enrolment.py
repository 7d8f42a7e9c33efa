"""Joining with a one-time invite code: binds a chat identity to a user, role and unit."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from hsdt import texts as messages
from hsdt.events import Incoming, Kind, Reply
from hsdt.handlers.context import Ctx
from hsdt.services.invites import CODE_ALPHABET, CODE_LENGTH
from hsdt.storage.models import User
from hsdt.storage.unit_of_work import UnitOfWork

_CODE_SHAPE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def normalise_code(text: str) -> str:
    return re.sub(r"[\s\-_.]", "", text).upper()


def looks_like_code(text: str) -> bool:
    return bool(_CODE_SHAPE.match(normalise_code(text)))


def describe(uow: UnitOfWork, user: User) -> dict[str, str]:
    unit = uow.units.get(user.unit_id)
    # The levels of a campaign the user's unit takes part in (the newest, when several).
    own = uow.campaigns.active_of_unit(user.unit_id)
    levels = uow.levels.of_campaign(own[0].id) if own else uow.levels.of_active()
    return {
        "name": user.full_name,
        "role": messages.role_name(user.role, levels),
        "unit": unit.name if unit is not None else "",
    }


MenuFor = Callable[[User], Reply]


def redeem(
    uow: UnitOfWork, event: Incoming, raw_code: str, now: datetime, tz: ZoneInfo, menu_for: MenuFor
) -> list[Reply]:
    code = normalise_code(raw_code)
    invite = uow.invites.get(code)
    if invite is None:
        return [Reply(messages.INVITE_NOT_FOUND.format(code=raw_code.strip()[:20]))]
    if invite.used_at is not None:
        return [Reply(messages.INVITE_USED)]
    if invite.expires_at <= now:
        expires = invite.expires_at.astimezone(tz).strftime("%d/%m/%Y")
        return [Reply(messages.INVITE_EXPIRED.format(expires=expires))]
    user = uow.users.get(invite.user_id)
    assert user is not None
    identity = uow.identities.bind(event.channel, event.user_ref, invite.user_id, event.display_name)
    invite.used_at = now
    invite.used_by_identity_id = identity.id
    uow.session.add(invite)
    return [Reply(messages.ENROLLED.format(**describe(uow, user))), menu_for(user)]


def handle_anonymous(
    uow: UnitOfWork, event: Incoming, now: datetime, tz: ZoneInfo, menu_for: MenuFor
) -> list[Reply]:
    command, argument = event.command
    if command == "/start" and argument:
        return redeem(uow, event, argument, now, tz, menu_for)
    if event.kind is Kind.TEXT and event.text.strip():
        text = event.text.strip()
        if looks_like_code(text) or len(normalise_code(text)) == CODE_LENGTH:
            return redeem(uow, event, text, now, tz, menu_for)
    if command in ("", "/start", "/help", "/menu", "/huongdan", "/danhmuc"):
        return [Reply(messages.WELCOME_ANONYMOUS)]
    return [Reply(messages.NEED_INVITE_FIRST), Reply(messages.WELCOME_ANONYMOUS)]


def handle_code_from_enrolled(ctx: Ctx, menu_for: MenuFor, raw_code: str) -> list[Reply]:
    """An enrolled user sends a code: the same person again, or a new account on this chat."""
    invite = ctx.uow.invites.get(normalise_code(raw_code))
    if invite is not None and invite.user_id == ctx.user.id and invite.used_at is not None:
        return [Reply(messages.ALREADY_ENROLLED.format(**describe(ctx.uow, ctx.user)))]
    return redeem(ctx.uow, ctx.event, raw_code, ctx.now, ctx.tz, menu_for)
