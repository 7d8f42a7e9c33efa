"""A stored answer as the short Vietnamese line the chat's screens and the dashboard show."""

from __future__ import annotations

from hsdt import texts as messages
from hsdt.scoring.rubric import DEFAULT_DOCUMENT_LABELS, Criterion, EvidencePeriod
from hsdt.scoring.score import flags, format_points
from hsdt.scoring.values import (
    CountPair,
    DocumentShare,
    EvidenceCount,
    MultiChoice,
    Percentage,
    Rescore,
    SingleChoice,
    StoredValue,
    Text,
    Unreadable,
)
from hsdt.texts import rubric as rt

SUMMARY_LIMIT = 80


def short(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issued_label(criterion: Criterion) -> str:
    return criterion.issued_label or messages.SA_ISSUED_DEFAULT


def used_label(criterion: Criterion) -> str:
    return criterion.used_label or messages.SA_USED_DEFAULT


def summarise(criterion: Criterion, value: StoredValue) -> str:
    """A short Vietnamese rendering of a stored answer value."""
    labels = {o.id: o.label for o in criterion.options}
    match value:
        case SingleChoice():
            return labels.get(value.option, "?")
        case MultiChoice():
            chosen = [labels.get(o, o) for o in value.options]
            return "; ".join(chosen) if chosen else messages.SA_NONE
        case CountPair():
            text = f"{issued_label(criterion)} {value.issued}, {used_label(criterion)} {value.used}"
            found = flags(criterion, value)
            if "no_certificates_issued" in found:
                text += f" ({messages.SA_FLAG_NO_CERTS})"
            return rt.ANSWER_NOT_APPLICABLE.format(answer=text) if "not_applicable" in found else text
        case Percentage():
            return f"{format_points(value.percent)}%"
        case DocumentShare():
            return documents_line(criterion, value)
        case EvidenceCount():
            return evidence_line(criterion, value)
        case Text():
            return short(value.text, SUMMARY_LIMIT)
        case Rescore():
            return format_points(value.points)
        case Unreadable():
            return "?"
    raise AssertionError(f"unhandled answer value {value!r}")  # pragma: no cover


def evidence_line(criterion: Criterion, value: EvidenceCount) -> str:
    """How many files, how many valid, and (where only those count) how many signed in the record period."""
    if not value.total:
        return messages.SA_EVIDENCE_ANSWER_NONE
    if criterion.evidence_period is not EvidencePeriod.NOT_CHECKED and value.in_period is not None:
        # Only files signed in the record period count: "1/2 valid" alone would not explain 0 points.
        return messages.SA_EVIDENCE_ANSWER_PERIOD.format(total=value.total, valid=value.valid,
                                                         in_period=value.in_period)
    return messages.SA_EVIDENCE_ANSWER.format(total=value.total, valid=value.valid)


def documents_line(criterion: Criterion, value: DocumentShare) -> str:
    """Stored, paper-only and signed documents, with the share the points follow."""
    labels = criterion.document_labels or DEFAULT_DOCUMENT_LABELS
    eligible = value.eligible
    share = messages.SA_DOCUMENTS_NONE if eligible <= 0 else messages.SA_DOCUMENTS_SHARE.format(
        percent=format_points(100 * value.signed / eligible), eligible=eligible)
    return messages.SA_DOCUMENTS_ANSWER.format(
        stored_label=labels.stored, stored=value.stored, paper_label=labels.paper_only.lower(),
        paper_only=value.paper_only, signed_label=labels.signed.lower(), signed=value.signed, share=share)
