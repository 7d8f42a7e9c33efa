"""Answer values as types: read from the JSON stored since the first release, written back the same;
the inspector's typed points; the assessment scored once per change and refreshed by the re-check."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from hsdt.scoring import (
    CountPair,
    DocumentShare,
    EvidenceCount,
    InvalidAnswer,
    MultiChoice,
    Percentage,
    Rescore,
    Rubric,
    SchoolScore,
    SingleChoice,
    StoredValue,
    Text,
    Unreadable,
    check_value,
    default_rubric_path,
    load_rubric,
    needs_comment,
    parse_rescore,
    read_stored,
    read_value,
)
from hsdt.scoring import assessment as domain
from hsdt.scoring import score as score_module
from hsdt.scoring.assessment import Assessment, AssessmentKind, AssessmentStatus, WrongKind
from tests.helpers import RUBRIC_2024

RUBRIC = load_rubric(RUBRIC_2024)
NOW = datetime(2024, 12, 10, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stored", "model"),
    [
        ({"option": "full"}, SingleChoice),
        ({"options": ["c1", "c3"]}, MultiChoice),
        ({"options": []}, MultiChoice),
        ({"issued": 12, "used": 10}, CountPair),
        ({"percent": 85.5}, Percentage),
        ({"text": "Đề nghị tập huấn thêm."}, Text),
        ({"valid": 1, "total": 2, "in_period": 1, "in_period_proven": 0}, EvidenceCount),
        ({"valid": 1, "total": 2}, EvidenceCount),  # written before the record period was checked
        ({"stored": 100, "paper_only": 15, "signed": 85}, DocumentShare),
        ({"points": 5.5, "comment": "Chỉ 7 CBQL có văn bản ký số"}, Rescore),
        ({"points": 6.0, "comment": ""}, Rescore),
        ({"points": 0.0, "comment": "", "not_applicable": True}, Rescore),
    ],
)
def test_every_stored_shape_reads_as_its_type_and_writes_back_the_same_json(
    stored: dict[str, Any], model: type
) -> None:
    value = read_value(stored)
    assert type(value) is model
    assert json.dumps(value.to_json(), ensure_ascii=False) == json.dumps(stored, ensure_ascii=False)
    assert read_value(value.to_json()) == value


@pytest.mark.parametrize(
    "stored",
    [{}, {"colour": "red"}, {"option": 3}, {"issued": 3, "used": 4}, {"valid": 1, "total": 1, "in_period": 1},
     {"points": -1, "comment": ""}, {"points": 1, "comment": None}],
)
def test_a_damaged_row_loads_as_unreadable_keeps_its_json_and_is_invalid(stored: dict[str, Any]) -> None:
    value = read_stored(stored)
    assert isinstance(value, Unreadable) and value.to_json() == stored
    with pytest.raises(InvalidAnswer):
        check_value(RUBRIC.criterion("C1"), value)


def test_a_value_answers_only_a_criterion_of_its_type_and_options() -> None:
    with pytest.raises(InvalidAnswer) as wrong_type:
        check_value(RUBRIC.criterion("B1"), SingleChoice(option="full"))
    assert wrong_type.value.code == "invalid_value"
    with pytest.raises(InvalidAnswer) as unknown:
        check_value(RUBRIC.criterion("C1"), SingleChoice(option="gone"))
    assert (unknown.value.code, unknown.value.params) == ("unknown_option", {"value": "gone", "count": 3})
    with pytest.raises(InvalidAnswer):  # an inspector's points are no school's answer
        check_value(RUBRIC.criterion("B1"), Rescore(points=5))
    assert check_value(RUBRIC.criterion("A1"), MultiChoice(options=("c3", "c1"))) == MultiChoice(options=("c1", "c3"))


@pytest.mark.parametrize(
    ("text", "points", "comment"),
    [("5,5", 5.5, ""), ("5.5", 5.5, ""), ("8 - Kiểm tra thực tế: 16/20", 8.0, "Kiểm tra thực tế: 16/20"),
     ("3 Chỉ 3 danh mục", 3.0, "Chỉ 3 danh mục"), ("  0  ", 0.0, ""), ("6,666", 6.67, ""), ("7: đủ", 7.0, "đủ")],
)
def test_an_inspectors_points_and_comment(text: str, points: float, comment: str) -> None:
    assert parse_rescore(RUBRIC.criterion("B1"), text) == Rescore(points=points, comment=comment)


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [("mười", "points_format", {"value": "mười", "max": 8.0}), ("", "points_format", {"value": "", "max": 8.0}),
     ("9 quá", "points_out_of_range", {"value": "9", "max": 8.0}),
     ("5 " + "x" * 1001, "comment_too_long", {"length": 1001, "max": 1000})],
)
def test_what_is_not_points_says_why(text: str, code: str, params: dict[str, Any]) -> None:
    with pytest.raises(InvalidAnswer) as error:
        parse_rescore(RUBRIC.criterion("B1"), text)
    assert (error.value.code, error.value.params) == (code, params)


def test_points_other_than_the_schools_need_a_comment_that_says_something() -> None:
    assert not needs_comment(Rescore(points=6.67), 6.67)
    assert not needs_comment(Rescore(points=6.672), 6.67)
    assert needs_comment(Rescore(points=5.5), 6.67)
    assert needs_comment(Rescore(points=5.5, comment="ok . . ."), 6.67)
    assert not needs_comment(Rescore(points=5.5, comment="Chỉ 7 CBQL ký số"), 6.67)


def _answered(rubric_path: Any = RUBRIC_2024) -> Assessment:
    rubric = load_rubric(rubric_path)
    own = Assessment(rubric=rubric, kind=AssessmentKind.SELF)
    values = {"A1": {"options": ["c1", "c2", "c3"]}, "B1": {"issued": 12, "used": 10}, "B2": {"issued": 20, "used": 18},
              "B3": {"issued": 5, "used": 5}, "B4": {"options": ["c1", "c2", "c3", "c4"]}, "C1": {"option": "full"},
              "C2": {"option": "part"}, "D1": {"percent": 85}, "D2": {"option": "yes"},
              "E1": {"valid": 1, "total": 1, "in_period": 1, "in_period_proven": 0}, "E2": {"option": "pass"}}
    for cid, raw in values.items():
        own.answer(cid, read_value(raw), by=1, at=NOW)
    return own


def test_a_school_is_scored_once_per_change(monkeypatch: pytest.MonkeyPatch) -> None:
    own = _answered()
    calls: list[int] = []
    scored = score_module.score_school

    def counting(rubric: Rubric, answers: Mapping[str, StoredValue | None]) -> SchoolScore:
        calls.append(1)
        return scored(rubric, answers)

    monkeypatch.setattr(domain, "score_school", counting)
    # What a review screen asks: every criterion's points, what is missing, the total and band.
    for criterion in own.criteria:
        own.points(criterion.id)
    own.missing(), own.current_total(), own.current_band(), own.score().not_applicable
    assert len(calls) == 1
    own.answer("C1", SingleChoice(option="part"), by=1, at=NOW)
    assert own.points("C1") == 5 and own.current_total() == 71.47 + 6 - 5
    assert len(calls) == 2


def test_refreshing_evidence_moves_the_submitted_total_and_nothing_else() -> None:
    own = _answered()
    own.submit(by=1, at=NOW)
    own.changes.clear()
    own.submission_changed = False
    assert (own.total, own.band) == (77.47, "Khá")
    assert own.refresh_evidence("E1", EvidenceCount(valid=1, total=1, in_period=1, in_period_proven=0), at=NOW) is None
    assert not own.changes and not own.submission_changed
    refreshed = own.refresh_evidence("E1", EvidenceCount(valid=0, total=1, in_period=0, in_period_proven=0), at=NOW)
    assert refreshed is not None and refreshed.points == 0 and refreshed.version == 2 and refreshed.answered_by == 1
    assert (own.status, own.total, own.band, own.submission_changed) == (AssessmentStatus.SUBMITTED, 71.47, "Khá", True)
    assert [c.new.criterion_id for c in own.changes] == ["E1"]
    assert own.refresh_evidence("C1", EvidenceCount(valid=0, total=0), at=NOW) is None  # not an evidence criterion
    rescore = Assessment(rubric=own.rubric, kind=AssessmentKind.RESCORE)
    with pytest.raises(WrongKind):
        rescore.refresh_evidence("E1", EvidenceCount(valid=0, total=1), at=NOW)


def test_the_default_rubrics_not_applicable_rescore_leaves_the_denominator() -> None:
    rubric = load_rubric(default_rubric_path())
    rescore = Assessment(rubric=rubric, kind=AssessmentKind.RESCORE)
    for criterion in rescore.criteria:
        value = Rescore(points=0, not_applicable=True) if criterion.id == "9" else Rescore(points=criterion.max_points)
        rescore.rescore(criterion.id, value, expected_version=0, by=2, at=NOW)
    assert rescore.answers["9"].value == Rescore(points=0, not_applicable=True)
    assert rescore.current_total() == 100
