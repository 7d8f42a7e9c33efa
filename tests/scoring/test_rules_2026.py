"""The scoring rules the 2026 rubric declares: "Không áp dụng", rounding down to 0,25, used ≤ issued,
II.2 ⊆ I.1 and evidence signed inside the record period. Examples first, then properties."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsdt.scoring import (
    EvidenceFileCheck,
    InvalidAnswer,
    bundled_rubric_path,
    evidence_value,
    load_rubric,
    load_rubric_text,
)
from tests.scoring.stored import (
    allowed_options,
    check_rules,
    flags,
    is_not_applicable,
    parse_text_answer,
    score_criterion,
    score_school,
    validate_value,
)

RUBRIC = load_rubric(bundled_rubric_path("hsdt-2026"))
ALL = ["c1", "c2", "c3", "c4", "c5", "c6"]
SETTINGS = settings(max_examples=150, deadline=None, database=None)
QUARTER = Decimal("0.25")

PERFECT: dict[str, dict[str, Any]] = {
    "I.1": {"options": ALL},
    "II.1a": {"issued": 2, "used": 2},
    "II.1b": {"issued": 20, "used": 20},
    "II.1c": {"issued": 3, "used": 3},
    "II.2": {"options": ALL},
    "II.3a": {"option": "full"},
    "II.3b": {"option": "full"},
    "II.4a": {"percent": 100},
    "II.4b": {"option": "yes"},
    "II.5a": {"valid": 2, "total": 2, "in_period": 2, "in_period_proven": 1},
    "II.5b": {"option": "pass"},
    "III": {"text": "Đề nghị tập huấn thêm"},
}


def _d(x: float) -> Decimal:
    return Decimal(str(x))


def test_perfect_answers_score_100_with_nothing_scaled() -> None:
    result = score_school(RUBRIC, PERFECT)
    assert (result.total, result.raw_total, result.applicable_max_points) == (100, 100, 100)
    assert result.band.label == "Tốt" and not result.scaled and result.scaling_note() is None
    assert result.rule_violations == () and result.missing_required == ()
    assert [(g.group_id, g.points) for g in result.groups] == [("I", 30), ("II", 70), ("III", 0)]


@pytest.mark.parametrize(
    ("criterion_id", "value", "points"),
    [
        ("II.1a", {"issued": 3, "used": 2}, 3.25),  # 3,33… rounded down
        ("II.1a", {"issued": 3, "used": 1}, 1.5),  # 1,66…
        ("II.1b", {"issued": 7, "used": 6}, 5.0),  # 5,14…
        ("II.1c", {"issued": 16, "used": 1}, 0.25),
        ("II.1c", {"issued": 17, "used": 1}, 0.0),  # 0,235…
        ("II.4a", {"percent": 85.5}, 6.75),  # 6,84
        ("II.4a", {"percent": 99.9}, 7.75),  # 7,992
        ("II.4a", {"percent": 100}, 8.0),
        ("II.2", {"options": ["c1", "c3"]}, 5.0),  # alone: no other answers to restrict it
        ("II.3b", {"option": "part"}, 3.5),
        ("II.4b", {"option": "na"}, 0.0),
        ("II.1a", {"issued": 0, "used": 0}, 0.0),
    ],
)
def test_criterion_points(criterion_id: str, value: dict[str, Any], points: float) -> None:
    assert score_criterion(RUBRIC.criterion(criterion_id), value) == points


def test_the_2024_2025_rubric_keeps_its_rounding() -> None:
    old = load_rubric(bundled_rubric_path("hsdt-2024-2025"))
    assert score_criterion(old.criterion("B1"), {"issued": 3, "used": 2}) == 5.33
    assert score_criterion(old.criterion("D1"), {"percent": 85.5}) == 6.84
    assert not is_not_applicable(old.criterion("B1"), {"issued": 0, "used": 0})


def test_not_applicable_leaves_the_denominator_and_says_so() -> None:
    answers = {**PERFECT, "II.1c": {"issued": 0, "used": 0}, "II.4b": {"option": "na"}}
    result = score_school(RUBRIC, answers)
    assert result.not_applicable == ("II.1c", "II.4b")
    assert (result.raw_total, result.applicable_max_points, result.total) == (94, 94, 100)
    assert result.scaled and result.band.label == "Tốt"
    assert result.scaling_note() == (
        "Điểm quy đổi về thang 100: 94/94 điểm của các tiêu chí áp dụng (không áp dụng: II.1c, II.4b) → 100/100."
    )
    ii = result.group("II")
    assert (ii.points, ii.max_points, ii.applicable_max_points) == (64, 70, 64)
    na = [c for c in result.criteria if c.not_applicable]
    assert [c.criterion_id for c in na] == ["II.1c", "II.4b"]
    assert "not_applicable" in na[0].flags and "no_certificates_issued" in na[0].flags
    assert is_not_applicable(RUBRIC.criterion("II.4b"), {"option": "na"})
    assert not is_not_applicable(RUBRIC.criterion("II.4b"), {"option": "no"})


def test_a_scaled_total_is_rounded_down_to_a_quarter() -> None:
    answers = {**PERFECT, "II.1c": {"issued": 0, "used": 0}, "II.3a": {"option": "part"}, "II.5b": {"option": "part"}}
    result = score_school(RUBRIC, answers)
    # 96 applicable points; 96 - 4 - 3,5 = 88,5 → 88,5 × 100 / 96 = 92,1875 → 92
    assert (result.raw_total, result.applicable_max_points, result.total) == (88.5, 96, 92.0)


def test_used_cannot_exceed_issued() -> None:
    with pytest.raises(InvalidAnswer) as info:
        parse_text_answer(RUBRIC.criterion("II.1b"), "10/12")
    assert info.value.code == "used_gt_issued"
    with pytest.raises(InvalidAnswer):
        validate_value(RUBRIC.criterion("II.1b"), {"issued": 1, "used": 2})


def test_ii2_only_counts_categories_set_up_in_i1() -> None:
    answers = {**PERFECT, "I.1": {"options": ["c1", "c2", "c5"]}, "II.2": {"options": ["c1", "c4", "c6"]}}
    result = score_school(RUBRIC, answers)
    assert result.points("I.1") == 15 and result.points("II.2") == 2.5
    (violation,) = result.rule_violations
    assert (violation.criterion_id, violation.of_id, violation.option_ids) == ("II.2", "I.1", ("c4", "c6"))
    assert violation.message == (
        "Tiêu chí II.2 chọn “Hồ sơ phổ cập giáo dục mầm non”, “Hồ sơ quản lý văn bản (đi, đến)” nhưng ở tiêu chí I.1 "
        "nhà trường chưa chọn các mục này là đã thiết lập. Tiêu chí II.2 chỉ tính các danh mục đã chọn ở tiêu chí I.1; "
        "Thầy/Cô vui lòng sửa tiêu chí II.2 hoặc tiêu chí I.1."
    )
    assert [o.id for o in allowed_options(RUBRIC, "II.2", answers)] == ["c1", "c2", "c5"]
    assert [o.id for o in allowed_options(RUBRIC, "I.1", answers)] == ALL
    assert check_rules(RUBRIC, {"I.1": {"options": ["c1"]}, "II.2": {"options": ["c1"]}}) == ()
    assert check_rules(RUBRIC, {"II.2": {"options": []}}) == ()


def test_evidence_counts_only_files_signed_in_the_record_period() -> None:
    ii5a = RUBRIC.criterion("II.5a")
    assert score_criterion(ii5a, {"valid": 3, "total": 3, "in_period": 3, "in_period_proven": 0}) == 8
    assert score_criterion(ii5a, {"valid": 3, "total": 3, "in_period": 1, "in_period_proven": 1}) == 4
    assert score_criterion(ii5a, {"valid": 3, "total": 3, "in_period": 0, "in_period_proven": 0}) == 0
    # a value that does not say which files were signed in the period counts none, and says why
    assert score_criterion(ii5a, {"valid": 3, "total": 3}) == 0
    assert flags(ii5a, {"valid": 3, "total": 3}) == ("period_not_checked",)
    old = load_rubric(bundled_rubric_path("hsdt-2024-2025")).criterion("E1")
    assert score_criterion(old, {"valid": 3, "total": 3, "in_period": 0, "in_period_proven": 0}) == 6


def test_a_rubric_can_require_a_trusted_timestamp() -> None:
    text = bundled_rubric_path("hsdt-2026").read_text(encoding="utf-8")
    text = text.replace("signed_in_period: signing_time", "signed_in_period: trusted_timestamp")
    strict = load_rubric_text(text, "x")
    ii5a = strict.criterion("II.5a")
    assert score_criterion(ii5a, {"valid": 2, "total": 2, "in_period": 2, "in_period_proven": 2}) == 8
    assert score_criterion(ii5a, {"valid": 2, "total": 2, "in_period": 2, "in_period_proven": 1}) == 4


def test_evidence_value_from_file_checks() -> None:
    files = [
        EvidenceFileCheck(valid=True, in_period=True, time_proven=True),
        EvidenceFileCheck(valid=True, in_period=True, time_proven=False),
        EvidenceFileCheck(valid=True, in_period=False, time_proven=True),
        EvidenceFileCheck(valid=False, in_period=True, time_proven=True),  # invalid: counts nowhere
    ]
    value = evidence_value(files).to_json()
    assert value == {"valid": 3, "total": 4, "in_period": 2, "in_period_proven": 1}
    assert validate_value(RUBRIC.criterion("II.5a"), value) == value
    assert evidence_value([]).to_json() == {"valid": 0, "total": 0, "in_period": 0, "in_period_proven": 0}


@pytest.mark.parametrize(
    "value",
    [
        {"valid": 1, "total": 2, "in_period": 2, "in_period_proven": 0},  # in_period > valid
        {"valid": 2, "total": 2, "in_period": 1, "in_period_proven": 2},  # proven > in_period
        {"valid": 2, "total": 2, "in_period": 1},  # one period key without the other
    ],
)
def test_inconsistent_evidence_values_are_rejected(value: dict[str, int]) -> None:
    with pytest.raises(InvalidAnswer) as info:
        validate_value(RUBRIC.criterion("II.5a"), value)
    assert info.value.code == "invalid_value"


# -- properties ------------------------------------------------------------------------------------

counts = st.integers(0, 300).flatmap(lambda issued: st.tuples(st.just(issued), st.integers(0, issued)))
subsets = st.lists(st.sampled_from(ALL), unique=True)


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    answers: dict[str, dict[str, Any]] = {"I.1": {"options": draw(subsets)}, "II.2": {"options": draw(subsets)}}
    for cid in ("II.1a", "II.1b", "II.1c"):
        issued, used = draw(counts)
        answers[cid] = {"issued": issued, "used": used}
    for cid in ("II.3a", "II.3b"):
        answers[cid] = {"option": draw(st.sampled_from(["full", "part", "none"]))}
    answers["II.4a"] = {"percent": draw(st.floats(0, 100, allow_nan=False))}
    answers["II.4b"] = {"option": draw(st.sampled_from(["yes", "no", "na"]))}
    total = draw(st.integers(0, 6))
    valid = draw(st.integers(0, total))
    in_period = draw(st.integers(0, valid))
    answers["II.5a"] = {"valid": valid, "total": total, "in_period": in_period,
                        "in_period_proven": draw(st.integers(0, in_period))}  # fmt: skip
    answers["II.5b"] = {"option": draw(st.sampled_from(["pass", "part", "fail"]))}
    dropped = draw(st.lists(st.sampled_from(sorted(answers)), unique=True, max_size=3))
    return {k: v for k, v in answers.items() if k not in dropped}


@SETTINGS
@given(answer_sets())
def test_totals_are_quarters_within_range_and_add_up(answers: dict[str, dict[str, Any]]) -> None:
    result = score_school(RUBRIC, answers)
    assert 0 <= result.total <= 100
    for cs in result.criteria:
        assert 0 <= cs.points <= cs.max_points
        assert _d(cs.points) % QUARTER == 0  # every item of this rubric scores in steps of 0,25
    assert _d(result.total) % QUARTER == 0
    assert sum((_d(g.points) for g in result.groups), Decimal(0)) == _d(result.raw_total)
    na_max = sum((_d(RUBRIC.criterion(c).max_points) for c in result.not_applicable), Decimal(0))
    assert _d(result.applicable_max_points) == 100 - na_max
    if result.scaled:
        exact = _d(result.raw_total) * 100 / _d(result.applicable_max_points)
        assert 0 <= exact - _d(result.total) < QUARTER  # scaled, then rounded down
    else:
        assert result.total == result.raw_total
    assert score_school(RUBRIC, dict(reversed(list(answers.items())))) == result


@SETTINGS
@given(answer_sets())
def test_not_applicable_is_neutral_not_zero(answers: dict[str, dict[str, Any]]) -> None:
    """Full marks on what applies is 100 whatever does not apply; N/A never lowers a total below
    what the same answers score with that item answered at zero."""
    full = {**PERFECT, "II.1c": {"issued": 0, "used": 0}}
    if answers.get("II.4b") == {"option": "na"}:
        full["II.4b"] = {"option": "na"}
    assert score_school(RUBRIC, full).total == 100
    if answers.get("II.4b") == {"option": "na"}:
        as_zero = score_school(RUBRIC, {**answers, "II.4b": {"option": "no"}})
        assert score_school(RUBRIC, answers).total >= as_zero.total - float(QUARTER)


@SETTINGS
@given(counts, st.sampled_from(["II.1a", "II.1b", "II.1c"]))
def test_proportional_points_are_the_exact_share_rounded_down(pair: tuple[int, int], cid: str) -> None:
    issued, used = pair
    criterion = RUBRIC.criterion(cid)
    points = _d(score_criterion(criterion, {"issued": issued, "used": used}))
    if issued == 0:
        assert points == 0 and is_not_applicable(criterion, {"issued": 0, "used": 0})
        return
    exact = _d(criterion.max_points) * used / issued
    assert points % QUARTER == 0 and 0 <= exact - points < QUARTER
    if used < issued:
        assert score_criterion(criterion, {"issued": issued, "used": used + 1}) >= float(points)


@SETTINGS
@given(subsets, subsets)
def test_ii2_counts_the_intersection_and_a_violation_names_exactly_the_rest(
    set_up: list[str], signed: list[str]
) -> None:
    answers = {"I.1": {"options": set_up}, "II.2": {"options": signed}}
    result = score_school(RUBRIC, answers)
    assert result.points("II.2") == 2.5 * len(set(signed) & set(set_up))
    outside = tuple(o for o in ALL if o in signed and o not in set_up)
    if outside:
        (violation,) = result.rule_violations
        assert violation.option_ids == outside
        assert "II.2" in violation.message and "I.1" in violation.message
    else:
        assert result.rule_violations == ()
