"""One platform rate limit shared by every worker, on PostgreSQL.

A bot may send about 30 messages a second, whichever worker sends them. Each message books the next
free slot in the bot's `send_budget` row (the GCRA form of a token bucket, as `hsdt.channels.ratelimit`
does in memory), in one statement on the database's clock, so the workers' clocks never matter and
no worker coordinates with another. The row lock is held for that one statement only.

The platform counts per second, so the slots hold per second: there is no burst allowance (a bucket
that saved up slots would let more than the rate through in the second it spends them), and `rate`
slots span one second plus the margin a message may leave late (`LATE_MARGIN_S`,
`SharedRateLimiter` re-books a message later than that). Any `rate + 1` booked slots therefore span
more than a second, and so do the messages sent in them.
"""

from __future__ import annotations

from sqlalchemy import Float, bindparam, text
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

# How late after its slot a message may still leave (the event loop wakes late, the answer travels
# back); `hsdt.channels.ratelimit` re-books a message later than this.
LATE_MARGIN_S = 0.1


class SendBudgetRow(SQLModel, table=True):
    """One bot's budget: the database clock's time (epoch seconds) of its next free send slot."""

    __tablename__ = "send_budget"
    key: str = Field(primary_key=True, max_length=80)
    next_at: float


# The clock read once, after the row lock is taken: a statement that waited for the lock does not book
# a slot in the past.
_RESERVE = text("""
INSERT INTO send_budget AS b (key, next_at) VALUES (:key, extract(epoch from clock_timestamp())::float8 + :interval)
ON CONFLICT (key) DO UPDATE
SET next_at = greatest(b.next_at, extract(epoch from clock_timestamp())::float8) + :interval
RETURNING b.next_at - :interval, extract(epoch from clock_timestamp())::float8
""").bindparams(bindparam("interval", type_=Float))


class SharedSendBudget:
    """`reserve()` books one send slot of `key` at `rate_per_s`; returns the seconds to wait before sending."""

    def __init__(self, engine: Engine, key: str, rate_per_s: float) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate must be positive")
        if engine.dialect.name != "postgresql":
            raise ValueError("a shared send budget needs PostgreSQL (one process needs none)")
        self.engine = engine
        self.key = key[:80]
        # `rate` slots span one second plus the margin a message may leave after its slot.
        self.interval = (1.0 + LATE_MARGIN_S) / rate_per_s

    def book(self) -> tuple[float, float]:
        """(the slot booked, the time it was booked), on the database's clock (epoch seconds)."""
        with self.engine.begin() as conn:
            slot, now = conn.execute(_RESERVE, {"key": self.key, "interval": self.interval}).one()
        return float(slot), float(now)

    def reserve(self) -> float:
        slot, now = self.book()
        return max(0.0, slot - now)
