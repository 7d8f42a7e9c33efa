"""A value read at most once per period, for pages whose reading costs more than their staleness does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


class Recent(Generic[T]):
    """The value last read, while it is younger than `period`; else read again. Callers arriving while it
    is read (pages are rendered in worker threads) wait for that reading instead of starting their own."""

    def __init__(self, period: timedelta, clock: Callable[[], datetime]) -> None:
        self.period = period
        self.clock = clock
        self._lock = threading.Lock()
        self._read: tuple[datetime, T] | None = None

    def get(self, read: Callable[[], T]) -> T:
        with self._lock:
            now = self.clock()
            if self._read is not None and now - self._read[0] < self.period:
                return self._read[1]
            value = read()
            self._read = (now, value)
            return value
