"""Files in: a document fetched and checked outside the event's transaction (it may take seconds),
and the one-time upload links spent."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from hsdt import texts as messages
from hsdt.events import FileTooLarge, Incoming
from hsdt.handlers import campaign_choice, conversation
from hsdt.handlers.context import CheckedFile
from hsdt.handlers.seal import expects_school_seal
from hsdt.signatures.checker import Checker
from hsdt.signatures.classify import SchoolIdentity
from hsdt.signatures.config import RecordPeriod
from hsdt.storage.models import UnitKind
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
# Runs a blocking lookup on the database threads (the dispatcher's).
SealLookup = tuple[SchoolIdentity | None, bool, RecordPeriod | None]
DbRunner = Callable[[Callable[[Incoming], SealLookup], Incoming], Awaitable[SealLookup]]


class FileIntake:
    def __init__(self, engine: Engine, files_dir: Path, max_upload_bytes: int, checker: Checker | None,
                 db: DbRunner, rubrics: RubricCache, *, tz: str | None = None) -> None:
        self.engine = engine
        self.files_dir = files_dir
        self.max_upload_bytes = max_upload_bytes
        self.checker = checker
        self._db = db
        self.rubrics = rubrics
        self.tz = tz

    async def check_file(self, event: Incoming) -> CheckedFile:
        """Fetch and check a document outside the transaction: it may take seconds."""
        ref = event.file
        assert ref is not None
        name = ref.name or "tep.pdf"
        limit = self.max_upload_bytes
        if ref.size is not None and ref.size > limit:
            return CheckedFile(
                name=name,
                path=None,
                size=ref.size,
                verdict=None,
                refusal=messages.CHECK_TOO_LARGE.format(
                    name=name, size_mb=_mb(ref.size), limit_mb=_mb(limit)
                ),
            )
        if self.checker is None:
            return CheckedFile(name=name, path=None, size=ref.size or 0, verdict=None,
                               refusal=messages.CHECK_UNAVAILABLE)
        tmp_dir = self.files_dir / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = tmp_dir / f"{uuid.uuid4().hex}.pdf"
        try:
            await ref.fetch(path, limit)
        except FileTooLarge:
            path.unlink(missing_ok=True)
            return CheckedFile(name=name, path=None, size=limit + 1, verdict=None,
                               refusal=messages.CHECK_TOO_LARGE.format(
                                   name=name, size_mb=f"> {_mb(limit)}", limit_mb=_mb(limit)))
        except Exception:
            log.exception("download of %s failed", name)
            path.unlink(missing_ok=True)
            return CheckedFile(name=name, path=None, size=0, verdict=None,
                               refusal=messages.CHECK_DOWNLOAD_FAILED.format(name=name))
        school, school_issued, period = await self._db(self.seal_of, event)
        verdict = await self.checker.check(path, display_name=name, school=school, school_issued=school_issued,
                                           period=period)
        return CheckedFile(name=name, path=path, size=path.stat().st_size, verdict=verdict)

    def seal_of(self, event: Incoming) -> SealLookup:
        """Whose seal a file should carry (the sender's school, or the school an inspector is scoring),
        whether the file is one that school issues, so a missing seal is said (`expects_school_seal`),
        and the record period of the campaign the file is for (None: the checker's own).
        Only a tax code from the roster is compared: names are written too many ways to judge by."""
        with UnitOfWork(self.engine) as uow:
            found = uow.identities.sender(event.channel, event.user_ref)
            if found is None:
                return None, False, None
            user, unit, campaign = found.user, found.unit, found.campaign
            conv = None
            if user.id is not None:
                state = uow.conversations.load_for_update(user.id)
                conv = conversation.load(state.flow, state.data)
                campaign = campaign_choice.resolve(found, conversation.chosen_campaign(state.data)).campaign
            rubric = self.rubrics.for_campaign(uow, campaign) if campaign is not None else None
            issued = expects_school_seal(event.payload, conv, rubric)
            period = (RecordPeriod(campaign.record_start, campaign.record_end, self.tz)
                      if campaign is not None and self.tz is not None else None)
            if unit.kind != UnitKind.SCHOOL and isinstance(conv, conversation.InspectionState):
                school = uow.units.get(conv.school)
                unit = school if school is not None else unit
            if unit.kind != UnitKind.SCHOOL or not unit.tax_code:
                return None, issued, period
            return SchoolIdentity(tax_code=unit.tax_code, name=unit.name), issued, period

    def spend_link(self, nonce: str, user_id: int, purpose: str) -> bool:
        """Marks a one-time upload link used; False when it already was (also by a concurrent use)."""
        try:
            with UnitOfWork(self.engine) as uow:
                return uow.channels.use_link(nonce, user_id, purpose)
        except IntegrityError:
            return False


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")
