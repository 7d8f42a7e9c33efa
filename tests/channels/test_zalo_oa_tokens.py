"""The OA token keeper against the fake platform, on SQLite and PostgreSQL: refreshes before expiry,
once for all workers, commits the new pair before using it, and reports a refresh it could not make."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from hsdt.channels.zalo_oa.client import ZaloOAClient
from hsdt.channels.zalo_oa.oauth import ZaloOAuthClient
from hsdt.channels.zalo_oa.tokens import OATokenKeeper, TokenUnavailable
from hsdt.redaction import MASK, redact_secrets
from hsdt.storage.unit_of_work import tenant_session
from hsdt.storage.zalo_oa_models import TokenState
from hsdt.storage.zalo_oa_repository import ZaloOARepository
from tests.channels.zalo_oa_support import approved_code, oa_platform
from tests.fakes.zalo_oa_server import FakeZaloOAServer
from tests.helpers import Clock


@pytest.fixture
async def platform(clock: Clock) -> AsyncIterator[tuple[FakeZaloOAServer, ZaloOAuthClient]]:
    async with oa_platform(clock) as pair:
        yield pair


def _keeper(engine: Engine, oauth: ZaloOAuthClient, fake: FakeZaloOAServer, clock: Clock) -> OATokenKeeper:
    return OATokenKeeper(engine, oauth, fake.oa_id, clock=clock, refresh_margin=timedelta(minutes=30),
                         retry_after=timedelta(minutes=10))


async def _connected_keeper(engine: Engine, platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                            clock: Clock) -> OATokenKeeper:
    fake, oauth = platform
    keeper = _keeper(engine, oauth, fake, clock)
    await keeper.connect(*approved_code(fake, oauth))
    return keeper


def _stored_access_token(engine: Engine, oa_id: str) -> str | None:
    with tenant_session(engine) as session:
        row = ZaloOARepository(session).token(oa_id)
        return row.access_token if row else None


async def test_connect_then_use_without_refreshing(engine: Engine, platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                                   clock: Clock) -> None:
    fake, oauth = platform
    keeper = _keeper(engine, oauth, fake, clock)
    assert keeper.status().needs_operator and not keeper.status().connected
    with pytest.raises(TokenUnavailable) as missing:
        await keeper.access_token()
    assert missing.value.state is None
    status = await keeper.connect(*approved_code(fake, oauth))
    assert (status.state, status.generation, status.needs_operator) == (TokenState.OK, 1, False)
    assert status.access_expires_at == clock.now + timedelta(hours=25)
    token = await keeper.access_token()
    assert fake.access_token_is_live(token)
    clock.advance(hours=24, minutes=29)  # 31 minutes left: not due yet
    assert await keeper.access_token() == token and fake.refresh_calls == []


async def test_three_workers_refresh_once_after_26_hours(engine: Engine,
                                                         platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                                         clock: Clock) -> None:
    fake, oauth = platform
    first = await _connected_keeper(engine, platform, clock)
    old = await first.access_token()
    clock.advance(hours=26)
    assert not fake.access_token_is_live(old)
    # Three workers, each with its own keeper (its own in-process lock): only the row lock orders them.
    workers = [_keeper(engine, oauth, fake, clock) for _ in range(3)]
    presented: list[tuple[str, str | None]] = []
    fake.on_api_call = lambda token: presented.append((token, _stored_access_token(engine, fake.oa_id)))
    tokens = await asyncio.gather(*(worker.access_token() for worker in workers))
    assert len(fake.refresh_calls) == 1
    assert len(set(tokens)) == 1 and tokens[0] != old and fake.access_token_is_live(tokens[0])
    assert all(worker.status().generation == 2 for worker in workers)
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    async with ZaloOAClient(workers[2], fake.base_url) as client:
        await client.send_text(user.user_id, "Sau 26 giờ")
    # The database held the new token when Zalo first saw it in use.
    assert presented == [(tokens[0], tokens[0])]


async def test_a_crash_between_the_answer_and_the_commit_never_uses_the_new_token(
        engine: Engine, platform: tuple[FakeZaloOAServer, ZaloOAuthClient], clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, _ = platform
    keeper = await _connected_keeper(engine, platform, clock)
    old = await keeper.access_token()
    clock.advance(hours=26)

    def database_gone(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database connection dropped")

    monkeypatch.setattr(ZaloOARepository, "store_grant", database_gone)
    with pytest.raises(RuntimeError):
        await keeper.access_token()
    monkeypatch.undo()
    # Zalo rotated, the pair was never stored, nothing was sent with it; the old pair is still stored.
    assert len(fake.refresh_calls) == 1 and fake.calls == []
    assert _stored_access_token(engine, fake.oa_id) == old and keeper.status().generation == 1
    # The stored refresh token is spent: only a new authorisation helps (reported, not hidden).
    with pytest.raises(TokenUnavailable) as lost:
        await keeper.access_token()
    assert lost.value.state is TokenState.REFRESH_REFUSED and keeper.status().needs_operator


async def test_a_lost_refresh_answer(engine: Engine, platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                     clock: Clock) -> None:
    """Zalo rotated the pair but its answer was lost: the old access token serves until it expires,
    the next refresh is refused (the old refresh token is spent), the operators are told, and only a
    new authorisation by the OA admin brings the OA back."""
    fake, oauth = platform
    keeper = await _connected_keeper(engine, platform, clock)
    old = await keeper.access_token()
    assert fake.refresh_calls == []
    clock.advance(hours=24, minutes=45)  # due (15 minutes left)
    fake.lose_next_refresh_response()
    assert await keeper.access_token() == old
    status = keeper.status()
    assert (status.state, status.needs_operator, status.generation) == (TokenState.REFRESH_UNCERTAIN, False, 1)
    assert len(fake.refresh_calls) == 1
    assert await keeper.access_token() == old and len(fake.refresh_calls) == 1  # no hammering
    clock.advance(minutes=11)
    assert await keeper.access_token() == old  # refused now, but the old token has 4 minutes left
    assert len(fake.refresh_calls) == 2 and fake.refresh_calls[0] == fake.refresh_calls[1]
    status = keeper.status()
    assert status.state is TokenState.REFRESH_REFUSED and status.needs_operator
    assert status.detail is not None and "Invalid refresh token" in status.detail
    clock.advance(minutes=5)
    with pytest.raises(TokenUnavailable) as expired:
        await keeper.access_token()
    assert expired.value.state is TokenState.REFRESH_REFUSED
    status = await keeper.connect(*approved_code(fake, oauth))
    assert (status.state, status.generation, status.needs_operator) == (TokenState.OK, 2, False)
    assert fake.access_token_is_live(await keeper.access_token())


async def test_a_refused_refresh_is_a_state_to_alert_on(engine: Engine,
                                                        platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                                        clock: Clock) -> None:
    fake, _ = platform
    keeper = await _connected_keeper(engine, platform, clock)
    fake.revoke_refresh_tokens()
    clock.advance(hours=26)
    with pytest.raises(TokenUnavailable) as refused:
        await keeper.access_token()
    assert refused.value.state is TokenState.REFRESH_REFUSED
    status = await keeper.refresh_if_due()
    assert status.needs_operator and status.since == clock.now and len(fake.refresh_calls) == 1


async def test_zalo_refusing_the_token_early_refreshes_it(engine: Engine,
                                                          platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                                          clock: Clock) -> None:
    fake, _ = platform
    keeper = await _connected_keeper(engine, platform, clock)
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    fake.expire_access_tokens()
    async with ZaloOAClient(keeper, fake.base_url) as client:
        await client.send_text(user.user_id, "Đã làm mới")
    assert len(fake.refresh_calls) == 1 and keeper.status().generation == 2
    assert [m.text for m in fake.messages(user)] == ["Đã làm mới"]


async def test_a_worker_holding_a_replaced_token_takes_the_new_one(
        engine: Engine, platform: tuple[FakeZaloOAServer, ZaloOAuthClient], clock: Clock) -> None:
    """Each keeper keeps its token in memory until it is due; if another worker's early refresh ended
    it (should Zalo end old tokens), Zalo's -216 makes the keeper take the stored one, not refresh."""
    fake, oauth = platform
    fake.refresh_ends_old_access_token = True
    first = await _connected_keeper(engine, platform, clock)
    second = _keeper(engine, oauth, fake, clock)
    held = await second.access_token()
    await first.token_rejected(held)  # Zalo refused it to the first worker: refreshed early
    assert len(fake.refresh_calls) == 1 and not fake.access_token_is_live(held)
    user = fake.add_user()
    fake.user_sends_text(user, "chào")
    async with ZaloOAClient(second, fake.base_url) as client:
        await client.send_text(user.user_id, "Vẫn đến nơi")
    assert fake.refused == [("/v3.0/oa/message/cs", -216)] and len(fake.refresh_calls) == 1
    assert [m.text for m in fake.messages(user)] == ["Vẫn đến nơi"]
    assert await second.access_token() == _stored_access_token(engine, fake.oa_id)


