"""Scoring: pure and deterministic functions of a rubric and answer values.

Rounding: points are computed with :class:`decimal.Decimal` from the decimal text of the inputs
(never from binary floats). Proportional points (count_pair, percentage) are rounded by the
rubric's ``rounding`` (2 decimals half up unless the rubric says otherwise, e.g. down to steps of
0,25); every other criterion's points are exact option points. Group totals and the raw total are
exact sums of those points, so they always equal the sum of what is displayed per criterion.

"Không áp dụng" (a count pair with none issued where the rubric says so, or an option marked
``not_applicable``) takes a criterion out of the denominator: the school's total is then its raw
total scaled to the rubric's max_points over the criteria that apply, rounded by the rubric's
rounding, and :attr:`SchoolScore.not_applicable` lists them so reports can say so.

Cross-criterion rules (``rules:``): points of options a rule does not allow (II.2's categories not
chosen in I.1) are not counted, and :attr:`SchoolScore.rule_violations` lists the breaches.
Results are returned as floats.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from hsdt.scoring.rubric import Band, Criterion, EvidencePeriod, NoneIssued, Rubric
from hsdt.scoring.rules import RuleViolation, check_rules, subset_allowed
from hsdt.scoring.values import (
    AnswerValue,
    CountPair,
    DocumentShare,
    EvidenceCount,
    InvalidAnswer,
    MultiChoice,
    Percentage,
    Rescore,
    SingleChoice,
    StoredValue,
    Text,
    check_value,
)
from hsdt.texts import rubric as texts

__all__ = [
    "CriterionScore",
    "GroupScore",
    "SchoolScore",
    "band_for",
    "flags",
    "format_points",
    "is_not_applicable",
    "quantize_points",
    "score_criterion",
    "score_school",
]

_CENT = Decimal("0.01")


def quantize_points(value: Decimal) -> Decimal:
    """Round to 2 decimals, half up (how every score is displayed and banded)."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@functools.lru_cache(maxsize=4096)
def _dec(x: float) -> Decimal:
    """The decimal a float's text says (a rubric's points and weights: a few hundred values in all)."""
    return Decimal(str(x))


def _not_applicable(criterion: Criterion, v: AnswerValue) -> bool:
    """For a value already checked against the criterion."""
    if isinstance(v, CountPair):
        return criterion.none_issued is NoneIssued.NOT_APPLICABLE and v.issued == 0
    if isinstance(v, SingleChoice):
        return criterion.option(v.option).not_applicable
    return False


def _evidence_counted(criterion: Criterion, v: EvidenceCount) -> int:
    match criterion.evidence_period:
        case EvidencePeriod.NOT_CHECKED:
            return v.valid
        case EvidencePeriod.SIGNING_TIME:
            return v.in_period or 0
        case EvidencePeriod.TRUSTED_TIMESTAMP:
            return v.in_period_proven or 0
    raise AssertionError(f"unhandled evidence period {criterion.evidence_period!r}")  # pragma: no cover


def _points(criterion: Criterion, v: AnswerValue) -> Decimal:
    """Points of a value already checked against the criterion, that applies."""
    max_points = _dec(criterion.max_points)
    match v:
        case SingleChoice():
            return quantize_points(_dec(criterion.option(v.option).points))
        case MultiChoice():
            return quantize_points(sum((_dec(criterion.option(o).points) for o in v.options), Decimal(0)))
        case CountPair():
            if v.issued == 0:
                return Decimal(0)
            return min(criterion.rounding.apply(max_points * v.used / v.issued), max_points)
        case Percentage():
            return min(criterion.rounding.apply(max_points * _dec(v.percent) / 100), max_points)
        case DocumentShare():
            # Paper-only documents leave the denominator (the notice lets them be stored as they are).
            if v.eligible == 0:
                return Decimal(0)
            return min(criterion.rounding.apply(max_points * v.signed / v.eligible), max_points)
        case Text():
            return Decimal(0)
        case EvidenceCount():
            ep = criterion.evidence_points
            assert ep is not None  # guaranteed by the rubric loader
            counted = _evidence_counted(criterion, v)
            if v.total == 0:
                return Decimal(0)
            if counted == v.total:
                return quantize_points(_dec(ep.all_valid))
            if counted > 0:
                return quantize_points(_dec(ep.some_valid))
            return quantize_points(_dec(ep.none))
        case Rescore():  # pragma: no cover - check_value lets no re-score answer a rubric's type
            raise AssertionError("a re-score is not a school's answer")
    raise AssertionError(f"unhandled answer value {v!r}")  # pragma: no cover


