"""Property-based tests of scoring, on the default rubric and on randomly generated rubrics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hsdt.scoring import (
    AnswerType,
    Criterion,
    Rubric,
    band_for,
    load_rubric,
    load_rubric_text,
)
from tests.helpers import RUBRIC_2024
from tests.scoring.stored import parse_text_answer, score_criterion, score_school, validate_value

DEFAULT = load_rubric(RUBRIC_2024)

SETTINGS = settings(max_examples=100, deadline=None, database=None)


def _d(x: float) -> Decimal:
    return Decimal(str(x))


# -- strategies ------------------------------------------------------------------------------------


@st.composite
def valid_values(draw: st.DrawFn, criterion: Criterion) -> dict[str, Any]:
    ids = [o.id for o in criterion.options]
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            return {"option": draw(st.sampled_from(ids))}
        case AnswerType.MULTI_CHOICE:
            return {"options": draw(st.lists(st.sampled_from(ids), unique=True))}
        case AnswerType.COUNT_PAIR:
            issued = draw(st.integers(0, 500))
            return {"issued": issued, "used": draw(st.integers(0, issued))}
        case AnswerType.PERCENTAGE:
            return {"percent": draw(st.floats(0, 100, allow_nan=False))}
        case AnswerType.TEXT:
            return {"text": draw(st.text(min_size=1, max_size=40).filter(lambda t: t.strip()))}
        case AnswerType.EVIDENCE:
            total = draw(st.integers(0, 20))
            return {"valid": draw(st.integers(0, total)), "total": total}
        case AnswerType.DOCUMENT_SHARE:
            stored = draw(st.integers(0, 500))
            paper_only = draw(st.integers(0, stored))
            return {"stored": stored, "paper_only": paper_only, "signed": draw(st.integers(0, stored - paper_only))}
    raise AssertionError(criterion.type)


JUNK_VALUES = st.one_of(
    st.none(),
    st.just({"option": "nope"}),
    st.just({"options": ["zz"]}),
    st.just({"issued": 1, "used": 5}),
    st.just({"percent": 250}),
    st.just({"valid": 3, "total": 1}),
    st.just({"stored": 3, "paper_only": 1, "signed": 3}),
    st.just({}),
)


@st.composite
def answer_sets(draw: st.DrawFn, rubric: Rubric) -> dict[str, Any]:
    """Answers for a subset of the criteria, some junk values, some unknown criterion ids."""
    answers: dict[str, Any] = {}
    for criterion in rubric.criteria:
        kind = draw(st.sampled_from(["valid", "valid", "valid", "missing", "junk"]))
        if kind == "valid":
            answers[criterion.id] = draw(valid_values(criterion))
        elif kind == "junk":
            answers[criterion.id] = draw(JUNK_VALUES)
    extra = draw(st.lists(st.from_regex(r"X[0-9]{1,3}", fullmatch=True), max_size=3, unique=True))
    for key in extra:
        answers[key] = {"option": "x"}
    # shuffle the insertion order
    keys = draw(st.permutations(list(answers)))
    return {k: answers[k] for k in keys}


POINTS = st.integers(1, 40).map(lambda n: n / 2)  # 0.5 .. 20 in steps of 0.5


@st.composite
def rubric_texts(draw: st.DrawFn) -> str:
    """YAML text of a random valid rubric."""
    groups: list[dict[str, Any]] = []
    total = Decimal(0)
    n = 0
    for gi in range(draw(st.integers(1, 3))):
        criteria = []
        for _ in range(draw(st.integers(1, 4))):
            n += 1
            ctype = draw(st.sampled_from(list(AnswerType)))
            crit: dict[str, Any] = {"id": f"Q{n}", "title": f"Tiêu chí {n}", "question": f"Câu hỏi {n}?"}
            crit["type"] = ctype.value
            if ctype is AnswerType.SINGLE_CHOICE:
                pts = draw(st.lists(st.sampled_from([0, 0.5, 1, 2.25, 3, 5]), min_size=1, max_size=4))
                crit["options"] = [
                    {"id": f"o{i}", "label": f"Lựa chọn {i}", "points": p} for i, p in enumerate(pts)
                ]
                crit["max_points"] = max(pts) if max(pts) > 0 else None
                if crit["max_points"] is None:  # all-zero options cannot be a scored criterion
                    crit["options"][0]["points"] = 1
                    crit["max_points"] = 1
                if draw(st.booleans()):
                    crit["options"].append({"id": "na", "label": "Không áp dụng", "not_applicable": True})
            elif ctype is AnswerType.MULTI_CHOICE:
                each = draw(POINTS)
                count = draw(st.integers(1, 6))
                crit["options"] = [{"id": f"o{i}", "label": f"Mục {i}"} for i in range(count)]
                crit["points_each"] = each
                crit["max_points"] = float(_d(each) * count)
            elif ctype is AnswerType.EVIDENCE:
                top = draw(POINTS)
                some = draw(st.sampled_from([0, top / 2, top]))
                crit["evidence_points"] = {"all_valid": top, "some_valid": some, "none": 0}
                crit["max_points"] = top
            elif ctype is AnswerType.TEXT:
                crit["max_points"] = 0
            else:
                crit["max_points"] = draw(POINTS)
                if ctype is AnswerType.COUNT_PAIR:
                    crit["when_none_issued"] = draw(st.sampled_from(["zero", "not_applicable"]))
            total += _d(crit["max_points"])
            criteria.append(crit)
        groups.append({"id": f"G{gi}", "title": f"Nhóm {gi}", "criteria": criteria})
    if total == 0:  # only text criteria: add a scored one
        groups[0]["criteria"].append(
            {"id": "Q0", "title": "T", "question": "Q?", "type": "percentage", "max_points": 1}
        )
        total = Decimal(1)
    cut = draw(st.lists(st.integers(1, 99), max_size=3, unique=True))
    mins = sorted({float((total * c / 100).quantize(Decimal("0.01"))) for c in cut} - {0.0}, reverse=True)
    bands = [{"id": f"b{i}", "label": f"Mức {i}", "min": m} for i, m in enumerate([*mins, 0])]
    data: dict[str, Any] = {
        "name": "Ngẫu nhiên",
        "version": "0",
        "max_points": float(total),
        "bands": bands,
        "groups": groups,
    }
    # POINTS are multiples of 0,5, so every proportional max is a multiple of either step.
    rounding = draw(st.sampled_from([None, {"step": 0.25, "mode": "down"}, {"step": 0.5, "mode": "half_up"}]))
    if rounding is not None:
        data["rounding"] = rounding
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def rubric_and_answers(draw: st.DrawFn) -> tuple[Rubric, dict[str, Any]]:
    rubric = load_rubric_text(draw(rubric_texts()), "random.yaml")
    return rubric, draw(answer_sets(rubric))


# -- properties ------------------------------------------------------------------------------------


def _check_invariants(rubric: Rubric, answers: dict[str, Any]) -> None:
    result = score_school(rubric, answers)
    assert 0 <= result.total <= rubric.max_points
    assert result.max_points == rubric.max_points
    for criterion, cs in zip(rubric.criteria, result.criteria, strict=True):
        assert cs.criterion_id == criterion.id
        assert 0 <= cs.points <= criterion.max_points
        assert _d(cs.points) == _d(cs.points).quantize(Decimal("0.01"))
        if cs.not_applicable:
            assert cs.points == 0 and criterion.id in result.not_applicable
    group_sum = sum((_d(g.points) for g in result.groups), Decimal(0))
    assert group_sum == _d(result.raw_total)
    na_max = sum((_d(rubric.criterion(c).max_points) for c in result.not_applicable), Decimal(0))
    assert _d(result.applicable_max_points) == _d(rubric.max_points) - na_max
    if not result.scaled:
        assert result.total == result.raw_total
    elif result.applicable_max_points > 0:
        exact = _d(result.raw_total) * _d(rubric.max_points) / _d(result.applicable_max_points)
        assert abs(exact - _d(result.total)) <= rubric.rounding.step
    for group, gs in zip(rubric.groups, result.groups, strict=True):
        members = [cs for cs in result.criteria if cs.group_id == group.id]
        assert sum((_d(cs.points) for cs in members), Decimal(0)) == _d(gs.points)
        assert gs.max_points == group.max_points
    assert result.band == band_for(rubric, result.total)
    assert set(result.ignored) == {k for k in answers if k not in rubric}
    assert result.answered + len(result.invalid) + sum(
        1 for c in rubric.criteria if answers.get(c.id) is None
    ) == len(rubric.criteria)
    # deterministic, and independent of the insertion order of the answers
    assert score_school(rubric, answers) == result
    assert score_school(rubric, dict(reversed(list(answers.items())))) == result


@SETTINGS
@given(answer_sets(DEFAULT))
def test_default_rubric_invariants(answers: dict[str, Any]) -> None:
    _check_invariants(DEFAULT, answers)


@SETTINGS
@given(rubric_and_answers())
def test_random_rubric_invariants(case: tuple[Rubric, dict[str, Any]]) -> None:
    _check_invariants(*case)


@SETTINGS
@given(st.data())
def test_full_marks_reach_max_points(data: st.DataObject) -> None:
    rubric = load_rubric_text(data.draw(rubric_texts()), "random.yaml")
    answers: dict[str, Any] = {}
    for c in rubric.criteria:
        match c.type:
            case AnswerType.SINGLE_CHOICE:
                answers[c.id] = {"option": max(c.options, key=lambda o: o.points).id}
            case AnswerType.MULTI_CHOICE:
                answers[c.id] = {"options": [o.id for o in c.options]}
            case AnswerType.COUNT_PAIR:
                n = data.draw(st.integers(1, 100))
                answers[c.id] = {"issued": n, "used": n}
            case AnswerType.PERCENTAGE:
                answers[c.id] = {"percent": 100}
            case AnswerType.TEXT:
                answers[c.id] = {"text": "ok"}
            case AnswerType.EVIDENCE:
                n = data.draw(st.integers(1, 10))
                answers[c.id] = {"valid": n, "total": n}
            case AnswerType.DOCUMENT_SHARE:
                paper_only, n = data.draw(st.integers(0, 50)), data.draw(st.integers(1, 100))
                answers[c.id] = {"stored": n + paper_only, "paper_only": paper_only, "signed": n}
    result = score_school(rubric, answers)
    assert result.total == rubric.max_points
    assert result.band == rubric.bands[0]
    assert result.missing_required == ()
    assert result.not_applicable == ()


@SETTINGS
@given(
    st.integers(0, 10_000).flatmap(lambda i: st.tuples(st.just(i), st.integers(0, i))),
    st.sampled_from(["/", " ", ", ", " - "]),
)
def test_typed_count_pair_round_trip(pair: tuple[int, int], sep: str) -> None:
    b1 = DEFAULT.criterion("B1")
    issued, used = pair
    value = parse_text_answer(b1, f"{issued}{sep}{used}")
    assert value == validate_value(b1, {"issued": issued, "used": used}) == {"issued": issued, "used": used}
    expected = Decimal(0) if issued == 0 else Decimal(8) * used / issued
    assert abs(_d(score_criterion(b1, value)) - expected) <= Decimal("0.005")


@SETTINGS
@given(st.data())
def test_typed_multi_choice_numbers_match_options(data: st.DataObject) -> None:
    a1 = DEFAULT.criterion("A1")
    numbers = data.draw(st.lists(st.integers(1, 6), min_size=1))
    sep = data.draw(st.sampled_from([",", " ", ", ", ";"]))
    value = parse_text_answer(a1, sep.join(map(str, numbers)))
    assert value == {"options": [f"c{i}" for i in sorted(set(numbers))]}
    assert score_criterion(a1, value) == 2 * len(set(numbers))
