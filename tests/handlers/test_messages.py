"""Every answer error code the scoring package can raise has a Vietnamese message."""

from hsdt import texts as messages
from hsdt.scoring import ANSWER_ERROR_CODES


def test_every_answer_error_code_has_a_message() -> None:
    assert set(ANSWER_ERROR_CODES) <= set(messages.INVALID_ANSWER)
