"""`/lienket`: one person on Telegram and Zalo. The code is a short-lived, single-use invite for the same
user, so the other chat joins through the ordinary enrolment path and both identities share one user
(and therefore one conversation state)."""

from __future__ import annotations

from datetime import timedelta

from hsdt.events import Reply
from hsdt.handlers.context import Ctx
from hsdt.handlers.feature import Feature
from hsdt.services.invites import new_code
from hsdt.storage.models import InviteCode, Role
from hsdt.texts import channels as texts

LINK_CODE_TTL = timedelta(minutes=10)


def issue_link_code(ctx: Ctx) -> list[Reply]:
    code = new_code()
    assert ctx.user.id is not None
    ctx.uow.invites.add(InviteCode(code=code, user_id=ctx.user.id, expires_at=ctx.now + LINK_CODE_TTL))
    shown = f"{code[:5]}-{code[5:]}"
    minutes = int(LINK_CODE_TTL.total_seconds() // 60)
    return [Reply(texts.LINK_CODE.format(code=shown, minutes=minutes, name=ctx.user.full_name))]


feature = Feature(
    name="account_link",
    roles=(Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF),
    commands={"/lienket": issue_link_code},
    command_help=(("lienket", texts.CMD_LINK),),
)
