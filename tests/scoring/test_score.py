"""Scoring single criteria and whole schools, bands, display and the mean."""

from __future__ import annotations

from typing import Any

import pytest

from hsdt.scoring import (
    InvalidAnswer,
    band_for,
    format_points,
    load_rubric,
    mean_score,
)
from tests.helpers import RUBRIC_2024
from tests.scoring.stored import flags, score_criterion, score_school

RUBRIC = load_rubric(RUBRIC_2024)
ALL = ["c1", "c2", "c3", "c4", "c5", "c6"]

PERFECT: dict[str, dict[str, Any]] = {
    "A1": {"options": ALL},
    "B1": {"issued": 2, "used": 2},
    "B2": {"issued": 20, "used": 20},
    "B3": {"issued": 3, "used": 3},
    "B4": {"options": ALL},
    "C1": {"option": "full"},
    "C2": {"option": "full"},
    "D1": {"percent": 100},
    "D2": {"option": "yes"},
    "E1": {"valid": 3, "total": 3},
    "E2": {"option": "pass"},
    "G1": {"text": "Đề nghị tập huấn thêm"},
}


@pytest.mark.parametrize(
    ("criterion_id", "value", "points"),
    [
        ("A1", None, 0),
        ("A1", {"options": []}, 0),
        ("A1", {"options": ["c1", "c2", "c5"]}, 6),
        ("A1", {"options": ALL}, 12),
        ("B4", {"options": ["c6"]}, 4),
        ("B4", {"options": ALL}, 24),
        ("B1", {"issued": 3, "used": 2}, 5.33),  # 16/3 = 5.333…
        ("B1", {"issued": 3, "used": 1}, 2.67),  # 8/3 = 2.666…
        ("B1", {"issued": 3, "used": 3}, 8),
        ("B1", {"issued": 0, "used": 0}, 0),
        ("B2", {"issued": 8, "used": 1}, 1.25),
        ("B3", {"issued": 16, "used": 1}, 0.38),  # 0.375, half up
        ("B3", {"issued": 16, "used": 0}, 0),
        ("C1", {"option": "full"}, 10),
        ("C1", {"option": "part"}, 5),
        ("C1", {"option": "none"}, 0),
        ("D1", {"percent": 85.5}, 6.84),
        ("D1", {"percent": 100}, 8),
        ("D1", {"percent": 0}, 0),
        ("D1", {"percent": 33.33}, 2.67),  # 2.6664
        ("D1", {"percent": 0.0625}, 0.01),  # 0.005, half up
        ("D2", {"option": "yes"}, 2),
        ("D2", {"option": "no"}, 0),
        ("E1", {"valid": 0, "total": 0}, 0),
        ("E1", {"valid": 3, "total": 3}, 6),
        ("E1", {"valid": 1, "total": 3}, 3),
        ("E1", {"valid": 0, "total": 3}, 0),
        ("E2", {"option": "part"}, 2),
        ("G1", {"text": "ý kiến"}, 0),
    ],
)
def test_score_criterion(criterion_id: str, value: dict[str, Any] | None, points: float) -> None:
    assert score_criterion(RUBRIC.criterion(criterion_id), value) == points


def test_score_criterion_rejects_invalid_values() -> None:
    with pytest.raises(InvalidAnswer) as info:
        score_criterion(RUBRIC.criterion("B1"), {"issued": 1, "used": 2})
    assert info.value.code == "used_gt_issued"


def test_flags() -> None:
    b1 = RUBRIC.criterion("B1")
    assert flags(b1, {"issued": 0, "used": 0}) == ("no_certificates_issued",)
    assert flags(b1, {"issued": 2, "used": 0}) == ()
    assert flags(b1, None) == ()
    e1 = RUBRIC.criterion("E1")
    assert flags(e1, {"valid": 0, "total": 0}) == ("no_documents_checked",)
    assert flags(e1, {"valid": 0, "total": 2}) == ()
    assert flags(RUBRIC.criterion("C1"), {"option": "full"}) == ()
    assert flags(RUBRIC.criterion("C1"), {"option": "gone"}) == ("invalid_value",)
    assert flags(b1, {"issued": 1, "used": 2}) == ("invalid_value",)


