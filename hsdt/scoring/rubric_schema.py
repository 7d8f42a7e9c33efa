"""The rubric file format as pydantic models, and its translation into :class:`~hsdt.scoring.rubric.Rubric`.

Two passes, each reporting every problem it finds as one Vietnamese line:
1. shape — the pydantic models (``extra="forbid"``, a discriminated union on the criterion's
   ``type``); each pydantic error's ``loc`` becomes group / criterion / key;
2. meaning — what a model cannot say about one value alone: duplicate ids, points that must add
   up, band order, the cross-criterion rules.

Leaf values are validated by plain validators so that a YAML surprise (``id: yes`` read as a
boolean, ``version: 1.5`` read as a number) gets a message that says what to write instead.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from hsdt.scoring.rubric import (
    DEFAULT_ISSUED_LABEL,
    DEFAULT_ROUNDING,
    DEFAULT_USED_LABEL,
    ID_PATTERN,
    OPTION_ID_PATTERN,
    PROPORTIONAL_TYPES,
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
    reason,
)
from hsdt.scoring.textnorm import fold_text
from hsdt.texts import rubric as texts

__all__ = ["RubricFile", "parse_rubric"]

_CENT = Decimal("0.01")
_LARGEST = Decimal(100_000)  # no rubric weighs more; also keeps Decimal arithmetic in range


# --------------------------------------------------------------------------------------------------
# Leaf values


def _fail(code: str, value: Any = None, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, {"kind": _kind(value), "value": _short(value), **ctx})


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
        raise _fail("number_too_large", value, max=_num(_LARGEST))
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


class EvidencePointsFile(_Model):
    all_valid: Points
    some_valid: Points
    none: Points


class _CriterionFile(_Model):
    id: Ident
    title: Text
    question: Text
    evidence: Text | None = None
    max_points: Points
    required: Flag | None = None


class _ChoiceFile(_CriterionFile):
    options: Annotated[list[OptionFile], Field(min_length=1)] | None = None
    option_set: Text | None = None
    points_each: Points | None = None


class SingleChoiceFile(_ChoiceFile):
    type: Literal["single_choice"]


class MultiChoiceFile(_ChoiceFile):
    type: Literal["multi_choice"]


class CountPairFile(_CriterionFile):
    type: Literal["count_pair"]
    labels: LabelsFile | None = None
    when_none_issued: Annotated[str, PlainValidator(_choice(*(n.value for n in NoneIssued)))] = NoneIssued.ZERO.value


class PercentageFile(_CriterionFile):
    type: Literal["percentage"]


class TextFile(_CriterionFile):
    type: Literal["text"]
    max_points: Points = Decimal(0)


class EvidenceFile(_CriterionFile):
    type: Literal["evidence"]
    evidence_points: EvidencePointsFile | None = None
    signed_in_period: Annotated[str, PlainValidator(_choice(*(p.value for p in EvidencePeriod)))] = (
        EvidencePeriod.NOT_CHECKED.value
    )


CriterionFile = Annotated[
    SingleChoiceFile | MultiChoiceFile | CountPairFile | PercentageFile | TextFile | EvidenceFile,
    Field(discriminator="type"),
]
_BY_TYPE: dict[str, type[_CriterionFile]] = {
    "single_choice": SingleChoiceFile,
    "multi_choice": MultiChoiceFile,
    "count_pair": CountPairFile,
    "percentage": PercentageFile,
    "text": TextFile,
    "evidence": EvidenceFile,
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
_TYPE_OF: dict[type[_CriterionFile], AnswerType] = {model: AnswerType(tag) for tag, model in _BY_TYPE.items()}
_ALL_CRITERION_KEYS = frozenset(k for m in _BY_TYPE.values() for k in m.model_fields)


# --------------------------------------------------------------------------------------------------
# Entry point


def parse_rubric(text: str, source: str) -> Rubric:
    """Parse and validate rubric YAML text; raises :class:`RubricError` with every problem found."""
    data = _load_yaml(text, source)
    if data is None:
        raise RubricError.single(source, "empty_file")
    if not isinstance(data, dict):
        raise RubricError.single(source, "mapping_type", kind=_kind(data))
    try:
        model = RubricFile.model_validate(data)
    except ValidationError as exc:
        raise RubricError([_from_pydantic(source, data, e) for e in exc.errors()]) from None
    checker = _Meaning(source)
    rubric = checker.rubric(model, hashlib.sha256(text.encode("utf-8")).hexdigest())
    if checker.problems:
        raise RubricError(checker.problems)
    return rubric


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


def _load_yaml(text: str, source: str) -> Any:
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
# Pass 1: pydantic errors → one line each


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
                why = reason("choice_type", allowed=known, kind=_kind(tag_value))
        case "union_tag_not_found":
            field = _field_name((*rest, "type"))
            why = reason("required")
        case "model_type" | "model_attributes_type" | "dict_type":
            why = reason("mapping_type", kind=_kind(value))
        case "list_type":
            why = reason("list_type", kind=_kind(value))
        case "too_short":
            why = reason("list_empty")
        case "literal_error":
            why = reason("choice_type", allowed=ctx.get("expected", ""), kind=_kind(value))
        case "string_type":
            why = reason("text_type", kind=_kind(value))
        case _:
            why = reason(kind, **{"kind": _kind(value), "value": _short(value), **ctx})
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
    if holder is not None:
        return set(_NESTED[holder].model_fields)
    if tag is not None:
        return set(_BY_TYPE[tag].model_fields)
    if len(loc) >= 2 and loc[0] == "groups":
        return set(GroupFile.model_fields)
    return set(RubricFile.model_fields)


# --------------------------------------------------------------------------------------------------
# Pass 2: meaning


class _Meaning:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[RubricProblem] = []

    def add(self, code: str, *, field: str | None = None, **where_and_params: Any) -> None:
        where = {k: where_and_params.pop(k) for k in ("group_id", "criterion_id") if k in where_and_params}
        self.problems.append(RubricProblem(self.source, reason(code, **where_and_params), field=field, **where))

    def rubric(self, model: RubricFile, sha: str) -> Rubric:
        rounding = DEFAULT_ROUNDING
        if model.rounding is not None:
            rounding = Rounding(model.rounding.step, RoundingMode(model.rounding.mode))
            if model.rounding.step <= 0:
                self.add("number_positive", field="rounding.step")
                rounding = DEFAULT_ROUNDING
        if model.max_points <= 0:
            self.add("number_positive", field="max_points")
        bands = self.bands(model.bands, model.max_points)
        option_sets = model.option_sets or {}
        for name, items in option_sets.items():
            self.check_options(items, f"option_sets.{name}", {}, uses_points_each=True)

        groups: list[Group] = []
        group_ids: set[str] = set()
        criterion_ids: set[str] = set()
        for graw in model.groups:
            if graw.id in group_ids:
                self.add("duplicate_group", field="id", group_id=graw.id, id=graw.id)
            group_ids.add(graw.id)
            criteria: list[Criterion] = []
            for craw in graw.criteria:
                if craw.id in criterion_ids:
                    self.add("duplicate_criterion", field="id", criterion_id=craw.id, id=craw.id)
                criterion_ids.add(craw.id)
                criteria.append(self.criterion(craw, graw, option_sets, rounding))
            groups.append(Group(id=graw.id, title=graw.title, criteria=tuple(criteria)))

        total = sum((Decimal(str(c.max_points)) for g in groups for c in g.criteria), Decimal(0))
        if total != model.max_points:
            self.add("total_mismatch", field="max_points", declared=_num(model.max_points), actual=_num(total))
        by_id = {c.id: c for g in groups for c in g.criteria}
        rules = tuple(self.rule(i, r, by_id) for i, r in enumerate(model.rules or ()))
        return Rubric(
            name=model.name,
            version=model.version,
            max_points=float(model.max_points),
            groups=tuple(groups),
            bands=bands,
            sha256=sha,
            source=self.source,
            rounding=rounding,
            rules=rules,
            assumptions=tuple(model.assumptions or ()),
        )

    def bands(self, items: list[BandFile], max_points: Decimal) -> tuple[Band, ...]:
        bands: list[Band] = []
        ids: set[str] = set()
        previous: Decimal | None = None
        for i, item in enumerate(items):
            fld = f"bands[{i}]"
            if item.id in ids:
                self.add("duplicate_band", field=f"{fld}.id", id=item.id)
            ids.add(item.id)
            if item.min > max_points:
                self.add("band_above_max", field=f"{fld}.min", value=_num(item.min), max=_num(max_points))
            if previous is not None and item.min >= previous:
                self.add("band_order", field=f"{fld}.min", value=_num(item.min), previous=_num(previous))
            previous = item.min
            bands.append(Band(id=item.id, label=item.label, min_points=float(item.min)))
        if previous != 0:
            self.add("band_zero", field="bands")
        return tuple(bands)

    def check_options(
        self, items: list[OptionFile], prefix: str, where: dict[str, str], *, uses_points_each: bool
    ) -> None:
        ids: set[str] = set()
        labels: set[str] = set()
        for i, item in enumerate(items):
            fld = f"{prefix}[{i}]"
            if item.id in ids:
                self.add("duplicate_option", field=f"{fld}.id", id=item.id, **where)
            ids.add(item.id)
            folded = fold_text(item.label)
            if folded in labels:
                self.add("duplicate_option_label", field=f"{fld}.label", label=item.label, **where)
            labels.add(folded)
            if item.not_applicable and item.points is not None:
                self.add("na_option_points", field=f"{fld}.points", **where)
            elif not item.not_applicable and item.points is None and not uses_points_each:
                self.add("option_points_required", field=f"{fld}.points", **where)

    def criterion(
        self, raw: _CriterionFile, group: GroupFile, option_sets: dict[str, list[OptionFile]], rounding: Rounding
    ) -> Criterion:
        where = {"criterion_id": raw.id}
        ctype = _TYPE_OF[type(raw)]
        if ctype is AnswerType.TEXT:
            if raw.max_points != 0:
                self.add("text_points", field="max_points", **where)
        elif raw.max_points <= 0:
            self.add("number_positive", field="max_points", **where)
        if ctype in PROPORTIONAL_TYPES and raw.max_points > 0 and raw.max_points % rounding.step != 0:
            self.add("not_step_multiple", field="max_points", step=_num(rounding.step), **where)

        options: tuple[Option, ...] = ()
        issued_label = used_label = None
        evidence_points = None
        none_issued = NoneIssued.ZERO
        evidence_period = EvidencePeriod.NOT_CHECKED
        if isinstance(raw, _ChoiceFile):
            options = self.criterion_options(raw, ctype, where, option_sets)
        elif isinstance(raw, CountPairFile):
            labels = raw.labels
            issued_label = labels.issued if labels is not None else DEFAULT_ISSUED_LABEL
            used_label = labels.used if labels is not None else DEFAULT_USED_LABEL
            none_issued = NoneIssued(raw.when_none_issued)
        elif isinstance(raw, EvidenceFile):
            evidence_period = EvidencePeriod(raw.signed_in_period)
            evidence_points = self.evidence_points(raw, where)

        return Criterion(
            id=raw.id,
            group_id=group.id,
            group_title=group.title,
            title=raw.title,
            question=raw.question,
            type=ctype,
            max_points=float(raw.max_points),
            required=raw.required if raw.required is not None else ctype is not AnswerType.TEXT,
            evidence=raw.evidence,
            options=options,
            issued_label=issued_label,
            used_label=used_label,
            evidence_points=evidence_points,
            rounding=rounding,
            none_issued=none_issued,
            evidence_period=evidence_period,
        )

    def criterion_options(
        self, raw: _ChoiceFile, ctype: AnswerType, where: dict[str, str], option_sets: dict[str, list[OptionFile]]
    ) -> tuple[Option, ...]:
        if raw.options is not None and raw.option_set is not None:
            self.add("options_and_set", field="options", **where)
            return ()
        if raw.option_set is not None:
            if raw.option_set not in option_sets:
                known = ", ".join(sorted(option_sets)) or "—"
                self.add("unknown_option_set", field="option_set", value=raw.option_set, known=known, **where)
                return ()
            items = option_sets[raw.option_set]
            # The set's entries were checked once on their own; only points can differ per use.
            if raw.points_each is None:
                self.check_points_only(items, f"option_set {raw.option_set}", where)
        elif raw.options is not None:
            items = raw.options
            self.check_options(items, "options", where, uses_points_each=raw.points_each is not None)
        else:
            self.add("options_required", field="options", type=ctype.value, **where)
            return ()
        options = tuple(
            Option(
                id=o.id,
                label=o.label,
                points=0.0 if o.not_applicable else float(_option_points(o, raw.points_each)),
                not_applicable=o.not_applicable,
            )
            for o in items
        )
        scored = [Decimal(str(o.points)) for o in options if not o.not_applicable]
        if any(o.not_applicable for o in options) and ctype is not AnswerType.SINGLE_CHOICE:
            self.add("na_option_single_only", field="options", **where)
        if not scored:
            self.add("na_option_only", field="options", **where)
            return options
        if ctype is AnswerType.SINGLE_CHOICE and max(scored) != raw.max_points:
            self.add("single_max", field="max_points", expected=_num(max(scored)), actual=_num(raw.max_points), **where)
        if ctype is AnswerType.MULTI_CHOICE and sum(scored, Decimal(0)) != raw.max_points:
            self.add(
                "multi_max", field="max_points", expected=_num(sum(scored, Decimal(0))), actual=_num(raw.max_points),
                **where,
            )
        return options

    def check_points_only(self, items: list[OptionFile], prefix: str, where: dict[str, str]) -> None:
        for i, item in enumerate(items):
            if not item.not_applicable and item.points is None:
                self.add("option_points_required", field=f"{prefix}[{i}].points", **where)

    def evidence_points(self, raw: EvidenceFile, where: dict[str, str]) -> EvidencePoints | None:
        ep = raw.evidence_points
        if ep is None:
            self.add("evidence_points_required", field="evidence_points", **where)
            return None
        if not ep.all_valid >= ep.some_valid >= ep.none:
            self.add(
                "evidence_order", field="evidence_points", all_valid=_num(ep.all_valid),
                some_valid=_num(ep.some_valid), none=_num(ep.none), **where,
            )
        if ep.all_valid != raw.max_points:
            self.add(
                "evidence_all_max", field="evidence_points.all_valid", expected=_num(raw.max_points),
                actual=_num(ep.all_valid), **where,
            )
        return EvidencePoints(float(ep.all_valid), float(ep.some_valid), float(ep.none))

    def rule(self, index: int, raw: SubsetRuleFile, by_id: dict[str, Criterion]) -> SubsetRule:
        prefix = f"rules[{index}]"
        pair = ((raw.criterion, "criterion"), (raw.of, "of"))
        known = True
        for cid, key in pair:
            if cid not in by_id:
                self.add("rule_unknown_criterion", field=f"{prefix}.{key}", id=cid)
                known = False
        if not known:
            return SubsetRule(raw.criterion, raw.of)
        if raw.criterion == raw.of:
            self.add("rule_same", field=f"{prefix}.of")
        for cid, key in pair:
            if by_id[cid].type is not AnswerType.MULTI_CHOICE:
                self.add("rule_not_multi", field=f"{prefix}.{key}", id=cid, type=by_id[cid].type.value)
                return SubsetRule(raw.criterion, raw.of)
        of_ids = {o.id for o in by_id[raw.of].options}
        for option in by_id[raw.criterion].options:
            if option.id not in of_ids:
                self.add(
                    "rule_options", field=f"{prefix}.criterion", criterion=raw.criterion, other=raw.of,
                    option=option.label,
                )
        return SubsetRule(raw.criterion, raw.of)


def _option_points(option: OptionFile, points_each: Decimal | None) -> Decimal:
    if points_each is not None:
        return points_each
    return option.points if option.points is not None else Decimal(0)


# --------------------------------------------------------------------------------------------------
# Wording helpers


def _kind(value: Any) -> str:
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


def _num(d: Decimal) -> str:
    """Decimal for messages with a Vietnamese decimal comma: 12, 7,5."""
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
