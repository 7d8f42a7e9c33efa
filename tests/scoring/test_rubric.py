"""Loading and validating rubric files."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hsdt.scoring import (
    ID_PATTERN,
    AnswerType,
    RubricError,
    default_rubric_path,
    load_rubric,
    load_rubric_text,
)

DEFAULT = load_rubric(default_rubric_path())

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
    assert DEFAULT.criterion("A1").evidence == "Ảnh chụp màn hình danh mục hồ sơ trên phần mềm"


def test_default_rubric_bands() -> None:
    assert [(b.id, b.label, b.min_points) for b in DEFAULT.bands] == [
        ("tot", "Tốt", 85),
        ("kha", "Khá", 70),
        ("dat", "Đạt", 50),
        ("chua_dat", "Chưa đạt", 0),
    ]


def test_rubric_metadata_and_lookup() -> None:
    text = default_rubric_path().read_text(encoding="utf-8")
    assert DEFAULT.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert DEFAULT.source == "default_rubric.yaml"
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
    text = default_rubric_path().read_text(encoding="utf-8")
    assert load_rubric_text(text, "default_rubric.yaml") == DEFAULT
    other = load_rubric_text(text + "\n# edited\n", "default_rubric.yaml")
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
    ("max_points_zero", _set("B2.max_points", 0), "criterion B2: field 'max_points': must be > 0"),
    (
        "max_points_not_number",
        _set("B2.max_points", "ba"),
        "criterion B2: field 'max_points': must be a number, got the text 'ba'",
    ),
    (
        "max_points_three_decimals",
        _set("B2.max_points", 3.125),
        "criterion B2: field 'max_points': must have at most 2 decimal places",
    ),
    (
        "duplicate_criterion",
        _set("B1.id", "A1"),
        "criterion A1: field 'id': duplicate criterion id 'A1'",
    ),
    (
        "duplicate_group",
        _do(lambda d: d["groups"][1].__setitem__("id", "A")),
        "group A: field 'id': duplicate group id 'A'",
    ),
    (
        "duplicate_option",
        _do(lambda d: _crit(d, "A2")["options"][1].__setitem__("id", "yes")),
        "criterion A2: field 'options[1].id': duplicate option id 'yes'",
    ),
    (
        "duplicate_option_label",
        _do(lambda d: _crit(d, "A2")["options"][1].__setitem__("label", "CÓ")),
        "criterion A2: field 'options[1].label': duplicate option label 'CÓ' (ignoring case and accents)",
    ),
    (
        "unknown_type",
        _set("B2.type", "slider"),
        "criterion B2: field 'type': unknown type 'slider' "
        "(known: single_choice, multi_choice, count_pair, percentage, text, evidence)",
    ),
    (
        "missing_type",
        _delete("B2", "type"),
        "criterion B2: field 'type': is required",
    ),
    (
        "choice_without_options",
        _delete("A2", "options"),
        "criterion A2: field 'options': is required for type single_choice (or give 'option_set')",
    ),
    (
        "negative_option_points",
        _do(lambda d: _crit(d, "A2")["options"][1].__setitem__("points", -1)),
        "criterion A2: field 'options[1].points': must be >= 0",
    ),
    (
        "option_without_points",
        _do(lambda d: _crit(d, "A2")["options"][1].pop("points")),
        "criterion A2: field 'options[1].points': is required (or give the criterion 'points_each')",
    ),
    (
        "single_choice_max_mismatch",
        _do(lambda d: _crit(d, "A2")["options"][0].__setitem__("points", 3)),
        "criterion A2: field 'max_points': must equal the highest option points 3 for type single_choice, "
        "got 4",
    ),
    (
        "multi_choice_sum_mismatch",
        _set("A1.points_each", 3),
        "criterion A1: field 'max_points': must equal the sum of the option points 6 for type multi_choice, "
        "got 4",
    ),
    (
        "unknown_option_set",
        _set("A1.option_set", "cat"),
        "criterion A1: field 'option_set': unknown option set 'cat' (known: cats)",
    ),
    (
        "options_on_percentage",
        _set("B2.options", [{"id": "x", "label": "X", "points": 3}]),
        "criterion B2: field 'options': not allowed for type percentage",
    ),
    (
        "total_mismatch",
        _set("max_points", 21),
        "field 'max_points': declared 21 but the criteria's max_points sum to 20",
    ),
    (
        "bands_unsorted",
        _set("bands", [{"id": "low", "label": "Thấp", "min": 0}, {"id": "good", "label": "Tốt", "min": 15}]),
        "field 'bands[1].min': bands must be listed from highest to lowest with strictly decreasing 'min' "
        "(15 after 0); bands overlap or are out of order",
    ),
    (
        "bands_overlap",
        _set("bands", [{"id": "a", "label": "A", "min": 10}, {"id": "b", "label": "B", "min": 10}]),
        "field 'bands[1].min': bands must be listed from highest to lowest with strictly decreasing 'min' "
        "(10 after 10); bands overlap or are out of order",
    ),
    (
        "bands_no_zero",
        _set("bands", [{"id": "good", "label": "Tốt", "min": 15}, {"id": "ok", "label": "Đạt", "min": 5}]),
        "field 'bands': the lowest band must have min 0 so that every total gets a band",
    ),
    (
        "band_above_max",
        _set("bands", [{"id": "good", "label": "Tốt", "min": 25}, {"id": "low", "label": "Thấp", "min": 0}]),
        "field 'bands[0].min': 25 is above the rubric's max_points 20",
    ),
    (
        "evidence_order",
        _set("B3.evidence_points", {"all_valid": 4, "some_valid": 5, "none": 0}),
        "criterion B3: field 'evidence_points': must satisfy all_valid >= some_valid >= none (got 4, 5, 0)",
    ),
    (
        "evidence_all_not_max",
        _set("B3.evidence_points", {"all_valid": 3, "some_valid": 2, "none": 0}),
        "criterion B3: field 'evidence_points.all_valid': must equal max_points 4, got 3",
    ),
    (
        "evidence_missing_points",
        _delete("B3", "evidence_points"),
        "criterion B3: field 'evidence_points': is required for type evidence",
    ),
    (
        "text_with_points",
        _set("B4.max_points", 2),
        "criterion B4: field 'max_points': must be 0 for type text (free text is not scored)",
    ),
    (
        "option_id_too_long",
        _do(lambda d: _crit(d, "A2")["options"][0].__setitem__("id", "abcdefghijklm")),
        "criterion A2: field 'options[0].id': invalid id 'abcdefghijklm': "
        "use 1 to 12 ASCII letters, digits or '_'",
    ),
    (
        "option_id_not_ascii",
        _do(lambda d: _crit(d, "A2")["options"][0].__setitem__("id", "có")),
        "criterion A2: field 'options[0].id': invalid id 'có': use 1 to 12 ASCII letters, digits or '_'",
    ),
    (
        "criterion_id_invalid",
        _set("A2.id", "A 2"),
        "criterion #2 of group A: field 'id': invalid id 'A 2': use 1 to 12 ASCII letters, digits or '_'",
    ),
    (
        "unknown_field",
        _set("A2.max_point", 4),
        "criterion A2: field 'max_point': unknown field (allowed: ",
    ),
    (
        "required_not_bool",
        _set("A2.required", "có"),
        "criterion A2: field 'required': must be true or false, got the text 'có'",
    ),
    (
        "missing_question",
        _delete("A2", "question"),
        "criterion A2: field 'question': is required",
    ),
    (
        "empty_title",
        _set("A2.title", "  "),
        "criterion A2: field 'title': must be a non-empty string, got an empty text",
    ),
    (
        "version_float",
        _set("version", 1.5),
        "field 'version': must be a string (quote it, e.g. \"1.0\"), got the number 1.5",
    ),
    (
        "no_groups",
        _set("groups", []),
        "field 'groups': must not be empty",
    ),
    (
        "empty_group",
        _do(lambda d: d["groups"][1].__setitem__("criteria", [])),
        "group B: field 'criteria': must not be empty",
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
        "must be > 0",
    )


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text('name: "Bộ tiêu chí"\nversion: "1"\ngroups: [\n  - id: A\n', encoding="utf-8")
    with pytest.raises(RubricError, match=r"^broken\.yaml: YAML syntax error at line \d+, column \d+: "):
        load_rubric(path)


def test_yaml_duplicate_key_is_an_error() -> None:
    text = 'name: "A"\nname: "B"\n'
    with pytest.raises(
        RubricError, match=r"^r\.yaml: YAML syntax error at line 2, column 1: duplicate key 'name'"
    ):
        load_rubric_text(text, "r.yaml")


def test_unquoted_yaml_boolean_id_is_explained(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False).replace("id: 'yes'", "id: yes")
    assert "id: yes" in text
    with pytest.raises(
        RubricError,
        match=r"^r\.yaml: criterion A2: field 'options\[0\]\.id': must be a string id, got boolean True",
    ):
        load_rubric_text(text, "r.yaml")


def test_option_set_entries_are_checked(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["option_sets"]["cats"][1]["id"] = "c1"
    with pytest.raises(RubricError) as info:
        load_rubric(_write(tmp_path, data))
    assert str(info.value) == "broken.yaml: field 'option_sets.cats[1].id': duplicate option id 'c1'"


def test_empty_and_non_mapping_files() -> None:
    with pytest.raises(RubricError, match=r"^e\.yaml: the file is empty$"):
        load_rubric_text("# nothing\n", "e.yaml")
    with pytest.raises(RubricError, match=r"^e\.yaml: must be a mapping, got a list$"):
        load_rubric_text("- 1\n- 2\n", "e.yaml")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match=r"^missing\.yaml: cannot read file: "):
        load_rubric(tmp_path / "missing.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: 'Tốt'".encode("utf-16"))
    with pytest.raises(RubricError, match=r"^latin1\.yaml: not valid UTF-8 text"):
        load_rubric(bad)
