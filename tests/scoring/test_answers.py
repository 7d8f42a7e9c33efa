"""Parsing typed answers and validating structured answer values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hsdt.scoring import (
    ANSWER_ERROR_CODES,
    TEXT_MAX_LENGTH,
    InvalidAnswer,
    default_rubric_path,
    fold_text,
    load_rubric,
)
from tests.helpers import RUBRIC_2024
from tests.scoring.stored import parse_text_answer, validate_value

RUBRIC = load_rubric(RUBRIC_2024)
A1 = RUBRIC.criterion("A1")  # multi_choice, 6 categories
B1 = RUBRIC.criterion("B1")  # count_pair
C1 = RUBRIC.criterion("C1")  # single_choice Đầy đủ / Một phần / Chưa
D1 = RUBRIC.criterion("D1")  # percentage
D2 = RUBRIC.criterion("D2")  # single_choice Có / Không
E1 = RUBRIC.criterion("E1")  # evidence
E2 = RUBRIC.criterion("E2")  # single_choice Đạt / Một phần / Không
G1 = RUBRIC.criterion("G1")  # text


def _error(fn: Callable[[], Any]) -> InvalidAnswer:
    with pytest.raises(InvalidAnswer) as info:
        fn()
    err = info.value
    assert err.code in ANSWER_ERROR_CODES
    return err


def test_fold_text() -> None:
    assert fold_text("  Đầy   đủ. ") == "day du"
    assert fold_text("MỘT PHẦN") == "mot phan"
    assert fold_text("Không") == "khong"


# -- count_pair ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["12/10", "12 10", "12, 10", "12 - 10", "12-10", " 12 / 10 ", "12 – 10", "12;10", "12,10", "12  ,  10"],
)
def test_count_pair_formats(text: str) -> None:
    assert parse_text_answer(B1, text) == {"issued": 12, "used": 10}


def test_count_pair_zero_and_equal() -> None:
    assert parse_text_answer(B1, "0/0") == {"issued": 0, "used": 0}
    assert parse_text_answer(B1, "5 5") == {"issued": 5, "used": 5}


def test_count_pair_used_gt_issued() -> None:
    err = _error(lambda: parse_text_answer(B1, "10/12"))
    assert (err.code, err.params) == ("used_gt_issued", {"issued": 10, "used": 12})


@pytest.mark.parametrize("text", ["12", "", "a b c", "1 2 3", "12/10/8", "/"])
def test_count_pair_format_error(text: str) -> None:
    err = _error(lambda: parse_text_answer(B1, text))
    assert err.code == "count_pair_format"


@pytest.mark.parametrize(
    ("text", "bad", "field"),
    [
        ("12.5/10", "12.5", "issued"),
        ("12/abc", "abc", "used"),
        ("1.000/900", "1.000", "issued"),
        ("mười/5", "mười", "issued"),
    ],
)
def test_count_pair_not_a_number(text: str, bad: str, field: str) -> None:
    err = _error(lambda: parse_text_answer(B1, text))
    assert (err.code, err.params) == ("not_a_number", {"value": bad, "field": field})


def test_count_pair_negative() -> None:
    err = _error(lambda: parse_text_answer(B1, "-5/3"))
    assert (err.code, err.params) == ("negative", {"field": "issued", "value": -5})
    err = _error(lambda: parse_text_answer(B1, "5/-3"))
    assert (err.code, err.params) == ("negative", {"field": "used", "value": -3})


# -- percentage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("85", 85.0), ("85%", 85.0), ("85 %", 85.0), ("85,5", 85.5), ("85.5", 85.5), ("0", 0.0), ("100", 100.0)],
)
def test_percentage_formats(text: str, expected: float) -> None:
    assert parse_text_answer(D1, text) == {"percent": expected}


@pytest.mark.parametrize(("text", "value"), [("100.5", 100.5), ("101%", 101.0), ("-5", -5.0)])
def test_percentage_out_of_range(text: str, value: float) -> None:
    err = _error(lambda: parse_text_answer(D1, text))
    assert (err.code, err.params) == ("percent_out_of_range", {"value": value})


@pytest.mark.parametrize("text", ["abc", "", "85,5,1", "tám mươi", "1e5", "9" * 400])
def test_percentage_not_a_number(text: str) -> None:
    assert _error(lambda: parse_text_answer(D1, text)).code == "not_a_number"


# -- single_choice ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("1", "full"),
        ("2.", "part"),
        ("3)", "none"),
        ("Đầy đủ", "full"),
        ("day du", "full"),
        ("ĐẦY ĐỦ", "full"),
        ("  một   phần ", "part"),
        ("mot phan", "part"),
        ("chưa", "none"),
    ],
)
def test_single_choice(text: str, option: str) -> None:
    assert parse_text_answer(C1, text) == {"option": option}


def test_single_choice_labels_of_other_criteria() -> None:
    assert parse_text_answer(D2, "co") == {"option": "yes"}
    assert parse_text_answer(D2, "Không") == {"option": "no"}
    assert parse_text_answer(E2, "đạt") == {"option": "pass"}


@pytest.mark.parametrize("text", ["4", "0", "99"])
def test_single_choice_unknown_number(text: str) -> None:
    err = _error(lambda: parse_text_answer(C1, text))
    assert (err.code, err.params) == ("unknown_option", {"value": text, "count": 3})


@pytest.mark.parametrize("text", ["có lẽ", "", "đầy đủ lắm"])
def test_single_choice_free_text(text: str) -> None:
    err = _error(lambda: parse_text_answer(C1, text))
    assert (err.code, err.params) == ("expected_choice", {"value": text, "count": 3})


def test_long_free_text_is_cut_in_params() -> None:
    err = _error(lambda: parse_text_answer(C1, "x" * 500))
    assert err.params["value"] == "x" * 100 + "…"


# -- multi_choice ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("1,3,5", ["c1", "c3", "c5"]),
        ("1 3 5", ["c1", "c3", "c5"]),
        ("5 3 1 3", ["c1", "c3", "c5"]),
        ("1; 2/6", ["c1", "c2", "c6"]),
        ("1-3", ["c1", "c2", "c3"]),
        ("2 - 4, 6", ["c2", "c3", "c4", "c6"]),
        ("6", ["c6"]),
        ("0", []),
        ("không", []),
        ("Không có", []),
        ("tất cả", ["c1", "c2", "c3", "c4", "c5", "c6"]),
        ("hồ sơ quản lý nhân sự", ["c2"]),
    ],
)
def test_multi_choice(text: str, options: list[str]) -> None:
    assert parse_text_answer(A1, text) == {"options": options}


@pytest.mark.parametrize(
    ("text", "bad"), [("7", "7"), ("1,7", "7"), ("0,1", "0"), ("5-7", "5-7"), ("3-1", "3-1")]
)
def test_multi_choice_unknown_number(text: str, bad: str) -> None:
    err = _error(lambda: parse_text_answer(A1, text))
    assert (err.code, err.params) == ("unknown_option", {"value": bad, "count": 6})


@pytest.mark.parametrize("text", ["abc", "", "1, hai"])
def test_multi_choice_free_text(text: str) -> None:
    err = _error(lambda: parse_text_answer(A1, text))
    assert (err.code, err.params) == ("expected_choice", {"value": text, "count": 6})


# -- text and evidence -----------------------------------------------------------------------------


def test_text() -> None:
    assert parse_text_answer(G1, "  Đề nghị tập huấn thêm – ký số  ") == {
        "text": "Đề nghị tập huấn thêm – ký số"
    }
    assert parse_text_answer(G1, "x" * TEXT_MAX_LENGTH) == {"text": "x" * 2000}


def test_text_errors() -> None:
    assert _error(lambda: parse_text_answer(G1, " \n ")).code == "empty_text"
    err = _error(lambda: parse_text_answer(G1, "x" * 2001))
    assert (err.code, err.params) == ("text_too_long", {"length": 2001, "max": 2000})


def test_evidence_cannot_be_typed() -> None:
    err = _error(lambda: parse_text_answer(E1, "3/3"))
    assert (err.code, err.params) == ("expected_document", {})


# -- validate_value --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion_id", "value", "expected"),
    [
        ("C1", {"option": "full"}, {"option": "full"}),
        ("A1", {"options": ["c3", "c1", "c3"]}, {"options": ["c1", "c3"]}),
        ("A1", {"options": []}, {"options": []}),
        ("A1", {"options": ("c2",)}, {"options": ["c2"]}),
        ("B1", {"issued": 3, "used": 2}, {"issued": 3, "used": 2}),
        ("B1", {"issued": 3.0, "used": 0}, {"issued": 3, "used": 0}),
        ("D1", {"percent": 85}, {"percent": 85.0}),
        ("D1", {"percent": -0.0}, {"percent": 0.0}),
        ("G1", {"text": "  ý kiến "}, {"text": "ý kiến"}),
        ("E1", {"valid": 2, "total": 3}, {"valid": 2, "total": 3}),
        ("E1", {"valid": 0, "total": 0}, {"valid": 0, "total": 0}),
    ],
)
def test_validate_value_ok(criterion_id: str, value: dict[str, Any], expected: dict[str, Any]) -> None:
    result = validate_value(RUBRIC.criterion(criterion_id), value)
    assert result == expected
    assert type(next(iter(result.values()))) is type(next(iter(expected.values())))


@pytest.mark.parametrize(
    ("criterion_id", "value", "code", "params"),
    [
        ("C1", {"option": "zzz"}, "unknown_option", {"value": "zzz", "count": 3}),
        ("A1", {"options": ["c1", "c9"]}, "unknown_option", {"value": "c9", "count": 6}),
        ("B1", {"issued": 2, "used": 3}, "used_gt_issued", {"issued": 2, "used": 3}),
        ("B1", {"issued": -1, "used": 0}, "negative", {"field": "issued", "value": -1}),
        ("B1", {"issued": 1, "used": -1}, "negative", {"field": "used", "value": -1}),
        ("B1", {"issued": "3", "used": 1}, "not_a_number", {"value": "3", "field": "issued"}),
        ("B1", {"issued": True, "used": 1}, "not_a_number", {"value": "True", "field": "issued"}),
        ("B1", {"issued": 3, "used": 1.5}, "not_a_number", {"value": "1.5", "field": "used"}),
        ("D1", {"percent": 101}, "percent_out_of_range", {"value": 101.0}),
        ("D1", {"percent": -1}, "percent_out_of_range", {"value": -1.0}),
        ("D1", {"percent": float("nan")}, "not_a_number", {"value": "nan"}),
        ("D1", {"percent": "85"}, "not_a_number", {"value": "85"}),
        ("D1", {"percent": True}, "not_a_number", {"value": "True"}),
        ("G1", {"text": "  "}, "empty_text", {}),
        ("G1", {"text": "x" * 2001}, "text_too_long", {"length": 2001, "max": 2000}),
        ("E1", {"valid": 4, "total": 3}, "valid_gt_total", {"valid": 4, "total": 3}),
        ("E1", {"valid": -1, "total": 3}, "negative", {"field": "valid", "value": -1}),
    ],
)
def test_validate_value_errors(
    criterion_id: str, value: dict[str, Any], code: str, params: dict[str, Any]
) -> None:
    err = _error(lambda: validate_value(RUBRIC.criterion(criterion_id), value))
    assert (err.code, err.params) == (code, params)


@pytest.mark.parametrize(
    ("criterion_id", "value"),
    [
        ("C1", {}),
        ("C1", {"option": 1}),
        ("C1", {"option": "full", "extra": 1}),
        ("C1", {"options": ["full"]}),
        ("A1", {"options": "c1"}),
        ("A1", {"options": [1]}),
        ("B1", {"issued": 3}),
        ("G1", {"text": 5}),
        ("E1", {"valid": 1}),
        ("C1", ["full"]),
        ("C1", None),
    ],
)
def test_validate_value_wrong_shape(criterion_id: str, value: Any) -> None:
    err = _error(lambda: validate_value(RUBRIC.criterion(criterion_id), value))
    assert err.code == "invalid_value"
    assert isinstance(err.params["reason"], str)


def test_invalid_answer_is_value_error_without_vietnamese_text() -> None:
    err = InvalidAnswer("used_gt_issued", {"issued": 1, "used": 2})
    assert isinstance(err, ValueError)
    assert str(err) == "used_gt_issued: {'issued': 1, 'used': 2}"
    with pytest.raises(ValueError, match="unknown InvalidAnswer code"):
        InvalidAnswer("typo")


# The 2026 rubric's criterion 8: documents stored, of which paper-only, and signed.
DOCUMENTS = load_rubric(default_rubric_path()).criterion("8")

REQUIRED_CODES = {
    "not_a_number",
    "negative",
    "used_gt_issued",
    "percent_out_of_range",
    "unknown_option",
    "expected_choice",
    "count_pair_format",
    "empty_text",
    "text_too_long",
}


def test_every_declared_code_is_reachable_and_params_match() -> None:
    triggers: list[Callable[[], Any]] = [
        lambda: parse_text_answer(B1, "x/1"),
        lambda: parse_text_answer(B1, "-1/0"),
        lambda: parse_text_answer(B1, "1/2"),
        lambda: validate_value(E1, {"valid": 2, "total": 1}),
        lambda: parse_text_answer(D1, "120"),
        lambda: parse_text_answer(C1, "9"),
        lambda: parse_text_answer(C1, "gì đó"),
        lambda: parse_text_answer(B1, "1"),
        lambda: parse_text_answer(G1, ""),
        lambda: parse_text_answer(G1, "x" * 3000),
        lambda: parse_text_answer(E1, "pdf"),
        lambda: validate_value(C1, {}),
        lambda: parse_text_answer(DOCUMENTS, "100/10"),
        lambda: parse_text_answer(DOCUMENTS, "10/20/0"),
        lambda: parse_text_answer(DOCUMENTS, "100/10/91"),
    ]
    seen = set()
    for trigger in triggers:
        err = _error(trigger)
        seen.add(err.code)
        # every declared param is set (not_a_number may add "field")
        assert set(ANSWER_ERROR_CODES[err.code]) <= set(err.params), err
    assert seen == set(ANSWER_ERROR_CODES)
    assert set(ANSWER_ERROR_CODES) >= REQUIRED_CODES
