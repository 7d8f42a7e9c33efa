"""The rubric: criteria, answer types, points, rating bands and scoring rules, loaded from YAML.

The rubric is data so that the Sở can replace the assumed default with the real Appendix 1 without
touching code. Bundled rubrics live in ``hsdt/scoring/rubrics/`` (one file per campaign
generation: a campaign keeps the rubric it was opened with). The file format is the pydantic schema
in :mod:`hsdt.scoring.rubric_schema`, its meaning is checked in :mod:`hsdt.scoring.rubric_meaning`;
every problem raises :class:`RubricError`, one Vietnamese line per problem naming the file, the
group or criterion and the key.

The only I/O in ``hsdt.scoring`` is here: :func:`load_rubric` reads a file and
:func:`bundled_rubric_names` lists the bundled ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from hsdt.texts import rubric as texts

__all__ = [
    "DEFAULT_DOCUMENT_LABELS",
    "DEFAULT_ISSUED_LABEL",
    "DEFAULT_ROUNDING",
    "DEFAULT_USED_LABEL",
    "ID_PATTERN",
    "NUMERIC_TYPES",
    "OPTION_ID_PATTERN",
    "RUBRIC_2024_2025",
    "AnswerType",
    "Band",
    "Criterion",
    "DocumentLabels",
    "EvidencePeriod",
    "EvidencePoints",
    "Group",
    "NoneIssued",
    "Option",
    "Rounding",
    "RoundingMode",
    "Rubric",
    "RubricError",
    "RubricProblem",
    "SubsetRule",
    "bundled_rubric_names",
    "bundled_rubric_path",
    "default_rubric_path",
    "load_rubric",
    "load_rubric_text",
    "read_rubric_file",
]

#: Ids of groups, criteria and bands: short ASCII (safe for 64-byte callback data, which splits on
#: ":"); a "." inside lets ids follow the notice's numbering ("II.1a").
ID_PATTERN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,10}[A-Za-z0-9_])?")
#: Option ids: short ASCII without ".".
OPTION_ID_PATTERN = re.compile(r"[A-Za-z0-9_]{1,12}")

DEFAULT_ISSUED_LABEL = "Số được cấp"
DEFAULT_USED_LABEL = "Số đã sử dụng"

#: The bundled rubric that :func:`default_rubric_path` returns: domain.md's, for campaigns from 2026.
#: Its first version ("hsdt-2026", 2026.1) stays bundled unchanged: a campaign stores the rubric text it
#: was opened with, and a file a Sở kept can still be loaded and scores as it did.
DEFAULT_BUNDLED = "hsdt-2026.2"
#: The rubric the 2024-2025 campaign was opened with; it stays bundled, byte for byte, so that
#: campaign can be reopened and re-reported exactly.
RUBRIC_2024_2025 = "hsdt-2024-2025"
_BUNDLED_DIR = Path(__file__).with_name("rubrics")


class AnswerType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    COUNT_PAIR = "count_pair"
    PERCENTAGE = "percentage"
    TEXT = "text"
    EVIDENCE = "evidence"
    DOCUMENT_SHARE = "document_share"  # documents stored, of which paper-only, and signed: a share


CHOICE_TYPES = frozenset({AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE})
#: Types whose points are a proportion of max_points, rounded by the rubric's :class:`Rounding`.
PROPORTIONAL_TYPES = frozenset({AnswerType.COUNT_PAIR, AnswerType.PERCENTAGE, AnswerType.DOCUMENT_SHARE})
#: Types answered by typing numbers (a chat without buttons letters its options on them).
NUMERIC_TYPES = frozenset({AnswerType.COUNT_PAIR, AnswerType.PERCENTAGE, AnswerType.DOCUMENT_SHARE})


class RoundingMode(StrEnum):
    DOWN = "down"
    HALF_UP = "half_up"


@dataclass(frozen=True, slots=True)
class Rounding:
    """How proportional points (and a total scaled for "Không áp dụng") are rounded."""

    step: Decimal
    mode: RoundingMode

    def apply(self, value: Decimal) -> Decimal:
        steps = (value / self.step).quantize(
            Decimal(1), rounding=ROUND_DOWN if self.mode is RoundingMode.DOWN else ROUND_HALF_UP
        )
        return (steps * self.step).quantize(Decimal("0.01"))


#: Rounding of a rubric that declares none: 2 decimals, half up (the 2024-2025 rule).
DEFAULT_ROUNDING = Rounding(Decimal("0.01"), RoundingMode.HALF_UP)


class NoneIssued(StrEnum):
    """What a count pair with ``issued = 0`` means."""

    ZERO = "zero"  # scores 0 (the 2024-2025 rule)
    NOT_APPLICABLE = "not_applicable"  # leaves the denominator


class EvidencePeriod(StrEnum):
    """Which checked files an ``evidence`` criterion counts."""

    NOT_CHECKED = "not_checked"  # every valid file (the 2024-2025 rule)
    SIGNING_TIME = "signing_time"  # valid files signed inside the record period (timestamp, else claimed)
    TRUSTED_TIMESTAMP = "trusted_timestamp"  # as above, and the signing time proven by a trusted timestamp


@dataclass(frozen=True, slots=True)
class RubricProblem:
    """One problem of a rubric file: where it is and why, rendered as one Vietnamese line.

    A group or criterion whose id cannot be used is named by its 1-based position instead.
    """

    source: str
    reason: str
    group_id: str | None = None
    group_at: int | None = None
    criterion_id: str | None = None
    criterion_at: int | None = None
    field: str | None = None

    def line(self) -> str:
        parts = [self.source]
        if self.criterion_id is not None:
            parts.append(texts.WHERE_CRITERION.format(id=self.criterion_id))
        elif self.criterion_at is not None:
            parts.append(texts.WHERE_CRITERION_AT.format(n=self.criterion_at, group=self._group()))
        elif self.group_id is not None or self.group_at is not None:
            parts.append(self._group())
        if self.field is not None:
            parts.append(texts.WHERE_FIELD.format(field=self.field))
        parts.append(self.reason)
        return ": ".join(parts)

    def _group(self) -> str:
        if self.group_id is not None:
            return texts.WHERE_GROUP.format(id=self.group_id)
        return texts.WHERE_GROUP_AT.format(n=self.group_at)


class RubricError(ValueError):
    """A rubric file that cannot be used; ``str()`` is one Vietnamese line per problem.

    ``problems`` holds them all; ``source``, ``reason``, ``group_id``, ``criterion_id`` and
    ``field`` describe the first.
    """

    def __init__(self, problems: list[RubricProblem] | tuple[RubricProblem, ...]) -> None:
        if not problems:
            raise ValueError("a RubricError needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        self.source = first.source
        self.reason = first.reason
        self.field = first.field
        self.group_id = first.group_id
        self.criterion_id = first.criterion_id
        super().__init__("\n".join(p.line() for p in self.problems))

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(p.line() for p in self.problems)

    @classmethod
    def single(cls, source: str, code: str, **params: object) -> RubricError:
        return cls([RubricProblem(source, reason(code, **params))])


def reason(code: str, **params: object) -> str:
    """The Vietnamese reason for a problem code (see ``hsdt.texts.rubric.RUBRIC_REASONS``)."""
    template = texts.RUBRIC_REASONS.get(code)
    if template is None:
        return texts.RUBRIC_REASON_FALLBACK.format(detail=code)
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return texts.RUBRIC_REASON_FALLBACK.format(detail=code)


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option of a choice criterion. ``id`` is short ASCII (goes into callback data).

    A ``not_applicable`` option ("Không áp dụng", "Không có văn bản loại này") scores nothing and
    takes the criterion out of the denominator.
    """

    id: str
    label: str
    points: float
    not_applicable: bool = False