async def test_periodic_refresh_keeps_a_quiet_oa_fresh(engine: Engine,
                                                       platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                                       clock: Clock) -> None:
    fake, _ = platform
    keeper = await _connected_keeper(engine, platform, clock)
    clock.advance(hours=1)
    assert (await keeper.refresh_if_due()).generation == 1
    for day in range(1, 4):
        clock.advance(hours=24, minutes=40)  # an hourly job sees each token inside its last 30 minutes
        status = await keeper.refresh_if_due()
        assert (status.generation, status.state) == (day + 1, TokenState.OK)
    assert len(fake.refresh_calls) == 3 and status.refresh_expires_at == clock.now + timedelta(days=90)


async def test_no_token_reaches_a_log_line(engine: Engine, platform: tuple[FakeZaloOAServer, ZaloOAuthClient],
                                           clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    fake, _ = platform
    caplog.set_level(logging.DEBUG)
    keeper = await _connected_keeper(engine, platform, clock)
    clock.advance(hours=26)
    token = await keeper.access_token()
    fake.revoke_refresh_tokens()
    clock.advance(hours=26)
    with pytest.raises(TokenUnavailable):
        await keeper.access_token()
    issued = [*fake.refresh_calls, token]
    assert caplog.records and not any(secret in caplog.text for secret in issued)
    # And a line that quoted one anyway would be scrubbed by the process-wide filter.
    assert redact_secrets().scrub(f"calling with {token}") == f"calling with {MASK}"
