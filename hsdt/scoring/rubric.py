"""The rubric: criteria, answer types, points and rating bands, loaded from a YAML data file.

The rubric is data so that the Sở can replace the assumed default (``default_rubric.yaml``) with
the real Appendix 1 without touching code. Everything is validated on load; a problem raises
:class:`RubricError` whose message names the file, the group or criterion and the field.

The only I/O in ``hsdt.scoring`` is :func:`load_rubric`, which reads the file.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from hsdt.scoring.textnorm import fold_text

__all__ = [
    "DEFAULT_ISSUED_LABEL",
    "DEFAULT_USED_LABEL",
    "ID_PATTERN",
    "AnswerType",
    "Band",
    "Criterion",
    "EvidencePoints",
    "Group",
    "Option",
    "Rubric",
    "RubricError",
    "default_rubric_path",
    "load_rubric",
    "load_rubric_text",
]

#: Ids of groups, criteria, options and bands: short ASCII, safe for 64-byte callback data.
ID_PATTERN = re.compile(r"[A-Za-z0-9_]{1,12}")

DEFAULT_ISSUED_LABEL = "Số được cấp"
DEFAULT_USED_LABEL = "Số đã sử dụng"

_CENT = Decimal("0.01")


class AnswerType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    COUNT_PAIR = "count_pair"
    PERCENTAGE = "percentage"
    TEXT = "text"
    EVIDENCE = "evidence"


CHOICE_TYPES = frozenset({AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE})


class RubricError(ValueError):
    """A rubric file that cannot be used.

    The message reads ``<file>: [group G: | criterion C:] [field 'f':] <reason>``, e.g.
    ``default_rubric.yaml: criterion B2: field 'max_points': must be > 0``.
    """

    def __init__(
        self,
        source: str,
        reason: str,
        *,
        group_id: str | None = None,
        criterion_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.reason = reason
        self.group_id = group_id
        self.criterion_id = criterion_id
        self.field = field
        parts = [source]
        if criterion_id is not None:
            parts.append(f"criterion {criterion_id}")
        elif group_id is not None:
            parts.append(f"group {group_id}")
        if field is not None:
            parts.append(f"field '{field}'")
        parts.append(reason)
        super().__init__(": ".join(parts))


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option of a choice criterion. ``id`` is short ASCII (goes into callback data)."""

    id: str
    label: str
    points: float


@dataclass(frozen=True, slots=True)
class EvidencePoints:
    """Points of an ``evidence`` criterion by the outcome of the signature check."""

    all_valid: float
    some_valid: float
    none: float


@dataclass(frozen=True, slots=True)
class Band:
    """A rating band: a total ``>= min_points`` (and below the next higher band) gets this band."""

    id: str
    label: str
    min_points: float


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    group_id: str
    group_title: str
    title: str
    question: str
    type: AnswerType
    max_points: float
    required: bool
    evidence: str | None = None
    options: tuple[Option, ...] = ()
    issued_label: str | None = None
    used_label: str | None = None
    evidence_points: EvidencePoints | None = None

    def option(self, option_id: str) -> Option:
        for opt in self.options:
            if opt.id == option_id:
                return opt
        raise KeyError(f"criterion {self.id} has no option '{option_id}'")

    def option_number(self, option_id: str) -> int:
        """1-based position of an option, as shown in a numbered list."""
        for i, opt in enumerate(self.options, start=1):
            if opt.id == option_id:
                return i
        raise KeyError(f"criterion {self.id} has no option '{option_id}'")


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    title: str
    criteria: tuple[Criterion, ...]

    @property
    def max_points(self) -> float:
        return float(sum((Decimal(str(c.max_points)) for c in self.criteria), Decimal(0)))


