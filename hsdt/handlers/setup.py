"""Campaign set-up use cases: install the rubric, seed the demo, apply a roster. No chat here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hsdt.handlers.enrolment import issue_invite
from hsdt.scoring import Rubric
from hsdt.storage.models import Campaign, Role, RubricVersion, Unit, User
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork

DEFAULT_CAMPAIGN_CODE = "HSDT-2024"
UNIT_KINDS = ("so", "district", "school")


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


def ensure_campaign(
    uow: UnitOfWork,
    rubric_version: RubricVersion,
    *,
    tz: str,
    record_start: date = date(2024, 9, 1),
    record_end: date = date(2024, 12, 31),
) -> Campaign:
    """The active campaign, created with the notice's dates; it follows the configured rubric."""
    campaign = uow.campaigns.active()
    if campaign is None:
        campaign = uow.campaigns.add(
            Campaign(
                code=DEFAULT_CAMPAIGN_CODE,
                name="Kiểm tra việc sử dụng hồ sơ điện tử, chữ ký số trong các trường mầm non năm học 2024-2025",
                record_start=record_start,
                record_end=record_end,
                inspection_start=date(2024, 12, 30),
                inspection_end=date(2024, 12, 31),
                self_assessment_due=local_datetime(date(2024, 12, 29), time(23, 59), tz),
                deadline=local_datetime(date(2025, 1, 6), time(23, 59), tz),
                rubric_version_id=rubric_version.id,  # type: ignore[arg-type]
            )
        )
    elif campaign.rubric_version_id != rubric_version.id:
        campaign.rubric_version_id = rubric_version.id  # type: ignore[assignment]
        uow.session.add(campaign)
    return campaign


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    parent_code: str | None = None
    uses_erecords: bool = True


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
    invites: list[tuple[User, str, datetime]] = field(default_factory=list)