def score_criterion(criterion: Criterion, value: StoredValue | None) -> float:
    """Points for one answer, 0..criterion.max_points.

    ``None`` means unanswered and scores 0; a "Không áp dụng" answer scores 0 too (see
    :func:`is_not_applicable`; :func:`score_school` leaves it out of the denominator). The value is
    checked first (:func:`~hsdt.scoring.values.check_value`); an invalid value raises :class:`InvalidAnswer`.
    count_pair: max × used/issued (issued 0 → 0); percentage: max × percent/100; document_share:
    max × signed/(stored − paper_only) (nothing but paper-only documents → 0), all rounded by the
    rubric; evidence: total 0 → 0, every file counted → all_valid, some → some_valid, none → none, where
    a file counts when valid (and signed in the record period where the rubric says so).
    Cross-criterion rules need the other answers: :func:`score_school` applies them.
    """
    if value is None:
        return 0.0
    v = check_value(criterion, value)
    if _not_applicable(criterion, v):
        return 0.0
    return float(_points(criterion, v))


def is_not_applicable(criterion: Criterion, value: StoredValue | None) -> bool:
    """The answer is "Không áp dụng" for this criterion. Never raises (invalid values: False)."""
    if value is None:
        return False
    try:
        return _not_applicable(criterion, check_value(criterion, value))
    except InvalidAnswer:
        return False


def flags(criterion: Criterion, value: StoredValue | None) -> tuple[str, ...]:
    """Remarks about an answer that the bot renders (codes only, no text). Never raises.

    - ``no_certificates_issued``: count_pair with issued = 0 ("chưa được cấp chữ ký số").
    - ``not_applicable``: the answer is "Không áp dụng" (left out of the denominator).
    - ``no_documents_checked``: evidence with total = 0 (no PDF checked yet).
    - ``period_not_checked``: evidence counted only when signed in the record period, but the value
      does not say which files were (written before the period was checked).
    - ``invalid_value``: the value does not validate against this criterion (e.g. the rubric changed).
    """
    if value is None:
        return ()
    try:
        v = check_value(criterion, value)
    except InvalidAnswer:
        return ("invalid_value",)
    return _flags(criterion, v, _not_applicable(criterion, v))


def _flags(criterion: Criterion, v: AnswerValue, not_applicable: bool) -> tuple[str, ...]:
    found: list[str] = []
    if isinstance(v, CountPair) and v.issued == 0:
        found.append("no_certificates_issued")
    if not_applicable:
        found.append("not_applicable")
    if isinstance(v, EvidenceCount):
        if v.total == 0:
            found.append("no_documents_checked")
        elif criterion.evidence_period is not EvidencePeriod.NOT_CHECKED and not v.period_checked:
            found.append("period_not_checked")
    return tuple(found)


@dataclass(frozen=True, slots=True)
class CriterionScore:
    criterion_id: str
    group_id: str
    points: float
    max_points: float
    answered: bool  # a valid answer is stored for this criterion
    flags: tuple[str, ...] = ()
    not_applicable: bool = False  # "Không áp dụng": out of the denominator


@dataclass(frozen=True, slots=True)
class GroupScore:
    group_id: str
    title: str
    points: float
    max_points: float
    applicable_max_points: float = 0.0  # max_points less the criteria that do not apply


