"""District and city roll-ups: examples and properties (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from hsdt.scoring import DistrictInput, SchoolInput, aggregate, load_rubric
from hsdt.scoring.rubric import default_rubric_path

RUBRIC = load_rubric(default_rubric_path())
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
        counted = [s.final for s in district.schools if s.counted]
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
