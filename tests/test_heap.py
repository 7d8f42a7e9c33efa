"""A worker's garbage collector once its start-up is done (`hsdt.app.heap`)."""

from __future__ import annotations

import gc

from hsdt.app.heap import YOUNG_THRESHOLD, settle_after_startup


def test_a_worker_freezes_its_start_up_heap() -> None:
    before = gc.get_threshold()
    try:
        settle_after_startup()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
