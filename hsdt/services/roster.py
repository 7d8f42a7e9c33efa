"""A roster applied: units and people upserted by code, all or nothing, invites for who has not joined.
No chat here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hsdt.services.invites import issue_invite
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Campaign, Role, Tenant, TenantKind, Unit, UnitKind, User
from hsdt.storage.types import utcnow
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import setup as st
from hsdt.texts.levels import STRUCTURES, Levels, Structure

UNIT_KINDS = tuple(kind.value for kind in UnitKind)
# The level a role's unit must be at; an inspector may belong to any level that inspects.
ROLE_LEVELS: dict[Role, frozenset[UnitKind]] = {
    Role.PRINCIPAL: frozenset({UnitKind.SCHOOL}),
    Role.DISTRICT_STAFF: frozenset({UnitKind.MANAGING}),
    Role.SO_STAFF: frozenset({UnitKind.DEPARTMENT}),
    Role.INSPECTOR: frozenset({UnitKind.DEPARTMENT, UnitKind.MANAGING, UnitKind.SCHOOL}),
    # The Ministry's people belong to its own top unit (the Ministry tenant has no schools).
    Role.MINISTRY_STAFF: frozenset({UnitKind.DEPARTMENT}),
}
# A Vietnamese tax code (mã số thuế): 10 digits, or 13 as "10 digits-3 digits" for a dependent unit.
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


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
    now: datetime | None = None, campaign: Campaign | None = None,
) -> RosterResult:
    """Upsert by code. Applying the same roster twice changes nothing and re-prints the same codes.
    The roster's units take part in `campaign` (default: the newest active campaign, if one is open)."""
    now = now or utcnow()
    campaign = campaign if campaign is not None else uow.campaigns.active()
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
    tenant = uow.session.get(Tenant, uow.tenant)
    ministry = tenant is not None and tenant.kind == TenantKind.MINISTRY
    for person in users:
        if person.code in seen_users:
            problems.append(st.USER_DUPLICATE.format(code=person.code))
        seen_users.add(person.code)
        if person.role not in roles:
            problems.append(st.USER_BAD_ROLE.format(code=person.code, role=person.role))
        elif (person.role == Role.MINISTRY_STAFF) != ministry:
            # A Sở's roster cannot give anyone the national view; the Ministry's has no one else.
            from hsdt.texts import role_name

            problems.append(st.USER_NOT_IN_MINISTRY.format(
                code=person.code, role=role_name(person.role), ministry=role_name(Role.MINISTRY_STAFF))
                if ministry else st.USER_MINISTRY_ONLY.format(code=person.code, role=role_name(person.role)))
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

