"""The Ministry's national view: every Sở's aggregates, one row per province, read-only.

Each Sở (a DEPARTMENT tenant) is read in a read-only unit of work of its own tenant, so PostgreSQL's
row-level security stays on for every query: nothing here reads across tenants in one transaction, and
nothing bypasses the policies. For each of its active campaigns the figures are the ones its own staff
get from `/baocao`: the Sở's scope (`dataset.city_scope`), gathered (`dataset.gather`) and aggregated
(`hsdt.scoring.aggregate`) by the code its own report runs; this module only adds the provinces up.

What leaves a Sở: counts, means and band counts. No person's name, no school's name or score: the
Ministry compares provinces (Bộ's own digital-transformation index is also by province), and the
results of one school are the Sở's to publish. A province row is the finest grain here.

A Sở running several campaigns at once (say the preschools' and a re-inspection) is one row: a school
counts once per campaign it takes part in (each has its own form and its own result), and the mean is
the mean of every counted school result of those campaigns (`mean_score`, as within one campaign).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from hsdt.reports.dataset import Units, city_scope, gather
from hsdt.scoring import CityReport, Rubric, band_for, format_points, mean_score
from hsdt.storage.db import read_only
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.tenant_directory import Department, departments
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import national as n

VALID = "valid"  # the verdict status of a file whose signatures all hold


@dataclass(frozen=True)
class CampaignFigures:
    """One active campaign of one Sở, as its own report aggregates it."""

    campaign_id: int
    code: str
    name: str
    city: CityReport
    evidence_valid: int
    evidence_total: int


@dataclass(frozen=True)
class ProvinceRow:
    tenant_id: int
    province: str
    department: str  # the Sở's name
    campaigns: tuple[CampaignFigures, ...]
    band_labels: tuple[str, ...]
    mean: float | None
    band: str | None
    counted: int  # school results in the mean

    @property
    def schools(self) -> int:
        return sum(c.city.school_count for c in self.campaigns)

    @property
    def uses_erecords(self) -> int:
        return sum(c.city.uses_erecords for c in self.campaigns)

    @property
    def submitted(self) -> int:
        return sum(c.city.submitted for c in self.campaigns)

    @property
    def rescored(self) -> int:
        return sum(c.city.rescored for c in self.campaigns)

    @property
    def cross_inspected(self) -> int:
        return sum(c.city.cross_inspected for c in self.campaigns)

    @property
    def evidence_valid(self) -> int:
        return sum(c.evidence_valid for c in self.campaigns)

    @property
    def evidence_total(self) -> int:
        return sum(c.evidence_total for c in self.campaigns)

    def band_count(self, label: str) -> int:
        return sum(c.city.band_counts.get(label, 0) for c in self.campaigns)


@dataclass(frozen=True)
class NationalData:
    now: datetime
    tz: str
    provinces: tuple[ProvinceRow, ...]  # every Sở, in the order they were created (the operator's)
    band_labels: tuple[str, ...]  # highest first
    mean: float | None  # of every counted school result in the country
    band: str | None
    counted: int
    rubric: Rubric | None = field(default=None, repr=False)  # the bands the total row is rated by

    def total(self, attribute: str) -> int:
        return sum(int(getattr(p, attribute)) for p in self.provinces)

    def band_count(self, label: str) -> int:
        return sum(p.band_count(label) for p in self.provinces)

    @property
    def campaigns(self) -> int:
        return sum(len(p.campaigns) for p in self.provinces)


def _figures(uow: UnitOfWork, campaign: Campaign, rubric: Rubric, now: datetime, tz: str,
             ) -> tuple[CampaignFigures, list[float]]:
    """The campaign's figures as the Sở's report has them, and the school results its mean is made of."""
    campaign_id = stored_id(campaign.id)
    units = Units.load(uow, campaign_id)
    scope = city_scope(units)
    data = gather(uow, campaign, rubric, scope, now, units=units, tz=tz)
    evidence = uow.dashboard.evidence_counts(campaign_id, None if scope.kind == "city" else sorted(scope.school_ids))
    in_scope = [counts for school, counts in evidence.items() if school in scope.school_ids]
    values = [v for d in data.city.districts for r in d.schools if (v := r.mean_value) is not None]
    return CampaignFigures(
        campaign_id, campaign.code, campaign.name, data.city,
        evidence_valid=sum(c.get(VALID, 0) for c in in_scope),
        evidence_total=sum(sum(c.values()) for c in in_scope),
    ), values


def _province(engine: Engine, tenant: Department, rubrics: RubricCache, now: datetime, tz: str,
              ) -> tuple[ProvinceRow, list[float], Rubric | None]:
    figures: list[CampaignFigures] = []
    values: list[float] = []
    first: Rubric | None = None
    with UnitOfWork(read_only(engine), tenant.id) as uow:
        for campaign in uow.campaigns.active_all():
            rubric = rubrics.for_campaign(uow, campaign)
            first = first or rubric
            found, counted = _figures(uow, campaign, rubric, now, tz)
            figures.append(found)
            values += counted
    labels = _labels(c.city.band_labels for c in figures)
    mean = mean_score(values)
    band = band_for(first, mean).label if first is not None and mean is not None else None
    # A first tenant made by the upgrade may have no province on record: its name stands in.
    row = ProvinceRow(tenant.id, tenant.province or tenant.name, tenant.name, tuple(figures), labels, mean, band,
                      len(values))
    return row, values, first


def _labels(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Every band label, in the order the first rubric lists them (campaigns' rubrics usually share them)."""
    seen: dict[str, None] = {}
    for labels in groups:
        seen.update(dict.fromkeys(labels))
    return tuple(seen)


def national(engine: Engine, now: datetime, tz: str = "Asia/Ho_Chi_Minh",
             rubrics: RubricCache | None = None) -> NationalData:
    """Every Sở's row (each read in its own tenant's read-only unit of work) and the country's total."""
    cache = rubrics or RubricCache()
    rows: list[ProvinceRow] = []
    values: list[float] = []
    rubric: Rubric | None = None
    for tenant in departments(engine):
        row, counted, first = _province(engine, tenant, cache, now, tz)
        rows.append(row)
        values += counted
        rubric = rubric or first
    labels = _labels(p.band_labels for p in rows)
    mean = mean_score(values)
    band = band_for(rubric, mean).label if rubric is not None and mean is not None else None
    return NationalData(now, tz, tuple(rows), labels, mean, band, len(values), rubric)


def summary_text(data: NationalData) -> str:
    """The national figures in a few lines (the CLI; the chat and the dashboard show the workbook and the
    page)."""
    local = data.now.astimezone(ZoneInfo(data.tz))
    lines = [n.SUMMARY_TITLE.format(count=len(data.provinces), time=f"{local:%H:%M}", day=f"{local:%d/%m/%Y}")]
    for province in data.provinces:
        lines.append("• " + n.SUMMARY_LINE.format(
            province=province.province, schools=province.schools, submitted=province.submitted,
            rescored=province.rescored, mean=_mean_text(province.mean, province.band)))
    if not data.provinces:
        lines.append(n.NO_DEPARTMENTS)
    lines.append(n.SUMMARY_TOTAL.format(schools=data.total("schools"), submitted=data.total("submitted"),
                                        rescored=data.total("rescored"), mean=_mean_text(data.mean, data.band)))
    return "\n".join(lines)


def _mean_text(mean: float | None, band: str | None) -> str:
    if mean is None:
        return n.NO_MEAN
    return f"{format_points(mean)} — {band}" if band else format_points(mean)