@dataclass(frozen=True)
class Rubric:
    name: str
    version: str
    max_points: float
    groups: tuple[Group, ...]
    bands: tuple[Band, ...]  # highest band first; the last one has min_points == 0
    sha256: str  # hex digest of the source text (UTF-8)
    source: str = "<rubric>"  # file name used in error messages
    criteria: tuple[Criterion, ...] = field(init=False)
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        criteria = tuple(c for g in self.groups for c in g.criteria)
        object.__setattr__(self, "criteria", criteria)
        object.__setattr__(self, "_index", MappingProxyType({c.id: i for i, c in enumerate(criteria)}))

    def __contains__(self, criterion_id: object) -> bool:
        return criterion_id in self._index

    def index_of(self, criterion_id: str) -> int:
        """0-based position of a criterion in :attr:`criteria` (the questionnaire order)."""
        try:
            return self._index[criterion_id]
        except KeyError:
            raise KeyError(
                f"unknown criterion id '{criterion_id}' in rubric {self.source} (version {self.version})"
            ) from None

    def criterion(self, criterion_id: str) -> Criterion:
        return self.criteria[self.index_of(criterion_id)]

    def group(self, group_id: str) -> Group:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(f"unknown group id '{group_id}' in rubric {self.source} (version {self.version})")


def default_rubric_path() -> Path:
    """Path of the default rubric shipped with the package."""
    return Path(__file__).with_name("default_rubric.yaml")


