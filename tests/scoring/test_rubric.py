"""Loading and validating rubric files."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hsdt.scoring import (
    ID_PATTERN,
    AnswerType,
    RubricError,
    load_rubric,
    load_rubric_text,
)
from tests.helpers import RUBRIC_2024

DEFAULT = load_rubric(RUBRIC_2024)

# Question texts exactly as in domain.md, "Default rubric".
EXPECTED_QUESTIONS = {
    "A1": "Trường đã thiết lập những danh mục hồ sơ điện tử nào trên phần mềm "
    "(theo Công văn 140/SGDĐT-GDMN)?",
    "B1": "Số cán bộ quản lý được cấp chữ ký số, và số đã sử dụng để ký văn bản?",
    "B2": "Số giáo viên được cấp chữ ký số, và số đã sử dụng?",
    "B3": "Số nhân viên được cấp chữ ký số, và số đã sử dụng?",
    "B4": "Những danh mục hồ sơ nào đã có văn bản được ký số?",
    "C1": "Văn bản ký số có được cập nhật kịp thời theo đúng quy trình (trình ký → ký → ban hành → lưu)?",
    "C2": "Văn bản ký số có được lưu trữ đúng danh mục, đặt tên, sắp xếp khoa học?",
    "D1": "Tỷ lệ văn bản thuộc thẩm quyền của trường được lưu trên phần mềm là bản đã ký số (%)?",
    "D2": "Văn bản chỉ có bản giấy, không ký số (VD: Phiếu điều tra phổ cập) có được lưu đúng hiện trạng?",
    "E1": "Gửi văn bản mẫu đã ký số (PDF) để kiểm tra chữ ký",
    "E2": "Hình ảnh chữ ký, con dấu (dấu đỏ, đúng kích thước, tên cơ quan, thời gian ký) "
    "đúng quy định Nghị định 30/2020?",
    "G1": "Ý kiến, đề xuất của nhà trường (không tính điểm)",
}

CATEGORIES = [
    "Hồ sơ quản lý trẻ em",
    "Hồ sơ quản lý nhân sự",
    "Hồ sơ quản lý chuyên môn (kế hoạch giáo dục, sổ theo dõi trẻ)",
    "Hồ sơ quản lý văn bản đi/đến",
    "Hồ sơ quản lý tài sản, tài chính",
    "Hồ sơ quản lý bán trú, nuôi dưỡng",
]


# --------------------------------------------------------------------------------------------------
# The default rubric


def test_default_rubric_totals_exactly_100() -> None:
    assert DEFAULT.max_points == 100
    assert sum(c.max_points for c in DEFAULT.criteria) == 100
    assert sum(g.max_points for g in DEFAULT.groups) == 100


def test_default_rubric_questions_points_and_types() -> None:
    assert [c.id for c in DEFAULT.criteria] == list(EXPECTED_QUESTIONS)
    assert {c.id: c.question for c in DEFAULT.criteria} == EXPECTED_QUESTIONS
    points = {c.id: c.max_points for c in DEFAULT.criteria}
    assert points == {
        "A1": 12, "B1": 8, "B2": 10, "B3": 6, "B4": 24, "C1": 10,
        "C2": 10, "D1": 8, "D2": 2, "E1": 6, "E2": 4, "G1": 0,
    }  # fmt: skip
    types = {c.id: c.type for c in DEFAULT.criteria}
    assert types["A1"] is types["B4"] is AnswerType.MULTI_CHOICE
    assert types["B1"] is types["B2"] is types["B3"] is AnswerType.COUNT_PAIR
    assert types["C1"] is types["C2"] is types["D2"] is types["E2"] is AnswerType.SINGLE_CHOICE
    assert types["D1"] is AnswerType.PERCENTAGE
    assert types["E1"] is AnswerType.EVIDENCE
    assert types["G1"] is AnswerType.TEXT


def test_default_rubric_groups() -> None:
    assert [(g.id, g.title) for g in DEFAULT.groups] == [
        ("A", "Thiết lập danh mục HSĐT"),
        ("B", "Sử dụng chữ ký số"),
        ("C", "Cập nhật, lưu trữ"),
        ("D", "Lưu trữ trên môi trường mạng"),
        ("E", "Chữ ký số và con dấu"),
        ("G", "Ý kiến, đề xuất"),
    ]
    for group in DEFAULT.groups:
        for criterion in group.criteria:
            assert criterion.group_id == group.id
            assert criterion.group_title == group.title


def test_default_rubric_options() -> None:
    for cid, each in (("A1", 2), ("B4", 4)):
        crit = DEFAULT.criterion(cid)
        assert [o.label for o in crit.options] == CATEGORIES
        assert [o.id for o in crit.options] == ["c1", "c2", "c3", "c4", "c5", "c6"]
        assert all(o.points == each for o in crit.options)
    for cid in ("C1", "C2"):
        assert [(o.id, o.label, o.points) for o in DEFAULT.criterion(cid).options] == [
            ("full", "Đầy đủ", 10),
            ("part", "Một phần", 5),
            ("none", "Chưa", 0),
        ]
    assert [(o.id, o.label, o.points) for o in DEFAULT.criterion("D2").options] == [
        ("yes", "Có", 2),
        ("no", "Không", 0),
    ]
    assert [(o.id, o.label, o.points) for o in DEFAULT.criterion("E2").options] == [
        ("pass", "Đạt", 4),
        ("part", "Một phần", 2),
        ("fail", "Không", 0),
    ]
    e1 = DEFAULT.criterion("E1").evidence_points
    assert e1 is not None
    assert (e1.all_valid, e1.some_valid, e1.none) == (6, 3, 0)


def test_default_rubric_ids_fit_callback_data() -> None:
    ids = [g.id for g in DEFAULT.groups] + [b.id for b in DEFAULT.bands]
    for criterion in DEFAULT.criteria:
        ids.append(criterion.id)
        ids.extend(o.id for o in criterion.options)
    assert all(ID_PATTERN.fullmatch(i) for i in ids)


def test_default_rubric_texts_and_flags() -> None:
    for criterion in DEFAULT.criteria:
        assert criterion.title
        if criterion.id == "G1":
            assert criterion.required is False
            assert criterion.evidence is None
        else:
            assert criterion.required is True
            assert criterion.evidence
    b1 = DEFAULT.criterion("B1")
    assert b1.issued_label and "được cấp" in b1.issued_label
    assert b1.used_label and "đã sử dụng" in b1.used_label
    assert DEFAULT.criterion("A1").evidence == (
        "Đoàn kiểm tra xem cây danh mục hồ sơ trên phần mềm hồ sơ điện tử của nhà trường")


def test_default_rubric_bands() -> None:
    assert [(b.id, b.label, b.min_points) for b in DEFAULT.bands] == [
        ("tot", "Tốt", 85),
        ("kha", "Khá", 70),
        ("dat", "Đạt", 50),
        ("chua_dat", "Chưa đạt", 0),
    ]


def test_rubric_metadata_and_lookup() -> None:
    text = RUBRIC_2024.read_text(encoding="utf-8")
    assert DEFAULT.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert DEFAULT.source == "hsdt-2024-2025.yaml"
    assert isinstance(DEFAULT.version, str) and DEFAULT.version
    assert DEFAULT.name.startswith("Bộ tiêu chí")
    assert DEFAULT.index_of("A1") == 0
    assert DEFAULT.index_of("G1") == 11
    assert DEFAULT.criterion("C2").title
    assert "B2" in DEFAULT and "Z9" not in DEFAULT
    assert DEFAULT.criterion("C1").option_number("none") == 3
    with pytest.raises(KeyError, match="unknown criterion id 'Z9'"):
        DEFAULT.criterion("Z9")
    with pytest.raises(KeyError, match="unknown criterion id 'Z9'"):
        DEFAULT.index_of("Z9")
    with pytest.raises(KeyError, match="criterion C1 has no option 'zz'"):
        DEFAULT.criterion("C1").option("zz")


def test_same_text_same_rubric() -> None:
    text = RUBRIC_2024.read_text(encoding="utf-8")
    assert load_rubric_text(text, "hsdt-2024-2025.yaml") == DEFAULT
    other = load_rubric_text(text + "\n# edited\n", "hsdt-2024-2025.yaml")
    assert other.sha256 != DEFAULT.sha256


# --------------------------------------------------------------------------------------------------
# Validation errors

BASE: dict[str, Any] = {
    "name": "Bộ tiêu chí thử",
    "version": "1",
    "max_points": 20,
    "bands": [
        {"id": "good", "label": "Tốt", "min": 15},
        {"id": "low", "label": "Chưa đạt", "min": 0},
    ],
    "option_sets": {"cats": [{"id": "c1", "label": "Một"}, {"id": "c2", "label": "Hai"}]},
    "groups": [
        {
            "id": "A",
            "title": "Nhóm A",
            "criteria": [
                {
                    "id": "A1",
                    "title": "Danh mục",
                    "question": "Chọn danh mục?",
                    "type": "multi_choice",
                    "option_set": "cats",
                    "points_each": 2,
                    "max_points": 4,
                },
                {
                    "id": "A2",
                    "title": "Có/Không",
                    "question": "Có không?",
                    "type": "single_choice",
                    "options": [
                        {"id": "yes", "label": "Có", "points": 4},
                        {"id": "no", "label": "Không", "points": 0},
                    ],
                    "max_points": 4,
                },
            ],
        },
        {
            "id": "B",
            "title": "Nhóm B",
            "criteria": [
                {
                    "id": "B1",
                    "title": "Cặp số",
                    "question": "Bao nhiêu?",
                    "type": "count_pair",
                    "max_points": 5,
                },
                {
                    "id": "B2",
                    "title": "Tỷ lệ",
                    "question": "Bao nhiêu %?",
                    "type": "percentage",
                    "max_points": 3,
                },
                {
                    "id": "B3",
                    "title": "Minh chứng",
                    "question": "Gửi PDF",
                    "type": "evidence",
                    "evidence_points": {"all_valid": 4, "some_valid": 2, "none": 0},
                    "max_points": 4,
                },
                {"id": "B4", "title": "Ý kiến", "question": "Ý kiến?", "type": "text"},
            ],
        },
    ],
}


def _crit(data: dict[str, Any], cid: str) -> dict[str, Any]:
    crit: dict[str, Any]
    for group in data["groups"]:
        for crit in group["criteria"]:
            if crit["id"] == cid:
                return crit
    raise KeyError(cid)


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_base_fixture_is_valid(tmp_path: Path) -> None:
    rubric = load_rubric(_write(tmp_path, BASE))
    assert rubric.max_points == 20
    assert [c.id for c in rubric.criteria] == ["A1", "A2", "B1", "B2", "B3", "B4"]
    b1 = rubric.criterion("B1")
    assert (b1.issued_label, b1.used_label) == ("Số được cấp", "Số đã sử dụng")
    assert rubric.criterion("B4").required is False
    assert rubric.criterion("B4").max_points == 0


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Mutator: set criterion field ("A2.max_points") or top-level field ("max_points")."""

    def apply(data: dict[str, Any]) -> None:
        if "." in path:
            cid, key = path.split(".", 1)
            _crit(data, cid)[key] = value
        else:
            data[path] = value

    return apply


