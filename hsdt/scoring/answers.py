"""Answer values: parsing what users type, and validating structured values.

Answer values are small JSON-able dicts, one shape per answer type:

=============  ===========================================================
single_choice  ``{"option": "full"}``
multi_choice   ``{"options": ["c1", "c3"]}`` (unique, in the rubric's option order; ``[]`` = none)
count_pair     ``{"issued": 12, "used": 10}`` (integers, 0 <= used <= issued)
percentage     ``{"percent": 85.5}`` (0..100)
text           ``{"text": "..."}`` (stripped, 1..2000 characters)
evidence       ``{"valid": 2, "total": 3}`` (PDFs whose signature check passed / PDFs checked), and
               optionally ``"in_period": 2, "in_period_proven": 1`` (see below)
document_share ``{"stored": 120, "paper_only": 20, "signed": 95}`` (integers; documents stored in the
               software, of them the ones that exist only on paper, and the digitally signed ones:
               ``paper_only <= stored``, ``signed <= stored - paper_only``)
=============  ===========================================================

A ``document_share`` applies the notice's exemption: documents that exist only on paper and were never
signed (the "Phiếu điều tra phổ cập") may be stored as they are, so they leave the denominator; the share
is ``signed / (stored - paper_only)``.

The evidence value is built by :func:`evidence_value` from one :class:`EvidenceFileCheck` per stored
file, whatever the signature verifier's own verdict looks like:

- ``total``: files checked; ``valid``: files whose signature check passed;
- ``in_period``: valid files signed inside the campaign's record period, by the signing time the
  check used (a trusted timestamp where the signature has one, else the time the signer claims);
- ``in_period_proven``: of those, the files whose signing time is proven by a trusted timestamp.

``0 <= in_period_proven <= in_period <= valid <= total``. A value without the period keys (written
before they existed) is valid; a criterion that counts only files signed in the period then
counts none of its files and :func:`~hsdt.scoring.score.flags` says ``period_not_checked``.

Errors raise :class:`InvalidAnswer` carrying a ``code`` and JSON-able ``params`` only; the bot's
message catalogue renders them in Vietnamese.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hsdt.scoring.rubric import AnswerType, Criterion, Option
from hsdt.scoring.textnorm import fold_text

__all__ = [
    "ANSWER_ERROR_CODES",
    "EVIDENCE_PERIOD_KEYS",
    "TEXT_MAX_LENGTH",
    "EvidenceFileCheck",
    "InvalidAnswer",
    "evidence_value",
    "parse_text_answer",
    "validate_value",
]

TEXT_MAX_LENGTH = 2000

#: Every code :class:`InvalidAnswer` can carry, with the params it sets.
ANSWER_ERROR_CODES: Mapping[str, tuple[str, ...]] = {
    "not_a_number": ("value",),  # count_pair adds "field": "issued" | "used" (| "valid" | "total")
    "negative": ("field", "value"),
    "used_gt_issued": ("issued", "used"),
    "valid_gt_total": ("valid", "total"),
    "percent_out_of_range": ("value",),
    "unknown_option": ("value", "count"),
    "expected_choice": ("value", "count"),
    "count_pair_format": ("value",),
    "document_counts_format": ("value",),
    "paper_gt_stored": ("stored", "paper_only"),
    "signed_gt_eligible": ("signed", "eligible"),
    "empty_text": (),
    "text_too_long": ("length", "max"),
    "expected_document": (),
    "invalid_value": ("reason",),  # a structured value of the wrong shape: a programming error
}

_ECHO_MAX = 100  # user text echoed back in params is cut to this many characters


class InvalidAnswer(ValueError):
    """An answer that cannot be accepted. ``code`` is one of :data:`ANSWER_ERROR_CODES`."""

    def __init__(self, code: str, params: Mapping[str, Any] | None = None) -> None:
        if code not in ANSWER_ERROR_CODES:
            raise ValueError(f"unknown InvalidAnswer code {code!r}")
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(f"{code}: {self.params}" if self.params else code)


def _echo(text: str) -> str:
    return text if len(text) <= _ECHO_MAX else text[:_ECHO_MAX] + "…"


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


def parse_text_answer(criterion: Criterion, text: str, shown: Sequence[Option] | None = None) -> dict[str, Any]:
    """Parse what a user typed as the answer to ``criterion``; returns the normalized value.

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
            return _check_text(text)
        case AnswerType.EVIDENCE:
            raise InvalidAnswer("expected_document")
    raise AssertionError(f"unhandled answer type {criterion.type!r}")  # pragma: no cover


