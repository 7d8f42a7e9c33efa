"""The primary key of a row read from the database, typed as set."""

from __future__ import annotations


def stored_id(row_id: int | None) -> int:
    """Table models declare `id: int | None` because a new row has none until it is flushed; a row
    that was loaded or flushed always has one."""
    assert row_id is not None, "a stored row carries its primary key"
    return row_id
