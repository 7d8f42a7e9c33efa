"""Aggregation across schools (district and city summaries).

Per the Sở's plan, a district office's rating for leading this work is the arithmetic mean of the
scores of the preschools under it that use electronic records and digital signatures. Only the
mean itself lives here for now; the district/city roll-ups come later.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal

from hsdt.scoring.score import quantize_points

__all__ = ["mean_score"]


def mean_score(values: Iterable[float]) -> float | None:
    """Arithmetic mean of school totals, rounded to 2 decimals (half up); ``None`` for no values.

    The caller chooses which schools count (those that use e-records and digital signatures);
    pass their totals, e.g. ``SchoolScore.total``. Use ``band_for`` to rate the mean.
    Raises ValueError for a non-finite value.
    """
    total = Decimal(0)
    count = 0
    for value in values:
        if isinstance(value, bool) or not math.isfinite(value):
            raise ValueError(f"cannot average {value!r}")
        total += Decimal(str(value))
        count += 1
    if count == 0:
        return None
    return float(quantize_points(total / count))
