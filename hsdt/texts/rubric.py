"""Vietnamese texts of the scoring package: rubric file errors, cross-criterion rules, the scaling
note and the management-score rule. Operators read the file errors; users read the rest."""

from __future__ import annotations

# --- Operator command line -----------------------------------------------------------------------
RUBRIC_FILE_UNUSABLE = "Không dùng được tệp bộ tiêu chí (chưa thay đổi gì):"

# --- Where a rubric file problem is ---------------------------------------------------------------
WHERE_GROUP = "nhóm {id}"
WHERE_GROUP_AT = "nhóm thứ {n}"
WHERE_CRITERION = "tiêu chí {id}"
WHERE_CRITERION_AT = "tiêu chí thứ {n} của {group}"
WHERE_FIELD = "khóa “{field}”"

# --- What a value is, to say what was found instead -----------------------------------------------
KIND_NOTHING = "giá trị trống"
KIND_BOOLEAN = "giá trị đúng/sai ({value})"
KIND_NUMBER = "số {value}"
KIND_TEXT = "chữ “{value}”"
KIND_EMPTY_TEXT = "chữ rỗng"
KIND_LIST = "một danh sách"
KIND_MAPPING = "một bảng khóa: giá trị"
KIND_OTHER = "giá trị không dùng được"

# --- Reasons, by code (placeholders are filled by the loader) -------------------------------------
RUBRIC_REASONS: dict[str, str] = {
    # reading the file
    "unreadable": "không đọc được tệp ({detail})",
    "not_utf8": "tệp không phải văn bản UTF-8 (lỗi ở byte {byte})",
    "yaml_syntax_at": "sai cú pháp YAML ở dòng {line}, cột {column}: {detail}",
    "yaml_syntax": "sai cú pháp YAML: {detail}",
    "yaml_duplicate_key": "khóa “{key}” xuất hiện hai lần",
    "empty_file": "tệp không có nội dung",
    "unknown_bundled": "không có bộ tiêu chí đóng gói tên “{name}” (có: {known})",
    # shape of a value
    "required": "bắt buộc phải có",
    "unknown_field": "không có trong mẫu tệp (các khóa được phép: {allowed})",
    "not_for_type": "không dùng được cho loại “{type}”",
    "mapping_type": "phải là một bảng khóa: giá trị, đang là {kind}",
    "list_type": "phải là một danh sách, đang là {kind}",
    "list_empty": "danh sách không được để trống",
    "text_type": "phải là một đoạn chữ, đang là {kind}",
    "text_empty": "không được để trống",
    "id_boolean": "phải là một mã, đang là {kind} (hãy đặt mã trong dấu ngoặc kép trong YAML, ví dụ \"yes\")",
    "id_type": "phải là một mã (chữ cái không dấu, chữ số), đang là {kind}",
    "id_invalid": (
        "mã “{value}” không hợp lệ: dùng 1 đến 12 chữ cái không dấu, chữ số, “_” hoặc “.” (không ở đầu, cuối)"
    ),
    "option_id_invalid": "mã “{value}” không hợp lệ: dùng 1 đến 12 chữ cái không dấu, chữ số hoặc “_”",
    "version_type": "phải là một đoạn chữ (đặt trong dấu ngoặc kép, ví dụ \"1.0\"), đang là {kind}",
    "number_type": "phải là một số, đang là {kind}",
    "number_finite": "phải là một số hữu hạn",
    "number_negative": "không được âm",
    "number_positive": "phải lớn hơn 0",
    "number_too_large": "quá lớn (tối đa {max})",
    "number_decimals": "chỉ được có tối đa 2 chữ số thập phân",
    "bool_type": "phải là true hoặc false, đang là {kind}",
    "choice_type": "phải là một trong: {allowed}; đang là {kind}",
    "unknown_type": "loại “{value}” không có (các loại: {known})",
    # meaning
    "duplicate_group": "mã nhóm “{id}” bị trùng",
    "duplicate_criterion": "mã tiêu chí “{id}” bị trùng",
    "duplicate_option": "mã phương án “{id}” bị trùng",
    "duplicate_option_label": "tên phương án “{label}” bị trùng (không phân biệt hoa thường, dấu)",
    "duplicate_band": "mã mức xếp loại “{id}” bị trùng",
    "options_and_set": "chỉ dùng một trong hai khóa “options” hoặc “option_set”",
    "options_required": "bắt buộc phải có với loại “{type}” (hoặc dùng “option_set”)",
    "unknown_option_set": "không có bộ phương án “{value}” (có: {known})",
    "option_points_required": "bắt buộc phải có (hoặc khai báo “points_each” cho tiêu chí)",
    "na_option_points": "phương án “Không áp dụng” không có điểm",
    "na_option_single_only": "phương án “Không áp dụng” chỉ dùng cho loại “single_choice”",
    "na_option_only": "phải có ít nhất một phương án được tính điểm",
    "single_max": "phải bằng điểm cao nhất của các phương án ({expected}) với loại “single_choice”, đang là {actual}",
    "multi_max": "phải bằng tổng điểm các phương án ({expected}) với loại “multi_choice”, đang là {actual}",
    "text_points": "phải bằng 0 với loại “text” (ý kiến tự do không tính điểm)",
    "evidence_points_required": "bắt buộc phải có với loại “evidence”",
    "evidence_order": "phải thỏa all_valid ≥ some_valid ≥ none (đang là {all_valid}, {some_valid}, {none})",
    "evidence_all_max": "phải bằng max_points {expected}, đang là {actual}",
    "not_step_multiple": "phải là bội của bước làm tròn {step} để điểm tối đa đạt được",
    "total_mismatch": "khai báo {declared} nhưng tổng max_points của các tiêu chí là {actual}",
    "band_above_max": "{value} lớn hơn điểm tối đa của bộ tiêu chí ({max})",
    "band_order": (
        "các mức xếp loại phải liệt kê từ cao xuống thấp, “min” giảm dần ({value} sau {previous}); "
        "các mức đang chồng nhau hoặc sai thứ tự"
    ),
    "band_zero": "mức thấp nhất phải có min 0 để tổng điểm nào cũng có xếp loại",
    "rule_unknown_criterion": "không có tiêu chí “{id}” trong bộ tiêu chí",
    "rule_not_multi": "quy tắc “tập con” cần hai tiêu chí loại “multi_choice”: tiêu chí {id} là loại “{type}”",
    "rule_same": "quy tắc “tập con” cần hai tiêu chí khác nhau",
    "rule_options": (
        "tiêu chí {criterion} có phương án “{option}” mà tiêu chí {other} không có, "
        "nên không thể yêu cầu {criterion} chỉ chọn trong {other}"
    ),
}
RUBRIC_REASON_FALLBACK = "giá trị không hợp lệ ({detail})"

