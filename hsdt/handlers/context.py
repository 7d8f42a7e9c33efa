"""What a flow gets for one event: the unit of work, the user, their state, the campaign."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from hsdt.events import Incoming, Reply
from hsdt.storage.models import Campaign, ConversationState, Unit, User
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
    """Issues a one-time link that signs this user in to the web dashboard: (url, expires at)."""

    def issue(self, user_id: int) -> tuple[str, datetime]: ...


@dataclass
class Ctx:
    uow: UnitOfWork
    event: Incoming
    user: User
    unit: Unit
    state: ConversationState
    campaign: Campaign | None
    rubric: Rubric | None
    now: datetime
    tz: ZoneInfo
    files_dir: Path
    checked: CheckedFile | None = None
    dashboard_links: SignInLinkIssuer | None = None
    flow: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)

    def goto(self, flow: str, **data: Any) -> None:
        self.flow = flow
        self.data = dict(data)

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%d/%m/%Y %H:%M")


Replies = list[Reply]
