"""The rubric file format as pydantic models (``extra="forbid"``, a discriminated union on the
criterion's ``type``), the YAML loader, and the translation of each pydantic error's ``loc`` into
one Vietnamese line naming group / criterion / key. What a model cannot say about one value alone
(duplicate ids, points that must add up, band order, the rules) is checked in
:mod:`hsdt.scoring.rubric_meaning`, which also turns the models into a
:class:`~hsdt.scoring.rubric.Rubric`.

Leaf values are validated by plain validators so that a YAML surprise (``id: yes`` read as a
boolean, ``version: 1.5`` read as a number) gets a message that says what to write instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from hsdt.scoring.rubric import (
    ID_PATTERN,
    OPTION_ID_PATTERN,
    AnswerType,
    EvidencePeriod,
    NoneIssued,
    RoundingMode,
    RubricError,
    RubricProblem,
    reason,
)
from hsdt.texts import rubric as texts

__all__ = ["RubricFile", "load_yaml", "problems_of", "rubric_model"]

_CENT = Decimal("0.01")
_LARGEST = Decimal(100_000)  # no rubric weighs more; also keeps Decimal arithmetic in range


# --------------------------------------------------------------------------------------------------
# Leaf values


def _fail(code: str, value: Any = None, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, {"kind": kind_of(value), "value": _short(value), **ctx})


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("text_type", value)
    if not value.strip():
        raise _fail("text_empty", value)
    return value.strip()


def _ident(pattern: Any, code: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, bool):
            raise _fail("id_boolean", value)
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            raise _fail("id_type", value)
        if not pattern.fullmatch(value):
            raise _fail(code, value)
        return value

    return check


def _points(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail("number_type", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail("number_finite", value)
    dec = Decimal(str(value))
    if dec < 0:
        raise _fail("number_negative", value)
    if dec > _LARGEST:
        raise _fail("number_too_large", value, max=num(_LARGEST))
    if dec != dec.quantize(_CENT):
        raise _fail("number_decimals", value)
    return dec


def _version(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise _fail("version_type", value)
    return str(value).strip()


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail("bool_type", value)
    return value


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise _fail("choice_type", value, allowed=", ".join(allowed))
        return value

    return check


Text = Annotated[str, PlainValidator(_text)]
Ident = Annotated[str, PlainValidator(_ident(ID_PATTERN, "id_invalid"))]
OptionId = Annotated[str, PlainValidator(_ident(OPTION_ID_PATTERN, "option_id_invalid"))]
Points = Annotated[Decimal, PlainValidator(_points)]
Version = Annotated[str, PlainValidator(_version)]
Flag = Annotated[bool, PlainValidator(_flag)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionFile(_Model):
    id: OptionId
    label: Text
    points: Points | None = None
    not_applicable: Flag = False


class BandFile(_Model):
    id: Ident
    label: Text
    min: Points


class RoundingFile(_Model):
    step: Points
    mode: Annotated[str, PlainValidator(_choice(*(m.value for m in RoundingMode)))]


class LabelsFile(_Model):
    issued: Text
    used: Text


class DocumentLabelsFile(_Model):
    stored: Text
    paper_only: Text
    signed: Text


class EvidencePointsFile(_Model):
    all_valid: Points
    some_valid: Points
    none: Points


class CriterionFileBase(_Model):
    id: Ident
    title: Text
    question: Text
    evidence: Text | None = None
    max_points: Points
    required: Flag | None = None


class ChoiceFile(CriterionFileBase):
    options: Annotated[list[OptionFile], Field(min_length=1)] | None = None
    option_set: Text | None = None
    points_each: Points | None = None


class SingleChoiceFile(ChoiceFile):
    type: Literal["single_choice"]


class MultiChoiceFile(ChoiceFile):
    type: Literal["multi_choice"]


class CountPairFile(CriterionFileBase):
    type: Literal["count_pair"]
    labels: LabelsFile | None = None
    when_none_issued: Annotated[str, PlainValidator(_choice(*(n.value for n in NoneIssued)))] = NoneIssued.ZERO.value


class PercentageFile(CriterionFileBase):
    type: Literal["percentage"]


class DocumentShareFile(CriterionFileBase):
    type: Literal["document_share"]
    labels: DocumentLabelsFile | None = None


class TextFile(CriterionFileBase):
    type: Literal["text"]
    max_points: Points = Decimal(0)


class EvidenceFile(CriterionFileBase):
    type: Literal["evidence"]
    evidence_points: EvidencePointsFile | None = None
    signed_in_period: Annotated[str, PlainValidator(_choice(*(p.value for p in EvidencePeriod)))] = (
        EvidencePeriod.NOT_CHECKED.value
    )


CriterionFile = Annotated[
    SingleChoiceFile | MultiChoiceFile | CountPairFile | PercentageFile | TextFile | EvidenceFile | DocumentShareFile,
    Field(discriminator="type"),
]
_BY_TYPE: dict[str, type[CriterionFileBase]] = {
    "single_choice": SingleChoiceFile,
    "multi_choice": MultiChoiceFile,
    "count_pair": CountPairFile,
    "percentage": PercentageFile,
    "text": TextFile,
    "evidence": EvidenceFile,
    "document_share": DocumentShareFile,
}


class GroupFile(_Model):
    id: Ident
    title: Text
    criteria: Annotated[list[CriterionFile], Field(min_length=1)]


class SubsetRuleFile(_Model):
    kind: Literal["subset"]
    criterion: Ident
    of: Ident


class RubricFile(_Model):
    name: Text
    version: Version
    description: Text | None = None
    assumptions: list[Text] | None = None
    max_points: Points
    rounding: RoundingFile | None = None
    bands: Annotated[list[BandFile], Field(min_length=1)]
    option_sets: dict[str, Annotated[list[OptionFile], Field(min_length=1)]] | None = None
    rules: list[SubsetRuleFile] | None = None
    groups: Annotated[list[GroupFile], Field(min_length=1)]


# The model of a nested mapping, by the key that holds it (for "allowed keys" in messages).
_NESTED: dict[str, type[_Model]] = {
    "options": OptionFile,
    "option_sets": OptionFile,
    "bands": BandFile,
    "rounding": RoundingFile,
    "labels": LabelsFile,
    "evidence_points": EvidencePointsFile,
    "rules": SubsetRuleFile,
}
TYPE_OF: dict[type[CriterionFileBase], AnswerType] = {model: AnswerType(tag) for tag, model in _BY_TYPE.items()}
_ALL_CRITERION_KEYS = frozenset(k for m in _BY_TYPE.values() for k in m.model_fields)


# --------------------------------------------------------------------------------------------------
# YAML


class _DuplicateKey(yaml.MarkedYAMLError):
    def __init__(self, key: object, mark: yaml.Mark) -> None:
        super().__init__(problem=f"duplicate key {key!r}", problem_mark=mark)
        self.key = key


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys in a mapping (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise _DuplicateKey(key, key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, source: str) -> Any:
    """The YAML data of a rubric file; syntax errors and duplicate keys raise :class:`RubricError`."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        mark = exc.problem_mark
        detail = reason("yaml_duplicate_key", key=exc.key)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        raise RubricError.single(source, "yaml_syntax_at", line=line, column=column, detail=detail) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or exc.context or ""
        if mark is None:
            raise RubricError.single(source, "yaml_syntax", detail=detail) from None
        raise RubricError.single(
            source, "yaml_syntax_at", line=mark.line + 1, column=mark.column + 1, detail=detail
        ) from None
    except yaml.YAMLError as exc:
        raise RubricError.single(source, "yaml_syntax", detail=exc) from None


