"""The bundled rubrics: the 2024-2025 campaign's, and the notice's 2026 rubric in its first version (2026.1),
kept unchanged (the second version, the default since, is tests/scoring/test_rubric_versions.py's)."""

from __future__ import annotations

import hashlib

import pytest

from hsdt.scoring import (
    ID_PATTERN,
    RUBRIC_2024_2025,
    AnswerType,
    EvidencePeriod,
    NoneIssued,
    Rounding,
    RoundingMode,
    RubricError,
    SubsetRule,
    bundled_rubric_names,
    bundled_rubric_path,
    default_rubric_path,
    load_rubric,
)

RUBRIC = load_rubric(bundled_rubric_path("hsdt-2026"))

# The six categories of Thông tư 52/2020/TT-BGDĐT, Điều 21 khoản 1 (domain.md).
CATEGORIES = [
    "Hồ sơ quản lý trẻ em",
    "Hồ sơ quản lý cán bộ, giáo viên, nhân viên",
    "Kế hoạch phát triển nhà trường và kế hoạch nuôi dưỡng, chăm sóc, giáo dục trẻ em theo năm học",
    "Hồ sơ phổ cập giáo dục mầm non",
    "Hồ sơ quản lý tài sản, tài chính",
    "Hồ sơ quản lý văn bản (đi, đến)",
]

# domain.md, "Default rubric": id → (question as shown, type, max points)
TABLE = {
    "I.1": ("Nhà trường đã thiết lập những danh mục hồ sơ điện tử nào trên phần mềm?", AnswerType.MULTI_CHOICE, 30),
    "II.1a": ("Số CBQL được cấp chữ ký số / số đã sử dụng", AnswerType.COUNT_PAIR, 5),
    "II.1b": ("Số giáo viên được cấp chữ ký số / số đã sử dụng", AnswerType.COUNT_PAIR, 6),
    "II.1c": ("Số nhân viên được cấp chữ ký số / số đã sử dụng", AnswerType.COUNT_PAIR, 4),
    "II.2": ("Những danh mục hồ sơ nào đã có văn bản được ký số?", AnswerType.MULTI_CHOICE, 15),
    "II.3a": (
        "Văn bản ký số được cập nhật, lưu trữ theo đúng quy trình quản lý (trình ký → ký → ban hành → lưu)?",
        AnswerType.SINGLE_CHOICE,
        8,
    ),
    "II.3b": (
        "Văn bản được ký số đúng thẩm quyền của nhà trường (người ký đúng chức trách)?",
        AnswerType.SINGLE_CHOICE,
        7,
    ),
    "II.4a": (
        "Tỷ lệ văn bản thuộc thẩm quyền của trường lưu trên phần mềm là bản đã ký số (%)",
        AnswerType.PERCENTAGE,
        8,
    ),
    "II.4b": (
        "Văn bản chỉ có bản giấy, không ký số (VD: Phiếu điều tra phổ cập) được lưu đúng hiện trạng?",
        AnswerType.SINGLE_CHOICE,
        2,
    ),
    "II.5a": ("Văn bản mẫu đã ký số (PDF) — kiểm tra chữ ký trên hệ thống", AnswerType.EVIDENCE, 8),
    "II.5b": (
        "Hình thức chữ ký số, con dấu đúng quy định (Nghị định 30/2020/NĐ-CP, Phụ lục I)",
        AnswerType.SINGLE_CHOICE,
        7,
    ),
    "III": ("Ý kiến, đề xuất của nhà trường", AnswerType.TEXT, 0),
}


def test_bundled_rubrics_by_name() -> None:
    assert bundled_rubric_names() == ("hsdt-2024-2025", "hsdt-2026", "hsdt-2026.2")
    assert bundled_rubric_path("hsdt-2026") == bundled_rubric_path("hsdt-2026.yaml")
    assert bundled_rubric_path("hsdt-2026.2") == bundled_rubric_path("hsdt-2026.2.yaml")
    with pytest.raises(RubricError) as info:
        bundled_rubric_path("hsdt-2030")
    assert str(info.value) == (
        "hsdt-2030: không có bộ tiêu chí đóng gói tên “hsdt-2030” (có: hsdt-2024-2025, hsdt-2026, hsdt-2026.2)"
    )


def test_the_2024_2025_rubric_keeps_the_rules_its_campaign_was_opened_with() -> None:
    # A campaign stores the rubric text it was opened with; the bundled file may change only where no
    # total depends on it (its hints: tests/scoring/test_rubric_versions.py pins the rest).
    old = load_rubric(bundled_rubric_path(RUBRIC_2024_2025))
    assert old.rounding == Rounding(old.rounding.step, RoundingMode.HALF_UP) and str(old.rounding.step) == "0.01"
    assert old.rules == ()
    assert all(c.none_issued is NoneIssued.ZERO for c in old.criteria)
    assert all(c.evidence_period is EvidencePeriod.NOT_CHECKED for c in old.criteria)


