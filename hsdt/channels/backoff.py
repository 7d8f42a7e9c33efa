"""A growing, jittered delay between retries."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first_s: float = 0.5
    max_s: float = 30.0

    def delays(self) -> AsyncIterator[float]:
        return _delays(self)


async def _delays(policy: Backoff) -> AsyncIterator[float]:
    delay = policy.first_s
    while True:
        # Jitter, so chats that failed together do not all retry in the same instant.
        yield delay * random.uniform(0.8, 1.2)
        delay = min(policy.max_s, delay * 2)
