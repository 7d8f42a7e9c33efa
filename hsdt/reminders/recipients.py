"""Who still owes work, computed from the current state at fire time, and what to tell them.

Set-based queries (one per table), so a campaign of thousands of schools is decided in one pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, inspect
from sqlmodel import col, select

from hsdt.actions import campaign as campaign_actions
from hsdt.actions import inspection as inspection_actions
from hsdt.actions import menu as menu_actions
from hsdt.actions import reminders as reminder_actions
from hsdt.actions import self_assessment as self_assessment_actions
from hsdt.events import Button, Reply, rows
from hsdt.reminders.calendar import Calendar, Reminder, ReminderKind
from hsdt.storage.keys import stored_id
from hsdt.storage.models import Answer, Campaign, Role, Submission, SubmissionStatus, Unit, UnitKind, User
from hsdt.storage.repositories import ROSTER_ORDER
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import reminders as msg

SELF_KIND = "self"
INSPECTOR_RESUME_ACTION = inspection_actions.Open().pack()
MENU_ACTION = menu_actions.Menu().pack()
CALENDAR_ACTION = reminder_actions.Calendar().pack()


@dataclass(frozen=True)
class Notice:
    """One person who owes work, why, and the message they would get."""

    user_id: int
    user_code: str
    role: str
    why: str  # for operators (dry run): what is left
    reply: Reply


@dataclass
class Progress:
    """The campaign's state as the reminders see it."""

    schools: dict[int, Unit]
    total_criteria: int
    submitted: set[int]  # schools whose self-assessment is submitted
    answered: dict[int, int]  # school id -> answered criteria (self)
    # inspector id -> assigned schools not re-scored yet
    pending_rescoring: dict[int, list[int]] = field(default_factory=dict)
    assignments: list[tuple[int, int, bool]] = field(default_factory=list)  # (inspector, school, done)

    def not_submitted(self, school_ids: Iterable[int]) -> list[int]:
        return [s for s in school_ids if s not in self.submitted]


def load_progress(uow: UnitOfWork, campaign_id: int, total_criteria: int) -> Progress:
    session = uow.session
    # The schools taking part in the campaign, in the roster's order.
    schools = {stored_id(u.id): u for u in uow.units.of_kind(UnitKind.SCHOOL, campaign_id)}
    submitted = set(
        session.exec(
            select(Submission.school_id).where(
                Submission.campaign_id == campaign_id,
                Submission.kind == SELF_KIND,
                Submission.status == SubmissionStatus.SUBMITTED,
            )
        ).all()
    )
    answered = dict(
        session.exec(
            select(Answer.school_id, func.count())
            .where(Answer.campaign_id == campaign_id, Answer.kind == SELF_KIND)
            .group_by(col(Answer.school_id))
        ).all()
    )
    progress = Progress(schools=schools, total_criteria=total_criteria, submitted=submitted, answered=answered)
    progress.assignments = assignment_states(uow, campaign_id)
    for inspector_id, school_id, done in progress.assignments:
        if not done:
            progress.pending_rescoring.setdefault(inspector_id, []).append(school_id)
    return progress


def assignment_states(uow: UnitOfWork, campaign_id: int) -> list[tuple[int, int, bool]]:
    """(inspector, school, re-scored?) for every assignment of the inspection feature.

    Re-scoring is done when the `Submission` of the assignment's kind ("district" or "cross") is
    submitted. Empty while the inspection tables are not migrated (features are developed in parallel).
    """
    try:
        from hsdt.storage.inspection_models import Assignment
    except ImportError:  # pragma: no cover - the inspection feature is not installed
        return []
    bind = uow.session.connection()
    if not inspect(bind).has_table(Assignment.__tablename__):
        return []
    done = set(
        uow.session.exec(
            select(Submission.school_id, Submission.kind).where(
                Submission.campaign_id == campaign_id,
                Submission.status == SubmissionStatus.SUBMITTED,
                col(Submission.kind) != SELF_KIND,
            )
        ).all()
    )
    assignments = uow.session.exec(
        select(Assignment.inspector_id, Assignment.school_id, Assignment.kind)
        .where(Assignment.campaign_id == campaign_id)
        .order_by(col(Assignment.id))
    ).all()
    return [(inspector, school, (school, kind) in done) for inspector, school, kind in assignments]


