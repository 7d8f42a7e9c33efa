"""Campaigns as data: the rubric installed, a school year's plan (the 2024 notice's calendar), opening,
choosing and closing a campaign. No chat here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from hsdt.scoring import Rubric
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, RubricVersion
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import campaigns as ct
from hsdt.texts.levels import STRUCTURES, Levels, Structure

# Campaigns opened for school years from 2025-2026 on follow the two-tier local government.
FIRST_COMMUNE_SCHOOL_YEAR = 2025


def local_datetime(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def install_rubric(uow: UnitOfWork, rubric: Rubric, source_text: str) -> RubricVersion:
    sha = hashlib.sha256(source_text.encode("utf-8")).hexdigest()
    row = uow.campaigns.rubric_by_sha(sha)
    if row is None:
        row = uow.campaigns.add_rubric(
            RubricVersion(sha256=sha, name=rubric.name, version=rubric.version, source=source_text)
        )
    return row



def school_year_start(today: date) -> int:
    """The calendar year a school year starts in: it starts in September."""
    return today.year if today.month >= 9 else today.year - 1


def school_year_label(start: int) -> str:
    return f"{start}-{start + 1}"


def parse_school_year(text: str) -> int:
    """"2026-2027" -> 2026."""
    first, sep, second = text.strip().partition("-")
    if not (sep and first.isdigit() and second.isdigit() and len(first) == 4 and int(second) == int(first) + 1):
        raise CampaignError(ct.BAD_SCHOOL_YEAR.format(text=text))
    return int(first)


class CampaignError(ValueError):
    """A campaign that cannot be opened or chosen; the message is Vietnamese, for the operator."""


@dataclass(frozen=True)
class CampaignPlan:
    """Everything `campaign new` needs; times are aware (UTC)."""

    code: str
    name: str
    school_year: str
    record_start: date
    record_end: date
    self_assessment_due: datetime
    rescore_due: datetime
    inspection_start: date
    inspection_end: date
    deadline: datetime
    issuer: str
    issuer_parent: str
    place: str
    notice_no: str | None = None
    notice_date: date | None = None
    structure: Structure = Structure.COMMUNE

    def check(self) -> None:
        pairs = (
            (self.record_start, self.record_end, ct.FIELD_RECORD_START, ct.FIELD_RECORD_END),
            (self.inspection_start, self.inspection_end, ct.FIELD_INSPECTION, ct.FIELD_INSPECTION),
            (self.self_assessment_due, self.deadline, ct.FIELD_SELF_DUE, ct.FIELD_DEADLINE),
            (self.rescore_due, self.deadline, ct.FIELD_RESCORE_DUE, ct.FIELD_DEADLINE),
            (self.self_assessment_due, self.rescore_due, ct.FIELD_SELF_DUE, ct.FIELD_RESCORE_DUE),
        )
        for first, second, first_name, second_name in pairs:
            if first > second:
                raise CampaignError(ct.BAD_ORDER.format(first=first_name, second=second_name))


def plan_for_school_year(start: int, tz: str, *, structure: Structure | None = None) -> CampaignPlan:
    """The 2024 notice's calendar moved to another school year: records 09–12, self-assessment due
    29/12, inspection 30–31/12, re-scores and results due 06/01 (23:59 local)."""
    label = school_year_label(start)
    return CampaignPlan(
        code=f"HSDT-{start}",
        name=ct.CAMPAIGN_NAME.format(school_year=label),
        school_year=label,
        record_start=date(start, 9, 1),
        record_end=date(start, 12, 31),
        self_assessment_due=local_datetime(date(start, 12, 29), time(23, 59), tz),
        rescore_due=local_datetime(date(start + 1, 1, 6), time(23, 59), tz),
        inspection_start=date(start, 12, 30),
        inspection_end=date(start, 12, 31),
        deadline=local_datetime(date(start + 1, 1, 6), time(23, 59), tz),
        issuer=ct.NOTICE_2024_ISSUER,
        issuer_parent=ct.NOTICE_2024_ISSUER_PARENT,
        place=ct.NOTICE_2024_PLACE,
        structure=structure or default_structure(start),
    )


def default_structure(start: int) -> Structure:
    return Structure.COMMUNE if start >= FIRST_COMMUNE_SCHOOL_YEAR else Structure.DISTRICT


def notice_2024(tz: str) -> CampaignPlan:
    """The 2024-2025 campaign exactly as the notice sets it (its number and day were left blank)."""
    return plan_for_school_year(2024, tz, structure=Structure.DISTRICT)


def open_campaign(
    uow: UnitOfWork, plan: CampaignPlan, rubric_version: RubricVersion, *, copy_from: Campaign | None = None,
    levels: Levels | None = None,
) -> tuple[Campaign, int]:
    """Create the campaign, name its levels, make it the active one; with `copy_from`, the units (and so
    the people) of that campaign take part in this one too. Returns the campaign and the units copied."""
    plan.check()
    if uow.campaigns.by_code(plan.code) is not None:
        raise CampaignError(ct.CAMPAIGN_EXISTS.format(code=plan.code))
    campaign = uow.campaigns.add(
        Campaign(
            code=plan.code, name=plan.name, school_year=plan.school_year,
            record_start=plan.record_start, record_end=plan.record_end,
            inspection_start=plan.inspection_start, inspection_end=plan.inspection_end,
            self_assessment_due=plan.self_assessment_due, rescore_due=plan.rescore_due, deadline=plan.deadline,
            rubric_version_id=stored_id(rubric_version.id),
            notice_no=plan.notice_no, notice_date=plan.notice_date,
            issuer=plan.issuer, issuer_parent=plan.issuer_parent, place=plan.place,
            active=False,
        )
    )
    assert campaign.id is not None
    if copy_from is not None and levels is None:
        levels = uow.levels.of_campaign(copy_from.id)
    uow.levels.put(campaign.id, levels or STRUCTURES[plan.structure])
    copied = 0
    if copy_from is not None and copy_from.id is not None:
        copied = uow.units.join_campaign(campaign.id, uow.units.member_ids(copy_from.id))
    uow.campaigns.activate(campaign)
    return campaign, copied


def use_campaign(uow: UnitOfWork, code: str, *, reopen: bool = False) -> Campaign:
    campaign = uow.campaigns.by_code(code)
    if campaign is None:
        raise CampaignError(ct.NO_SUCH_CAMPAIGN.format(code=code))
    if campaign.closed_at is not None and not reopen:
        raise CampaignError(ct.CAMPAIGN_IS_CLOSED.format(code=code))
    return uow.campaigns.activate(campaign)


def campaign_to_use(uow: UnitOfWork, code: str | None, *, none_open: str = ct.NO_CAMPAIGN) -> Campaign:
    """The campaign a command works in: the one named by `code` (`--campaign`), or the one active
    campaign. With several active, naming one is required: the error lists their codes."""
    if code:
        campaign = uow.campaigns.by_code(code.strip())
        if campaign is None:
            raise CampaignError(ct.NO_SUCH_CAMPAIGN.format(code=code))
        return campaign
    active = uow.campaigns.active_all()
    if not active:
        raise CampaignError(none_open)
    if len(active) > 1:
        raise CampaignError(ct.SEVERAL_ACTIVE.format(count=len(active), codes=", ".join(c.code for c in active)))
    return active[0]


def pause_campaign(uow: UnitOfWork, code: str) -> Campaign:
    """Stop one active campaign for now (not closed: `use` opens it again); the others keep running."""
    campaign = uow.campaigns.by_code(code)
    if campaign is None:
        raise CampaignError(ct.NO_SUCH_CAMPAIGN.format(code=code))
    campaign.active = False
    uow.session.add(campaign)
    uow.flush()
    return campaign


def close_campaign(uow: UnitOfWork, code: str, now: datetime | None = None) -> Campaign:
    campaign = uow.campaigns.by_code(code)
    if campaign is None:
        raise CampaignError(ct.NO_SUCH_CAMPAIGN.format(code=code))
    campaign.active = False
    campaign.closed_at = now or utcnow()
    uow.session.add(campaign)
    uow.flush()
    return campaign


def ensure_campaign(
    uow: UnitOfWork, rubric_version: RubricVersion, *, tz: str, today: date | None = None,
) -> Campaign:
    """The active campaign; when there is none, a new one for the school year of `today` (default: today)
    with the 2024 notice's relative calendar. An existing campaign keeps the rubric it was opened with."""
    campaign = uow.campaigns.active()
    if campaign is not None:
        return campaign
    plan = plan_for_school_year(school_year_start(today or date.today()), tz)
    existing = uow.campaigns.by_code(plan.code)
    if existing is not None:  # the same school year was opened before and paused: take it up again
        return uow.campaigns.activate(existing)
    campaign, _ = open_campaign(uow, plan, rubric_version)
    return campaign