class RosterError(ValueError):
    """Rows that cannot be applied; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def apply_roster(
    uow: UnitOfWork, units: list[UnitRow], users: list[UserRow], *, invite_ttl: timedelta,
    now: datetime | None = None,
) -> RosterResult:
    """Upsert by code. Applying the same roster twice changes nothing and re-prints the same codes."""
    now = now or utcnow()
    _validate_roster(uow, units, users)
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
                unit = uow.units.add(Unit(code=row.code, name=row.name, kind=row.kind, parent_id=parent_id,
                                          uses_erecords=row.uses_erecords))
                result.created_units += 1
            elif (unit.name, unit.kind, unit.parent_id, unit.uses_erecords) != (
                row.name, row.kind, parent_id, row.uses_erecords
            ):
                unit.name, unit.kind, unit.parent_id, unit.uses_erecords = (
                    row.name, row.kind, parent_id, row.uses_erecords
                )
                uow.session.add(unit)
                result.updated_units += 1
            by_code[row.code] = unit
            pending.remove(row)
            progressed = True
        if not progressed:
            raise RosterError([f"đơn vị {r.code}: vòng lặp đơn vị cấp trên" for r in pending])
    for row in users:
        unit = by_code.get(row.unit_code) or uow.units.by_code(row.unit_code)
        assert unit is not None and unit.id is not None
        user = uow.users.by_code(row.code)
        if user is None:
            user = uow.users.add(User(code=row.code, full_name=row.full_name, role=row.role, unit_id=unit.id,
                                      phone=row.phone, email=row.email))
            result.created_users += 1
        elif (user.full_name, user.role, user.unit_id, user.phone, user.email) != (
            row.full_name, row.role, unit.id, row.phone, row.email
        ):
            user.full_name, user.role, user.unit_id, user.phone, user.email = (
                row.full_name, row.role, unit.id, row.phone, row.email
            )
            uow.session.add(user)
            result.updated_users += 1
        if not uow.identities.of_user(user.id):  # type: ignore[arg-type]
            invite = issue_invite(uow, user, now, invite_ttl)
            result.invites.append((user, invite.code, invite.expires_at))
    uow.flush()
    return result


def _validate_roster(uow: UnitOfWork, units: list[UnitRow], users: list[UserRow]) -> None:
    problems: list[str] = []
    known_units = {row.code for row in units}
    seen: set[str] = set()
    for row in units:
        if row.code in seen:
            problems.append(f"đơn vị {row.code}: mã bị trùng")
        seen.add(row.code)
        if row.kind not in UNIT_KINDS:
            problems.append(f"đơn vị {row.code}: loại «{row.kind}» không hợp lệ")
        if row.parent_code and row.parent_code not in known_units and uow.units.by_code(row.parent_code) is None:
            problems.append(f"đơn vị {row.code}: không có đơn vị cấp trên «{row.parent_code}»")
    seen_users: set[str] = set()
    roles = {r.value for r in Role}
    for row in users:
        if row.code in seen_users:
            problems.append(f"người dùng {row.code}: mã bị trùng")
        seen_users.add(row.code)
        if row.role not in roles:
            problems.append(f"người dùng {row.code}: vai trò «{row.role}» không hợp lệ")
        if row.unit_code not in known_units and uow.units.by_code(row.unit_code) is None:
            problems.append(f"người dùng {row.code}: không có đơn vị «{row.unit_code}»")
    if problems:
        raise RosterError(problems)


DEMO_UNITS = [
    UnitRow("SO-HP", "Sở GD&ĐT Hải Phòng", "so"),
    UnitRow("PGD-HB", "Phòng GD&ĐT quận Hồng Bàng", "district", "SO-HP"),
    UnitRow("PGD-TN", "Phòng GD&ĐT huyện Thủy Nguyên", "district", "SO-HP"),
    UnitRow("MN-HOASEN", "Trường Mầm non Hoa Sen", "school", "PGD-HB"),
    UnitRow("MN-SAOMAI", "Trường Mầm non Sao Mai", "school", "PGD-HB"),
    UnitRow("MN-HOAMAI", "Trường Mầm non Hoa Mai", "school", "PGD-TN"),
    UnitRow("MN-TUOITHO", "Trường Mầm non Tuổi Thơ", "school", "PGD-TN"),
]
DEMO_USERS = [
    UserRow("HT-HOASEN", "Nguyễn Thị Hồng Nhung", Role.PRINCIPAL, "MN-HOASEN"),
    UserRow("CB-HB-01", "Trần Văn Đức", Role.INSPECTOR, "PGD-HB"),
    UserRow("PGD-HB-01", "Lê Thị Thu Hà", Role.DISTRICT_STAFF, "PGD-HB"),
    UserRow("SO-01", "Phạm Minh Tuấn", Role.SO_STAFF, "SO-HP"),
]


def seed_demo(uow: UnitOfWork, *, invite_ttl: timedelta, now: datetime | None = None) -> RosterResult:
    result = apply_roster(uow, DEMO_UNITS, DEMO_USERS, invite_ttl=invite_ttl, now=now)
    from hsdt.handlers.assignments import seed_demo_assignments  # inspection (issue 4): the demo's assignments

    seed_demo_assignments(uow)
    return result


def is_empty(uow: UnitOfWork) -> bool:
    return uow.units.by_code(DEMO_UNITS[0].code) is None and not uow.units.of_kind("school")


def open_invites(uow: UnitOfWork, user_codes: list[str], *, invite_ttl: timedelta,
                 now: datetime | None = None) -> list[tuple[User, str]]:
    """Codes for the given users who have not joined yet (reusing open codes)."""
    now = now or utcnow()
    found: list[tuple[User, str]] = []
    for code in user_codes:
        user = uow.users.by_code(code)
        if user is None or uow.identities.of_user(user.id):  # type: ignore[arg-type]
            continue
        found.append((user, issue_invite(uow, user, now, invite_ttl).code))
    return found
