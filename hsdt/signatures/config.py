"""Limits and the record period; plain data, cheap to import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
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
class Revocation:
    """How the certificates' status (suspended, revoked) is checked beyond what the file carries.

    ``online``: ask the CA's OCSP responder or CRL server named in the certificate. Answers are kept
    per certificate until their nextUpdate, in each worker's memory and, when ``cache_dir`` is set,
    on disk, shared by every worker and by later runs. A server that does not answer within
    ``timeout_s`` leaves the status unchecked (and is not asked again for a few minutes).
    """

    online: bool = True
    timeout_s: float = 3.0
    cache_dir: Path | None = None

    def to_argv(self) -> list[str]:
        return ["online" if self.online else "offline", str(self.timeout_s), str(self.cache_dir or "")]

    @classmethod
    def from_argv(cls, argv: list[str]) -> Revocation:
        online = (argv[0] if argv else "online") == "online"
        timeout = float(argv[1]) if len(argv) > 1 else cls.timeout_s
        cache_dir = Path(argv[2]) if len(argv) > 2 and argv[2] else None
        return cls(online=online, timeout_s=timeout, cache_dir=cache_dir)


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
