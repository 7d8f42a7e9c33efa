"""Async rate limiting for outbound messages: a global budget and one budget per chat.

Each limiter reserves time slots (the GCRA form of a token bucket): `acquire()` books the next free
slot before it sleeps, so concurrent senders queue fairly and the average rate is exact, not eroded
by sleep jitter. `pause()` honours a platform's "retry after" for everyone using the limiter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol

log = logging.getLogger(__name__)


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
    `hsdt.storage.send_budget`). While the database cannot book, `fallback` (this worker's share of
    the limit) paces the sends: a message is never held back for the limiter's sake."""

    def __init__(self, reserve: Callable[[], float], fallback: RateLimiter, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._reserve = reserve
        self._fallback = fallback
        self._sleep = sleep

    async def acquire(self) -> None:
        try:
            wait = await asyncio.to_thread(self._reserve)
        except Exception as error:
            log.warning("the shared send budget could not be booked (%r); pacing this worker alone", error)
            await self._fallback.acquire()
            return
        if wait > 0:
            await self._sleep(wait)
