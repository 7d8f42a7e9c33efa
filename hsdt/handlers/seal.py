"""Whether a file about to be checked is one the school issues, so that a missing school seal is said.

A file is checked before it is routed (checking takes seconds and happens outside the transaction), so
this reads where the file will land from what routing reads: the upload link's purpose, else the
question the chat is on.
"""

from __future__ import annotations

from hsdt.actions import self_assessment as sa_act
from hsdt.handlers.conversation import IdleState, InspectionState, Mode, SelfAssessmentState
from hsdt.scoring import AnswerType, Rubric


def expects_school_seal(
    payload: str | None, conv: IdleState | SelfAssessmentState | InspectionState | None, rubric: Rubric | None
) -> bool:
    """True for a file sent as evidence of a school's own records (an evidence question of its
    self-assessment, or the same question while an inspector scores it); False for `/kiemtra`, a file
    sent outside an evidence question, and anything else.

    The rubric has no per-question mark of who issues the documents: its evidence questions ask for
    sample documents downloaded from the school's own e-records software, which the school issues
    and seals, so every evidence question counts as one. A document checked on its own (`/kiemtra`)
    may be anyone's — a teacher's own records, a commune's letter — and a missing school seal says
    nothing about it there.
    """
    if rubric is None:
        return False
    if payload:
        # A file sent through an upload link for a stated purpose: only evidence for a criterion counts.
        addressed = sa_act.EvidenceFor.unpack(payload)
        return addressed is not None and _is_evidence(rubric, addressed.criterion)
    if isinstance(conv, SelfAssessmentState | InspectionState) and conv.mode is Mode.QUESTION:
        return _is_evidence(rubric, conv.criterion)
    return False


def _is_evidence(rubric: Rubric, criterion_id: str) -> bool:
    return criterion_id in rubric and rubric.criterion(criterion_id).type is AnswerType.EVIDENCE
