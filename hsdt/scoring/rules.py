"""Cross-criterion rules declared in a rubric (``rules:``), checked against a school's answers. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hsdt.scoring.rubric import Option, Rubric, SubsetRule
from hsdt.scoring.values import InvalidAnswer, MultiChoice, StoredValue, check_value
from hsdt.texts import rubric as texts

__all__ = ["RuleViolation", "allowed_options", "check_rules", "subset_allowed"]


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A subset rule broken by a school's answers: ``option_ids`` of ``criterion_id`` are not
    chosen in ``of_id``. ``labels`` are those options' labels, in rubric order."""

    criterion_id: str
    of_id: str
    option_ids: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def message(self) -> str:
        """One Vietnamese sentence naming both criteria and the options at fault."""
        quoted = ", ".join(f"“{label}”" for label in self.labels)
        them = texts.RULE_SUBSET_ONE if len(self.labels) == 1 else texts.RULE_SUBSET_MANY
        return texts.RULE_SUBSET_VIOLATED.format(
            criterion=self.criterion_id, other=self.of_id, labels=quoted, them=them
        )


def _chosen(rubric: Rubric, criterion_id: str, answers: Mapping[str, StoredValue | None]) -> tuple[str, ...] | None:
    value = answers.get(criterion_id)
    if value is None:
        return None
    try:
        checked = check_value(rubric.criterion(criterion_id), value)
    except InvalidAnswer:
        return None
    return checked.options if isinstance(checked, MultiChoice) else None


def subset_allowed(
    rubric: Rubric, rule: SubsetRule, answers: Mapping[str, StoredValue | None]
) -> frozenset[str]:
    """Option ids the rule allows for ``rule.criterion_id``: those chosen for ``rule.of_id``."""
    return frozenset(_chosen(rubric, rule.of_id, answers) or ())


def check_rules(rubric: Rubric, answers: Mapping[str, StoredValue | None]) -> tuple[RuleViolation, ...]:
    """Every rule the answers break, in the rubric's rule order. Unanswered criteria break none."""
    violations: list[RuleViolation] = []
    for rule in rubric.rules:
        chosen = _chosen(rubric, rule.criterion_id, answers)
        if not chosen:
            continue
        allowed = subset_allowed(rubric, rule, answers)
        outside = [o for o in chosen if o not in allowed]
        if outside:
            criterion = rubric.criterion(rule.criterion_id)
            violations.append(
                RuleViolation(
                    criterion_id=rule.criterion_id,
                    of_id=rule.of_id,
                    option_ids=tuple(outside),
                    labels=tuple(criterion.option(o).label for o in outside),
                )
            )
    return tuple(violations)


def allowed_options(
    rubric: Rubric, criterion_id: str, answers: Mapping[str, StoredValue | None]
) -> tuple[Option, ...]:
    """The options a questionnaire should offer for ``criterion_id`` given the other answers
    (for II.2: only the categories chosen in I.1). All options where no rule restricts it."""
    criterion = rubric.criterion(criterion_id)
    allowed: frozenset[str] | None = None
    for rule in rubric.rules:
        if rule.criterion_id == criterion_id:
            ids = subset_allowed(rubric, rule, answers)
            allowed = ids if allowed is None else allowed & ids
    if allowed is None:
        return criterion.options
    return tuple(o for o in criterion.options if o.id in allowed)