class Audience:
    """Builds the notices of one reminder at one moment."""

    def __init__(self, uow: UnitOfWork, cal: Calendar, progress: Progress, now: datetime,
                 named: Campaign | None = None) -> None:
        """`named`: the reminder's campaign, when several run side by side: each reminder then says
        which campaign it is about and offers to work in it."""
        self.uow = uow
        self.named = named
        self.cal = cal
        self.progress = progress
        self.now = now
        users = uow.session.exec(select(User).where(User.active == True).order_by(col(User.id))).all()  # noqa: E712
        self.by_role: dict[str, list[User]] = defaultdict(list)
        for user in users:
            self.by_role[user.role].append(user)
        self.users = {u.id: u for u in users}
        units = uow.session.exec(select(Unit).order_by(*ROSTER_ORDER)).all()
        self.units = {u.id: u for u in units}

    # --- helpers ----------------------------------------------------------------------------------

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.cal.tz).strftime("%d/%m/%Y %H:%M")

    def day(self, value: date) -> str:
        return value.strftime("%d/%m/%Y")

    def until(self, moment: datetime) -> str:
        return msg.remaining((moment - self.now).total_seconds())

    def schools_under(self, unit_id: int) -> list[int]:
        """Schools whose chain of parents reaches `unit_id` (any depth)."""
        found = []
        for school_id in self.progress.schools:
            current, seen = self.units.get(school_id), set()
            while current is not None and current.parent_id is not None and current.id not in seen:
                seen.add(current.id)
                if current.parent_id == unit_id:
                    found.append(school_id)
                    break
                current = self.units.get(current.parent_id)
        return found

    def school_name(self, school_id: int) -> str:
        unit = self.progress.schools.get(school_id) or self.units.get(school_id)
        return unit.name if unit is not None else f"#{school_id}"

    # --- audiences ------------------------------------------------------------------------------

    def notices(self, reminder: Reminder) -> list[Notice]:
        found = self.principals(reminder)
        if reminder.kind is not ReminderKind.SELF_ASSESSMENT:
            found += self.inspectors(reminder)
            found += self.district_staff(reminder)
        if reminder.kind is ReminderKind.INSPECTION_DAY:
            found += self.so_staff(reminder)
        return found

    def _wrap(self, reminder: Reminder, lines: list[str], button: Button) -> Reply:
        what = {
            ReminderKind.SELF_ASSESSMENT: msg.WHAT_SELF_ASSESSMENT,
            ReminderKind.INSPECTION_DAY: msg.WHAT_INSPECTION_DAY.format(day=self.day(self.cal.local_day(reminder.due))),
            ReminderKind.FINAL_DEADLINE: msg.WHAT_FINAL_DEADLINE,
        }[reminder.kind]
        footer = msg.FOOTER_MUTABLE if reminder.mutable else msg.FOOTER_FINAL
        head = [msg.REMINDER_HEADER.format(what=what)]
        buttons = [button, Button(msg.BTN_CALENDAR, CALENDAR_ACTION)]
        if self.named is not None and self.named.id is not None:
            head.append(msg.REMINDER_CAMPAIGN.format(name=self.named.name, code=self.named.code))
            buttons.insert(0, Button(msg.BTN_WORK_IN_CAMPAIGN, campaign_actions.Choose(self.named.id).pack()))
        text = "\n".join([*head, *lines, "", footer])
        return Reply(text, buttons=rows(*buttons))

    def principals(self, reminder: Reminder) -> list[Notice]:
        progress, notices = self.progress, []
        for user in self.by_role[Role.PRINCIPAL]:
            school_id = user.unit_id
            if school_id not in progress.schools or school_id in progress.submitted:
                continue
            answered, total = progress.answered.get(school_id, 0), progress.total_criteria
            school = self.school_name(school_id)
            first = (
                msg.PRINCIPAL_ALL_ANSWERED.format(school=school, total=total)
                if answered >= total
                else msg.PRINCIPAL_LEFT.format(school=school, answered=answered, total=total, left=total - answered)
            )
            if self.now <= self.cal.self_assessment_due:
                second = msg.PRINCIPAL_DUE.format(due=self.local(self.cal.self_assessment_due),
                                                  remaining=self.until(self.cal.self_assessment_due))
            else:
                second = msg.PRINCIPAL_OVERDUE.format(due=self.local(self.cal.self_assessment_due),
                                                      remaining=self.until(self.cal.self_assessment_due))
            resume = Button(msg.BTN_RESUME_SELF_ASSESSMENT, self_assessment_actions.Open().pack())
            reply = self._wrap(reminder, [first, second], resume)
            notices.append(Notice(stored_id(user.id), user.code, user.role,
                                  f"self-assessment not submitted ({answered}/{total} answered)", reply))
        return notices

    def inspectors(self, reminder: Reminder) -> list[Notice]:
        notices = []
        for user in self.by_role[Role.INSPECTOR]:
            pending = self.progress.pending_rescoring.get(stored_id(user.id), [])
            if not pending:
                continue
            lines = []
            if reminder.kind is ReminderKind.INSPECTION_DAY:
                lines.append(msg.INSPECTOR_TODAY.format(day=self.day(self.cal.local_day(reminder.due))))
            lines.append(msg.INSPECTOR_LEFT.format(count=len(pending)))
            lines += [f"• {self.school_name(s)}" for s in pending]
            lines.append(msg.INSPECTOR_DEADLINE.format(deadline=self.local(self.cal.deadline),
                                                       remaining=self.until(self.cal.deadline)))
            reply = self._wrap(reminder, lines, Button(msg.BTN_RESUME_INSPECTION, INSPECTOR_RESUME_ACTION))
            notices.append(Notice(stored_id(user.id), user.code, user.role,
                                  f"{len(pending)} assigned school(s) not re-scored", reply))
        return notices

    def overdue_in(self, district_id: int) -> list[str]:
        """Lines for the schools of a district that are late (self-assessment past due, re-scoring past
        the inspection days)."""
        lines, progress = [], self.progress
        schools = self.schools_under(district_id)
        if self.now > self.cal.self_assessment_due:
            for school_id in progress.not_submitted(schools):
                lines.append(msg.DISTRICT_SCHOOL_NOT_SUBMITTED.format(
                    school=self.school_name(school_id), answered=progress.answered.get(school_id, 0),
                    total=progress.total_criteria))
        if self.cal.local_day(self.now) > self.cal.inspection_end:
            late: dict[int, list[str]] = defaultdict(list)
            wanted = set(schools)
            for inspector_id, school_id, done in progress.assignments:
                if not done and school_id in wanted:
                    inspector = self.users.get(inspector_id)
                    late[school_id].append(inspector.full_name if inspector else f"#{inspector_id}")
            for school_id, names in late.items():
                lines.append(msg.DISTRICT_SCHOOL_NOT_RESCORED.format(
                    school=self.school_name(school_id), inspectors=", ".join(names)))
        return lines

    def district_staff(self, reminder: Reminder) -> list[Notice]:
        notices, cache = [], {}
        for user in self.by_role[Role.DISTRICT_STAFF]:
            if user.unit_id not in cache:
                cache[user.unit_id] = self.overdue_in(user.unit_id)
            lines = cache[user.unit_id]
            if not lines:
                continue
            district = self.units[user.unit_id].name if user.unit_id in self.units else ""
            body = [msg.DISTRICT_DIGEST.format(district=district, count=len(lines)), *lines,
                    msg.INSPECTOR_DEADLINE.format(deadline=self.local(self.cal.deadline),
                                                  remaining=self.until(self.cal.deadline))]
            reply = self._wrap(reminder, body, Button(msg.BTN_MENU, MENU_ACTION))
            notices.append(Notice(stored_id(user.id), user.code, user.role,
                                  f"digest: {len(lines)} late school(s) in the district", reply))
        return notices

    def so_staff(self, reminder: Reminder) -> list[Notice]:
        staff = self.by_role[Role.SO_STAFF]
        if not staff:
            return []
        progress = self.progress
        lines = [
            msg.SO_SELF_ASSESSMENT.format(submitted=len(progress.submitted & set(progress.schools)),
                                          total=len(progress.schools)),
            msg.SO_RESCORING.format(done=sum(1 for a in progress.assignments if a[2]),
                                    assigned=len(progress.assignments)),
        ]
        for district in (u for u in self.units.values() if u.kind == UnitKind.MANAGING):
            schools = set(self.schools_under(stored_id(district.id)))
            if not schools and self.named is not None:
                continue  # a district with no school in this campaign (another one runs beside it)
            states = [a for a in progress.assignments if a[1] in schools]
            lines.append(msg.SO_BY_DISTRICT.format(
                district=district.name, submitted=len(schools & progress.submitted), total=len(schools),
                done=sum(1 for a in states if a[2]), assigned=len(states)))
        lines.append(msg.SO_DEADLINE.format(deadline=self.local(self.cal.deadline),
                                            remaining=self.until(self.cal.deadline)))
        day = self.day(self.cal.local_day(reminder.due))
        reply = self._wrap(reminder, [msg.SO_DIGEST.format(day=day), *lines], Button(msg.BTN_MENU, MENU_ACTION))
        return [Notice(stored_id(u.id), u.code, u.role, "daily digest of the inspection window", reply)
                for u in staff]
