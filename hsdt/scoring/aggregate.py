"""Aggregation across schools (managing-unit and city summaries). Pure: data in, data out.

Per the Sở's plan, a managing unit's rating for leading this work ("đánh giá công tác quản lý, chỉ
đạo") is the arithmetic mean of the scores of the preschools under it that use electronic records
and digital signatures. Which of a school's scores counts, and how a school without one counts, is
a :class:`ManagementRule`; its :meth:`~ManagementRule.name` is shown wherever the mean is.

- :data:`MANAGEMENT_RULE_DEFAULT`: the re-score, else the cross-inspection score, else the
  self-assessment; a school without any is listed as "chưa tự đánh giá", left out of the mean, and
  counted beside it.
- :data:`MANAGEMENT_RULE_2024`: the 2024-2025 reports' rule (the re-score, else the self-assessment;
  schools without either left out), the default of :func:`aggregate` so existing reports read the same.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from hsdt.scoring.rubric import Rubric
from hsdt.scoring.score import band_for, quantize_points
from hsdt.texts import rubric as texts

__all__ = [
    "MANAGEMENT_RULE_2024",
    "MANAGEMENT_RULE_DEFAULT",
    "CityReport",
    "DistrictInput",
    "DistrictReport",
    "ManagementRule",
    "SchoolInput",
    "SchoolReport",
    "ScoreSource",
    "Unscored",
    "aggregate",
    "mean_score",
]


class ScoreSource(StrEnum):
    """One of a school's scores."""

    RESCORE = "rescore"  # chấm lại, by the managing unit
    CROSS = "cross"  # kiểm tra chéo, by another unit's inspectors
    SELF = "self"  # tự đánh giá

    @property
    def label(self) -> str:
        return texts.SCORE_SOURCE_NAMES[self.value]


class Unscored(StrEnum):
    """How a school that uses e-records but has no score under the rule counts."""

    EXCLUDED = "excluded"  # listed as "chưa tự đánh giá", left out of the mean, counted beside it
    ZERO = "zero"  # counted as 0 points


@dataclass(frozen=True, slots=True)
class ManagementRule:
    """Which score counts for a school (the first of ``sources`` it has) and how a school without
    any counts. Configuration, not code: a deployment picks one per campaign."""

    sources: tuple[ScoreSource, ...] = (ScoreSource.RESCORE, ScoreSource.CROSS, ScoreSource.SELF)
    unscored: Unscored = Unscored.EXCLUDED

    def __post_init__(self) -> None:
        if not self.sources or len(set(self.sources)) != len(self.sources):
            raise ValueError(f"sources must be distinct and not empty, got {self.sources!r}")

    def name(self) -> str:
        """The rule in one Vietnamese sentence, for wherever the mean is shown."""
        sources = texts.RULE_SOURCES_JOIN.join(s.label for s in self.sources)
        missing = texts.RULE_MISSING_ZERO if self.unscored is Unscored.ZERO else texts.RULE_MISSING_EXCLUDED
        return texts.RULE_NAME.format(sources=sources[:1].upper() + sources[1:], missing=missing)

    def pick(self, school: SchoolInput) -> tuple[float | None, ScoreSource | None]:
        for source in self.sources:
            value = _total(school, source)
            if value is not None:
                return value, source
        return None, None


MANAGEMENT_RULE_DEFAULT = ManagementRule()
MANAGEMENT_RULE_2024 = ManagementRule(sources=(ScoreSource.RESCORE, ScoreSource.SELF))


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


@dataclass(frozen=True, slots=True)
class DistrictInput:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class SchoolInput:
    """A school's submitted totals; ``None`` where that assessment is not submitted."""

    id: int
    code: str
    name: str
    district_id: int | None  # None: under no district, so in no district's figures
    uses_erecords: bool = True
    self_total: float | None = None
    rescore_total: float | None = None
    cross_total: float | None = None


