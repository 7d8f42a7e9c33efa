"""Rubric, answers and scoring of the self-assessment and the inspectors' re-scoring.

Public API (pure functions except :func:`load_rubric`, which reads the YAML file).
"""

from hsdt.scoring.aggregate import (
    CityReport,
    DistrictInput,
    DistrictReport,
    SchoolInput,
    SchoolReport,
    aggregate,
    mean_score,
)
from hsdt.scoring.answers import (
    ANSWER_ERROR_CODES,
    TEXT_MAX_LENGTH,
    InvalidAnswer,
    parse_text_answer,
    validate_value,
)
from hsdt.scoring.rubric import (
    ID_PATTERN,
    AnswerType,
    Band,
    Criterion,
    EvidencePoints,
    Group,
    Option,
    Rubric,
    RubricError,
    default_rubric_path,
    load_rubric,
    load_rubric_text,
)
from hsdt.scoring.score import (
    CriterionScore,
    GroupScore,
    SchoolScore,
    band_for,
    flags,
    format_points,
    score_criterion,
    score_school,
)
from hsdt.scoring.textnorm import fold_text

__all__ = [
    "ANSWER_ERROR_CODES",
    "ID_PATTERN",
    "TEXT_MAX_LENGTH",
    "AnswerType",
    "Band",
    "CityReport",
    "Criterion",
    "CriterionScore",
    "DistrictInput",
    "DistrictReport",
    "EvidencePoints",
    "Group",
    "GroupScore",
    "InvalidAnswer",
    "Option",
    "Rubric",
    "RubricError",
    "SchoolInput",
    "SchoolReport",
    "SchoolScore",
    "aggregate",
    "band_for",
    "default_rubric_path",
    "flags",
    "fold_text",
    "format_points",
    "load_rubric",
    "load_rubric_text",
    "mean_score",
    "parse_text_answer",
    "score_criterion",
    "score_school",
    "validate_value",
]
