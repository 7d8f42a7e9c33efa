"""Table models made from Core rows, for the few reads on every event where the ORM's loading costs
as much as the query.

`RowModels(User).build(values)` makes a `User` the way the ORM's loading does (the mapper's new
instance, its attributes set in its `__dict__`), without a session: no identity map, no compile state
per statement. The instance belongs to no session: code reads it and never adds it to one (a session
would take it for a new row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Column, inspect
from sqlmodel import SQLModel

M = TypeVar("M", bound=SQLModel)


class RowModels(Generic[M]):
    """Builds `model` instances from values in the order of `columns` (the model's table columns)."""

    def __init__(self, model: type[M]) -> None:
        mapper = inspect(model)
        self.columns: tuple[Column[Any], ...] = tuple(mapper.local_table.columns)
        self._keys = tuple(mapper.get_property_by_column(column).key for column in self.columns)
        self._new = mapper.class_manager.new_instance
        # Where the primary key is among the values: None there means no row (an outer join's empty side).
        self.id_at = next(i for i, column in enumerate(self.columns) if column.primary_key)

    def build(self, values: Sequence[Any]) -> M:
        instance = self._new()
        instance.__dict__.update(zip(self._keys, values, strict=True))
        return cast(M, instance)
