"""The garbage collector of a long-running worker, set once its start-up is done.

Start-up leaves some 300,000 long-lived objects (aiogram's and the tables' pydantic models, SQLAlchemy's
mappers, the rubric). CPython's collector walks all of them at every full collection and part of them
more often: in a worker answering principals that was 15% of its CPU (measured, `bench/bench_e2e.py`).
`gc.freeze()` moves what exists after start-up out of the collector's sight (it stays alive, as it would
have anyway); a larger first threshold collects the young objects of many events at once instead of
every 700 allocations. Cycles made from then on are still collected.
"""

from __future__ import annotations

import gc

# Allocations of container objects between two collections of the youngest generation (CPython: 700).
YOUNG_THRESHOLD = 10_000


def settle_after_startup() -> None:
    gc.collect()  # start-up's own garbage goes first: what is frozen is never collected
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
