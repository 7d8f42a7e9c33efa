"""The questionnaire engine and the pieces its flows share."""

from hsdt.handlers.questionnaire.engine import Questionnaire, Wording, replace, short

__all__ = ["Questionnaire", "Wording", "replace", "short"]
