"""Aggregation across schools (district and city summaries). Pure: data in, data out.

Per the Sở's plan, a district office's rating for leading this work is the arithmetic mean of the
scores of the preschools under it that use electronic records and digital signatures. A school's
final score is its district re-score where there is one, else its submitted self-assessment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from hsdt.scoring.rubric import Rubric
from hsdt.scoring.score import band_for, quantize_points

__all__ = ["CityReport", "DistrictInput", "DistrictReport", "SchoolInput", "SchoolReport", "aggregate", "mean_score"]


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
    district_id: int
    uses_erecords: bool = True
    self_total: float | None = None
    rescore_total: float | None = None
    cross_total: float | None = None


@dataclass(frozen=True, slots=True)
class SchoolReport:
    school: SchoolInput
    final: float | None  # re-score where present, else self
    band: str | None  # band label of the final score
    difference: float | None  # re-score minus self, when both exist

    @property
    def counted(self) -> bool:
        """Counts towards the district's mean: uses e-records and has a final score."""
        return self.school.uses_erecords and self.final is not None


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

    def lowest(self, n: int) -> list[DistrictReport]:
        """The `n` districts with the lowest leadership score (districts without one are left out)."""
        scored = [d for d in self.districts if d.mean is not None]
        return sorted(scored, key=lambda d: (d.mean, d.district.name, d.district.code))[:n]

    def district(self, district_id: int) -> DistrictReport | None:
        return next((d for d in self.districts if d.district.id == district_id), None)


def _school_report(rubric: Rubric, school: SchoolInput) -> SchoolReport:
    final = school.rescore_total if school.rescore_total is not None else school.self_total
    difference = None
    if school.rescore_total is not None and school.self_total is not None:
        difference = float(quantize_points(Decimal(str(school.rescore_total)) - Decimal(str(school.self_total))))
    band = band_for(rubric, final).label if final is not None else None
    return SchoolReport(school=school, final=final, band=band, difference=difference)


def _band_counts(rubric: Rubric, reports: Iterable[SchoolReport]) -> dict[str, int]:
    counts = {band.label: 0 for band in rubric.bands}
    for report in reports:
        if report.band is not None and report.school.uses_erecords:
            counts[report.band] += 1
    return counts


def _district_report(rubric: Rubric, district: DistrictInput, schools: Sequence[SchoolReport]) -> DistrictReport:
    ordered = tuple(sorted(schools, key=lambda r: (r.school.name, r.school.code)))
    mean = mean_score(r.final for r in ordered if r.counted)  # type: ignore[misc]
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
    )


def aggregate(rubric: Rubric, districts: Iterable[DistrictInput], schools: Iterable[SchoolInput]) -> CityReport:
    """Roll schools up into their districts and the districts into the city.

    Schools whose district is not in `districts` are ignored. Schools that do not use e-records are
    counted as schools but never enter a mean or a band count. The result does not depend on the
    order of the inputs.
    """
    by_id = {d.id: d for d in districts}
    grouped: dict[int, list[SchoolReport]] = {d: [] for d in by_id}
    for school in schools:
        if school.district_id in grouped:
            grouped[school.district_id].append(_school_report(rubric, school))
    reports = sorted(
        (_district_report(rubric, by_id[d], grouped[d]) for d in by_id),
        key=lambda r: (r.district.name, r.district.code),
    )
    every = [s for r in reports for s in r.schools]
    mean = mean_score(s.final for s in every if s.counted)  # type: ignore[misc]
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
    )
