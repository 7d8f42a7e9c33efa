"""The people the Sở's Zalo OA could not reach, on the overview: the Sở sees them all, a district its own
schools', a school none; each with the phone number to call, until they write to the OA again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine

from hsdt.handlers.dispatcher import Dispatcher
from hsdt.storage.models import ChatIdentity, OutboxMessage, User
from hsdt.storage.unit_of_work import UnitOfWork, tenant_session
from hsdt.storage.zalo_oa_models import ZaloOAUser
from hsdt.storage.zalo_oa_repository import ZaloOARepository
from hsdt.texts import dashboard as t
from hsdt.web.dashboard.auth import SignInLinks
from tests.dashboard.support import COOKIE, person, sign_in
from tests.helpers import Clock, WebClient

OA_USER = "7311052904863791234"  # Zalo ids pass 2^53: text
PHONE = "0912 345 678"


def _unreached_on_the_oa(engine: Engine, clock: Clock, code: str) -> None:
    """The user chats only on the OA, which never heard from them: the reminder was given up."""
    with UnitOfWork(engine) as uow:
        user = uow.users.by_code(code)
        assert user is not None and user.id is not None
        uow.session.execute(update(User).where(User.id == user.id).values(phone=PHONE))  # type: ignore[arg-type]
        uow.session.add(ChatIdentity(channel="zalo_oa", external_id=OA_USER, user_id=user.id))
        uow.outbox.enqueue(user.id, [{"text": "⏰ Nhắc việc.", "buttons": []}], kind="reminder", dedupe_key="r-1")
    with tenant_session(engine) as session, session.begin():
        session.execute(update(OutboxMessage).values(failed_at=clock(), attempts=1,
                                                     last_error="refused by every chat of the user"))


async def _overview(client: WebClient, token: str) -> str:
    response = await client.get("/bang-dieu-khien/", cookies={COOKIE: token})
    assert response.status == 200
    return await response.text()


async def test_unreachable_oa_users_are_listed_per_school_for_staff_to_phone(
    client: WebClient, wired: tuple[Dispatcher, SignInLinks], city: dict[str, str], engine: Engine, clock: Clock,
) -> None:
    so = await sign_in(client, person(wired[0], city, "SO-01"))
    district = await sign_in(client, person(wired[0], city, "PGD-HB-01"))
    other_district = await sign_in(client, person(wired[0], city, "PGD-TN-01"))
    assert t.UNREACHABLE_TITLE not in await _overview(client, so)
    principal = person(wired[0], city, "HT-HOASEN")
    school = await sign_in(client, principal)
    _unreached_on_the_oa(engine, clock, "HT-HOASEN")
    for token in (so, district):
        page = await _overview(client, token)
        assert t.UNREACHABLE_TITLE in page
        table = page.split('id="unreachable"', 1)[1].split("</table>", 1)[0]
        assert "Hoa Sen" in table and PHONE in table and f'href="tel:{PHONE}"' in table
        assert table.count("<tr>") == 2  # the heading and the one person
    assert t.UNREACHABLE_TITLE not in await _overview(client, other_district)
    assert t.UNREACHABLE_TITLE not in await _overview(client, school)
    # Once they write to the OA, its windows are open again: no one to phone.
    clock.advance(minutes=5)
    with tenant_session(engine) as session, session.begin():
        ZaloOARepository(session).record_interaction("4100000000000000001", OA_USER, clock())
    assert t.UNREACHABLE_TITLE not in await _overview(client, so)
    with tenant_session(engine) as session, session.begin():
        session.execute(update(ZaloOAUser).values(last_interaction_at=clock() - timedelta(days=1)))
    assert t.UNREACHABLE_TITLE in await _overview(client, so)  # heard from before the failure: still unreached