def _delete(cid: str, key: str) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        del _crit(data, cid)[key]

    return apply


def _do(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        fn(data)

    return apply


ERROR_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "max_points_zero",
        _set("B2.max_points", 0),
        "tiêu chí B2: khóa “max_points”: phải lớn hơn 0",
    ),
    (
        "max_points_not_number",
        _set("B2.max_points", "ba"),
        "tiêu chí B2: khóa “max_points”: phải là một số, đang là chữ “ba”",
    ),
    (
        "max_points_three_decimals",
        _set("B2.max_points", 3.125),
        "tiêu chí B2: khóa “max_points”: chỉ được có tối đa 2 chữ số thập phân",
    ),
    (
        "duplicate_criterion",
        _set("B1.id", "A1"),
        "tiêu chí A1: khóa “id”: mã tiêu chí “A1” bị trùng",
    ),
    (
        "duplicate_group",
        _do(lambda d: d["groups"][1].__setitem__("id", "A")),
        "nhóm A: khóa “id”: mã nhóm “A” bị trùng",
    ),
    (
        "duplicate_option",
        _do(lambda d: _crit(d, "A2")["options"][1].__setitem__("id", "yes")),
        "tiêu chí A2: khóa “options[1].id”: mã phương án “yes” bị trùng",
    ),
    (
        "duplicate_option_label",
        _do(lambda d: _crit(d, "A2")["options"][1].__setitem__("label", "CÓ")),
        "tiêu chí A2: khóa “options[1].label”: tên phương án “CÓ” bị trùng (không phân biệt hoa "
        "thường, dấu)",
    ),
    (
        "unknown_type",
        _set("B2.type", "slider"),
        "tiêu chí B2: khóa “type”: loại “slider” không có (các loại: single_choice, multi_choice, "
        "count_pair, percentage, text, evidence, document_share)",
    ),
    (
        "missing_type",
        _delete("B2", "type"),
        "tiêu chí B2: khóa “type”: bắt buộc phải có",
    ),
    (
        "choice_without_options",
        _delete("A2", "options"),
        "tiêu chí A2: khóa “options”: bắt buộc phải có với loại “single_choice” (hoặc dùng "
        "“option_set”)",
    ),
    (
        "negative_option_points",
        _do(lambda d: _crit(d, "A2")["options"][1].__setitem__("points", -1)),
        "tiêu chí A2: khóa “options[1].points”: không được âm",
    ),
    (
        "option_without_points",
        _do(lambda d: _crit(d, "A2")["options"][1].pop("points")),
        "tiêu chí A2: khóa “options[1].points”: bắt buộc phải có (hoặc khai báo “points_each” cho "
        "tiêu chí)",
    ),
    (
        "single_choice_max_mismatch",
        _do(lambda d: _crit(d, "A2")["options"][0].__setitem__("points", 3)),
        "tiêu chí A2: khóa “max_points”: phải bằng điểm cao nhất của các phương án (3) với loại "
        "“single_choice”, đang là 4",
    ),
    (
        "multi_choice_sum_mismatch",
        _set("A1.points_each", 3),
        "tiêu chí A1: khóa “max_points”: phải bằng tổng điểm các phương án (6) với loại "
        "“multi_choice”, đang là 4",
    ),
    (
        "unknown_option_set",
        _set("A1.option_set", "cat"),
        "tiêu chí A1: khóa “option_set”: không có bộ phương án “cat” (có: cats)",
    ),
    (
        "options_on_percentage",
        _set("B2.options", [{"id": "x", "label": "X", "points": 3}]),
        "tiêu chí B2: khóa “options”: không dùng được cho loại “percentage”",
    ),
    (
        "total_mismatch",
        _set("max_points", 21),
        "khóa “max_points”: khai báo 21 nhưng tổng max_points của các tiêu chí là 20",
    ),
    (
        "bands_unsorted",
        _set("bands", [{"id": "low", "label": "Thấp", "min": 0}, {"id": "good", "label": "Tốt", "min": 15}]),
        "khóa “bands[1].min”: các mức xếp loại phải liệt kê từ cao xuống thấp, “min” giảm dần (15 "
        "sau 0); các mức đang chồng nhau hoặc sai thứ tự",
    ),
    (
        "bands_overlap",
        _set("bands", [{"id": "a", "label": "A", "min": 10}, {"id": "b", "label": "B", "min": 10}]),
        "khóa “bands[1].min”: các mức xếp loại phải liệt kê từ cao xuống thấp, “min” giảm dần (10 "
        "sau 10); các mức đang chồng nhau hoặc sai thứ tự",
    ),
    (
        "bands_no_zero",
        _set("bands", [{"id": "good", "label": "Tốt", "min": 15}, {"id": "ok", "label": "Đạt", "min": 5}]),
        "khóa “bands”: mức thấp nhất phải có min 0 để tổng điểm nào cũng có xếp loại",
    ),
    (
        "band_above_max",
        _set("bands", [{"id": "good", "label": "Tốt", "min": 25}, {"id": "low", "label": "Thấp", "min": 0}]),
        "khóa “bands[0].min”: 25 lớn hơn điểm tối đa của bộ tiêu chí (20)",
    ),
    (
        "evidence_order",
        _set("B3.evidence_points", {"all_valid": 4, "some_valid": 5, "none": 0}),
        "tiêu chí B3: khóa “evidence_points”: phải thỏa all_valid ≥ some_valid ≥ none (đang là 4, "
        "5, 0)",
    ),
    (
        "evidence_all_not_max",
        _set("B3.evidence_points", {"all_valid": 3, "some_valid": 2, "none": 0}),
        "tiêu chí B3: khóa “evidence_points.all_valid”: phải bằng max_points 4, đang là 3",
    ),
    (
        "evidence_missing_points",
        _delete("B3", "evidence_points"),
        "tiêu chí B3: khóa “evidence_points”: bắt buộc phải có với loại “evidence”",
    ),
    (
        "text_with_points",
        _set("B4.max_points", 2),
        "tiêu chí B4: khóa “max_points”: phải bằng 0 với loại “text” (ý kiến tự do không tính điểm)",
    ),
    (
        "option_id_too_long",
        _do(lambda d: _crit(d, "A2")["options"][0].__setitem__("id", "abcdefghijklm")),
        "tiêu chí A2: khóa “options[0].id”: mã “abcdefghijklm” không hợp lệ: dùng 1 đến 12 chữ cái "
        "không dấu, chữ số hoặc “_”",
    ),
    (
        "option_id_not_ascii",
        _do(lambda d: _crit(d, "A2")["options"][0].__setitem__("id", "có")),
        "tiêu chí A2: khóa “options[0].id”: mã “có” không hợp lệ: dùng 1 đến 12 chữ cái không dấu, "
        "chữ số hoặc “_”",
    ),
    (
        "criterion_id_invalid",
        _set("A2.id", "A 2"),
        "tiêu chí thứ 2 của nhóm A: khóa “id”: mã “A 2” không hợp lệ: dùng 1 đến 12 chữ cái không "
        "dấu, chữ số, “_” hoặc “.” (không ở đầu, cuối)",
    ),
    (
        "unknown_field",
        _set("A2.max_point", 4),
        "tiêu chí A2: khóa “max_point”: không có trong mẫu tệp (các khóa được phép: evidence, id, "
        "max_points, option_set, options, points_each, question, required, title, type)",
    ),
    (
        "required_not_bool",
        _set("A2.required", "có"),
        "tiêu chí A2: khóa “required”: phải là true hoặc false, đang là chữ “có”",
    ),
    (
        "missing_question",
        _delete("A2", "question"),
        "tiêu chí A2: khóa “question”: bắt buộc phải có",
    ),
    (
        "empty_title",
        _set("A2.title", "  "),
        "tiêu chí A2: khóa “title”: không được để trống",
    ),
    (
        "version_float",
        _set("version", 1.5),
        'khóa “version”: phải là một đoạn chữ (đặt trong dấu ngoặc kép, ví dụ "1.0"), đang là số '
        "1.5",
    ),
    (
        "no_groups",
        _set("groups", []),
        "khóa “groups”: danh sách không được để trống",
    ),
    (
        "empty_group",
        _do(lambda d: d["groups"][1].__setitem__("criteria", [])),
        "nhóm B: khóa “criteria”: danh sách không được để trống",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_validation_errors_name_file_criterion_and_field(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = copy.deepcopy(BASE)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert message.startswith("broken.yaml: " + expected), message


def test_error_attributes(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    _crit(data, "B2")["max_points"] = 0
    with pytest.raises(RubricError) as info:
        load_rubric(_write(tmp_path, data))
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.source, err.criterion_id, err.field, err.reason) == (
        "broken.yaml",
        "B2",
        "max_points",
        "phải lớn hơn 0",
    )
    # every problem is reported, one line each: the criterion's and the total that no longer adds up
    assert err.lines == (
        "broken.yaml: tiêu chí B2: khóa “max_points”: phải lớn hơn 0",
        "broken.yaml: khóa “max_points”: khai báo 20 nhưng tổng max_points của các tiêu chí là 17",
    )
    assert str(err) == "\n".join(err.lines)


def test_several_shape_errors_are_all_reported(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    _crit(data, "A2")["title"] = 3
    _crit(data, "B1")["labels"] = {"issued": "Cấp", "usd": "Dùng"}
    data["groups"][1]["criteria"][2]["id"] = "B 3"
    with pytest.raises(RubricError) as info:
        load_rubric(_write(tmp_path, data))
    assert info.value.lines == (
        "broken.yaml: tiêu chí A2: khóa “title”: phải là một đoạn chữ, đang là số 3",
        "broken.yaml: tiêu chí B1: khóa “labels.used”: bắt buộc phải có",
        "broken.yaml: tiêu chí B1: khóa “labels.usd”: không có trong mẫu tệp (các khóa được phép: issued, used)",
        "broken.yaml: tiêu chí thứ 3 của nhóm B: khóa “id”: mã “B 3” không hợp lệ: dùng 1 đến 12 chữ cái "
        "không dấu, chữ số, “_” hoặc “.” (không ở đầu, cuối)",
    )


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text('name: "Bộ tiêu chí"\nversion: "1"\ngroups: [\n  - id: A\n', encoding="utf-8")
    with pytest.raises(RubricError, match=r"^broken\.yaml: sai cú pháp YAML ở dòng \d+, cột \d+: "):
        load_rubric(path)


def test_yaml_duplicate_key_is_an_error() -> None:
    text = 'name: "A"\nname: "B"\n'
    with pytest.raises(
        RubricError, match=r"^r\.yaml: sai cú pháp YAML ở dòng 2, cột 1: khóa “name” xuất hiện hai lần$"
    ):
        load_rubric_text(text, "r.yaml")


def test_unquoted_yaml_boolean_id_is_explained(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False).replace("id: 'yes'", "id: yes")
    assert "id: yes" in text
    with pytest.raises(RubricError) as info:
        load_rubric_text(text, "r.yaml")
    assert str(info.value) == (
        "r.yaml: tiêu chí A2: khóa “options[0].id”: phải là một mã, đang là giá trị đúng/sai (true) "
        '(hãy đặt mã trong dấu ngoặc kép trong YAML, ví dụ "yes")'
    )


def test_option_set_entries_are_checked(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["option_sets"]["cats"][1]["id"] = "c1"
    with pytest.raises(RubricError) as info:
        load_rubric(_write(tmp_path, data))
    assert str(info.value) == "broken.yaml: khóa “option_sets.cats[1].id”: mã phương án “c1” bị trùng"


def test_empty_and_non_mapping_files() -> None:
    with pytest.raises(RubricError, match=r"^e\.yaml: tệp không có nội dung$"):
        load_rubric_text("# nothing\n", "e.yaml")
    with pytest.raises(RubricError, match=r"^e\.yaml: phải là một bảng khóa: giá trị, đang là một danh sách$"):
        load_rubric_text("- 1\n- 2\n", "e.yaml")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match=r"^missing\.yaml: không đọc được tệp \("):
        load_rubric(tmp_path / "missing.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: 'Tốt'".encode("utf-16"))
    with pytest.raises(RubricError, match=r"^latin1\.yaml: tệp không phải văn bản UTF-8"):
        load_rubric(bad)


# --------------------------------------------------------------------------------------------------
# Whatever an operator writes, the loader answers with problem lines, never with another exception

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 300), st.floats(allow_nan=True, allow_infinity=True), st.just(1e308),
    st.text(max_size=15), st.lists(st.integers(), max_size=2), st.just({}), st.just({"id": "Z"}),
    st.sampled_from(["single_choice", "multi_choice", "count_pair", "percentage", "text", "evidence"]),
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None, database=None)
@given(st.data())
def test_any_damage_gives_only_problem_lines(data: st.DataObject) -> None:
    damaged = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(damaged) if p]
        path = data.draw(st.sampled_from(paths))
        holder = damaged
        for step in path[:-1]:
            holder = holder[step]
        if data.draw(st.booleans()) and isinstance(holder, dict):
            del holder[path[-1]]
        else:
            holder[path[-1]] = copy.deepcopy(data.draw(JUNK))  # never mutate a st.just() value
    text = yaml.safe_dump(damaged, allow_unicode=True, sort_keys=False)
    try:
        load_rubric_text(text, "r.yaml")
    except RubricError as error:
        assert error.lines and all(line.startswith("r.yaml: ") for line in error.lines)
        assert "Traceback" not in str(error) and "pydantic" not in str(error).lower()