# --------------------------------------------------------------------------------------------------
# Shape: pydantic errors → one line each


def rubric_model(data: Any, source: str) -> RubricFile:
    """The validated file model of loaded YAML data; raises :class:`RubricError` with every problem."""
    if data is None:
        raise RubricError.single(source, "empty_file")
    if not isinstance(data, dict):
        raise RubricError.single(source, "mapping_type", kind=kind_of(data))
    try:
        return RubricFile.model_validate(data)
    except ValidationError as exc:
        raise RubricError(problems_of(source, data, exc)) from None


def problems_of(source: str, data: dict[str, Any], error: ValidationError) -> list[RubricProblem]:
    return [_from_pydantic(source, data, e) for e in error.errors()]


def _from_pydantic(source: str, data: dict[str, Any], error: ErrorDetails) -> RubricProblem:
    loc = tuple(error["loc"])
    where: dict[str, Any] = {}
    rest: tuple[int | str, ...] = loc
    tag: str | None = None
    if len(loc) >= 2 and loc[0] == "groups" and isinstance(loc[1], int):
        gi = loc[1]
        graw = _at(data.get("groups"), gi)
        gid = _usable_id(graw)
        where = {"group_id": gid} if gid is not None else {"group_at": gi + 1}
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "criteria" and isinstance(rest[1], int):
            ci = rest[1]
            craw = _at(graw.get("criteria") if isinstance(graw, dict) else None, ci)
            cid = _usable_id(craw)
            where = {"criterion_id": cid} if cid is not None else {**where, "criterion_at": ci + 1}
            rest = rest[2:]
            if rest and isinstance(rest[0], str) and rest[0] in _BY_TYPE:
                tag, rest = rest[0], rest[1:]
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    field = _field_name(rest)
    match kind:
        case "missing":
            why = reason("required")
        case "extra_forbidden":
            key = str(rest[-1]) if rest else ""
            if tag is not None and key in _ALL_CRITERION_KEYS:
                why = reason("not_for_type", type=tag)
            else:
                why = reason("unknown_field", allowed=", ".join(sorted(_allowed_keys(loc, rest, tag))))
        case "union_tag_invalid":
            field = _field_name((*rest, "type"))
            tag_value = value.get("type") if isinstance(value, dict) else None
            known = ", ".join(t.value for t in AnswerType)
            if isinstance(tag_value, str):
                why = reason("unknown_type", value=_short(tag_value), known=known)
            else:
                why = reason("choice_type", allowed=known, kind=kind_of(tag_value))
        case "union_tag_not_found":
            field = _field_name((*rest, "type"))
            why = reason("required")
        case "model_type" | "model_attributes_type" | "dict_type":
            why = reason("mapping_type", kind=kind_of(value))
        case "list_type":
            why = reason("list_type", kind=kind_of(value))
        case "too_short":
            why = reason("list_empty")
        case "literal_error":
            why = reason("choice_type", allowed=ctx.get("expected", ""), kind=kind_of(value))
        case "string_type":
            why = reason("text_type", kind=kind_of(value))
        case _:
            why = reason(kind, **{"kind": kind_of(value), "value": _short(value), **ctx})
    return RubricProblem(source, why, field=field, **where)