def test_perfect_school() -> None:
    result = score_school(RUBRIC, PERFECT)
    assert result.total == 100
    assert result.max_points == 100
    assert result.band.label == "Tốt"
    assert result.answered == 12
    assert result.missing_required == ()
    assert result.ignored == ()
    assert result.invalid == ()
    assert [(g.group_id, g.points, g.max_points) for g in result.groups] == [
        ("A", 12, 12),
        ("B", 48, 48),
        ("C", 20, 20),
        ("D", 10, 10),
        ("E", 10, 10),
        ("G", 0, 0),
    ]
    assert result.group("B").title == "Sử dụng chữ ký số"
    assert result.points("B4") == 24


def test_empty_school() -> None:
    result = score_school(RUBRIC, {})
    assert result.total == 0
    assert result.band.id == "chua_dat"
    assert result.answered == 0
    # G1 (free text) is not required
    assert result.missing_required == ("A1", "B1", "B2", "B3", "B4", "C1", "C2", "D1", "D2", "E1", "E2")
    assert all(not cs.answered and cs.points == 0 for cs in result.criteria)


def test_typical_school() -> None:
    answers: dict[str, dict[str, Any]] = {
        "A1": {"options": ["c1", "c2", "c3", "c4", "c5"]},  # 10
        "B1": {"issued": 3, "used": 2},  # 5.33
        "B2": {"issued": 12, "used": 10},  # 8.33
        "B3": {"issued": 0, "used": 0},  # 0, flagged
        "B4": {"options": ["c1", "c3", "c4"]},  # 12
        "C1": {"option": "part"},  # 5
        "C2": {"option": "full"},  # 10
        "D1": {"percent": 85.5},  # 6.84
        "D2": {"option": "yes"},  # 2
        "E1": {"valid": 2, "total": 3},  # 3
        # E2 missing, G1 missing
    }
    result = score_school(RUBRIC, answers)
    assert result.total == 62.5
    assert format_points(result.total) == "62,5"
    assert result.band.label == "Đạt"
    assert result.answered == 10
    assert result.missing_required == ("E2",)
    assert result.group("B").points == 25.66
    b3 = result.criteria[RUBRIC.index_of("B3")]
    assert (b3.criterion_id, b3.points, b3.answered, b3.flags) == ("B3", 0, True, ("no_certificates_issued",))


def test_unknown_ids_are_ignored_and_invalid_values_reported() -> None:
    answers: dict[str, Any] = dict(PERFECT)
    answers["Z9"] = {"option": "x"}
    answers["A0"] = {"text": "old"}
    answers["C1"] = {"option": "removed"}  # an option the rubric no longer has
    answers["E2"] = None  # explicit None = unanswered
    result = score_school(RUBRIC, answers)
    assert result.ignored == ("A0", "Z9")
    assert result.invalid == ("C1",)
    assert result.missing_required == ("C1", "E2")
    assert result.total == 100 - 10 - 4
    assert result.answered == 10
    c1 = result.criteria[RUBRIC.index_of("C1")]
    assert (c1.points, c1.answered, c1.flags) == (0, False, ("invalid_value",))


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (100, "tot"),
        (85, "tot"),
        (84.995, "tot"),  # displayed as 85
        (84.99, "kha"),
        (70, "kha"),
        (69.99, "dat"),
        (50, "dat"),
        (49.99, "chua_dat"),
        (0, "chua_dat"),
    ],
)
def test_band_for(total: float, band: str) -> None:
    assert band_for(RUBRIC, total).id == band


@pytest.mark.parametrize("total", [-0.01, float("nan"), float("inf")])
def test_band_for_rejects_bad_totals(total: float) -> None:
    with pytest.raises(ValueError, match="total must be a finite number >= 0"):
        band_for(RUBRIC, total)


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (7.5, "7,5"),
        (12, "12"),
        (12.0, "12"),
        (8.333333, "8,33"),
        (0, "0"),
        (-0.0, "0"),
        (100, "100"),
        (0.375, "0,38"),
        (5.10, "5,1"),
        (0.005, "0,01"),
        (62.5, "62,5"),
        (1234.5, "1234,5"),
    ],
)
def test_format_points(x: float, text: str) -> None:
    assert format_points(x) == text


def test_format_points_rejects_nan() -> None:
    with pytest.raises(ValueError):
        format_points(float("nan"))


def test_mean_score() -> None:
    assert mean_score([]) is None
    assert mean_score([80, 90]) == 85
    assert mean_score([1, 2, 2]) == 1.67
    assert mean_score(x for x in (62.5, 100.0, 0.0)) == 54.17
    assert mean_score([0.1, 0.2]) == 0.15  # decimal, not binary-float, arithmetic
    with pytest.raises(ValueError):
        mean_score([1.0, float("nan")])
