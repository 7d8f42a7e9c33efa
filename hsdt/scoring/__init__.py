"""Rubric, answers and scoring of the self-assessment and the inspectors' re-scoring.

Public API: pure functions, except :func:`load_rubric` / :func:`read_rubric_file` (read a YAML
file) and :func:`bundled_rubric_names` / :func:`bundled_rubric_path` (find the bundled ones).

- rubric files: :mod:`~hsdt.scoring.rubric` (the domain objects) and
  :mod:`~hsdt.scoring.rubric_schema` (the file format, pydantic);
- answers: :mod:`~hsdt.scoring.answers` (typed text, structured values, the evidence value);
- one school: :mod:`~hsdt.scoring.score` ("Không áp dụng", rounding) and
  :mod:`~hsdt.scoring.rules` (cross-criterion rules);
- many schools: :mod:`~hsdt.scoring.aggregate` (the management score and its rule).
"""

from hsdt.scoring.aggregate import (
    MANAGEMENT_RULE_2024,
    MANAGEMENT_RULE_DEFAULT,
    CityReport,
    DistrictInput,
    DistrictReport,
    ManagementRule,
    SchoolInput,
    SchoolReport,
    ScoreSource,
    Unscored,
    aggregate,
    mean_score,
)
from hsdt.scoring.answers import (
    ANSWER_ERROR_CODES,
    EVIDENCE_PERIOD_KEYS,
    TEXT_MAX_LENGTH,
    EvidenceFileCheck,
    InvalidAnswer,
    evidence_value,
    parse_text_answer,
    validate_value,
)
from hsdt.scoring.rubric import (
    ID_PATTERN,
    OPTION_ID_PATTERN,
    RUBRIC_2024_2025,
    AnswerType,
    Band,
    Criterion,
    EvidencePeriod,
    EvidencePoints,
    Group,
    NoneIssued,
    Option,
    Rounding,
    RoundingMode,
    Rubric,
    RubricError,
    RubricProblem,
    SubsetRule,
    bundled_rubric_names,
    bundled_rubric_path,
    default_rubric_path,
    load_rubric,
    load_rubric_text,
    read_rubric_file,
)
from hsdt.scoring.rules import RuleViolation, allowed_options, check_rules
from hsdt.scoring.score import (
    CriterionScore,
    GroupScore,
    SchoolScore,
    band_for,
    flags,
    format_points,
    is_not_applicable,
    score_criterion,
    score_school,
)
from hsdt.scoring.textnorm import fold_text

__all__ = [
    "ANSWER_ERROR_CODES",
    "EVIDENCE_PERIOD_KEYS",
    "ID_PATTERN",
    "MANAGEMENT_RULE_2024",
    "MANAGEMENT_RULE_DEFAULT",
    "OPTION_ID_PATTERN",
    "RUBRIC_2024_2025",
    "TEXT_MAX_LENGTH",
    "AnswerType",
    "Band",
    "CityReport",
    "Criterion",
    "CriterionScore",
    "DistrictInput",
    "DistrictReport",
    "EvidenceFileCheck",
    "EvidencePeriod",
    "EvidencePoints",
    "Group",
    "GroupScore",
    "InvalidAnswer",
    "ManagementRule",
    "NoneIssued",
    "Option",
    "Rounding",
    "RoundingMode",
    "Rubric",
    "RubricError",
    "RubricProblem",
    "RuleViolation",
    "SchoolInput",
    "SchoolReport",
    "SchoolScore",
    "ScoreSource",
    "SubsetRule",
    "Unscored",
    "aggregate",
    "allowed_options",
    "band_for",
    "bundled_rubric_names",
    "bundled_rubric_path",
    "check_rules",
    "default_rubric_path",
    "evidence_value",
    "flags",
    "fold_text",
    "format_points",
    "is_not_applicable",
    "load_rubric",
    "load_rubric_text",
    "mean_score",
    "parse_text_answer",
    "read_rubric_file",
    "score_criterion",
    "score_school",
    "validate_value",
]
