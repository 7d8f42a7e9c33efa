"""Campaign set-up use cases: install the rubric, seed the demo, apply a roster. No chat here."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hsdt.handlers.enrolment import issue_invite
from hsdt.scoring import Rubric
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, Role, RubricVersion, Unit, UnitKind, User
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import campaigns as ct
from hsdt.texts import setup as st
from hsdt.texts.levels import STRUCTURES, Levels, Structure

UNIT_KINDS = tuple(kind.value for kind in UnitKind)
# The level a role's unit must be at; an inspector may belong to any level that inspects.
ROLE_LEVELS: dict[Role, frozenset[UnitKind]] = {
    Role.PRINCIPAL: frozenset({UnitKind.SCHOOL}),
    Role.DISTRICT_STAFF: frozenset({UnitKind.MANAGING}),
    Role.SO_STAFF: frozenset({UnitKind.DEPARTMENT}),
    Role.INSPECTOR: frozenset({UnitKind.DEPARTMENT, UnitKind.MANAGING, UnitKind.SCHOOL}),
}
# A Vietnamese tax code (mã số thuế): 10 digits, or 13 as "10 digits-3 digits" for a dependent unit.
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")
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


# --- campaigns ---------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str  # a UnitKind value
    parent_code: str | None = None
    uses_erecords: bool = True
    position: int | None = None  # the roster's STT
    cluster: str | None = None
    tax_code: str | None = None
    heading: UnitHeading = field(default_factory=lambda: UnitHeading())  # the forms' facts


@dataclass(frozen=True)
class UnitHeading:
    """What the official forms print for a unit, where the roster says so (None: the level's default, see
    `hsdt.reports.heading`)."""

    official_name: str | None = None
    short_name: str | None = None
    parent_body: str | None = None
    place_name: str | None = None
    signer_authority: str | None = None
    signer_title: str | None = None

    @classmethod
    def of(cls, unit: Unit) -> UnitHeading:
        return cls(unit.official_name, unit.short_name, unit.parent_body, unit.place_name,
                           unit.signer_authority, unit.signer_title)

    def apply(self, unit: Unit) -> None:
        unit.official_name, unit.short_name, unit.parent_body = self.official_name, self.short_name, self.parent_body
        unit.place_name, unit.signer_authority, unit.signer_title = (
            self.place_name, self.signer_authority, self.signer_title)


@dataclass(frozen=True)
class UserRow:
    code: str
    full_name: str
    role: str
    unit_code: str
    phone: str | None = None
    email: str | None = None


@dataclass
class RosterResult:
    created_units: int = 0
    updated_units: int = 0
    created_users: int = 0
    updated_users: int = 0
    joined_campaign: int = 0
    invites: list[tuple[User, str, datetime]] = field(default_factory=list)


class RosterError(ValueError):
    """Rows that cannot be applied; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _unit_fields(row: UnitRow, parent_id: int | None) -> tuple[object, ...]:
    return (row.name, row.kind, parent_id, row.uses_erecords, row.position, row.cluster, row.tax_code, row.heading)