@dataclass(frozen=True, slots=True)
class EvidencePoints:
    """Points of an ``evidence`` criterion by the outcome of the signature check."""

    all_valid: float
    some_valid: float
    none: float


@dataclass(frozen=True, slots=True)
class DocumentLabels:
    """What the three counts of a ``document_share`` criterion are called (in the question and reports)."""

    stored: str
    paper_only: str
    signed: str


DEFAULT_DOCUMENT_LABELS = DocumentLabels(
    "Số văn bản lưu trên phần mềm", "Số văn bản chỉ có bản giấy", "Số văn bản đã ký số"
)


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
    rounding: Rounding = DEFAULT_ROUNDING  # the rubric's, copied so one criterion scores alone
    none_issued: NoneIssued = NoneIssued.ZERO  # count_pair only
    evidence_period: EvidencePeriod = EvidencePeriod.NOT_CHECKED  # evidence only
    document_labels: DocumentLabels | None = None  # document_share only

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
    max_points: float = field(init=False)  # the criteria's, summed once (every screen and score asks)

    def __post_init__(self) -> None:
        total = sum((Decimal(str(c.max_points)) for c in self.criteria), Decimal(0))
        object.__setattr__(self, "max_points", float(total))


@dataclass(frozen=True, slots=True)
class SubsetRule:
    """The options chosen for ``criterion_id`` must be among those chosen for ``of_id``.

    Example: II.2 (categories with signed documents) ⊆ I.1 (categories set up). Points of options
    outside ``of_id``'s answer are not counted and the school's score lists the violation.
    """

    criterion_id: str
    of_id: str


