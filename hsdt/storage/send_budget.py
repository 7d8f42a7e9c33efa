"""One platform rate limit shared by every worker, on PostgreSQL.

A bot may send about 30 messages a second, whichever worker sends them. Each message books the next
free slot in the bot's `send_budget` row (the GCRA form of a token bucket, as `hsdt.channels.ratelimit`
does in memory), in one statement on the database's clock, so the workers' clocks never matter and
no worker coordinates with another. The row lock is held for that one statement only.
"""

from __future__ import annotations

from sqlalchemy import Float, bindparam, text
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel


class SendBudgetRow(SQLModel, table=True):
    """One bot's budget: the database clock's time (epoch seconds) of its next free send slot."""

    __tablename__ = "send_budget"
    key: str = Field(primary_key=True, max_length=80)
    next_at: float


_NOW = "extract(epoch from clock_timestamp())::float8"
_RESERVE = text(f"""
INSERT INTO send_budget AS b (key, next_at) VALUES (:key, {_NOW} + :interval)
ON CONFLICT (key) DO UPDATE SET next_at = greatest(b.next_at, {_NOW} - :slack) + :interval
RETURNING b.next_at - :interval - {_NOW}
""").bindparams(bindparam("interval", type_=Float), bindparam("slack", type_=Float))


class SharedSendBudget:
    """`reserve()` books one send slot of `key` at `rate_per_s` (bursts of `burst`); returns the seconds
    to wait before sending."""

    def __init__(self, engine: Engine, key: str, rate_per_s: float, burst: int = 1) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate must be positive")
        if engine.dialect.name != "postgresql":
            raise ValueError("a shared send budget needs PostgreSQL (one process needs none)")
        self.engine = engine
        self.key = key[:80]
        self.interval = 1.0 / rate_per_s
        self.slack = (max(1, burst) - 1) * self.interval

    def reserve(self) -> float:
        with self.engine.begin() as conn:
            wait = conn.execute(_RESERVE, {"key": self.key, "interval": self.interval,
                                           "slack": self.slack}).scalar_one()
        return max(0.0, float(wait))