def _at(items: Any, index: int) -> Any:
    if isinstance(items, list) and 0 <= index < len(items):
        return items[index]
    return None


def _usable_id(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    value = raw.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and ID_PATTERN.fullmatch(value) else None


def _field_name(parts: Sequence[int | str]) -> str | None:
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or None


def _allowed_keys(loc: tuple[int | str, ...], rest: tuple[int | str, ...], tag: str | None) -> set[str]:
    holder = next((p for p in reversed(rest[:-1]) if isinstance(p, str) and p in _NESTED), None)
    if holder == "labels" and tag == "document_share":
        return set(DocumentLabelsFile.model_fields)
    if holder is not None:
        return set(_NESTED[holder].model_fields)
    if tag is not None:
        return set(_BY_TYPE[tag].model_fields)
    if len(loc) >= 2 and loc[0] == "groups":
        return set(GroupFile.model_fields)
    return set(RubricFile.model_fields)


# --------------------------------------------------------------------------------------------------
# Wording helpers


def kind_of(value: Any) -> str:
    """What a value is, in Vietnamese, to say what was found instead."""
    if value is None:
        return texts.KIND_NOTHING
    if isinstance(value, bool):
        return texts.KIND_BOOLEAN.format(value="true" if value else "false")
    if isinstance(value, int | float):
        return texts.KIND_NUMBER.format(value=_short(value))
    if isinstance(value, str):
        return texts.KIND_TEXT.format(value=_short(value)) if value.strip() else texts.KIND_EMPTY_TEXT
    if isinstance(value, list):
        return texts.KIND_LIST
    if isinstance(value, dict):
        return texts.KIND_MAPPING
    return texts.KIND_OTHER


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:60] + "…"


def num(d: Decimal) -> str:
    """Decimal for messages with a Vietnamese decimal comma: 12, 7,5."""
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
