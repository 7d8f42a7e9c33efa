"""What a flow gets for one event: the unit of work, the user, their state, the campaign."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from hsdt.events import Incoming, Reply
from hsdt.handlers.conversation import IdleState, InspectionState, SelfAssessmentState
from hsdt.scoring.assessment import Assessment, AssessmentKind
from hsdt.storage.models import Campaign, Unit, User
from hsdt.storage.repositories import StoredState
from hsdt.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from hsdt.scoring import Rubric
    from hsdt.signatures import FileVerdict


@dataclass
class CheckedFile:
    """A file the adapter fetched and the sandbox checked, before the transaction starts."""

    name: str
    path: Path | None
    size: int
    verdict: FileVerdict | None
    refusal: str | None = None  # a Vietnamese message when the file was refused before checking


class SignInLinkIssuer(Protocol):
    """Issues a one-time link that signs this user (of `tenant`, the Sở whose rows the session reads) in to
    the web dashboard, its pages open on `campaign` (a code): (url, expires at)."""

    def issue(self, user_id: int, tenant: int | None = None, campaign: str | None = None) -> tuple[str, datetime]: ...


@dataclass
class Ctx:
    uow: UnitOfWork
    event: Incoming
    user: User
    unit: Unit
    state: StoredState
    campaign: Campaign | None
    rubric: Rubric | None
    now: datetime
    tz: ZoneInfo
    files_dir: Path
    checked: CheckedFile | None = None
    conv: IdleState | SelfAssessmentState | InspectionState = field(default_factory=IdleState)
    # The key of the last screen the channel delivered to the user (`Reply.screen`), if known.
    shown_screen: str | None = None
    dashboard_links: SignInLinkIssuer | None = None
    # The channel declared no buttons (Zalo, the terminal): options are numbered and the user types;
    # wording says "gõ", not "bấm".
    typed: bool = False
    # Whether the user's unit takes part in `campaign`, as read with the user (None: not read yet).
    in_campaign: bool | None = None
    # Every active campaign the user's unit takes part in (newest first); with several, `campaign` is the
    # one the user chose (`chosen`), or None until they choose (the router asks first).
    campaigns: tuple[Campaign, ...] = ()
    chosen: int | None = None
    _assessments: dict[tuple[int, str], Assessment] = field(default_factory=dict)
    _locked: set[tuple[int, str]] = field(default_factory=set)

    @property
    def flow(self) -> str:
        return self.conv.flow

    @property
    def must_choose(self) -> bool:
        """The user's unit takes part in several active campaigns and the user has not chosen one."""
        return self.campaign is None and len(self.campaigns) > 1

    def goto(self, conv: IdleState | SelfAssessmentState | InspectionState) -> None:
        self.conv = conv

    def assessment(self, school_id: int, kind: AssessmentKind | str, *, lock: bool = True) -> Assessment:
        """The school's assessment of `kind` in the event's campaign, loaded once per event.

        With `lock` (for anything that may change it) its row stays locked until the event commits;
        `save_assessments` writes what changed.
        """
        key = (school_id, str(kind))
        found = self._assessments.get(key)
        if found is None or (lock and key not in self._locked):
            assert self.campaign is not None and self.campaign.id is not None and self.rubric is not None
            found = self.uow.assessments.load(self.campaign.id, school_id, kind, self.rubric, now=self.now, lock=lock)
            self._assessments[key] = found
            if lock:
                self._locked.add(key)
        return found

    def save_assessments(self) -> None:
        for key in self._locked:
            self.uow.assessments.save(self._assessments[key], channel=self.event.channel,
                                      event_id=self.event.event_id)

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%d/%m/%Y %H:%M")


Replies = list[Reply]
