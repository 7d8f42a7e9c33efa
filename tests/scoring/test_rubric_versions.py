"""Every campaign stays reproducible: the rubric files a campaign may have been opened with keep what
scores (ids, types, points, options, labels, rules, bands, rounding), and the 2026 rubric's second
version changes scoring only where the notice says so (the two schools of the review below)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from hsdt.scoring import (
    RUBRIC_2024_2025,
    InvalidAnswer,
    Rubric,
    bundled_rubric_path,
    default_rubric_path,
    load_rubric,
)
from tests.scoring.stored import parse_text_answer, score_school


def scoring_fingerprint(rubric: Rubric) -> str:
    """Everything in a rubric that decides a total or what a stored answer means; hints and questions not."""
    shape: list[Any] = [rubric.max_points, [(b.id, b.label, b.min_points) for b in rubric.bands],
                        [str(rubric.rounding.step), rubric.rounding.mode.value],
                        [(r.criterion_id, r.of_id) for r in rubric.rules]]
    for c in rubric.criteria:
        shape.append([c.id, c.group_id, c.type.value, c.max_points, c.required,
                      [(o.id, o.label, o.points, o.not_applicable) for o in c.options],
                      c.issued_label, c.used_label, c.none_issued.value, c.evidence_period.value,
                      None if c.evidence_points is None else [c.evidence_points.all_valid,
                                                              c.evidence_points.some_valid, c.evidence_points.none]])
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


RUBRIC_2024 = load_rubric(bundled_rubric_path(RUBRIC_2024_2025))
RUBRIC_2026_1 = load_rubric(bundled_rubric_path("hsdt-2026"))
RUBRIC_2026_2 = load_rubric(default_rubric_path())

# Answer sets of the 2024-2025 campaign and the totals that rubric gave them before its hints changed.
TOTALS_2024: list[tuple[dict[str, dict[str, Any]], float, str]] = [
    ({"A1": {"options": ["c1", "c3", "c5"]}, "B1": {"issued": 8, "used": 8}, "B2": {"issued": 7, "used": 7},
      "B3": {"issued": 11, "used": 6}, "B4": {"options": ["c1", "c3", "c4", "c5", "c6"]}, "C1": {"option": "full"},
      "C2": {"option": "none"}, "D1": {"percent": 85}, "D2": {"option": "yes"}, "E1": {"valid": 1, "total": 1},
      "E2": {"option": "pass"}, "G1": {"text": "x"}}, 76.07, "Khá"),
    ({"A1": {"options": ["c3", "c5", "c6"]}, "B1": {"issued": 10, "used": 5}, "B2": {"issued": 25, "used": 6},
      "B3": {"issued": 10, "used": 6}, "B4": {"options": ["c1", "c2", "c4", "c5"]}, "C1": {"option": "full"},
      "C2": {"option": "part"}, "D1": {"percent": 100}, "D2": {"option": "no"}, "E1": {"valid": 0, "total": 3},
      "E2": {"option": "part"}, "G1": {"text": "x"}}, 57.0, "Đạt"),
    ({"A1": {"options": ["c3", "c5", "c6"]}, "B1": {"issued": 15, "used": 4}, "B2": {"issued": 8, "used": 6},
      "B3": {"issued": 19, "used": 10}, "B4": {"options": ["c1"]}, "C1": {"option": "full"}, "C2": {"option": "part"},
      "D1": {"percent": 33.3}, "D2": {"option": "yes"}, "E1": {"valid": 0, "total": 0}, "E2": {"option": "pass"},
      "G1": {"text": "x"}}, 46.45, "Chưa đạt"),
    ({"A1": {"options": ["c1", "c4"]}, "B1": {"issued": 0, "used": 0}, "B2": {"issued": 17, "used": 5},
      "B3": {"issued": 17, "used": 10}, "B4": {"options": ["c1", "c2", "c3", "c4"]}, "C1": {"option": "none"},
      "C2": {"option": "full"}, "D1": {"percent": 100}, "D2": {"option": "yes"}, "E1": {"valid": 1, "total": 1},
      "E2": {"option": "pass"}, "G1": {"text": "x"}}, 56.47, "Đạt"),
]


def test_the_2024_2025_rubric_still_scores_as_it_did() -> None:
    assert scoring_fingerprint(RUBRIC_2024) == FINGERPRINT_2024
    for answers, total, band in TOTALS_2024:
        score = score_school(RUBRIC_2024, answers)
        assert (score.total, score.band.label) == (total, band)
    # Its hints no longer ask for what the bot refuses.
    hints = " ".join(c.evidence or "" for c in RUBRIC_2024.criteria).lower()
    assert "ảnh chụp" not in hints and "scan" not in hints and "bản quét" not in hints


def test_the_first_2026_rubric_is_kept_unchanged() -> None:
    """A file kept from 2026.1 (or a campaign that stored it) loads and scores as before."""
    assert RUBRIC_2026_1.version == "2026.1"
    assert scoring_fingerprint(RUBRIC_2026_1) == FINGERPRINT_2026_1


# The reviewer's two schools, the same but for the teachers' certificates: every category set up (30),
# 2/2 managers (5), 5 categories with signed documents (12,5), the records flow in full (8), signing
# authority in part (3,5), 81 of the 90 documents that are not paper-only signed (7,2, down to 7), paper-only
# documents stored as they are (2), the sample PDF valid and signed in the period (8), the form of the
# signature and seal in part (3,5): 79,5 points; staff were issued no certificate (a small school).
SCHOOL: dict[str, dict[str, Any]] = {
    "1": {"options": ["c1", "c2", "c3", "c4", "c5", "c6"]}, "2": {"issued": 2, "used": 2},
    "4": {"issued": 0, "used": 0}, "5": {"options": ["c1", "c2", "c3", "c4", "c5"]}, "6": {"option": "full"},
    "7": {"option": "part"}, "8": {"stored": 100, "paper_only": 10, "signed": 81}, "9": {"option": "yes"},
    "10": {"valid": 1, "total": 1, "in_period": 1, "in_period_proven": 0}, "11": {"option": "part"},
}
NO_TEACHER_CERTIFICATES = {**SCHOOL, "3": {"issued": 0, "used": 0}}
SOME_TEACHERS = {**SCHOOL, "3": {"issued": 20, "used": 5}}  # 6 × 5/20 = 1,5


def _as_2026_1(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The same school answered on the first version (its ids, and a percentage for the documents)."""
    ids = {"1": "I.1", "2": "II.1a", "3": "II.1b", "4": "II.1c", "5": "II.2", "6": "II.3a", "7": "II.3b",
           "8": "II.4a", "9": "II.4b", "10": "II.5a", "11": "II.5b"}
    old = {ids[k]: v for k, v in answers.items() if k != "8"}
    old["II.4a"] = {"percent": 90}
    return old


