"""Scoring: pure and deterministic functions of a rubric and answer values.

Rounding: points are computed with :class:`decimal.Decimal` from the decimal text of the inputs
(never from binary floats) and every criterion's points are rounded to 2 decimals with
ROUND_HALF_UP, the convention of school arithmetic (8 × 1/16 = 0,5; 6 × 5/8 = 3,75; 0,125 → 0,13).
Group totals and the school total are exact sums of those rounded points, so they always equal
the sum of what is displayed per criterion. Results are returned as floats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hsdt.scoring.answers import InvalidAnswer, validate_value
from hsdt.scoring.rubric import AnswerType, Band, Criterion, Rubric

__all__ = [
    "CriterionScore",
    "GroupScore",
    "SchoolScore",
    "band_for",
    "flags",
    "format_points",
    "quantize_points",
    "score_criterion",
    "score_school",
]

_CENT = Decimal("0.01")


def quantize_points(value: Decimal) -> Decimal:
    """Round to 2 decimals, half up (the one rounding rule of the scoring package)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _dec(x: float) -> Decimal:
    return Decimal(str(x))


def _criterion_points(criterion: Criterion, value: Mapping[str, Any] | None) -> Decimal:
    if value is None:
        return Decimal(0)
    v = validate_value(criterion, value)
    max_points = _dec(criterion.max_points)
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            raw = _dec(criterion.option(v["option"]).points)
        case AnswerType.MULTI_CHOICE:
            raw = sum((_dec(criterion.option(o).points) for o in v["options"]), Decimal(0))
        case AnswerType.COUNT_PAIR:
            raw = Decimal(0) if v["issued"] == 0 else max_points * v["used"] / v["issued"]
        case AnswerType.PERCENTAGE:
            raw = max_points * _dec(v["percent"]) / 100
        case AnswerType.TEXT:
            raw = Decimal(0)
        case AnswerType.EVIDENCE:
            ep = criterion.evidence_points
            assert ep is not None  # guaranteed by the rubric loader
            if v["total"] == 0:
                raw = Decimal(0)
            elif v["valid"] == v["total"]:
                raw = _dec(ep.all_valid)
            elif v["valid"] > 0:
                raw = _dec(ep.some_valid)
            else:
                raw = _dec(ep.none)
        case _:  # pragma: no cover
            raise AssertionError(f"unhandled answer type {criterion.type!r}")
    return quantize_points(raw)


def score_criterion(criterion: Criterion, value: Mapping[str, Any] | None) -> float:
    """Points for one answer, 0..criterion.max_points, rounded to 2 decimals.

    ``None`` means unanswered and scores 0. The value is validated first (:func:`validate_value`);
    an invalid value raises :class:`InvalidAnswer`.
    count_pair: max × used/issued (issued 0 → 0); percentage: max × percent/100;
    evidence: total 0 → 0, all valid → all_valid, some valid → some_valid, none valid → none.
    """
    return float(_criterion_points(criterion, value))


