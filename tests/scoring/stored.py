"""The scoring functions as the database sees them: every value a test writes as stored JSON is read
back as its type first (`read_stored`, as storage does), and values come back as the JSON they store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hsdt import scoring
from hsdt.scoring import Criterion, Option, Rubric, RuleViolation, SchoolScore, StoredValue, read_stored
from hsdt.scoring.summary import summarise as _summarise


def value(raw: Mapping[str, Any] | None) -> StoredValue | None:
    return read_stored(raw) if raw is not None else None


def values(answers: Mapping[str, Mapping[str, Any] | None]) -> dict[str, StoredValue | None]:
    return {cid: value(raw) for cid, raw in answers.items()}


def parse_text_answer(criterion: Criterion, text: str, shown: Sequence[Option] | None = None) -> dict[str, Any]:
    return scoring.parse_text_answer(criterion, text, shown).to_json()


def validate_value(criterion: Criterion, raw: Any) -> dict[str, Any]:
    return scoring.validate_value(criterion, raw).to_json()


def score_criterion(criterion: Criterion, raw: Mapping[str, Any] | None) -> float:
    return scoring.score_criterion(criterion, value(raw))


def flags(criterion: Criterion, raw: Mapping[str, Any] | None) -> tuple[str, ...]:
    return scoring.flags(criterion, value(raw))


def is_not_applicable(criterion: Criterion, raw: Mapping[str, Any] | None) -> bool:
    return scoring.is_not_applicable(criterion, value(raw))


def score_school(rubric: Rubric, answers: Mapping[str, Mapping[str, Any] | None]) -> SchoolScore:
    return scoring.score_school(rubric, values(answers))


def check_rules(rubric: Rubric, answers: Mapping[str, Mapping[str, Any] | None]) -> tuple[RuleViolation, ...]:
    return scoring.check_rules(rubric, values(answers))


def allowed_options(rubric: Rubric, criterion_id: str,
                    answers: Mapping[str, Mapping[str, Any] | None]) -> tuple[Option, ...]:
    return scoring.allowed_options(rubric, criterion_id, values(answers))


def summarise(criterion: Criterion, raw: Mapping[str, Any]) -> str:
    return _summarise(criterion, read_stored(raw))