def _parse_count_pair(text: str) -> dict[str, Any]:
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
    return _check_count_pair(issued, used)


def _parse_document_counts(text: str) -> dict[str, Any]:
    m = _TRIPLE.fullmatch(text.translate(_DASHES))
    if m is None:
        raise InvalidAnswer("document_counts_format", {"value": _echo(text)})
    try:
        stored, paper_only, signed = (int(m.group(i)) for i in (1, 2, 3))
    except ValueError:  # more digits than int() accepts
        raise InvalidAnswer("not_a_number", {"value": _echo(text), "field": "stored"}) from None
    return _check_document_counts(stored, paper_only, signed)


def _parse_percentage(text: str) -> dict[str, Any]:
    m = _PERCENT.fullmatch(text)
    if m is None:
        raise InvalidAnswer("not_a_number", {"value": _echo(text)})
    percent = float(m.group(1).replace(",", "."))
    if not math.isfinite(percent):
        raise InvalidAnswer("not_a_number", {"value": _echo(text)})
    return _check_percent(percent)


def _parse_single(options: Sequence[Option], text: str) -> dict[str, Any]:
    count = len(options)
    if not text:
        raise InvalidAnswer("expected_choice", {"value": "", "count": count})
    m = _CHOICE_NUMBER.fullmatch(text)
    if m is not None:
        number = int(m.group(1))
        if 1 <= number <= count:
            return {"option": options[number - 1].id}
        raise InvalidAnswer("unknown_option", {"value": _echo(text), "count": count})
    folded = fold_text(text)
    for opt in options:
        if fold_text(opt.label) == folded:
            return {"option": opt.id}
    raise InvalidAnswer("expected_choice", {"value": _echo(text), "count": count})


def _parse_multi(criterion: Criterion, options: Sequence[Option], text: str) -> dict[str, Any]:
    count = len(options)
    folded = fold_text(text)
    if not folded:
        raise InvalidAnswer("expected_choice", {"value": "", "count": count})
    if folded in _NONE_WORDS:
        return {"options": []}
    if folded in _ALL_WORDS:
        return {"options": _in_rubric_order(criterion, {o.id for o in options})}
    for opt in options:
        if fold_text(opt.label) == folded:
            return {"options": [opt.id]}
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
    return {"options": _in_rubric_order(criterion, {options[i - 1].id for i in chosen})}


def _in_rubric_order(criterion: Criterion, ids: set[str]) -> list[str]:
    return [o.id for o in criterion.options if o.id in ids]


# --------------------------------------------------------------------------------------------------
# Validating structured values


def validate_value(criterion: Criterion, value: Mapping[str, Any]) -> dict[str, Any]:
    """Check a structured value (a button press, a stored answer) and return it normalized.

    Raises :class:`InvalidAnswer`; a value of the wrong shape raises code ``invalid_value``.
    """
    if not isinstance(value, Mapping):
        raise InvalidAnswer("invalid_value", {"reason": f"expected a mapping, got {type(value).__name__}"})
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            _keys(value, "option")
            option = value["option"]
            if not isinstance(option, str):
                raise InvalidAnswer("invalid_value", {"reason": "option must be a string"})
            if all(o.id != option for o in criterion.options):
                raise InvalidAnswer(
                    "unknown_option", {"value": _echo(option), "count": len(criterion.options)}
                )
            return {"option": option}
        case AnswerType.MULTI_CHOICE:
            _keys(value, "options")
            options = value["options"]
            if not isinstance(options, list | tuple) or not all(isinstance(o, str) for o in options):
                raise InvalidAnswer("invalid_value", {"reason": "options must be a list of strings"})
            known = [o.id for o in criterion.options]
            for option in options:
                if option not in known:
                    raise InvalidAnswer("unknown_option", {"value": _echo(option), "count": len(known)})
            selected = set(options)
            return {"options": [o for o in known if o in selected]}
        case AnswerType.COUNT_PAIR:
            _keys(value, "issued", "used")
            return _check_count_pair(_int(value, "issued"), _int(value, "used"))
        case AnswerType.PERCENTAGE:
            _keys(value, "percent")
            percent = value["percent"]
            if (
                isinstance(percent, bool)
                or not isinstance(percent, int | float)
                or not math.isfinite(percent)
            ):
                raise InvalidAnswer("not_a_number", {"value": _echo(str(percent))})
            return _check_percent(float(percent))
        case AnswerType.TEXT:
            _keys(value, "text")
            text = value["text"]
            if not isinstance(text, str):
                raise InvalidAnswer("invalid_value", {"reason": "text must be a string"})
            return _check_text(text.strip())
        case AnswerType.EVIDENCE:
            return _check_evidence(value)
        case AnswerType.DOCUMENT_SHARE:
            _keys(value, "stored", "paper_only", "signed")
            return _check_document_counts(_int(value, "stored"), _int(value, "paper_only"), _int(value, "signed"))
    raise AssertionError(f"unhandled answer type {criterion.type!r}")  # pragma: no cover