def flags(criterion: Criterion, value: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Remarks about an answer that the bot renders (codes only, no text). Never raises.

    - ``no_certificates_issued``: count_pair with issued = 0 ("chưa được cấp chữ ký số").
    - ``no_documents_checked``: evidence with total = 0 (no PDF checked yet).
    - ``invalid_value``: the value does not validate against this criterion (e.g. the rubric changed).
    """
    if value is None:
        return ()
    try:
        v = validate_value(criterion, value)
    except InvalidAnswer:
        return ("invalid_value",)
    if criterion.type is AnswerType.COUNT_PAIR and v["issued"] == 0:
        return ("no_certificates_issued",)
    if criterion.type is AnswerType.EVIDENCE and v["total"] == 0:
        return ("no_documents_checked",)
    return ()


@dataclass(frozen=True, slots=True)
class CriterionScore:
    criterion_id: str
    group_id: str
    points: float
    max_points: float
    answered: bool  # a valid answer is stored for this criterion
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupScore:
    group_id: str
    title: str
    points: float
    max_points: float


@dataclass(frozen=True, slots=True)
class SchoolScore:
    criteria: tuple[CriterionScore, ...]  # in rubric order
    groups: tuple[GroupScore, ...]  # in rubric order
    total: float
    max_points: float
    band: Band
    answered: int  # criteria with a valid answer (free-text ones included)
    missing_required: tuple[str, ...]  # required criteria without a valid answer, rubric order
    ignored: tuple[str, ...]  # answer keys that are not criteria of this rubric, sorted
    invalid: tuple[str, ...]  # criteria whose stored value no longer validates (scored 0), rubric order

    def points(self, criterion_id: str) -> float:
        for cs in self.criteria:
            if cs.criterion_id == criterion_id:
                return cs.points
        raise KeyError(f"unknown criterion id '{criterion_id}'")

    def group(self, group_id: str) -> GroupScore:
        for gs in self.groups:
            if gs.group_id == group_id:
                return gs
        raise KeyError(f"unknown group id '{group_id}'")


def score_school(rubric: Rubric, answers: Mapping[str, Mapping[str, Any] | None]) -> SchoolScore:
    """Score one school's answers (criterion id → value) against ``rubric``.

    Answers for ids the rubric does not have are skipped and listed in ``ignored``; stored values
    that no longer validate (e.g. an option removed from the rubric) score 0 and are listed in
    ``invalid``. The result does not depend on the order of ``answers``.
    """
    criterion_scores: list[CriterionScore] = []
    group_scores: list[GroupScore] = []
    total = Decimal(0)
    answered = 0
    missing: list[str] = []
    invalid: list[str] = []
    for group in rubric.groups:
        group_total = Decimal(0)
        for criterion in group.criteria:
            value = answers.get(criterion.id)
            points = Decimal(0)
            criterion_flags: tuple[str, ...] = ()
            is_answered = False
            if value is not None:
                try:
                    points = _criterion_points(criterion, value)
                    is_answered = True
                except InvalidAnswer:
                    invalid.append(criterion.id)
                criterion_flags = flags(criterion, value)
            if is_answered:
                answered += 1
            elif criterion.required:
                missing.append(criterion.id)
            group_total += points
            criterion_scores.append(
                CriterionScore(
                    criterion_id=criterion.id,
                    group_id=group.id,
                    points=float(points),
                    max_points=criterion.max_points,
                    answered=is_answered,
                    flags=criterion_flags,
                )
            )
        total += group_total
        group_scores.append(
            GroupScore(
                group_id=group.id, title=group.title, points=float(group_total), max_points=group.max_points
            )
        )
    ignored = tuple(sorted(str(k) for k in answers if k not in rubric))
    return SchoolScore(
        criteria=tuple(criterion_scores),
        groups=tuple(group_scores),
        total=float(total),
        max_points=rubric.max_points,
        band=band_for(rubric, float(total)),
        answered=answered,
        missing_required=tuple(missing),
        ignored=ignored,
        invalid=tuple(invalid),
    )


def band_for(rubric: Rubric, total: float) -> Band:
    """The band of a total (or of a mean score): the highest band whose ``min_points`` <= total.

    The total is first rounded to 2 decimals like every displayed score, so 84.995 counts as 85.
    Raises ValueError for a negative or non-finite total.
    """
    if isinstance(total, bool) or not math.isfinite(total) or total < 0:
        raise ValueError(f"total must be a finite number >= 0, got {total!r}")
    rounded = quantize_points(_dec(total))
    for band in rubric.bands:
        if rounded >= _dec(band.min_points):
            return band
    raise AssertionError("the rubric loader guarantees a band with min 0")  # pragma: no cover


def format_points(x: float) -> str:
    """Points for display with a Vietnamese decimal comma: 7.5 → "7,5", 12.0 → "12", 8.333 → "8,33"."""
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r} as points")
    text = f"{quantize_points(_dec(x)):f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")