def apply_roster(
    uow: UnitOfWork, units: list[UnitRow], users: list[UserRow], *, invite_ttl: timedelta,
    now: datetime | None = None,
) -> RosterResult:
    """Upsert by code. Applying the same roster twice changes nothing and re-prints the same codes.
    The roster's units take part in the active campaign (if one is open)."""
    now = now or utcnow()
    campaign = uow.campaigns.active()
    levels = uow.levels.of_campaign(campaign.id) if campaign is not None else None
    _validate_roster(uow, units, users, levels)
    result = RosterResult()
    by_code: dict[str, Unit] = {}
    # Parents first, whatever the order of the sheet.
    pending = list(units)
    while pending:
        progressed = False
        for row in list(pending):
            if row.parent_code and row.parent_code not in by_code and uow.units.by_code(row.parent_code) is None:
                continue
            parent = by_code.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent is None:
                parent = uow.units.by_code(row.parent_code)
            parent_id = parent.id if parent is not None else None
            unit = uow.units.by_code(row.code)
            if unit is None:
                unit = Unit(code=row.code, name=row.name, kind=row.kind, parent_id=parent_id,
                            uses_erecords=row.uses_erecords, position=row.position, cluster=row.cluster,
                            tax_code=row.tax_code)
                row.heading.apply(unit)
                unit = uow.units.add(unit)
                result.created_units += 1
            elif _unit_fields(row, parent_id) != (unit.name, unit.kind, unit.parent_id, unit.uses_erecords,
                                                  unit.position, unit.cluster, unit.tax_code, UnitHeading.of(unit)):
                unit.name, unit.kind, unit.parent_id, unit.uses_erecords = (
                    row.name, row.kind, parent_id, row.uses_erecords
                )
                unit.position, unit.cluster, unit.tax_code = row.position, row.cluster, row.tax_code
                row.heading.apply(unit)
                uow.session.add(unit)
                result.updated_units += 1
            by_code[row.code] = unit
            pending.remove(row)
            progressed = True
        if not progressed:
            raise RosterError([st.UNIT_CYCLE.format(code=r.code) for r in pending])
    for person in users:
        unit = by_code.get(person.unit_code) or uow.units.by_code(person.unit_code)
        assert unit is not None and unit.id is not None
        user = uow.users.by_code(person.code)
        role = Role(person.role)  # validated above
        if user is None:
            user = uow.users.add(User(code=person.code, full_name=person.full_name, role=role,
                                      unit_id=unit.id, phone=person.phone, email=person.email))
            result.created_users += 1
        elif (user.full_name, user.role, user.unit_id, user.phone, user.email) != (
            person.full_name, role, unit.id, person.phone, person.email
        ):
            user.full_name, user.role, user.unit_id, user.phone, user.email = (
                person.full_name, role, unit.id, person.phone, person.email
            )
            uow.session.add(user)
            result.updated_users += 1
        if not uow.identities.of_user(stored_id(user.id)):
            invite = issue_invite(uow, user, now, invite_ttl)
            result.invites.append((user, invite.code, invite.expires_at))
    if campaign is not None and campaign.id is not None:
        result.joined_campaign = uow.units.join_campaign(campaign.id, [u.id for u in by_code.values()
                                                                       if u.id is not None])
    uow.flush()
    return result


def _validate_roster(uow: UnitOfWork, units: list[UnitRow], users: list[UserRow], levels: Levels | None) -> None:
    problems: list[str] = []
    known_units = {row.code: row for row in units}
    seen: set[str] = set()
    for row in units:
        if row.code in seen:
            problems.append(st.UNIT_DUPLICATE.format(code=row.code))
        seen.add(row.code)
        if row.kind not in UNIT_KINDS:
            problems.append(st.UNIT_BAD_KIND.format(code=row.code, kind=row.kind))
        elif levels is not None and not levels.has(row.kind):
            problems.append(st.UNIT_LEVEL_NOT_IN_CAMPAIGN.format(code=row.code, level=levels.of(row.kind).singular))
        if row.parent_code and row.parent_code not in known_units and uow.units.by_code(row.parent_code) is None:
            problems.append(st.UNIT_NO_PARENT.format(code=row.code, parent=row.parent_code))
        if row.position is not None and row.position < 0:
            problems.append(st.UNIT_BAD_POSITION.format(code=row.code))
        if row.tax_code is not None and not _TAX_CODE.match(row.tax_code):
            problems.append(st.UNIT_BAD_TAX_CODE.format(code=row.code, tax_code=row.tax_code))
    seen_users: set[str] = set()
    roles = {r.value for r in Role}
    for person in users:
        if person.code in seen_users:
            problems.append(st.USER_DUPLICATE.format(code=person.code))
        seen_users.add(person.code)
        if person.role not in roles:
            problems.append(st.USER_BAD_ROLE.format(code=person.code, role=person.role))
        unit: UnitRow | Unit | None = known_units.get(person.unit_code) or uow.units.by_code(person.unit_code)
        if unit is None:
            problems.append(st.USER_NO_UNIT.format(code=person.code, unit=person.unit_code))
            continue
        kind = unit.kind
        if person.role in roles and kind in UNIT_KINDS and UnitKind(kind) not in ROLE_LEVELS[Role(person.role)]:
            from hsdt.texts import role_name

            named = levels or STRUCTURES[Structure.COMMUNE]
            problems.append(st.USER_WRONG_LEVEL.format(
                code=person.code, role=role_name(person.role, named), unit=person.unit_code,
                level=named.of(kind).singular))
    if problems:
        raise RosterError(problems)


