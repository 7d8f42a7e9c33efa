"""District and city roll-ups: examples and properties (hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsdt.scoring import (
    MANAGEMENT_RULE_2024,
    MANAGEMENT_RULE_DEFAULT,
    DistrictInput,
    ManagementRule,
    SchoolInput,
    ScoreSource,
    Unscored,
    aggregate,
    load_rubric,
)
from tests.helpers import RUBRIC_2024
from tests.present import present

RUBRIC = load_rubric(RUBRIC_2024)
DISTRICTS = [DistrictInput(1, "D1", "Quận Một"), DistrictInput(2, "D2", "Huyện Hai")]

totals = st.one_of(st.none(), st.integers(min_value=0, max_value=10000).map(lambda cents: cents / 100))


@st.composite
def schools(draw: st.DrawFn) -> list[SchoolInput]:
    count = draw(st.integers(min_value=0, max_value=25))
    return [
        SchoolInput(
            id=index, code=f"S{index}", name=f"Trường {index}", district_id=draw(st.sampled_from([1, 2])),
            uses_erecords=draw(st.booleans()), self_total=draw(totals), rescore_total=draw(totals),
            cross_total=draw(totals),
        )
        for index in range(100, 100 + count)
    ]


def test_final_is_the_rescore_where_present_and_excluded_schools_do_not_count() -> None:
    report = aggregate(RUBRIC, DISTRICTS, [
        SchoolInput(1, "A", "A", 1, self_total=90, rescore_total=80),
        SchoolInput(2, "B", "B", 1, self_total=60),
        SchoolInput(3, "C", "C", 1, uses_erecords=False, self_total=10),
        SchoolInput(4, "D", "D", 1),
        SchoolInput(5, "E", "E", 2, self_total=75, cross_total=70),
        SchoolInput(6, "F", "F", 99, self_total=1),  # a district not in the report: ignored
    ])
    one = report.district(1)
    assert one is not None
    assert (one.school_count, one.uses_erecords, one.submitted, one.rescored, one.cross_inspected) == (4, 3, 3, 1, 0)
    assert one.mean == 70.0 and one.band == "Khá"
    assert one.band_counts == {"Tốt": 0, "Khá": 1, "Đạt": 1, "Chưa đạt": 0}
    assert [s.difference for s in one.schools] == [-10.0, None, None, None]
    assert report.school_count == 5 and report.mean == round((80 + 60 + 75) / 3, 2)
    assert [d.district.code for d in report.lowest(5)] == ["D1", "D2"]


@settings(max_examples=200, deadline=None)
@given(schools())
def test_means_lie_within_the_counted_scores(items: list[SchoolInput]) -> None:
    report = aggregate(RUBRIC, DISTRICTS, items)
    for district in report.districts:
        counted = [present(s.final) for s in district.schools if s.counted]
        if counted:
            assert district.mean is not None and min(counted) - 0.005 <= district.mean <= max(counted) + 0.005
        else:
            assert district.mean is None and district.band is None
        assert sum(district.band_counts.values()) == len(counted)
    assert report.school_count == len(items)
    assert report.submitted == sum(1 for s in items if s.self_total is not None)


@settings(max_examples=200, deadline=None)
@given(schools(), st.lists(totals, min_size=1, max_size=5))
def test_excluded_schools_do_not_change_any_mean(items: list[SchoolInput], extra: list[float | None]) -> None:
    excluded = [SchoolInput(1000 + i, f"X{i}", f"X{i}", 1 + i % 2, uses_erecords=False, self_total=t, rescore_total=t)
                for i, t in enumerate(extra)]
    without, with_excluded = aggregate(RUBRIC, DISTRICTS, items), aggregate(RUBRIC, DISTRICTS, items + excluded)
    assert [d.mean for d in without.districts] == [d.mean for d in with_excluded.districts]
    assert without.mean == with_excluded.mean and without.band_counts == with_excluded.band_counts


@settings(max_examples=100, deadline=None)
@given(schools(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_order(items: list[SchoolInput], rng: random.Random) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    districts = list(DISTRICTS)
    rng.shuffle(districts)
    assert aggregate(RUBRIC, DISTRICTS, items) == aggregate(RUBRIC, districts, shuffled)


# -- the management rule ---------------------------------------------------------------------------

MIXED = [
    SchoolInput(1, "A", "A", 1, self_total=90, rescore_total=80, cross_total=70),
    SchoolInput(2, "B", "B", 1, self_total=60, cross_total=50),
    SchoolInput(3, "C", "C", 1, self_total=75),
    SchoolInput(4, "D", "D", 1),  # never submitted
    SchoolInput(5, "E", "E", 1, uses_erecords=False),  # does not use e-records: never counted
]


def test_default_rule_rescore_then_cross_then_self_and_unscored_listed_beside_the_mean() -> None:
    report = aggregate(RUBRIC, DISTRICTS[:1], MIXED, MANAGEMENT_RULE_DEFAULT)
    one = report.district(1)
    assert one is not None
    assert [(s.school.code, s.final, s.source) for s in one.schools] == [
        ("A", 80, ScoreSource.RESCORE), ("B", 50, ScoreSource.CROSS), ("C", 75, ScoreSource.SELF),
        ("D", None, None), ("E", None, None),
    ]  # fmt: skip
    assert one.mean == 68.33 and (one.counted, one.unscored) == (3, 1)
    assert [s.school.code for s in one.schools if s.unscored] == ["D"]
    assert one.mean_note() == "trung bình của 3 trường; 1 trường chưa tự đánh giá không tính"
    assert one.rule_name == (
        "Điểm của mỗi trường: Điểm chấm lại, nếu chưa có thì điểm kiểm tra chéo, nếu chưa có thì điểm tự đánh giá. "
        "Trường chưa có điểm: ghi “chưa tự đánh giá”, không tính vào điểm trung bình."
    )
    assert report.mean == one.mean and report.unscored == 1 and report.rule_name == one.rule_name


def test_unscored_schools_can_count_as_zero() -> None:
    rule = ManagementRule(unscored=Unscored.ZERO)
    one = aggregate(RUBRIC, DISTRICTS[:1], MIXED, rule).district(1)
    assert one is not None
    assert one.mean == round((80 + 50 + 75 + 0) / 4, 2) and one.counted == 4 and one.unscored == 1
    assert one.mean_note() == "trung bình của 4 trường; 1 trường chưa tự đánh giá tính 0 điểm"
    assert one.rule_name.endswith("Trường chưa có điểm: tính 0 điểm.")


def test_the_2024_rule_is_the_default_and_reads_as_before() -> None:
    assert aggregate(RUBRIC, DISTRICTS[:1], MIXED) == aggregate(RUBRIC, DISTRICTS[:1], MIXED, MANAGEMENT_RULE_2024)
    one = aggregate(RUBRIC, DISTRICTS[:1], MIXED).district(1)
    assert one is not None
    assert [s.final for s in one.schools] == [80, 60, 75, None, None]  # the cross score is ignored
    assert one.mean == 71.67


def test_a_rule_needs_distinct_sources() -> None:
    with pytest.raises(ValueError):
        ManagementRule(sources=())
    with pytest.raises(ValueError):
        ManagementRule(sources=(ScoreSource.SELF, ScoreSource.SELF))


rules = st.builds(
    ManagementRule,
    sources=st.permutations(list(ScoreSource)).flatmap(lambda p: st.integers(1, 3).map(lambda n: tuple(p[:n]))),
    unscored=st.sampled_from(list(Unscored)),
)


@settings(max_examples=200, deadline=None)
@given(schools(), rules)
def test_any_rule_mean_is_the_mean_of_what_it_counts(items: list[SchoolInput], rule: ManagementRule) -> None:
    report = aggregate(RUBRIC, DISTRICTS, items, rule)
    for district in report.districts:
        values = [v for s in district.schools if (v := s.mean_value) is not None]
        assert district.counted == len(values)
        assert district.unscored == sum(1 for s in district.schools if s.school.uses_erecords and s.final is None)
        if values:
            assert district.mean is not None
            assert min(values) - 0.005 <= district.mean <= max(values) + 0.005
        else:
            assert district.mean is None
        for s in district.schools:
            if s.final is not None:
                assert s.source is not None and s.source in rule.sources
                earlier = rule.sources[: rule.sources.index(s.source)]
                assert all(getattr(s.school, f"{src.value}_total") is None for src in earlier)
        if rule.unscored is Unscored.ZERO:
            assert district.counted == sum(1 for s in district.schools if s.school.uses_erecords)
    assert report.counted == sum(d.counted for d in report.districts)
