"""The questionnaire engine and the pieces its flows share."""

from hsdt.handlers.questionnaire.engine import QuestionBody, Questionnaire, Wording, group_line, replace, short
from hsdt.handlers.questionnaire.outcomes import Conflict, Invalid, Locked, NeedsComment, Outcome, Saved

__all__ = [
    "Conflict",
    "Invalid",
    "Locked",
    "NeedsComment",
    "Outcome",
    "QuestionBody",
    "Questionnaire",
    "Saved",
    "Wording",
    "group_line",
    "replace",
    "short",
]