DEMO_SO = UnitRow("SO-HP", "Sở GD&ĐT Hải Phòng", UnitKind.DEPARTMENT, position=1)
DEMO_SCHOOLS = [  # (code, name, managing unit's code)
    ("MN-HOASEN", "Trường Mầm non Hoa Sen", "HB"),
    ("MN-SAOMAI", "Trường Mầm non Sao Mai", "HB"),
    ("MN-HOAMAI", "Trường Mầm non Hoa Mai", "TN"),
    ("MN-TUOITHO", "Trường Mầm non Tuổi Thơ", "TN"),
]


def demo_units(structure: Structure) -> list[UnitRow]:
    """The demo's roster in one structure: two managing units of two schools each (or four schools
    directly under the Sở)."""
    if structure is Structure.DIRECT:
        return [DEMO_SO, *(UnitRow(code, name, UnitKind.SCHOOL, DEMO_SO.code, position=i)
                           for i, (code, name, _) in enumerate(DEMO_SCHOOLS, start=2))]
    commune = structure is Structure.COMMUNE
    managing = {
        key: UnitRow(f"{'UB' if commune else 'PGD'}-{key}", (st.DEMO_COMMUNES if commune else st.DEMO_DISTRICTS)[key],
                     UnitKind.MANAGING, DEMO_SO.code, position=i, cluster=st.DEMO_CLUSTER if commune else None)
        for i, key in enumerate(("HB", "TN"), start=2)
    }
    schools = [UnitRow(code, name, UnitKind.SCHOOL, managing[key].code, position=i)
               for i, (code, name, key) in enumerate(DEMO_SCHOOLS, start=4)]
    return [DEMO_SO, *managing.values(), *schools]


def demo_users(structure: Structure) -> list[UserRow]:
    units = {u.code[-2:]: u.code for u in demo_units(structure) if u.kind == UnitKind.MANAGING}
    hb = units.get("HB", DEMO_SO.code)
    return [
        UserRow("HT-HOASEN", "Nguyễn Thị Hồng Nhung", Role.PRINCIPAL, "MN-HOASEN"),
        UserRow("CB-HB-01", "Trần Văn Đức", Role.INSPECTOR, hb),
        UserRow("PGD-HB-01", "Lê Thị Thu Hà", Role.DISTRICT_STAFF if structure is not Structure.DIRECT
                else Role.SO_STAFF, hb),
        UserRow("SO-01", "Phạm Minh Tuấn", Role.SO_STAFF, DEMO_SO.code),
    ]


# The 2024-2025 demo (Phòng GD&ĐT quận/huyện), which the tests run against.
DEMO_UNITS = demo_units(Structure.DISTRICT)
DEMO_USERS = demo_users(Structure.DISTRICT)


def seed_demo(uow: UnitOfWork, *, invite_ttl: timedelta, now: datetime | None = None) -> RosterResult:
    """The demo roster in the active campaign's structure, and the demo's assignments."""
    campaign = uow.campaigns.active()
    structure = _structure_of(uow.levels.of_campaign(campaign.id)) if campaign is not None else Structure.DISTRICT
    result = apply_roster(uow, demo_units(structure), demo_users(structure), invite_ttl=invite_ttl, now=now)
    from hsdt.handlers.assignments import seed_demo_assignments

    seed_demo_assignments(uow)
    return result


def _structure_of(levels: Levels) -> Structure:
    for structure, named in STRUCTURES.items():
        if named == levels:
            return structure
    return Structure.COMMUNE if levels.has_managing else Structure.DIRECT


def is_empty(uow: UnitOfWork) -> bool:
    return uow.units.by_code(DEMO_SO.code) is None and not uow.units.of_kind(UnitKind.SCHOOL)


def open_invites(uow: UnitOfWork, user_codes: list[str], *, invite_ttl: timedelta,
                 now: datetime | None = None) -> list[tuple[User, str]]:
    """Codes for the given users who have not joined yet (reusing open codes)."""
    now = now or utcnow()
    found: list[tuple[User, str]] = []
    for code in user_codes:
        user = uow.users.by_code(code)
        if user is None or uow.identities.of_user(stored_id(user.id)):
            continue
        found.append((user, issue_invite(uow, user, now, invite_ttl).code))
    return found
