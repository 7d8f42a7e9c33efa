"""Reading what users type as answer values, and the evidence value of a criterion's checked files.

The values themselves are types (:mod:`~hsdt.scoring.values`). What a user types is read against
the question on screen (:func:`parse_text_answer`); a ``document_share`` applies the notice's
exemption: documents that exist only on paper and were never signed (the "Phiếu điều tra phổ cập")
may be stored as they are, so they leave the denominator; the share is ``signed / (stored - paper_only)``.

The evidence value is built by :func:`evidence_value` from one :class:`EvidenceFileCheck` per stored
file, whatever the signature verifier's own verdict looks like:

- ``total``: files checked; ``valid``: files whose signature check passed;
- ``in_period``: valid files signed inside the campaign's record period, by the signing time the
  check used (a trusted timestamp where the signature has one, else the time the signer claims);
- ``in_period_proven``: of those, the files whose signing time is proven by a trusted timestamp.

A value without the period keys (written before they existed) is valid; a criterion that counts only
files signed in the period then counts none of its files and :func:`~hsdt.scoring.score.flags` says
``period_not_checked``.

Errors raise :class:`~hsdt.scoring.values.InvalidAnswer` carrying a ``code`` and JSON-able ``params``
only; the bot's message catalogue renders them in Vietnamese.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hsdt.scoring.rubric import AnswerType, Criterion, Option
from hsdt.scoring.textnorm import fold_text
from hsdt.scoring.values import (
    AnswerValue,
    CountPair,
    DocumentShare,
    EvidenceCount,
    InvalidAnswer,
    MultiChoice,
    Percentage,
    SingleChoice,
    Text,
    build,
)
from hsdt.scoring.values import echo as _echo

__all__ = [
    "EVIDENCE_PERIOD_KEYS",
    "EvidenceFileCheck",
    "evidence_value",
    "parse_text_answer",
]


# --------------------------------------------------------------------------------------------------
# Parsing typed text

_INT = re.compile(r"[0-9]+")
_PAIR = re.compile(r"(-?[0-9]+)\s*(?:[/,;:]\s*|-\s*|\s+)(-?[0-9]+)")
_PAIR_SPLIT = re.compile(r"[\s/,;:\-]+")
_TRIPLE = re.compile(r"(-?[0-9]+)\s*(?:[/,;:]\s*|-\s*|\s+)(-?[0-9]+)\s*(?:[/,;:]\s*|-\s*|\s+)(-?[0-9]+)")
_PERCENT = re.compile(r"([+-]?[0-9]+(?:[.,][0-9]+)?)\s*%?")
_CHOICE_NUMBER = re.compile(r"([0-9]+)[.)]?")
_MULTI_SPLIT = re.compile(r"[\s,;/]+")
_RANGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")
_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-"})
_NONE_WORDS = frozenset({"0", "khong", "khong co", "none"})
_ALL_WORDS = frozenset({"tat ca", "ca 6", "all"})


def parse_text_answer(criterion: Criterion, text: str, shown: Sequence[Option] | None = None) -> AnswerValue:
    """Parse what a user typed as the answer to ``criterion``; returns the value (raises :class:`InvalidAnswer`).

    ``shown`` are the options the user was shown, in the order shown (default: all of the criterion's).
    A typed number refers to that list: where a rule narrows a question's options (II.2 offers only the
    categories set up in I.1), "2" is the second option on the screen, never the rubric's second.

    - count_pair: ``"12/10"``, ``"12 10"``, ``"12, 10"``, ``"12 - 10"`` → issued 12, used 10 (digits only).
    - percentage: ``"85"``, ``"85%"``, ``"85,5"``, ``"85.5"``.
    - document_share: three numbers the same way, ``"120/20/95"`` → stored, paper-only, signed.
    - single_choice: the option's 1-based number (``"2"``, ``"2."``) or its label, ignoring case and
      diacritics (``"day du"`` matches ``"Đầy đủ"``).
    - multi_choice: numbers ``"1,3,5"`` / ``"1 3 5"``, ranges ``"1-4"``, ``"tất cả"`` for all,
      ``"0"`` / ``"không"`` for none, or a single option's label.
    - text: stripped, non-empty, at most 2000 characters.
    - evidence: cannot be typed; raises ``expected_document``.
    """
    text = text.strip()
    options = tuple(criterion.options if shown is None else shown)
    match criterion.type:
        case AnswerType.COUNT_PAIR:
            return _parse_count_pair(text)
        case AnswerType.PERCENTAGE:
            return _parse_percentage(text)
        case AnswerType.DOCUMENT_SHARE:
            return _parse_document_counts(text)
        case AnswerType.SINGLE_CHOICE:
            return _parse_single(options, text)
        case AnswerType.MULTI_CHOICE:
            return _parse_multi(criterion, options, text)
        case AnswerType.TEXT:
            return build(Text, text=text)
        case AnswerType.EVIDENCE:
            raise InvalidAnswer("expected_document")
    raise AssertionError(f"unhandled answer type {criterion.type!r}")  # pragma: no cover


def _parse_count_pair(text: str) -> AnswerValue:
    text = text.translate(_DASHES)
    m = _PAIR.fullmatch(text)
    if m is None:
        tokens = [t for t in _PAIR_SPLIT.split(text) if t]
        if len(tokens) == 2:
            bad = next((t for t in tokens if not _INT.fullmatch(t)), tokens[0])
            field = "issued" if bad == tokens[0] else "used"
            raise InvalidAnswer("not_a_number", {"value": _echo(bad), "field": field})
        raise InvalidAnswer("count_pair_format", {"value": _echo(text)})
    try:
        issued, used = int(m.group(1)), int(m.group(2))
    except ValueError:  # more digits than int() accepts
        raise InvalidAnswer("not_a_number", {"value": _echo(text), "field": "issued"}) from None
    return build(CountPair, issued=issued, used=used)


def _parse_document_counts(text: str) -> AnswerValue:
    m = _TRIPLE.fullmatch(text.translate(_DASHES))
    if m is None:
        raise InvalidAnswer("document_counts_format", {"value": _echo(text)})
    try:
        stored, paper_only, signed = (int(m.group(i)) for i in (1, 2, 3))
    except ValueError:  # more digits than int() accepts
        raise InvalidAnswer("not_a_number", {"value": _echo(text), "field": "stored"}) from None
    return build(DocumentShare, stored=stored, paper_only=paper_only, signed=signed)


def _parse_percentage(text: str) -> AnswerValue:
    m = _PERCENT.fullmatch(text)
    if m is None:
        raise InvalidAnswer("not_a_number", {"value": _echo(text)})
    percent = float(m.group(1).replace(",", "."))
    if not math.isfinite(percent):
        raise InvalidAnswer("not_a_number", {"value": _echo(text)})
    return build(Percentage, percent=percent)


def _parse_single(options: Sequence[Option], text: str) -> SingleChoice:
    count = len(options)
    if not text:
        raise InvalidAnswer("expected_choice", {"value": "", "count": count})
    m = _CHOICE_NUMBER.fullmatch(text)
    if m is not None:
        number = int(m.group(1))
        if 1 <= number <= count:
            return SingleChoice(option=options[number - 1].id)
        raise InvalidAnswer("unknown_option", {"value": _echo(text), "count": count})
    folded = fold_text(text)
    for opt in options:
        if fold_text(opt.label) == folded:
            return SingleChoice(option=opt.id)
    raise InvalidAnswer("expected_choice", {"value": _echo(text), "count": count})


def _parse_multi(criterion: Criterion, options: Sequence[Option], text: str) -> MultiChoice:
    count = len(options)
    folded = fold_text(text)
    if not folded:
        raise InvalidAnswer("expected_choice", {"value": "", "count": count})
    if folded in _NONE_WORDS:
        return MultiChoice(options=())
    if folded in _ALL_WORDS:
        return _in_rubric_order(criterion, {o.id for o in options})
    for opt in options:
        if fold_text(opt.label) == folded:
            return MultiChoice(options=(opt.id,))
    compact = re.sub(r"\s*-\s*", "-", text.translate(_DASHES))
    chosen: set[int] = set()
    for token in _MULTI_SPLIT.split(compact):
        if not token:
            continue
        m = _RANGE.fullmatch(token.rstrip(".)"))
        if m is None:
            raise InvalidAnswer("expected_choice", {"value": _echo(text), "count": count})
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) is not None else low
        if not (1 <= low <= high <= count):
            raise InvalidAnswer("unknown_option", {"value": _echo(token), "count": count})
        chosen.update(range(low, high + 1))
    return _in_rubric_order(criterion, {options[i - 1].id for i in chosen})


def _in_rubric_order(criterion: Criterion, ids: set[str]) -> MultiChoice:
    return MultiChoice(options=tuple(o.id for o in criterion.options if o.id in ids))


# --------------------------------------------------------------------------------------------------
# The evidence value


#: The optional keys of an evidence value (both or neither).
EVIDENCE_PERIOD_KEYS = ("in_period", "in_period_proven")


@dataclass(frozen=True, slots=True)
class EvidenceFileCheck:
    """What scoring needs to know of one checked evidence file.

    Scoring does not depend on the signature verifier's verdict type; from today's verdict a caller
    takes ``valid`` = the file's status is "valid", ``in_period`` = every signature's ``in_period``,
    ``time_proven`` = every signature's ``time_source`` is "timestamp".
    """

    valid: bool  # the signature check passed
    in_period: bool  # signed inside the record period, by the signing time the check used
    time_proven: bool  # that signing time comes from a trusted timestamp, not the signer's claim


def evidence_value(files: Iterable[EvidenceFileCheck]) -> EvidenceCount:
    """The evidence answer value of a criterion from its stored files' checks."""
    checks = list(files)
    valid = [f for f in checks if f.valid]
    in_period = [f for f in valid if f.in_period]
    return EvidenceCount(valid=len(valid), total=len(checks), in_period=len(in_period),
                         in_period_proven=sum(1 for f in in_period if f.time_proven))