def _total(school: SchoolInput, source: ScoreSource) -> float | None:
    match source:
        case ScoreSource.RESCORE:
            return school.rescore_total
        case ScoreSource.CROSS:
            return school.cross_total
        case ScoreSource.SELF:
            return school.self_total
    raise AssertionError(f"unhandled score source {source!r}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class SchoolReport:
    school: SchoolInput
    final: float | None  # the score the rule picks (re-score where present, else …)
    band: str | None  # band label of the final score
    difference: float | None  # re-score minus self, when both exist
    source: ScoreSource | None = None  # which score ``final`` is
    zero_if_unscored: bool = False  # the rule counts a school without a score as 0

    @property
    def counted(self) -> bool:
        """Counts towards the mean: uses e-records, and has a final score or the rule counts it as 0."""
        return self.school.uses_erecords and (self.final is not None or self.zero_if_unscored)

    @property
    def unscored(self) -> bool:
        """Uses e-records but has no score under the rule ("chưa tự đánh giá")."""
        return self.school.uses_erecords and self.final is None

    @property
    def mean_value(self) -> float | None:
        """What enters the mean: the final score, 0 for an unscored school the rule counts, else None."""
        if not self.counted:
            return None
        return self.final if self.final is not None else 0.0


@dataclass(frozen=True, slots=True)
class DistrictReport:
    district: DistrictInput
    schools: tuple[SchoolReport, ...]  # sorted by school name, then code
    school_count: int
    uses_erecords: int
    submitted: int
    rescored: int
    cross_inspected: int
    mean: float | None  # the district's leadership score
    band: str | None
    band_counts: dict[str, int]  # band label -> schools with that final band, rubric order
    unscored: int = 0  # schools using e-records without a score under the rule
    rule_name: str = ""  # ManagementRule.name() of the rule the mean follows
    counted: int = 0  # schools in the mean
    unscored_as_zero: bool = False

    def mean_note(self) -> str:
        """How many schools the mean rests on, and what happened to those without a score."""
        return _mean_note(self.counted, self.unscored, self.unscored_as_zero)


@dataclass(frozen=True, slots=True)
class CityReport:
    districts: tuple[DistrictReport, ...]  # sorted by name, then code
    school_count: int
    uses_erecords: int
    submitted: int
    rescored: int
    cross_inspected: int
    mean: float | None  # mean of every counted school's final score
    band: str | None
    band_counts: dict[str, int]
    band_labels: tuple[str, ...] = field(default=())  # highest first
    unscored: int = 0
    rule_name: str = ""
    counted: int = 0
    unscored_as_zero: bool = False

    def mean_note(self) -> str:
        return _mean_note(self.counted, self.unscored, self.unscored_as_zero)

    def lowest(self, n: int) -> list[DistrictReport]:
        """The `n` districts with the lowest leadership score (districts without one are left out)."""
        scored = [d for d in self.districts if d.mean is not None]
        return sorted(scored, key=lambda d: (d.mean, d.district.name, d.district.code))[:n]

    def district(self, district_id: int) -> DistrictReport | None:
        return next((d for d in self.districts if d.district.id == district_id), None)


def _mean_note(counted: int, unscored: int, as_zero: bool) -> str:
    if unscored == 0:
        return texts.MEAN_COUNT_ALL.format(counted=counted)
    template = texts.MEAN_COUNT_ZERO if as_zero else texts.MEAN_COUNT_EXCLUDED
    return template.format(counted=counted, missing=unscored)


def _school_report(rubric: Rubric, school: SchoolInput, rule: ManagementRule) -> SchoolReport:
    final, source = rule.pick(school)
    difference = None
    if school.rescore_total is not None and school.self_total is not None:
        difference = float(quantize_points(Decimal(str(school.rescore_total)) - Decimal(str(school.self_total))))
    band = band_for(rubric, final).label if final is not None else None
    return SchoolReport(
        school=school, final=final, band=band, difference=difference, source=source,
        zero_if_unscored=rule.unscored is Unscored.ZERO,
    )


def _band_counts(rubric: Rubric, reports: Iterable[SchoolReport]) -> dict[str, int]:
    counts = {band.label: 0 for band in rubric.bands}
    for report in reports:
        if report.band is not None and report.school.uses_erecords:
            counts[report.band] += 1
    return counts


def _mean_values(reports: Iterable[SchoolReport]) -> list[float]:
    return [v for v in (r.mean_value for r in reports) if v is not None]


def _district_report(
    rubric: Rubric, district: DistrictInput, schools: Sequence[SchoolReport], rule: ManagementRule
) -> DistrictReport:
    ordered = tuple(sorted(schools, key=lambda r: (r.school.name, r.school.code)))
    values = _mean_values(ordered)
    mean = mean_score(values)
    return DistrictReport(
        district=district,
        schools=ordered,
        school_count=len(ordered),
        uses_erecords=sum(1 for r in ordered if r.school.uses_erecords),
        submitted=sum(1 for r in ordered if r.school.self_total is not None),
        rescored=sum(1 for r in ordered if r.school.rescore_total is not None),
        cross_inspected=sum(1 for r in ordered if r.school.cross_total is not None),
        mean=mean,
        band=band_for(rubric, mean).label if mean is not None else None,
        band_counts=_band_counts(rubric, ordered),
        unscored=sum(1 for r in ordered if r.unscored),
        rule_name=rule.name(),
        counted=len(values),
        unscored_as_zero=rule.unscored is Unscored.ZERO,
    )


def aggregate(
    rubric: Rubric,
    districts: Iterable[DistrictInput],
    schools: Iterable[SchoolInput],
    rule: ManagementRule = MANAGEMENT_RULE_2024,
) -> CityReport:
    """Roll schools up into their managing units ("districts") and those into the city.

    ``rule`` says which score counts for a school and how a school without one counts (the default
    keeps the 2024-2025 reports; new campaigns pass :data:`MANAGEMENT_RULE_DEFAULT` or their own).
    Schools whose district is not in `districts` are ignored. Schools that do not use e-records are
    counted as schools but never enter a mean or a band count. The result does not depend on the
    order of the inputs.
    """
    by_id = {d.id: d for d in districts}
    grouped: dict[int, list[SchoolReport]] = {d: [] for d in by_id}
    for school in schools:
        if school.district_id in grouped:
            grouped[school.district_id].append(_school_report(rubric, school, rule))
    reports = sorted(
        (_district_report(rubric, by_id[d], grouped[d], rule) for d in by_id),
        key=lambda r: (r.district.name, r.district.code),
    )
    every = [s for r in reports for s in r.schools]
    values = _mean_values(every)
    mean = mean_score(values)
    return CityReport(
        districts=tuple(reports),
        school_count=len(every),
        uses_erecords=sum(r.uses_erecords for r in reports),
        submitted=sum(r.submitted for r in reports),
        rescored=sum(r.rescored for r in reports),
        cross_inspected=sum(r.cross_inspected for r in reports),
        mean=mean,
        band=band_for(rubric, mean).label if mean is not None else None,
        band_counts=_band_counts(rubric, every),
        band_labels=tuple(b.label for b in rubric.bands),
        unscored=sum(r.unscored for r in reports),
        rule_name=rule.name(),
        counted=len(values),
        unscored_as_zero=rule.unscored is Unscored.ZERO,
    )