@dataclass(frozen=True, slots=True)
class SchoolScore:
    criteria: tuple[CriterionScore, ...]  # in rubric order
    groups: tuple[GroupScore, ...]  # in rubric order
    total: float  # out of max_points; scaled when some criteria do not apply
    max_points: float
    band: Band
    answered: int  # criteria with a valid answer (free-text ones included)
    missing_required: tuple[str, ...]  # required criteria without a valid answer, rubric order
    ignored: tuple[str, ...]  # answer keys that are not criteria of this rubric, sorted
    invalid: tuple[str, ...]  # criteria whose stored value no longer validates (scored 0), rubric order
    raw_total: float = 0.0  # sum of the criteria's points (= total unless scaled)
    applicable_max_points: float = 0.0  # sum of max_points over the criteria that apply
    not_applicable: tuple[str, ...] = ()  # criteria answered "Không áp dụng", rubric order
    rule_violations: tuple[RuleViolation, ...] = ()

    @property
    def scaled(self) -> bool:
        """The total was scaled to max_points because some criteria do not apply."""
        return bool(self.not_applicable)

    def scaling_note(self) -> str | None:
        """One Vietnamese sentence for reports when the total was scaled; ``None`` otherwise."""
        if not self.scaled:
            return None
        return texts.SCALED_NOTE.format(
            max=format_points(self.max_points),
            raw=format_points(self.raw_total),
            applicable=format_points(self.applicable_max_points),
            ids=", ".join(self.not_applicable),
            total=format_points(self.total),
        )

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


def score_school(rubric: Rubric, answers: Mapping[str, StoredValue | None]) -> SchoolScore:
    """Score one school's answers (criterion id → value) against ``rubric``.

    Answers for ids the rubric does not have are skipped and listed in ``ignored``; stored values
    that no longer validate (e.g. an option removed from the rubric) score 0 and are listed in
    ``invalid``. The result does not depend on the order of ``answers``.
    """
    restricted = {rule.criterion_id: rule for rule in rubric.rules}
    criterion_scores: list[CriterionScore] = []
    group_scores: list[GroupScore] = []
    raw_total = Decimal(0)
    applicable_max = Decimal(0)
    answered = 0
    missing: list[str] = []
    invalid: list[str] = []
    not_applicable: list[str] = []
    for group in rubric.groups:
        group_total = Decimal(0)
        group_applicable = Decimal(0)
        for criterion in group.criteria:
            value = answers.get(criterion.id)
            points = Decimal(0)
            criterion_flags: tuple[str, ...] = ()
            is_answered = is_na = False
            if value is not None:
                try:
                    v = check_value(criterion, value)
                    is_answered = True
                except InvalidAnswer:
                    invalid.append(criterion.id)
                    criterion_flags = ("invalid_value",)
                else:
                    is_na = _not_applicable(criterion, v)
                    criterion_flags = _flags(criterion, v, is_na)
                    if not is_na:
                        rule = restricted.get(criterion.id)
                        if rule is not None and isinstance(v, MultiChoice):
                            allowed = subset_allowed(rubric, rule, answers)
                            v = v.model_copy(update={"options": tuple(o for o in v.options if o in allowed)})
                        points = _points(criterion, v)
            if is_answered:
                answered += 1
            elif criterion.required:
                missing.append(criterion.id)
            if is_na:
                not_applicable.append(criterion.id)
            else:
                group_applicable += _dec(criterion.max_points)
            group_total += points
            criterion_scores.append(
                CriterionScore(
                    criterion_id=criterion.id,
                    group_id=group.id,
                    points=float(points),
                    max_points=criterion.max_points,
                    answered=is_answered,
                    flags=criterion_flags,
                    not_applicable=is_na,
                )
            )
        raw_total += group_total
        applicable_max += group_applicable
        group_scores.append(
            GroupScore(
                group_id=group.id,
                title=group.title,
                points=float(group_total),
                max_points=group.max_points,
                applicable_max_points=float(group_applicable),
            )
        )
    total = raw_total
    if not_applicable:
        max_points = _dec(rubric.max_points)
        total = Decimal(0)
        if applicable_max > 0:
            total = min(rubric.rounding.apply(raw_total * max_points / applicable_max), max_points)
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
        raw_total=float(raw_total),
        applicable_max_points=float(applicable_max),
        not_applicable=tuple(not_applicable),
        rule_violations=check_rules(rubric, answers),
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