def load_rubric(path: Path) -> Rubric:
    """Read and validate a rubric file. Errors (also unreadable files) raise :class:`RubricError`."""
    path = Path(path)
    source = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(source, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise RubricError(source, f"cannot read file: {exc.strerror or exc}") from exc
    return load_rubric_text(text, source)


def load_rubric_text(text: str, source: str) -> Rubric:
    """Parse and validate rubric YAML text; ``source`` names it in error messages."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise RubricError(source, f"YAML syntax error{where}: {problem}") from exc
    except yaml.YAMLError as exc:
        raise RubricError(source, f"YAML syntax error: {exc}") from exc
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return _Parser(source).rubric(data, sha)


# --------------------------------------------------------------------------------------------------
# YAML loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys in a mapping (PyYAML silently keeps the last one)."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --------------------------------------------------------------------------------------------------
# Validation

_TOP_KEYS = {"name", "version", "description", "max_points", "bands", "option_sets", "groups"}
_GROUP_KEYS = {"id", "title", "criteria"}
_BAND_KEYS = {"id", "label", "min"}
_OPTION_KEYS = {"id", "label", "points"}
_CRITERION_KEYS = {
    "id",
    "title",
    "question",
    "evidence",
    "type",
    "max_points",
    "required",
    "options",
    "option_set",
    "points_each",
    "labels",
    "evidence_points",
}
_TYPE_KEYS: dict[AnswerType, set[str]] = {
    AnswerType.SINGLE_CHOICE: {"options", "option_set", "points_each"},
    AnswerType.MULTI_CHOICE: {"options", "option_set", "points_each"},
    AnswerType.COUNT_PAIR: {"labels"},
    AnswerType.PERCENTAGE: set(),
    AnswerType.TEXT: set(),
    AnswerType.EVIDENCE: {"evidence_points"},
}
_TYPE_ONLY_KEYS = {"options", "option_set", "points_each", "labels", "evidence_points"}


@dataclass
class _Where:
    """Location of a value for error messages."""

    group_id: str | None = None
    criterion_id: str | None = None


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: _Where, fld: str | None, reason: str) -> RubricError:
        return RubricError(
            self.source, reason, group_id=where.group_id, criterion_id=where.criterion_id, field=fld
        )

    # -- primitive checks -----------------------------------------------------------------------

    def mapping(self, value: Any, where: _Where, fld: str | None, allowed: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, fld, f"must be a mapping, got {_kind(value)}")
        if allowed is not None:
            self.known_keys(value, where, fld, allowed)
        return value

    def known_keys(self, value: dict[str, Any], where: _Where, fld: str | None, allowed: set[str]) -> None:
        for key in value:
            if key not in allowed:
                name = key if fld is None else f"{fld}.{key}"
                raise self.fail(where, str(name), f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def list_(self, value: Any, where: _Where, fld: str, *, non_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, fld, f"must be a list, got {_kind(value)}")
        if non_empty and not value:
            raise self.fail(where, fld, "must not be empty")
        return value

    def text(self, data: dict[str, Any], key: str, where: _Where, fld: str | None = None) -> str:
        fld = fld or key
        if key not in data:
            raise self.fail(where, fld, "is required")
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, fld, f"must be a non-empty string, got {_kind(value)}")
        return value.strip()

    def optional_text(self, data: dict[str, Any], key: str, where: _Where) -> str | None:
        if data.get(key) is None:
            return None
        return self.text(data, key, where)

    def ident(self, data: dict[str, Any], key: str, where: _Where, fld: str | None = None) -> str:
        fld = fld or key
        if key not in data:
            raise self.fail(where, fld, "is required")
        value = data[key]
        if isinstance(value, bool):
            raise self.fail(where, fld, f"must be a string id, got boolean {value} (quote it in YAML)")
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            raise self.fail(where, fld, f"invalid id {value!r}: use 1 to 12 ASCII letters, digits or '_'")
        return value

    def points(
        self, data: dict[str, Any], key: str, where: _Where, fld: str | None = None, *, positive: bool = False
    ) -> Decimal:
        fld = fld or key
        if key not in data:
            raise self.fail(where, fld, "is required")
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, fld, f"must be a number, got {_kind(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(where, fld, "must be a finite number")
        dec = Decimal(str(value))
        if positive and dec <= 0:
            raise self.fail(where, fld, "must be > 0")
        if dec < 0:
            raise self.fail(where, fld, "must be >= 0")
        if dec != dec.quantize(_CENT):
            raise self.fail(where, fld, "must have at most 2 decimal places")
        return dec

    # -- structure --------------------------------------------------------------------------------

    def rubric(self, data: Any, sha: str) -> Rubric:
        top = _Where()
        if data is None:
            raise self.fail(top, None, "the file is empty")
        data = self.mapping(data, top, None, _TOP_KEYS)
        name = self.text(data, "name", top)
        if "version" not in data:
            raise self.fail(top, "version", "is required")
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, str | int) or not str(version).strip():
            raise self.fail(top, "version", f'must be a string (quote it, e.g. "1.0"), got {_kind(version)}')
        version = str(version).strip()
        if data.get("description") is not None:
            self.text(data, "description", top)
        max_points = self.points(data, "max_points", top, positive=True)
        bands = self.bands(data.get("bands"), max_points)
        option_sets = self.option_sets(data.get("option_sets"))

        groups: list[Group] = []
        group_ids: set[str] = set()
        criterion_ids: set[str] = set()
        for gi, raw_group in enumerate(self.list_(data.get("groups"), top, "groups")):
            gwhere = _Where(group_id=f"#{gi + 1}")
            graw = self.mapping(raw_group, gwhere, None, None)
            gid = self.ident(graw, "id", gwhere)
            gwhere = _Where(group_id=gid)
            self.known_keys(graw, gwhere, None, _GROUP_KEYS)
            if gid in group_ids:
                raise self.fail(gwhere, "id", f"duplicate group id '{gid}'")
            group_ids.add(gid)
            gtitle = self.text(graw, "title", gwhere)
            criteria: list[Criterion] = []
            for ci, raw_crit in enumerate(self.list_(graw.get("criteria"), gwhere, "criteria")):
                crit = self.criterion(raw_crit, gid, gtitle, ci, option_sets)
                if crit.id in criterion_ids:
                    raise self.fail(_Where(criterion_id=crit.id), "id", f"duplicate criterion id '{crit.id}'")
                criterion_ids.add(crit.id)
                criteria.append(crit)
            groups.append(Group(id=gid, title=gtitle, criteria=tuple(criteria)))

        total = sum((Decimal(str(c.max_points)) for g in groups for c in g.criteria), Decimal(0))
        if total != max_points:
            raise self.fail(
                top,
                "max_points",
                f"declared {_num(max_points)} but the criteria's max_points sum to {_num(total)}",
            )
        return Rubric(
            name=name,
            version=version,
            max_points=float(max_points),
            groups=tuple(groups),
            bands=bands,
            sha256=sha,
            source=self.source,
        )

    def bands(self, raw: Any, max_points: Decimal) -> tuple[Band, ...]:
        top = _Where()
        items = self.list_(raw, top, "bands")
        bands: list[Band] = []
        ids: set[str] = set()
        previous: Decimal | None = None
        for i, item in enumerate(items):
            fld = f"bands[{i}]"
            braw = self.mapping(item, top, fld, _BAND_KEYS)
            bid = self.ident(braw, "id", top, f"{fld}.id")
            if bid in ids:
                raise self.fail(top, f"{fld}.id", f"duplicate band id '{bid}'")
            ids.add(bid)
            label = self.text(braw, "label", top, f"{fld}.label")
            low = self.points(braw, "min", top, f"{fld}.min")
            if low > max_points:
                raise self.fail(
                    top, f"{fld}.min", f"{_num(low)} is above the rubric's max_points {_num(max_points)}"
                )
            if previous is not None and low >= previous:
                raise self.fail(
                    top,
                    f"{fld}.min",
                    f"bands must be listed from highest to lowest with strictly decreasing 'min' "
                    f"({_num(low)} after {_num(previous)}); bands overlap or are out of order",
                )
            previous = low
            bands.append(Band(id=bid, label=label, min_points=float(low)))
        if previous != 0:
            raise self.fail(top, "bands", "the lowest band must have min 0 so that every total gets a band")
        return tuple(bands)

    def option_sets(self, raw: Any) -> dict[str, list[Any]]:
        top = _Where()
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.fail(top, "option_sets", f"must be a mapping of name to option list, got {_kind(raw)}")
        sets: dict[str, list[Any]] = {}
        for name, items in raw.items():
            fld = f"option_sets.{name}"
            self.list_(items, top, fld)
            # Checked once here so that unused sets are validated too; points are checked where used.
            self.options(items, top, fld, points_each=Decimal(0))
            sets[str(name)] = items
        return sets

    def options(
        self, items: list[Any], where: _Where, prefix: str, points_each: Decimal | None
    ) -> tuple[Option, ...]:
        options: list[Option] = []
        ids: set[str] = set()
        labels: set[str] = set()
        for i, item in enumerate(items):
            fld = f"{prefix}[{i}]"
            oraw = self.mapping(item, where, fld, _OPTION_KEYS)
            oid = self.ident(oraw, "id", where, f"{fld}.id")
            if oid in ids:
                raise self.fail(where, f"{fld}.id", f"duplicate option id '{oid}'")
            ids.add(oid)
            label = self.text(oraw, "label", where, f"{fld}.label")
            folded = fold_text(label)
            if folded in labels:
                raise self.fail(
                    where, f"{fld}.label", f"duplicate option label {label!r} (ignoring case and accents)"
                )
            labels.add(folded)
            if points_each is not None:
                pts = points_each
                if "points" in oraw:
                    self.points(oraw, "points", where, f"{fld}.points")
            elif "points" in oraw:
                pts = self.points(oraw, "points", where, f"{fld}.points")
            else:
                raise self.fail(where, f"{fld}.points", "is required (or give the criterion 'points_each')")
            options.append(Option(id=oid, label=label, points=float(pts)))
        return tuple(options)

    def criterion(
        self,
        raw: Any,
        group_id: str,
        group_title: str,
        position: int,
        option_sets: dict[str, list[Any]],
    ) -> Criterion:
        where = _Where(criterion_id=f"#{position + 1} of group {group_id}")
        craw = self.mapping(raw, where, None, None)
        cid = self.ident(craw, "id", where)
        where = _Where(criterion_id=cid)
        self.known_keys(craw, where, None, _CRITERION_KEYS)
        title = self.text(craw, "title", where)
        question = self.text(craw, "question", where)
        evidence = self.optional_text(craw, "evidence", where)

        if "type" not in craw:
            raise self.fail(where, "type", "is required")
        try:
            ctype = AnswerType(craw["type"])
        except ValueError:
            known = ", ".join(t.value for t in AnswerType)
            raise self.fail(where, "type", f"unknown type {craw['type']!r} (known: {known})") from None

        for key in _TYPE_ONLY_KEYS - _TYPE_KEYS[ctype]:
            if key in craw:
                raise self.fail(where, key, f"not allowed for type {ctype.value}")

        if ctype is AnswerType.TEXT:
            max_points = self.points(craw, "max_points", where) if "max_points" in craw else Decimal(0)
            if max_points != 0:
                raise self.fail(where, "max_points", "must be 0 for type text (free text is not scored)")
        else:
            max_points = self.points(craw, "max_points", where, positive=True)

        required_raw = craw.get("required", ctype is not AnswerType.TEXT)
        if not isinstance(required_raw, bool):
            raise self.fail(where, "required", f"must be true or false, got {_kind(required_raw)}")

        options: tuple[Option, ...] = ()
        issued_label = used_label = None
        evidence_points = None
        if ctype in CHOICE_TYPES:
            options = self.criterion_options(craw, where, option_sets, ctype, max_points)
        elif ctype is AnswerType.COUNT_PAIR:
            labels = craw.get("labels")
            if labels is None:
                issued_label, used_label = DEFAULT_ISSUED_LABEL, DEFAULT_USED_LABEL
            else:
                lraw = self.mapping(labels, where, "labels", {"issued", "used"})
                issued_label = self.text(lraw, "issued", where, "labels.issued")
                used_label = self.text(lraw, "used", where, "labels.used")
        elif ctype is AnswerType.EVIDENCE:
            if "evidence_points" not in craw:
                raise self.fail(where, "evidence_points", "is required for type evidence")
            eraw = self.mapping(
                craw["evidence_points"], where, "evidence_points", {"all_valid", "some_valid", "none"}
            )
            all_valid = self.points(eraw, "all_valid", where, "evidence_points.all_valid")
            some_valid = self.points(eraw, "some_valid", where, "evidence_points.some_valid")
            none = self.points(eraw, "none", where, "evidence_points.none")
            if not all_valid >= some_valid >= none:
                raise self.fail(
                    where,
                    "evidence_points",
                    f"must satisfy all_valid >= some_valid >= none "
                    f"(got {_num(all_valid)}, {_num(some_valid)}, {_num(none)})",
                )
            if all_valid != max_points:
                raise self.fail(
                    where,
                    "evidence_points.all_valid",
                    f"must equal max_points {_num(max_points)}, got {_num(all_valid)}",
                )
            evidence_points = EvidencePoints(float(all_valid), float(some_valid), float(none))

        return Criterion(
            id=cid,
            group_id=group_id,
            group_title=group_title,
            title=title,
            question=question,
            type=ctype,
            max_points=float(max_points),
            required=required_raw,
            evidence=evidence,
            options=options,
            issued_label=issued_label,
            used_label=used_label,
            evidence_points=evidence_points,
        )

    def criterion_options(
        self,
        craw: dict[str, Any],
        where: _Where,
        option_sets: dict[str, list[Any]],
        ctype: AnswerType,
        max_points: Decimal,
    ) -> tuple[Option, ...]:
        if "options" in craw and "option_set" in craw:
            raise self.fail(where, "options", "give either 'options' or 'option_set', not both")
        points_each = self.points(craw, "points_each", where) if "points_each" in craw else None
        if "option_set" in craw:
            set_name = craw["option_set"]
            if not isinstance(set_name, str) or set_name not in option_sets:
                known = ", ".join(sorted(option_sets)) or "none defined"
                raise self.fail(where, "option_set", f"unknown option set {set_name!r} (known: {known})")
            items = option_sets[set_name]
            prefix = f"option_set {set_name}"
        elif "options" in craw:
            items = self.list_(craw["options"], where, "options")
            prefix = "options"
        else:
            raise self.fail(where, "options", f"is required for type {ctype.value} (or give 'option_set')")
        options = self.options(items, where, prefix, points_each)
        points = [Decimal(str(o.points)) for o in options]
        if ctype is AnswerType.SINGLE_CHOICE and max(points) != max_points:
            raise self.fail(
                where,
                "max_points",
                f"must equal the highest option points {_num(max(points))} for type single_choice, "
                f"got {_num(max_points)}",
            )
        if ctype is AnswerType.MULTI_CHOICE and sum(points, Decimal(0)) != max_points:
            raise self.fail(
                where,
                "max_points",
                f"must equal the sum of the option points {_num(sum(points, Decimal(0)))} for type "
                f"multi_choice, got {_num(max_points)}",
            )
        return options


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}" if value.strip() else "an empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _num(d: Decimal) -> str:
    """Decimal without trailing zeros, for messages: 12, 7.5."""
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
