"""An inspector's points as typed: the number, and what follows it as the comment; and when points need one.

``"5,5"``, ``"5.5"``, ``"8 - Kiểm tra thực tế: 16/20"``, ``"3 Chỉ 3 danh mục"``: the points first (a
decimal comma or point, rounded to 2 decimals half up), then an optional separator (``-``, ``–``, ``:``,
``;`` or a space) and the comment. Points that differ from the school's need a comment that says
something: at least :data:`COMMENT_MIN_LENGTH` letters and digits.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hsdt.scoring.rubric import Criterion
from hsdt.scoring.score import quantize_points
from hsdt.scoring.values import InvalidAnswer, Rescore, echo

__all__ = ["COMMENT_LIMIT", "COMMENT_MIN_LENGTH", "comment_too_short", "needs_comment", "parse_rescore"]

COMMENT_LIMIT = 1000
# A comment that justifies points other than the school's must say something ("x" or "ok" does not).
COMMENT_MIN_LENGTH = 10
# Points that differ by less than this are the school's (both are shown rounded to 2 decimals).
_SAME = 0.005
_POINTS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)(?:\s*[-–:;]\s*|\s+|$)(.*)$", re.S)


def parse_rescore(criterion: Criterion, text: str) -> Rescore:
    """The points and comment typed for ``criterion``. Raises :class:`InvalidAnswer`: ``points_format``
    (no number first), ``points_out_of_range`` (above the criterion's maximum), ``comment_too_long``."""
    text = text.strip()
    match = _POINTS.match(text)
    if match is None:
        raise InvalidAnswer("points_format", {"value": echo(text), "max": criterion.max_points})
    try:
        points = quantize_points(Decimal(match.group(1).replace(",", ".")))
    except InvalidOperation:
        raise InvalidAnswer("points_format", {"value": echo(text), "max": criterion.max_points}) from None
    if points > Decimal(str(criterion.max_points)):
        raise InvalidAnswer("points_out_of_range", {"value": echo(match.group(1)), "max": criterion.max_points})
    comment = match.group(2).strip()
    if len(comment) > COMMENT_LIMIT:
        raise InvalidAnswer("comment_too_long", {"length": len(comment), "max": COMMENT_LIMIT})
    return Rescore(points=float(points), comment=comment)


def comment_too_short(comment: str) -> bool:
    """Too short to say why: fewer than COMMENT_MIN_LENGTH letters and digits (spaces and dots do not count)."""
    return sum(ch.isalnum() for ch in comment) < COMMENT_MIN_LENGTH


def needs_comment(value: Rescore, school_points: float) -> bool:
    """Points other than the school's, without a comment that says why."""
    return abs(value.points - school_points) >= _SAME and comment_too_short(value.comment)
