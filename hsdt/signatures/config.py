"""Limits and the record period; plain data, cheap to import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class VerifyLimits:
    timeout_s: float = 20.0
    memory_mb: int = 512
    max_bytes: int = 20 * 1024 * 1024
    # CPU seconds a worker may spend on one file; a backstop behind the wall-clock timeout.
    cpu_s: int = 30
    # Open files: the PDF, the trust roots one at a time, pipes, and a few sockets when online.
    max_open_files: int = 64


@dataclass(frozen=True)
class RecordPeriod:
    start: date
    end: date
    tz: str = DEFAULT_TZ

    @classmethod
    def default(cls) -> RecordPeriod:
        # The inspection plan covers the records of September to December 2024.
        return cls(start=date(2024, 9, 1), end=date(2024, 12, 31))

    @classmethod
    def parse(cls, text: str, tz: str = DEFAULT_TZ) -> RecordPeriod:
        """Parse ``YYYY-MM-DD:YYYY-MM-DD``; raises ValueError when malformed or reversed."""
        first, sep, second = text.partition(":")
        if not sep:
            raise ValueError(f"period must look like YYYY-MM-DD:YYYY-MM-DD, got {text!r}")
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(second.strip())
        if end < start:
            raise ValueError("period end is before its start")
        return cls(start=start, end=end, tz=tz)

    def contains(self, moment: datetime) -> bool:
        # Both ends are inclusive whole local days, so compare local calendar dates.
        local_day = moment.astimezone(ZoneInfo(self.tz)).date()
        return self.start <= local_day <= self.end

    def to_wire(self) -> list[str]:
        return [self.start.isoformat(), self.end.isoformat(), self.tz]

    @classmethod
    def from_wire(cls, data: list[str]) -> RecordPeriod:
        return cls(start=date.fromisoformat(data[0]), end=date.fromisoformat(data[1]), tz=data[2])
