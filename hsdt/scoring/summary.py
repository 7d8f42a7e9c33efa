"""A stored answer as the short Vietnamese line the chat's screens and the dashboard show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hsdt import texts as messages
from hsdt.scoring.rubric import DEFAULT_DOCUMENT_LABELS, AnswerType, Criterion, EvidencePeriod
from hsdt.scoring.score import flags, format_points
from hsdt.texts import rubric as rt

SUMMARY_LIMIT = 80


def short(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issued_label(criterion: Criterion) -> str:
    return criterion.issued_label or messages.SA_ISSUED_DEFAULT


def used_label(criterion: Criterion) -> str:
    return criterion.used_label or messages.SA_USED_DEFAULT


def summarise(criterion: Criterion, value: Mapping[str, Any]) -> str:
    """A short Vietnamese rendering of a stored answer value."""
    labels = {o.id: o.label for o in criterion.options}
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            return labels.get(value.get("option", ""), "?")
        case AnswerType.MULTI_CHOICE:
            chosen = [labels.get(o, o) for o in value.get("options", [])]
            return "; ".join(chosen) if chosen else messages.SA_NONE
        case AnswerType.COUNT_PAIR:
            text = f"{issued_label(criterion)} {value.get('issued')}, {used_label(criterion)} {value.get('used')}"
            found = flags(criterion, value)
            if "no_certificates_issued" in found:
                text += f" ({messages.SA_FLAG_NO_CERTS})"
            return rt.ANSWER_NOT_APPLICABLE.format(answer=text) if "not_applicable" in found else text
        case AnswerType.PERCENTAGE:
            return f"{format_points(float(value.get('percent', 0)))}%"
        case AnswerType.DOCUMENT_SHARE:
            return documents_line(criterion, value)
        case AnswerType.EVIDENCE:
            if not value.get("total"):
                return messages.SA_EVIDENCE_ANSWER_NONE
            if criterion.evidence_period is not EvidencePeriod.NOT_CHECKED and "in_period" in value:
                # Only files signed in the record period count: "1/2 valid" alone would not explain 0 points.
                return messages.SA_EVIDENCE_ANSWER_PERIOD.format(
                    total=value.get("total", 0), valid=value.get("valid", 0), in_period=value["in_period"])
            return messages.SA_EVIDENCE_ANSWER.format(total=value.get("total", 0), valid=value.get("valid", 0))
        case _:
            return short(str(value.get("text", "")), SUMMARY_LIMIT)


def documents_line(criterion: Criterion, value: Mapping[str, Any]) -> str:
    """Stored, paper-only and signed documents, with the share the points follow."""
    labels = criterion.document_labels or DEFAULT_DOCUMENT_LABELS
    stored, paper_only, signed = (int(value.get(k, 0)) for k in ("stored", "paper_only", "signed"))
    eligible = stored - paper_only
    share = messages.SA_DOCUMENTS_SHARE.format(percent=format_points(100 * signed / eligible), eligible=eligible) \
        if eligible > 0 else messages.SA_DOCUMENTS_NONE
    return messages.SA_DOCUMENTS_ANSWER.format(
        stored_label=labels.stored, stored=stored, paper_label=labels.paper_only.lower(), paper_only=paper_only,
        signed_label=labels.signed.lower(), signed=signed, share=share)
