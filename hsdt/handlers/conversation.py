"""Where a user is in a conversation: one pydantic model per flow, stored as JSON with a schema version.

A row the current models cannot read (written by an older release, or damaged) falls back to the
idle state: answers live in their own table, so opening the flow again resumes at the first
unanswered question and nothing the user entered is lost.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from hsdt.scoring.assessment import AssessmentKind

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2


class Mode(StrEnum):
    QUESTION = "q"
    LIST = "list"
    REVIEW = "review"
    CONFIRM = "confirm"
    COMMENT = "cm"  # inspection: points that differ from the school's wait for a comment
    REASON = "ro"  # inspection: the reason for reopening the school's self-assessment


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuestionnaireState(_State):
    criterion: str
    mode: Mode = Mode.QUESTION
    # answering returns to the review screen (the user came from it)
    to_review: bool = False
    # kind of question -> the question where its instructions were shown: elsewhere they sit behind
    # the "ℹ️ Hướng dẫn" button (carried from question to question, see `Questionnaire.carry`)
    helped: dict[str, str] = {}
    help_open: bool = False  # the button was pressed: this question shows its instructions


class SelfAssessmentState(QuestionnaireState):
    flow: Literal["sa"] = "sa"
    selection: list[str] = []  # the multi-choice options ticked so far
    # The files sent at this question are listed in a status message below it (updated per file).
    status_below: bool = False


class InspectionState(QuestionnaireState):
    flow: Literal["insp"] = "insp"
    school: int
    kind: AssessmentKind  # a re-score or a cross-inspection, never SELF (only assigned kinds get here)
    shown_version: int = 0  # version of the points shown: the compare-and-set when saving
    pending_points: float | None = None  # waiting for their comment


Busy = Annotated[SelfAssessmentState | InspectionState, Field(discriminator="flow")]


class IdleState(_State):
    flow: Literal["idle"] = "idle"
    resume: Busy | None = None  # where /huy left the user, so opening the flow again resumes there


Conversation = Annotated[IdleState | SelfAssessmentState | InspectionState, Field(discriminator="flow")]
_ADAPTER: TypeAdapter[IdleState | SelfAssessmentState | InspectionState] = TypeAdapter(Conversation)


# Beside the flow's own state, and kept whatever the flow: the campaign the user chose to work in (only
# when their unit takes part in several active ones) and the campaign the flow's state belongs to (a
# criterion or a school means something only in its campaign).
CHOSEN_KEY = "chosen"
CAMPAIGN_KEY = "campaign"
_OWN_KEYS = ("v", CHOSEN_KEY, CAMPAIGN_KEY)


def _campaign_id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def chosen_campaign(data: dict[str, Any]) -> int | None:
    """The campaign the user chose (`/doidot`), if any: it decides only among their unit's campaigns."""
    return _campaign_id(data, CHOSEN_KEY)


def campaign_of(data: dict[str, Any]) -> int | None:
    """The campaign the stored flow state belongs to (None: stored before campaigns ran side by side)."""
    return _campaign_id(data, CAMPAIGN_KEY)


def load(flow: str, data: dict[str, Any]) -> IdleState | SelfAssessmentState | InspectionState:
    if not data:  # a user the bot has not talked to yet
        return IdleState()
    # Rows of the first release's shape were rewritten by migration 0006: any other version is unreadable.
    if data.get("v") != SCHEMA_VERSION:
        log.warning("conversation state of flow %r has no known version; reset to idle", flow)
        return IdleState()
    try:
        return _ADAPTER.validate_python({k: v for k, v in data.items() if k not in _OWN_KEYS})
    except ValidationError:
        log.warning("conversation state of flow %r unreadable; reset to idle", flow)
        return IdleState()


def dump(state: IdleState | SelfAssessmentState | InspectionState, *, chosen: int | None = None,
         campaign: int | None = None) -> dict[str, Any]:
    kept = {key: value for key, value in ((CHOSEN_KEY, chosen), (CAMPAIGN_KEY, campaign)) if value is not None}
    return {"v": SCHEMA_VERSION, **kept, **state.model_dump(mode="json")}