def _check_evidence(value: Mapping[str, Any]) -> dict[str, Any]:
    keys = set(value)
    if keys != {"valid", "total"} and keys != {"valid", "total", *EVIDENCE_PERIOD_KEYS}:
        _keys(value, "valid", "total")
    valid, total = _int(value, "valid"), _int(value, "total")
    if valid > total:
        raise InvalidAnswer("valid_gt_total", {"valid": valid, "total": total})
    result: dict[str, Any] = {"valid": valid, "total": total}
    if "in_period" in keys:
        in_period, proven = _int(value, "in_period"), _int(value, "in_period_proven")
        if not proven <= in_period <= valid:
            raise InvalidAnswer(
                "invalid_value", {"reason": "expected in_period_proven <= in_period <= valid"}
            )
        result.update(in_period=in_period, in_period_proven=proven)
    return result


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


def evidence_value(files: Iterable[EvidenceFileCheck]) -> dict[str, int]:
    """The evidence answer value of a criterion from its stored files' checks."""
    checks = list(files)
    valid = [f for f in checks if f.valid]
    in_period = [f for f in valid if f.in_period]
    return {
        "valid": len(valid),
        "total": len(checks),
        "in_period": len(in_period),
        "in_period_proven": sum(1 for f in in_period if f.time_proven),
    }


def _keys(value: Mapping[str, Any], *expected: str) -> None:
    if set(value) != set(expected):
        raise InvalidAnswer(
            "invalid_value",
            {"reason": f"expected keys {sorted(expected)}, got {sorted(map(str, value))}"},
        )


def _int(value: Mapping[str, Any], key: str) -> int:
    raw = value[key]
    if isinstance(raw, float) and math.isfinite(raw) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidAnswer("not_a_number", {"value": _echo(str(raw)), "field": key})
    if raw < 0:
        raise InvalidAnswer("negative", {"field": key, "value": raw})
    return raw


def _check_count_pair(issued: int, used: int) -> dict[str, Any]:
    if issued < 0:
        raise InvalidAnswer("negative", {"field": "issued", "value": issued})
    if used < 0:
        raise InvalidAnswer("negative", {"field": "used", "value": used})
    if used > issued:
        raise InvalidAnswer("used_gt_issued", {"issued": issued, "used": used})
    return {"issued": issued, "used": used}


def _check_document_counts(stored: int, paper_only: int, signed: int) -> dict[str, Any]:
    for field, number in (("stored", stored), ("paper_only", paper_only), ("signed", signed)):
        if number < 0:
            raise InvalidAnswer("negative", {"field": field, "value": number})
    if paper_only > stored:
        raise InvalidAnswer("paper_gt_stored", {"stored": stored, "paper_only": paper_only})
    if signed > stored - paper_only:
        raise InvalidAnswer("signed_gt_eligible", {"signed": signed, "eligible": stored - paper_only})
    return {"stored": stored, "paper_only": paper_only, "signed": signed}


def _check_percent(percent: float) -> dict[str, Any]:
    if not 0 <= percent <= 100:
        raise InvalidAnswer("percent_out_of_range", {"value": percent})
    return {"percent": percent + 0.0}  # + 0.0 turns -0.0 into 0.0


def _check_text(text: str) -> dict[str, Any]:
    if not text:
        raise InvalidAnswer("empty_text")
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidAnswer("text_too_long", {"length": len(text), "max": TEXT_MAX_LENGTH})
    return {"text": text}
