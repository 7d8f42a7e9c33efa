"""Narrowing for tests: a value the test expects to be there, or a failed assertion saying it is not."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, asserted not None: a row the test stored, an id given on flush, a match it expects."""
    assert value is not None
    return value