@dataclass(frozen=True)
class Rubric:
    name: str
    version: str
    max_points: float
    groups: tuple[Group, ...]
    bands: tuple[Band, ...]  # highest band first; the last one has min_points == 0
    sha256: str  # hex digest of the source text (UTF-8)
    source: str = "<rubric>"  # file name used in error messages
    rounding: Rounding = DEFAULT_ROUNDING
    rules: tuple[SubsetRule, ...] = ()
    assumptions: tuple[str, ...] = ()  # what the file says is assumed (weights, lists), for reports
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


def bundled_rubric_names() -> tuple[str, ...]:
    """Names of the rubrics shipped with the package (file names without ``.yaml``), sorted."""
    return tuple(sorted(p.stem for p in _BUNDLED_DIR.glob("*.yaml")))


def bundled_rubric_path(name: str) -> Path:
    """Path of a bundled rubric by name (``"hsdt-2026"`` or ``"hsdt-2026.yaml"``).

    Raises :class:`RubricError` naming the known ones for an unknown name.
    """
    stem = name.removesuffix(".yaml")
    if stem not in bundled_rubric_names():
        known = ", ".join(bundled_rubric_names())
        raise RubricError.single(name, "unknown_bundled", name=stem, known=known)
    return _BUNDLED_DIR / f"{stem}.yaml"


def default_rubric_path() -> Path:
    """Path of the rubric a new database gets when no rubric file is configured."""
    return bundled_rubric_path(DEFAULT_BUNDLED)


def load_rubric(path: Path) -> Rubric:
    """Read and validate a rubric file. Errors (also unreadable files) raise :class:`RubricError`."""
    return read_rubric_file(path, Path(path).name)[1]


def read_rubric_file(path: Path, source: str | None = None) -> tuple[str, Rubric]:
    """The text of a rubric file and the rubric it holds (a campaign stores the text).

    ``source`` names the file in error messages (default: the full path). Errors, also an
    unreadable file, raise :class:`RubricError`.
    """
    path = Path(path)
    source = str(path) if source is None else source
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError.single(source, "not_utf8", byte=exc.start) from exc
    except OSError as exc:
        raise RubricError.single(source, "unreadable", detail=exc.strerror or exc) from exc
    return text, load_rubric_text(text, source)


def load_rubric_text(text: str, source: str) -> Rubric:
    """Parse and validate rubric YAML text; ``source`` names it in error messages."""
    # Imported here: the file format modules build on the domain objects defined above.
    from hsdt.scoring.rubric_meaning import parse_rubric

    return parse_rubric(text, source)