def test_new_campaigns_get_the_2026_rubric_by_default() -> None:
    assert default_rubric_path() == bundled_rubric_path("hsdt-2026.2")
    assert load_rubric(default_rubric_path()).version == "2026.2"
    # The first version is still bundled, byte for byte as it was released.
    digest = hashlib.sha256(bundled_rubric_path("hsdt-2026").read_bytes()).hexdigest()
    assert load_rubric(bundled_rubric_path("hsdt-2026")).version == "2026.1"
    assert digest == FIRST_2026_DIGEST


def test_structure_follows_the_notice() -> None:
    assert [(g.id, g.max_points) for g in RUBRIC.groups] == [("I", 30), ("II", 70), ("III", 0)]
    # the questionnaire shows "<group id>. <title>": the title does not repeat "Nội dung I."
    assert RUBRIC.groups[0].title == "Thiết lập danh mục hồ sơ điện tử (theo Công văn 140/SGDĐT-GDMN)"
    assert RUBRIC.groups[1].title == "Sử dụng chữ ký số (trong 6 danh mục hồ sơ đã thiết lập)"
    assert RUBRIC.max_points == 100
    assert {c.id: (c.question, c.type, c.max_points) for c in RUBRIC.criteria} == TABLE
    assert [c.id for c in RUBRIC.criteria] == list(TABLE)
    assert all(ID_PATTERN.fullmatch(c.id) for c in RUBRIC.criteria)


def test_categories_and_options() -> None:
    for cid, each in (("I.1", 5), ("II.2", 2.5)):
        criterion = RUBRIC.criterion(cid)
        assert [o.label for o in criterion.options] == CATEGORIES
        assert all(o.points == each and not o.not_applicable for o in criterion.options)
    assert [(o.label, o.points) for o in RUBRIC.criterion("II.3a").options] == [
        ("Đầy đủ", 8), ("Một phần", 4), ("Chưa", 0),
    ]  # fmt: skip
    assert [(o.label, o.points) for o in RUBRIC.criterion("II.3b").options] == [
        ("Đầy đủ", 7), ("Một phần", 3.5), ("Chưa", 0),
    ]  # fmt: skip
    assert [(o.label, o.points, o.not_applicable) for o in RUBRIC.criterion("II.4b").options] == [
        ("Có", 2, False), ("Không", 0, False), ("Không có văn bản loại này", 0, True),
    ]  # fmt: skip
    assert [(o.label, o.points) for o in RUBRIC.criterion("II.5b").options] == [
        ("Đạt", 7), ("Một phần", 3.5), ("Chưa đạt", 0),
    ]  # fmt: skip
    ep = RUBRIC.criterion("II.5a").evidence_points
    assert ep is not None and (ep.all_valid, ep.some_valid, ep.none) == (8, 4, 0)


def test_scoring_rules_declared_in_the_file() -> None:
    assert str(RUBRIC.rounding.step) == "0.25" and RUBRIC.rounding.mode is RoundingMode.DOWN
    assert RUBRIC.rules == (SubsetRule("II.2", "I.1"),)
    for cid in ("II.1a", "II.1b", "II.1c"):
        assert RUBRIC.criterion(cid).none_issued is NoneIssued.NOT_APPLICABLE
    assert RUBRIC.criterion("II.5a").evidence_period is EvidencePeriod.SIGNING_TIME
    assert [(b.label, b.min_points) for b in RUBRIC.bands] == [("Tốt", 85), ("Khá", 70), ("Đạt", 50), ("Chưa đạt", 0)]
    assert RUBRIC.assumptions and all("giả định" in a or "Thông tư" in a or "Mức" in a for a in RUBRIC.assumptions)
    assert "ASSUMED" in bundled_rubric_path("hsdt-2026").read_text(encoding="utf-8")


def test_evidence_hints_ask_only_for_what_the_bot_accepts() -> None:
    # The bot takes PDF files only; no hint may ask a school for a screenshot, a photo or a scan.
    for criterion in RUBRIC.criteria:
        hint = (criterion.evidence or "").lower()
        assert "ảnh chụp màn hình" not in hint
        if criterion.type is AnswerType.EVIDENCE:
            assert "pdf" in hint and "thời gian lưu hồ sơ" in hint
        elif criterion.type is not AnswerType.TEXT:
            assert hint.startswith("đoàn kiểm tra") or hint.startswith("chỉ chọn") or hint.startswith("thống kê")


FIRST_2026_DIGEST = "e62d1974f3fafc73f50594039daeb227859a50ebb0d4d84f2e25ee8e567c57d4"