# --- Cross-criterion rules (shown to users) -------------------------------------------------------
RULE_SUBSET_VIOLATED = (
    "Tiêu chí {criterion} chọn {labels} nhưng ở tiêu chí {other} nhà trường chưa chọn {them} là đã thiết lập. "
    "Tiêu chí {criterion} chỉ tính các danh mục đã chọn ở tiêu chí {other}; Thầy/Cô vui lòng sửa tiêu chí "
    "{criterion} hoặc tiêu chí {other}."
)
RULE_SUBSET_ONE = "mục này"
RULE_SUBSET_MANY = "các mục này"

# --- "Không áp dụng" ------------------------------------------------------------------------------
NOT_APPLICABLE = "Không áp dụng"
SCALED_NOTE = (
    "Điểm quy đổi về thang {max}: {raw}/{applicable} điểm của các tiêu chí áp dụng "
    "(không áp dụng: {ids}) → {total}/{max}."
)

# --- Management score ("đánh giá công tác quản lý, chỉ đạo") --------------------------------------
SCORE_SOURCE_NAMES: dict[str, str] = {
    "rescore": "điểm chấm lại",
    "cross": "điểm kiểm tra chéo",
    "self": "điểm tự đánh giá",
}
RULE_SOURCES_JOIN = ", nếu chưa có thì "
RULE_NAME = "Điểm của mỗi trường: {sources}. Trường chưa có điểm: {missing}."
RULE_MISSING_EXCLUDED = "ghi “chưa tự đánh giá”, không tính vào điểm trung bình"
RULE_MISSING_ZERO = "tính 0 điểm"
MEAN_COUNT_EXCLUDED = "trung bình của {counted} trường; {missing} trường chưa tự đánh giá không tính"
MEAN_COUNT_ZERO = "trung bình của {counted} trường; {missing} trường chưa tự đánh giá tính 0 điểm"
MEAN_COUNT_ALL = "trung bình của {counted} trường"
NOT_SUBMITTED = "chưa tự đánh giá"

# --- the questionnaire, on the rubric's rules -----------------------------------------------------
REVIEW_LINE_NOT_APPLICABLE = "{mark} {criterion}. {title}: {answer} — không áp dụng (không tính vào tổng điểm)"
ANSWER_NOT_APPLICABLE = "{answer} (không áp dụng)"
OPTIONS_LIMITED = "Tiêu chí này chỉ chọn trong các mục đã chọn ở tiêu chí {other}."
OPTIONS_NONE_ALLOWED = (
    "Ở tiêu chí {other} nhà trường chưa chọn mục nào, nên tiêu chí này chưa có mục để chọn: "
    "Thầy/Cô bấm “Xong” (không có mục nào) hoặc trả lời lại tiêu chí {other}."
)

# --- A rubric the Sở has not confirmed: what it assumes, printed on Phụ lục 1 and the web page ------
ASSUMPTIONS_TITLE = (
    "Ghi chú: bộ tiêu chí “{name}” (phiên bản {version}) chưa được Sở xác nhận; "
    "các nội dung sau là giả định của hệ thống:"
)
ASSUMPTION_LINE = "- {text}"
RESCORE_NOT_APPLICABLE = " — không áp dụng (như nhà trường trả lời; không tính vào tổng điểm)"
