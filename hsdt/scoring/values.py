"""Answer values as types: one frozen pydantic model per answer type, and the union of them all.

Stored as the same small JSON objects as ever (no type tag is written), so databases written before
the values were typed read unchanged; the union tells the models apart by their keys:

=============  ===========================================================  ===================
model          stored JSON                                                  answers
=============  ===========================================================  ===================
SingleChoice   ``{"option": "full"}``                                       single_choice
MultiChoice    ``{"options": ["c1", "c3"]}`` (rubric order; ``[]`` = none)  multi_choice
CountPair      ``{"issued": 12, "used": 10}`` (0 <= used <= issued)         count_pair
Percentage     ``{"percent": 85.5}`` (0..100)                               percentage
Text           ``{"text": "..."}`` (stripped, 1..2000 characters)           text
EvidenceCount  ``{"valid": 2, "total": 3, "in_period": 2, "in_period_proven": 1}``  evidence
               (the period keys both or neither: values written before they existed have none)
DocumentShare  ``{"stored": 120, "paper_only": 20, "signed": 95}``          document_share
Rescore        ``{"points": 5.5, "comment": "..."}`` (and ``"not_applicable": true``)  an inspector's points
=============  ===========================================================  ===================

A model checks what a value says on its own (integers, ranges, one count within another); what it
means for a criterion (the type it answers, the options it has) is :func:`check_value`. A stored
value no model reads (a damaged row) loads as :class:`Unreadable`, which scores nothing and counts
as invalid: loading an assessment never fails on one row.

Errors raise :class:`InvalidAnswer` carrying a ``code`` and JSON-able ``params`` only; the bot's
message catalogue renders them in Vietnamese.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Final, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    PlainSerializer,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hsdt.scoring.rubric import AnswerType, Criterion

__all__ = [
    "ANSWER_ERROR_CODES",
    "RESCORE_ERROR_CODES",
    "TEXT_MAX_LENGTH",
    "AnswerValue",
    "CountPair",
    "DocumentShare",
    "EvidenceCount",
    "InvalidAnswer",
    "MultiChoice",
    "Percentage",
    "Rescore",
    "SingleChoice",
    "StoredValue",
    "Text",
    "Unreadable",
    "check_value",
    "read_stored",
    "read_value",
    "validate_value",
]

TEXT_MAX_LENGTH = 2000

#: Every code :class:`InvalidAnswer` carries for a school's answer, with the params it sets.
ANSWER_ERROR_CODES: Mapping[str, tuple[str, ...]] = {
    "not_a_number": ("value",),  # counts add "field": "issued" | "used" | "valid" | "total" | ...
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

#: Every code :class:`InvalidAnswer` carries for an inspector's typed points (:mod:`~hsdt.scoring.rescore`).
RESCORE_ERROR_CODES: Mapping[str, tuple[str, ...]] = {
    "points_format": ("value", "max"),  # not points: "mười", "" (value: what was typed)
    "points_out_of_range": ("value", "max"),  # more than the criterion's maximum (value: the number typed)
    "comment_too_long": ("length", "max"),
}

_ECHO_MAX = 100  # user text echoed back in params is cut to this many characters


class InvalidAnswer(ValueError):
    """An answer that cannot be accepted. ``code`` is one of :data:`ANSWER_ERROR_CODES` or
    :data:`RESCORE_ERROR_CODES`."""

    def __init__(self, code: str, params: Mapping[str, Any] | None = None) -> None:
        if code not in ANSWER_ERROR_CODES and code not in RESCORE_ERROR_CODES:
            raise ValueError(f"unknown InvalidAnswer code {code!r}")
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(f"{code}: {self.params}" if self.params else code)


def echo(text: str) -> str:
    """User text as params carry it: at most a hundred characters."""
    return text if len(text) <= _ECHO_MAX else text[:_ECHO_MAX] + "…"


# --------------------------------------------------------------------------------------------------
# Field values: each failure carries the code (and params) the catalogue renders


def _fail(code: str, **params: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, params)


def _count(value: Any, info: ValidationInfo) -> int:
    """A count: an integer >= 0 (an integral float from a JSON reader is one too; a boolean is not)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail("not_a_number", value=echo(str(value)), field=info.field_name)
    if value < 0:
        raise _fail("negative", field=info.field_name, value=value)
    return value