def test_a_school_without_teacher_certificates_no_longer_scores_above_one_with_some() -> None:
    # 2026.1: "none issued" took teachers (and staff) out of the denominator: 79,5 of 90 → 88,25 (Tốt),
    # above the school whose teachers started: 81 of 96 → 84,25 (Khá).
    before = [score_school(RUBRIC_2026_1, _as_2026_1(s)) for s in (NO_TEACHER_CERTIFICATES, SOME_TEACHERS)]
    assert [(s.total, s.band.label) for s in before] == [(88.25, "Tốt"), (84.25, "Khá")]
    assert before[0].not_applicable == ("II.1b", "II.1c")
    # 2026.2: no teacher certificate scores 0 of 6; only the staff's "none issued" leaves the denominator.
    after = [score_school(RUBRIC_2026_2, s) for s in (NO_TEACHER_CERTIFICATES, SOME_TEACHERS)]
    assert [(s.total, s.band.label) for s in after] == [(82.75, "Khá"), (84.25, "Khá")]
    assert after[0].not_applicable == after[1].not_applicable == ("4",)
    assert after[0].points("3") == 0 and after[1].points("3") == 1.5
    assert after[0].total < after[1].total


def test_managers_without_certificates_score_zero_staff_leave_the_denominator() -> None:
    managers = score_school(RUBRIC_2026_2, {**SOME_TEACHERS, "2": {"issued": 0, "used": 0}})
    assert managers.points("2") == 0 and "2" not in managers.not_applicable
    staff = score_school(RUBRIC_2026_2, {**SOME_TEACHERS, "4": {"issued": 3, "used": 3}})
    assert staff.not_applicable == () and staff.points("4") == 4
    # Paper-only documents: the only other "Không áp dụng" the notice allows.
    none_on_paper = score_school(RUBRIC_2026_2, {**SOME_TEACHERS, "9": {"option": "na"}})
    assert none_on_paper.not_applicable == ("4", "9")


