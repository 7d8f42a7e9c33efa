"""The token keeper: one OA's access token, refreshed before it expires, by one worker at a time.

Zalo's OA access token lives about 25 hours; the refresh token that renews it is single-use and
rotates (about 3 months). Every worker asks the keeper for the token (`access_token()`); when it is
due (`refresh_margin` before expiry) the keeper refreshes it under the token row's lock:

* PostgreSQL: `SELECT ... FOR UPDATE` on the OA's row, held across the OAuth call; SQLite: the
  transaction's `BEGIN IMMEDIATE` (the one writer), held the same way. The OAuth call is bounded by
  its timeout (`ZALO_OA_OAUTH_TIMEOUT_S`), so is the lock. The locked transaction runs in a worker
  thread and the OAuth call on the event loop, so database work elsewhere must stay off the loop (as
  the app's does): on SQLite a writer blocking the loop would hold the refresh up until its timeout.
* A worker that waited for the lock finds the row's `generation` moved on and uses the token the
  other worker stored: one refresh for all of them.
* The new pair is committed BEFORE the new access token is returned to anyone: a crash between
  Zalo's answer and the commit loses the pair (see below), but no message ever goes out with a
  token the database does not have.

When the refresh fails the stored access token is still used while it lasts (the refresh started
`refresh_margin` early), and the failure is a typed state on the row (`TokenState`), which
`status()` reports and the app alerts on:

* `REFRESH_REFUSED`: Zalo refused the refresh token (used, expired, revoked). Only the OA admin can
  fix it: connect the OA again (`authorization_request` + `connect`).
* `REFRESH_UNCERTAIN`: no answer. Zalo may have rotated the pair and the answer been lost; then the
  old refresh token is spent and the next attempt (after `retry_after`) is refused, which turns the
  state into `REFRESH_REFUSED`. Zalo offers no way to recover a lost answer, so a lost refresh costs
  a reconnection once the current access token expires.

No token ever appears in a log line: the keeper registers every token it handles with the log
redaction filter, and its own messages name only the OA and the generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from hsdt.channels.zalo_oa.errors import OAuthRefused, OAuthUnavailable, ZaloOAError
from hsdt.channels.zalo_oa.oauth import TokenGrant, ZaloOAuthClient
from hsdt.channels.zalo_oa.settings import ZaloOASettings
from hsdt.redaction import redact_secrets
from hsdt.storage.db import read_only
from hsdt.storage.tenancy import current_tenant
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import tenant_session
from hsdt.storage.zalo_oa_models import TokenState, ZaloOAToken
from hsdt.storage.zalo_oa_repository import ZaloOARepository

log = logging.getLogger(__name__)


class TokenUnavailable(ZaloOAError):
    """No usable access token: the OA is not connected, or the token expired and could not be
    refreshed (`state` says why)."""

    def __init__(self, oa_id: str, state: TokenState | None, detail: str = "") -> None:
        what = "not connected" if state is None else state.value
        super().__init__(f"no access token for OA {oa_id}: {what}{' (' + detail + ')' if detail else ''}")
        self.oa_id = oa_id
        self.state = state


@dataclass(frozen=True)
class TokenStatus:
    """What `hsdt status` and the operators' alert need to know about one OA's tokens."""

    oa_id: str
    connected: bool
    state: TokenState | None = None
    detail: str | None = None
    since: datetime | None = None
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    generation: int = 0

    @property
    def needs_operator(self) -> bool:
        """Only a person can fix it: connect the OA (again)."""
        return not self.connected or self.state is TokenState.REFRESH_REFUSED


@dataclass(frozen=True)
class _Outcome:
    access_token: str | None = field(repr=False)
    access_expires_at: datetime | None
    state: TokenState | None
    detail: str = ""


class OATokenKeeper:
    def __init__(self, engine: Engine, oauth: ZaloOAuthClient, oa_id: str, *,
                 clock: Callable[[], datetime] = utcnow, refresh_margin: timedelta = timedelta(minutes=30),
                 retry_after: timedelta = timedelta(minutes=10), tenant: int | None = None) -> None:
        self.engine = engine
        # The Sở the OA belongs to: its rows are that tenant's.
        self.tenant = current_tenant() if tenant is None else tenant
        self.oauth = oauth
        self.oa_id = oa_id
        self.clock = clock
        self.refresh_margin = refresh_margin
        self.retry_after = retry_after
        # One refresh at a time in this process; the row lock orders the processes.
        self._lock = asyncio.Lock()
        # The token this process last read or stored, used without a database read until it is due.
        self._cached: _Outcome | None = None

    @classmethod
    def from_settings(cls, engine: Engine, oauth: ZaloOAuthClient, settings: ZaloOASettings, *,
                      clock: Callable[[], datetime] = utcnow, tenant: int | None = None) -> OATokenKeeper:
        if not settings.oa_id:
            raise ValueError("ZALO_OA_OA_ID is needed")
        return cls(engine, oauth, settings.oa_id, clock=clock, tenant=tenant,
                   refresh_margin=timedelta(seconds=settings.refresh_margin_s),
                   retry_after=timedelta(seconds=settings.refresh_retry_s))

    # --- reading ----------------------------------------------------------------------------------------

    def _load(self) -> ZaloOAToken | None:
        with tenant_session(read_only(self.engine), self.tenant, expire_on_commit=False) as session:
            row = ZaloOARepository(session).token(self.oa_id)
            if row is not None:
                redact_secrets(row.access_token, row.refresh_token)
            return row

    def status(self) -> TokenStatus:
        row = self._load()
        if row is None:
            return TokenStatus(self.oa_id, connected=False)
        return TokenStatus(self.oa_id, True, TokenState(row.state), row.state_detail, row.state_at,
                           row.access_expires_at, row.refresh_expires_at, row.generation)

    # --- what the client calls (hsdt.channels.zalo_oa.client.TokenSource) ---------------------------------

    async def access_token(self) -> str:
        cached = self._cached
        if (cached is not None and cached.access_token and cached.access_expires_at is not None
                and cached.access_expires_at - self.clock() > self.refresh_margin):
            return cached.access_token
        row = await asyncio.to_thread(self._load)
        if row is None:
            raise TokenUnavailable(self.oa_id, None)
        if row.access_expires_at - self.clock() > self.refresh_margin:
            self._cached = _Outcome(row.access_token, row.access_expires_at, TokenState(row.state))
            return row.access_token
        return await self._refresh(row.generation, force=False)

    async def token_rejected(self, token: str) -> None:
        """Zalo refused `token` before its time (revoked, replaced by another worker's refresh, or
        the clocks disagree): use the stored one if another worker replaced it, else refresh now."""
        if self._cached is not None and self._cached.access_token == token:
            self._cached = None
        row = await asyncio.to_thread(self._load)
        if row is None or row.access_token != token:
            return
        try:
            await self._refresh(row.generation, force=True)
        except TokenUnavailable:
            return

    async def refresh_if_due(self) -> TokenStatus:
        """For a periodic job (hourly, say): keeps the pair fresh while no message needs a token, so
        the refresh token never ages out on a quiet OA."""
        with contextlib.suppress(TokenUnavailable):
            await self.access_token()
        return await asyncio.to_thread(self.status)

    # --- connecting ------------------------------------------------------------------------------------

    async def connect(self, code: str, code_verifier: str) -> TokenStatus:
        """The first pair (or a new one after a refused refresh), from the OA admin's authorisation."""
        grant = await self.oauth.exchange_code(code, code_verifier)
        redact_secrets(grant.access_token, grant.refresh_token)
        await asyncio.to_thread(self._store, grant)
        self._cached = None
        log.info("zalo oa: OA %s connected", self.oa_id)
        return await asyncio.to_thread(self.status)

    def _store(self, grant: TokenGrant) -> None:
        with tenant_session(self.engine, self.tenant, expire_on_commit=False) as session, session.begin():
            repo = ZaloOARepository(session)
            repo.lock_token(self.oa_id)
            repo.store_grant(self.oa_id, self.oauth.app_id, grant.access_token, grant.refresh_token,
                             grant.expires_in_s, self.clock())

    # --- refreshing --------------------------------------------------------------------------------------

    async def _refresh(self, seen_generation: int, *, force: bool) -> str:
        async with self._lock:
            loop = asyncio.get_running_loop()
            outcome = await asyncio.to_thread(self._refresh_locked, seen_generation, force, loop)
        # A failed refresh is not cached: the next call looks at the row (and retries when due).
        self._cached = outcome if outcome.state is TokenState.OK else None
        if outcome.state is None:
            raise TokenUnavailable(self.oa_id, None)
        if (outcome.access_token is None or outcome.access_expires_at is None
                or outcome.access_expires_at <= self.clock()):
            raise TokenUnavailable(self.oa_id, outcome.state, outcome.detail)
        return outcome.access_token

    def _refresh_locked(self, seen_generation: int, force: bool, loop: asyncio.AbstractEventLoop) -> _Outcome:
        """Runs in a worker thread: the transaction holds the row lock while the OAuth call runs on
        the event loop, and commits the new pair before anything uses it."""
        with tenant_session(self.engine, self.tenant, expire_on_commit=False) as session, session.begin():
            repo = ZaloOARepository(session)
            row = repo.lock_token(self.oa_id)
            if row is None:
                return _Outcome(None, None, None)
            now = self.clock()
            current = _Outcome(row.access_token, row.access_expires_at, TokenState(row.state), row.state_detail or "")
            if row.generation != seen_generation:
                return current  # another worker refreshed while this one waited for the lock
            if not force and row.access_expires_at - now > self.refresh_margin:
                return current
            if row.state != TokenState.OK.value and now - row.state_at < self.retry_after:
                return current  # failed a moment ago: do not hammer Zalo
            grant, state, detail = self._call_refresh(row.refresh_token, loop)
            if grant is None:
                repo.mark_state(self.oa_id, state, detail, now)
                log.error("zalo oa: refreshing the token of OA %s failed (%s: %s)", self.oa_id, state.value, detail)
                return _Outcome(row.access_token, row.access_expires_at, state, detail)
            redact_secrets(grant.access_token, grant.refresh_token)
            stored = repo.store_grant(self.oa_id, row.app_id, grant.access_token, grant.refresh_token,
                                      grant.expires_in_s, now)
            outcome = _Outcome(stored.access_token, stored.access_expires_at, TokenState.OK)
        # Committed: only now may anyone use the new access token.
        log.info("zalo oa: token of OA %s refreshed (generation %d)", self.oa_id, seen_generation + 1)
        return outcome

    def _call_refresh(self, refresh_token: str,
                      loop: asyncio.AbstractEventLoop) -> tuple[TokenGrant | None, TokenState, str]:
        future = asyncio.run_coroutine_threadsafe(self.oauth.refresh(refresh_token), loop)
        try:
            return future.result(timeout=self.oauth.timeout_s + 5), TokenState.OK, ""
        except OAuthRefused as refused:
            return None, TokenState.REFRESH_REFUSED, f"{refused.code} {refused.name}"
        except OAuthUnavailable as error:
            return None, TokenState.REFRESH_UNCERTAIN, str(error)
        except FutureTimeout:
            future.cancel()
            return None, TokenState.REFRESH_UNCERTAIN, "no answer in time"