def _percent(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail("not_a_number", value=echo(str(value)))
    if not 0 <= value <= 100:
        raise _fail("percent_out_of_range", value=float(value))
    return float(value) + 0.0  # + 0.0 turns -0.0 into 0.0


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("invalid_value", reason="text must be a string")
    text = value.strip()
    if not text:
        raise _fail("empty_text")
    if len(text) > TEXT_MAX_LENGTH:
        raise _fail("text_too_long", length=len(text), max=TEXT_MAX_LENGTH)
    return text


def _option(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("invalid_value", reason="option must be a string")
    return value


def _options(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(o, str) for o in value):
        raise _fail("invalid_value", reason="options must be a list of strings")
    return tuple(value)


def _points(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise _fail("invalid_value", reason="points must be a number >= 0")
    return float(value)


def _comment(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("invalid_value", reason="comment must be a string")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail("invalid_value", reason="not_applicable must be true or false")
    return value


Count = Annotated[int, PlainValidator(_count)]
PercentValue = Annotated[float, PlainValidator(_percent)]
TextValue = Annotated[str, PlainValidator(_text)]
OptionId = Annotated[str, PlainValidator(_option)]
OptionIds = Annotated[tuple[str, ...], PlainValidator(_options), PlainSerializer(list)]
Points = Annotated[float, PlainValidator(_points)]
Comment = Annotated[str, PlainValidator(_comment)]
Flag = Annotated[bool, PlainValidator(_flag)]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    #: The key of the model in the union (the answer type it answers, or "rescore").
    tag: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        """The value as stored: the JSON the first releases wrote (keys left at their default are left out)."""
        return self.model_dump(mode="json", exclude_defaults=True)


class SingleChoice(_Value):
    tag: ClassVar[str] = AnswerType.SINGLE_CHOICE
    option: OptionId


class MultiChoice(_Value):
    tag: ClassVar[str] = AnswerType.MULTI_CHOICE
    options: OptionIds


class CountPair(_Value):
    tag: ClassVar[str] = AnswerType.COUNT_PAIR
    issued: Count
    used: Count

    @model_validator(mode="after")
    def _used_within_issued(self) -> Self:
        if self.used > self.issued:
            raise _fail("used_gt_issued", issued=self.issued, used=self.used)
        return self


class Percentage(_Value):
    tag: ClassVar[str] = AnswerType.PERCENTAGE
    percent: PercentValue


class Text(_Value):
    tag: ClassVar[str] = AnswerType.TEXT
    text: TextValue


class EvidenceCount(_Value):
    """PDFs checked (``total``), those whose signature check passed (``valid``), of those the ones signed
    inside the record period (``in_period``) and the ones whose signing time a trusted timestamp proves
    (``in_period_proven``): ``0 <= in_period_proven <= in_period <= valid <= total``."""

    tag: ClassVar[str] = AnswerType.EVIDENCE
    valid: Count
    total: Count
    in_period: Count | None = None
    in_period_proven: Count | None = None

    @model_validator(mode="after")
    def _counts_nest(self) -> Self:
        if self.valid > self.total:
            raise _fail("valid_gt_total", valid=self.valid, total=self.total)
        if (self.in_period is None) != (self.in_period_proven is None):
            raise _fail("invalid_value", reason="in_period and in_period_proven go together")
        if self.in_period is not None and self.in_period_proven is not None \
                and not self.in_period_proven <= self.in_period <= self.valid:
            raise _fail("invalid_value", reason="expected in_period_proven <= in_period <= valid")
        return self

    @property
    def period_checked(self) -> bool:
        """The value says which files were signed inside the record period (written after that was checked)."""
        return self.in_period is not None


class DocumentShare(_Value):
    """Documents stored in the software, of them those that exist only on paper (they leave the
    denominator: the notice lets them be stored as they are), and the digitally signed ones."""

    tag: ClassVar[str] = AnswerType.DOCUMENT_SHARE
    stored: Count
    paper_only: Count
    signed: Count

    @model_validator(mode="after")
    def _counts_nest(self) -> Self:
        if self.paper_only > self.stored:
            raise _fail("paper_gt_stored", stored=self.stored, paper_only=self.paper_only)
        if self.signed > self.eligible:
            raise _fail("signed_gt_eligible", signed=self.signed, eligible=self.eligible)
        return self

    @property
    def eligible(self) -> int:
        return self.stored - self.paper_only


class Rescore(_Value):
    """An inspector's points for a criterion and why; ``not_applicable``: the inspector agrees the criterion
    does not apply to the school (0 points, left out of the denominator like the school's "Không áp dụng")."""

    tag: ClassVar[str] = "rescore"
    points: Points
    comment: Comment = ""
    not_applicable: Flag = False

    def to_json(self) -> dict[str, Any]:
        # The comment is always written, even empty: as the first releases did.
        return {"points": self.points, "comment": self.comment, **({"not_applicable": True}
                                                                    if self.not_applicable else {})}


AnswerValue = SingleChoice | MultiChoice | CountPair | Percentage | Text | EvidenceCount | DocumentShare | Rescore


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A stored value no model reads (a damaged row): kept as it was, scored as invalid (`error` says why)."""

    raw: Mapping[str, Any]
    error: InvalidAnswer

    def to_json(self) -> dict[str, Any]:
        return dict(self.raw)


StoredValue = AnswerValue | Unreadable
V = TypeVar("V", SingleChoice, MultiChoice, CountPair, Percentage, Text, EvidenceCount, DocumentShare, Rescore)

#: The model that answers each answer type.
VALUE_TYPES: Final[Mapping[AnswerType, type[AnswerValue]]] = {
    AnswerType.SINGLE_CHOICE: SingleChoice,
    AnswerType.MULTI_CHOICE: MultiChoice,
    AnswerType.COUNT_PAIR: CountPair,
    AnswerType.PERCENTAGE: Percentage,
    AnswerType.TEXT: Text,
    AnswerType.EVIDENCE: EvidenceCount,
    AnswerType.DOCUMENT_SHARE: DocumentShare,
}

# The key that tells each stored shape apart, in the order they are tried.
_SHAPES: tuple[tuple[str, type[AnswerValue]], ...] = (
    ("option", SingleChoice), ("options", MultiChoice), ("issued", CountPair), ("percent", Percentage),
    ("text", Text), ("valid", EvidenceCount), ("stored", DocumentShare), ("points", Rescore),
)


def _shape(raw: Any) -> str | None:
    if isinstance(raw, _Value):
        return raw.tag
    if isinstance(raw, Mapping):
        return next((model.tag for key, model in _SHAPES if key in raw), None)
    return None


_UNION: TypeAdapter[AnswerValue] = TypeAdapter(
    Annotated[
        Annotated[SingleChoice, Tag(SingleChoice.tag)] | Annotated[MultiChoice, Tag(MultiChoice.tag)]
        | Annotated[CountPair, Tag(CountPair.tag)] | Annotated[Percentage, Tag(Percentage.tag)]
        | Annotated[Text, Tag(Text.tag)] | Annotated[EvidenceCount, Tag(EvidenceCount.tag)]
        | Annotated[DocumentShare, Tag(DocumentShare.tag)] | Annotated[Rescore, Tag(Rescore.tag)],
        Discriminator(_shape),
    ]
)


def _invalid(error: ValidationError) -> InvalidAnswer:
    """The first problem pydantic found, as the code the catalogue knows."""
    first = error.errors(include_url=False)[0]
    code = first["type"]
    if code in ANSWER_ERROR_CODES:
        return InvalidAnswer(code, first.get("ctx") or {})
    where = ".".join(str(part) for part in first["loc"] if part not in _TAGS)
    return InvalidAnswer("invalid_value", {"reason": f"{where + ': ' if where else ''}{first['msg']}"})


_TAGS = frozenset(model.tag for _, model in _SHAPES)


def read_value(raw: Any) -> AnswerValue:
    """A value from its stored JSON, its model told by its keys; raises :class:`InvalidAnswer`."""
    try:
        return _UNION.validate_python(raw)
    except ValidationError as error:
        raise _invalid(error) from None


def read_stored(raw: Any) -> StoredValue:
    """A stored value as it is read back from the database: never raises (see :class:`Unreadable`)."""
    try:
        return read_value(raw)
    except InvalidAnswer as error:
        return Unreadable(dict(raw) if isinstance(raw, Mapping) else {"value": raw}, error)


def build(model: type[V], **fields: Any) -> V:
    """A value from its fields, checked as stored ones are; raises :class:`InvalidAnswer`."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise _invalid(error) from None


def validate_value(criterion: Criterion, raw: Any) -> AnswerValue:
    """A structured value (JSON from a button, a file, a stored row) as the criterion's answer, normalized.

    Raises :class:`InvalidAnswer`; a value of the wrong shape raises code ``invalid_value``.
    """
    try:
        value = VALUE_TYPES[criterion.type].model_validate(raw)
    except ValidationError as error:
        raise _invalid(error) from None
    return check_value(criterion, value)


def check_value(criterion: Criterion, value: StoredValue) -> AnswerValue:
    """The value as an answer to ``criterion``: of its type, of its options (a multi-choice in the rubric's
    order, each option once). Raises :class:`InvalidAnswer` (``invalid_value``, ``unknown_option``)."""
    if isinstance(value, Unreadable):
        raise InvalidAnswer(value.error.code, value.error.params)
    if type(value) is not VALUE_TYPES[criterion.type]:
        raise InvalidAnswer("invalid_value", {"reason": f"a {value.tag} value does not answer a {criterion.type}"})
    if isinstance(value, SingleChoice):
        if all(o.id != value.option for o in criterion.options):
            raise InvalidAnswer("unknown_option", {"value": echo(value.option), "count": len(criterion.options)})
    elif isinstance(value, MultiChoice):
        known = [o.id for o in criterion.options]
        for option in value.options:
            if option not in known:
                raise InvalidAnswer("unknown_option", {"value": echo(option), "count": len(known)})
        ordered = tuple(o for o in known if o in value.options)
        if ordered != value.options:
            return MultiChoice(options=ordered)
    return value
