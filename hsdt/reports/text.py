"""The chat renderings of a report: city (or scope) summary, one district, one school."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hsdt.reports.dataset import SELF, ReportData
from hsdt.reports.wording import means_title
from hsdt.scoring import DistrictReport, SchoolReport, band_for, format_points
from hsdt.storage.inspection_models import CROSS, DISTRICT
from hsdt.texts import report as m

MAX_DISTRICT_LINES = 15
MAX_OVERDUE_NAMES = 10
LOWEST_COUNT = 3  # "Thấp nhất:" only says something when there are more units than it names


def _pct(part: int, whole: int) -> str:
    return f"{format_points(100 * part / whole)}%" if whole else "0%"


def _local(data: ReportData, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(data.tz)).strftime("%d/%m/%Y %H:%M")


def scope_line(data: ReportData) -> str:
    scope = data.scope
    match scope.kind:
        case "city":
            if not data.levels.has_managing:
                return m.SCOPE_CITY_DIRECT.format(area=data.form_heading.area, schools=data.city.school_count)
            return m.SCOPE_CITY.format(area=data.form_heading.area, districts=len(data.city.districts),
                                       level=data.levels.managing.short)
        case "district":
            return m.SCOPE_DISTRICT.format(district=scope.label)
        case "assigned":
            return m.SCOPE_ASSIGNED.format(count=len(scope.school_ids))
        case _:
            return m.SCOPE_SCHOOL.format(school=scope.label)


def _completion(data: ReportData, schools: int, uses: int, submitted: int, rescored: int, cross: int) -> str:
    return m.COMPLETION.format(schools=schools, uses=uses, submitted=submitted, pct=_pct(submitted, schools),
                               rescored=rescored, cross=cross)


def _mean_line(district: DistrictReport) -> str:
    if district.mean is None:
        return m.MEAN_LINE_NONE.format(district=district.district.name, submitted=district.submitted,
                                       schools=district.school_count)
    return m.MEAN_LINE.format(district=district.district.name, mean=format_points(district.mean),
                              band=district.band, submitted=district.submitted, schools=district.school_count)


def summary(data: ReportData) -> str:
    """The short summary of the whole scope: completion, means, lowest districts, overdue schools."""
    city = data.city
    lines = [m.CITY_TITLE.format(campaign=data.campaign.name, now=_local(data, data.now)), scope_line(data),
             _completion(data, city.school_count, city.uses_erecords, city.submitted, city.rescored,
                         city.cross_inspected)]
    lines.append(m.CITY_MEAN.format(mean=format_points(city.mean), band=city.band, note=city.mean_note())
                 if city.mean is not None else m.NO_MEAN)
    lines.append(m.MEAN_RULE.format(rule=city.rule_name))
    if data.scope.kind == "city" and city.districts:
        lines += ["", means_title(data.levels)]
        shown = list(city.districts)  # the roster's order; "Thấp nhất" below picks out the lowest
        lines += [_mean_line(d) for d in shown[:MAX_DISTRICT_LINES]]
        if len(shown) > MAX_DISTRICT_LINES:
            lines.append(m.MORE_DISTRICTS.format(count=len(shown) - MAX_DISTRICT_LINES))
        lowest = city.lowest(LOWEST_COUNT)
        if len(city.districts) > LOWEST_COUNT and lowest:
            items = ", ".join(f"{d.district.name} ({format_points(d.mean if d.mean is not None else 0.0)})"
                              for d in lowest)
            lines.append(m.LOWEST_TITLE.format(items=items))
    else:
        lines.append("")
        lines += [_school_line(data, r) for d in city.districts for r in d.schools]
    lines.append("")
    lines.append(_overdue(data))
    return "\n".join(lines)


def _overdue(data: ReportData) -> str:
    due = _local(data, data.campaign.self_assessment_due)
    if not data.overdue:
        return m.OVERDUE_NONE.format(due=due)
    names = [data.units.by_id[s].name for s in data.overdue[:MAX_OVERDUE_NAMES]]
    more = "…" if len(data.overdue) > MAX_OVERDUE_NAMES else ""
    return m.OVERDUE_TITLE.format(due=due, count=len(data.overdue), names=": " + ", ".join(names) + more)


def _score(points: float | None) -> str:
    return format_points(points) if points is not None else m.NOT_YET


def _own(data: ReportData, school_id: int, total: float | None) -> str:
    """The self-assessment's total, or "in progress" for a draft (whose points are partial)."""
    if total is None and data.assessment(school_id, SELF).status in ("draft", "reopened"):
        return m.DRAFT
    return _score(total)


def _school_line(data: ReportData, report: SchoolReport) -> str:
    school = report.school
    final = ""
    if report.final is not None:
        final = m.FINAL_SUFFIX.format(final=format_points(report.final), band=report.band)
    state = m.SCHOOL_STATE.format(self=_own(data, school.id, school.self_total), rescore=_score(school.rescore_total),
                                  cross=_score(school.cross_total), final=final)
    excluded = "" if school.uses_erecords else m.EXCLUDED
    return m.SCHOOL_LINE.format(school=school.name, state=state) + excluded


def district_detail(data: ReportData, district_id: int) -> str:
    district = data.city.district(district_id)
    if district is None:
        return m.NOT_IN_SCOPE
    lines = [m.DISTRICT_TITLE.format(district=district.district.name),
             _completion(data, district.school_count, district.uses_erecords, district.submitted,
                         district.rescored, district.cross_inspected),
             _mean_line(district), m.MEAN_RULE.format(rule=district.rule_name), ""]
    lines += [_school_line(data, r) for r in district.schools]
    return "\n".join(lines)


def school_detail(data: ReportData, school_id: int) -> str:
    report = next((r for d in data.city.districts for r in d.schools if r.school.id == school_id), None)
    if report is None:
        return m.NOT_IN_SCOPE
    school = report.school
    district = data.units.by_id.get(school.district_id) if school.district_id is not None else None

    def with_band(points: float | None) -> str:
        if points is None:
            return m.NOT_YET
        return m.SCORE_WITH_BAND.format(points=format_points(points), band=band_for(data.rubric, points).label)

    lines = [
        m.SCHOOL_TITLE.format(school=school.name, district=district.name if district else ""),
        m.SCHOOL_DETAIL.format(self=_own(data, school_id, school.self_total) if school.self_total is None
                               else with_band(school.self_total), rescore=with_band(school.rescore_total),
                               cross=with_band(school.cross_total), final=with_band(report.final),
                               diff=_score(report.difference)),
    ]
    if not school.uses_erecords:
        lines.append(m.EXCLUDED.strip())
    if not data.submitted(school_id, SELF):
        lines += ["", m.CRITERIA_DRAFT]
    elif data.points:
        lines += ["", m.CRITERIA_TITLE]
        for i, criterion in enumerate(data.scored_criteria):
            got = [data.points.get(kind, {}).get(school_id) for kind in (SELF, DISTRICT, CROSS)]
            shown = [_score(row[i]) if row is not None else m.NOT_YET for row in got]
            comments = [data.comments.get(k, {}).get(school_id, {}).get(criterion.id) for k in (DISTRICT, CROSS)]
            comment = "".join(f" — “{c}”" for c in comments if c)
            lines.append(m.CRITERION_LINE.format(criterion=criterion.id, self=shown[0], rescore=shown[1],
                                                 cross=shown[2], comment=comment))
    return "\n".join(lines)
