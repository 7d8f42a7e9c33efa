"""Async rate limiting for outbound messages: a global budget and one budget per chat.

Each limiter reserves time slots (the GCRA form of a token bucket): `acquire()` books the next free
slot before it sleeps, so concurrent senders queue fairly and the average rate is exact, not eroded
by sleep jitter. `pause()` honours a platform's "retry after" for everyone using the limiter.

A platform counts messages per second (Telegram: about 30 a second per bot), so the bot's send
budget must hold in every second, not on average: no burst allowance (a bucket that saved up
`burst` slots lets `rate + burst - 1` through in one second), and slots spaced so that `rate` of them
span one second plus `LATE_MARGIN_S`. A message goes out a little after its slot (the event loop
wakes late, the database's answer travels back); one that is later than the margin books a new
slot instead of crowding the next second. So in any one-second window at most `rate` messages go.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol

from hsdt.storage.send_budget import LATE_MARGIN_S

log = logging.getLogger(__name__)

# A message that woke late this many times in a row goes anyway: the limiter never holds one back for
# good (an overloaded worker is already sending slower than its share).
MAX_REBOOKS = 3


def window_rate(rate_per_s: float) -> float:
    """The pace that keeps `rate_per_s` in every second although messages leave up to the margin late."""
    return rate_per_s / (1.0 + LATE_MARGIN_S)


class SendBudget(Protocol):
    """What a channel waits on before each message it sends (replies and the outbox alike)."""

    async def acquire(self) -> None: ...


class RateLimiter:
    def __init__(
        self,
        rate_per_s: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate_per_s
        self.burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0  # theoretical arrival time of the next message

    def reserve(self) -> float:
        """Books the next slot; returns how long to wait for it."""
        now = self._clock()
        start = max(self._next, now - (self.burst - 1) * self.interval)
        self._next = start + self.interval
        return max(0.0, start - now)

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """No slot before `seconds` from now (a 429 "retry after")."""
        self._next = max(self._next, self._clock() + seconds)

    def idle(self) -> bool:
        return self._next <= self._clock()


class KeyedRateLimiter:
    """One RateLimiter per key (a chat), created on demand and forgotten once idle."""

    def __init__(self, rate_per_s: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, max_idle_keys: int = 10_000) -> None:
        self.rate_per_s = rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._max_idle_keys = max_idle_keys
        self._limiters: dict[Hashable, RateLimiter] = {}

    def __call__(self, key: Hashable) -> RateLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            if len(self._limiters) >= self._max_idle_keys:
                self._limiters = {k: v for k, v in self._limiters.items() if not v.idle()}
            limiter = self._limiters[key] = RateLimiter(self.rate_per_s, clock=self._clock, sleep=self._sleep)
        return limiter


class SharedRateLimiter:
    """A bot's rate limit shared by every worker: each slot is booked by `reserve` (in the database,
    `hsdt.storage.send_budget`; it returns the seconds to wait). While the database cannot book,
    `fallback` (this worker's share of the limit) paces the sends: a message is never held back for
    the limiter's sake.

    The database says how long to wait from the moment its statement ran, which this process only
    knows to lie between sending the statement and reading the answer. So the message sleeps until the
    later bound (never before its slot) and goes only if it is still within `LATE_MARGIN_S` of the
    earlier one (so never more than the margin after its slot); later than that (a slow answer, a
    busy event loop), it books another slot, at most `MAX_REBOOKS` times."""

    def __init__(self, reserve: Callable[[], float], fallback: RateLimiter, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._reserve = reserve
        self._fallback = fallback
        self._sleep = sleep
        self._clock = clock

    def _book(self) -> tuple[float, float]:
        """(earliest, latest) time the booked slot can be on this process's clock."""
        asked = self._clock()
        wait = self._reserve()
        return asked + wait, self._clock() + wait

    async def acquire(self) -> None:
        for _ in range(MAX_REBOOKS + 1):
            try:
                earliest, latest = await asyncio.to_thread(self._book)
            except Exception as error:
                log.warning("the shared send budget could not be booked (%r); pacing this worker alone", error)
                await self._fallback.acquire()
                return
            wait = latest - self._clock()
            if wait > 0:
                await self._sleep(wait)
            if self._clock() - earliest <= LATE_MARGIN_S:
                return
        log.warning("a message missed %d send slots of the shared budget in a row; sent anyway", MAX_REBOOKS + 1)