@pytest.mark.parametrize(("counts", "points"), [
    # signed / (stored − paper-only) of 8 points, down to steps of 0,25.
    ({"stored": 100, "paper_only": 10, "signed": 81}, 7.0),  # 81/90 = 90 % → 7,2 → 7
    ({"stored": 100, "paper_only": 0, "signed": 81}, 6.25),  # the paper-only ones counted: 81 % → 6,48
    ({"stored": 40, "paper_only": 10, "signed": 30}, 8.0),  # everything that can be signed is
    ({"stored": 10, "paper_only": 10, "signed": 0}, 0.0),  # nothing but paper: nothing signed, no points
    ({"stored": 0, "paper_only": 0, "signed": 0}, 0.0),
])
def test_paper_only_documents_leave_the_denominator_of_criterion_8(counts: dict[str, int], points: float) -> None:
    assert score_school(RUBRIC_2026_2, {**SCHOOL, "8": counts}).points("8") == points


def test_criterion_8_is_typed_as_three_counts() -> None:
    criterion = RUBRIC_2026_2.criterion("8")
    assert parse_text_answer(criterion, "100/10/81") == {"stored": 100, "paper_only": 10, "signed": 81}
    assert parse_text_answer(criterion, "100 10 81") == {"stored": 100, "paper_only": 10, "signed": 81}
    for text, code in (("100/81", "document_counts_format"), ("10/20/0", "paper_gt_stored"),
                       ("100/10/91", "signed_gt_eligible"), ("abc", "document_counts_format")):
        with pytest.raises(InvalidAnswer) as caught:
            parse_text_answer(criterion, text)
        assert caught.value.code == code


def test_the_2026_rubric_numbers_its_criteria_apart_from_the_notice() -> None:
    rubric = RUBRIC_2026_2
    assert [c.id for c in rubric.criteria] == [str(n) for n in range(1, 13)]
    assert [g.id for g in rubric.groups if g.max_points > 0] == ["1", "2"]
    assert [(r.criterion_id, r.of_id) for r in rubric.rules] == [("5", "1")]
    texts = " ".join(f"{c.title} {c.question} {c.evidence or ''}" for c in rubric.criteria)
    assert "lập → trình duyệt → phê duyệt" in texts and "ban hành" not in texts and "trình ký" not in texts
    assert "I.1" not in texts and "II." not in texts
    labels = {o.label for c in rubric.criteria for o in c.options}
    assert {"Đạt một phần", "Chưa thực hiện", "Đạt", "Chưa đạt"} <= labels
    assert "Một phần" not in labels and "Chưa" not in labels
    assert rubric.assumptions and all(a.strip() for a in rubric.assumptions)


def test_typed_numbers_refer_to_the_options_shown() -> None:
    """After criterion 1 = c1, c3, c5, criterion 5 shows those three as 1, 2, 3: "1,2" is c1 and c3."""
    criterion = RUBRIC_2026_2.criterion("5")
    shown = tuple(o for o in criterion.options if o.id in ("c1", "c3", "c5"))
    assert parse_text_answer(criterion, "1,2", shown) == {"options": ["c1", "c3"]}
    assert parse_text_answer(criterion, "2-3", shown) == {"options": ["c3", "c5"]}
    assert parse_text_answer(criterion, "tất cả", shown) == {"options": ["c1", "c3", "c5"]}
    with pytest.raises(InvalidAnswer) as caught:
        parse_text_answer(criterion, "4", shown)
    assert caught.value.code == "unknown_option" and caught.value.params["count"] == 3
    # A label that was not shown is not an answer either.
    with pytest.raises(InvalidAnswer):
        parse_text_answer(criterion, "Hồ sơ quản lý văn bản (đi, đến)", shown)


# Taken from the files as the campaigns were opened with them (the 2024-2025 one before its hints changed).
FINGERPRINT_2024 = "bbaf730cd14e5b43b63a44bbbb9c91c672449aef96f516daf9c29c366052cb4d"
FINGERPRINT_2026_1 = "42cb7e47a56d52cdc20ee6339e6ac99ad5f3da5b9241c2c7f6507dabc0d420c3"
