"""Vietnamese texts of the signature check: headlines, reasons, notes. Pure strings and templates."""

from __future__ import annotations

HEADLINES: dict[str, str] = {
    "valid": "✅ Hợp lệ",
    "invalid": "❌ Không hợp lệ",
    "indeterminate": "⚠️ Chưa xác định",
    "unsigned": "📄 Không có chữ ký số",
    "error": "🚫 Không kiểm tra được tệp",
}

ERROR_TEXT: dict[str, str] = {
    "not_pdf": "Tệp không phải là tệp PDF (hoặc tệp rỗng).",
    "corrupt": "Tệp PDF bị hỏng hoặc không đầy đủ (có thể bị cắt ngắn khi tải lên), không đọc được.",
    "encrypted": "Tệp PDF được đặt mật khẩu hoặc mã hoá nên không kiểm tra được chữ ký; "
    "đề nghị Thầy/Cô gửi bản không đặt mật khẩu.",
    "too_large": "Tệp quá lớn hoặc quá phức tạp, vượt giới hạn bộ nhớ cho phép khi kiểm tra.",
    "timeout": "Kiểm tra tệp vượt quá thời gian cho phép; "
    "tệp có thể quá phức tạp hoặc có cấu trúc bất thường.",
    "crashed": "Bộ kiểm tra chữ ký dừng bất thường khi đọc tệp này; tệp có thể có cấu trúc bất thường.",
    "unavailable": "Hệ thống chưa khởi động được bộ kiểm tra chữ ký; đề nghị Thầy/Cô thử lại sau.",
    "unreadable": "Không đọc được tệp (tệp không tồn tại hoặc không có quyền đọc).",
}

# One text per reason code; the code names in hsdt.signatures.verdict.Problem.
PROBLEM_TEXT: dict[str, str] = {
    "not_intact": "nội dung đã ký bị thay đổi",
    "signature_invalid": "chữ ký không khớp với chứng thư chữ ký số",
    "signature_malformed": "dữ liệu chữ ký bị hỏng, không đọc được",
    "signature_detached": "chữ ký đã bị tách khỏi ô chữ ký của tài liệu (tài liệu bị sửa sau khi ký)",
    "modified_after_signing": "tài liệu bị sửa sau khi ký: {changes}",
    "form_field_changed": "nội dung ô biểu mẫu bị thay đổi sau khi ký: {fields}",
    "coverage_unclear": "chữ ký không bao trùm toàn bộ phiên bản tài liệu",
    "cert_expired_at_signing": "chứng thư chữ ký số đã hết hạn tại thời điểm ký",
    "cert_not_yet_valid_at_signing": "chứng thư chữ ký số chưa có hiệu lực tại thời điểm ký",
    "cert_revoked": "chứng thư chữ ký số đã bị thu hồi trước thời điểm ký",
    "cert_expired_no_poe": "chứng thư chữ ký số nay đã hết hạn và thời điểm ký chưa được chứng thực "
    "(không có dấu thời gian tin cậy)",
    "cert_revoked_no_poe": "chứng thư chữ ký số đã bị thu hồi và thời điểm ký chưa được chứng thực "
    "(không có dấu thời gian tin cậy)",
    "key_usage_not_allowed": "chứng thư chữ ký số không được cấp cho mục đích ký",
    "chain_invalid": "chuỗi chứng thư chữ ký số không hợp lệ",
    "weak_algorithm": "thuật toán ký quá yếu hoặc không được hỗ trợ",
    "unsupported_format": "định dạng chữ ký cũ (adbe.pkcs7.sha1, dùng SHA-1) không còn được chấp nhận",
    "timestamp_invalid": "dấu thời gian không khớp với chữ ký",
    "untrusted_root_missing": "chứng thư gốc của chuỗi không nằm trong danh sách tổ chức cung cấp dịch vụ tin cậy",
    "chain_incomplete": "thiếu chứng thư trung gian để xác minh chuỗi chứng thư chữ ký số",
    "timestamp_untrusted": "dấu thời gian không do đơn vị tin cậy cấp",
    "signing_time_missing": "chữ ký không ghi thời điểm ký",
    "revocation_unverifiable": "không xác minh được tình trạng thu hồi của chứng thư chữ ký số",
    "trust_check_failed": "không xác minh được chuỗi chứng thư chữ ký số",
    "changes_unverified": "cấu trúc tệp bị hỏng, chưa phân tích được các thay đổi sau khi ký",
    "diff_analysis_failed": "không phân tích được các thay đổi sau khi ký",
    "revocation_not_checked": "chưa kiểm tra được tình trạng thu hồi chứng thư chữ ký số",
    "outside_period": "ký ngoài thời kỳ hồ sơ được kiểm tra",
    "seal_of_other_unit": "con dấu của đơn vị khác",
    "trailing_data_ignored": "sau phần kết thúc của tệp có dữ liệu thừa, hệ thống bỏ qua",
}

CHANGE_TEXT: dict[str, str] = {
    "pages": "thêm, bớt hoặc thay trang",
    "content": "thay nội dung tài liệu",
    "annotations": "thêm hoặc sửa chú thích",
}

KIND_TEXT: dict[str, str] = {
    "personal": "cá nhân",
    "organization": "con dấu",
    "unknown": "chưa rõ loại",
}

TIME_SOURCE_TEXT: dict[str, str] = {
    "signer": "theo giờ người ký khai, chưa được chứng thực",
    "timestamp": "theo dấu thời gian tin cậy",
}

REVOCATION_TEXT: dict[str, str] = {
    "embedded": "đã kiểm tra thu hồi theo dữ liệu kèm tệp",
    "online": "đã kiểm tra thu hồi trực tuyến",
    "not_checked": "chưa kiểm tra thu hồi",
}

SIGNATURE_OK = "hợp lệ"
NOTE_PREFIX = "lưu ý:"
UNKNOWN_SIGNER = "(không rõ người ký)"
LEVEL_LINE = "mức PAdES {level}"
SEAL_PRESENT = "🏫 Có chữ ký số của tổ chức (con dấu): {names}."
SEAL_MISSING = "🏫 Không có chữ ký số của tổ chức (con dấu) của trường."
SEAL_OWN = "🏫 Con dấu của đơn vị: {names}."
SEAL_OTHER = "🏫 Con dấu của đơn vị khác, không phải của {school}: {names}."
THIS_SCHOOL = "trường"
OUTSIDE_PERIOD_LINE = "⏰ Ký ngoài thời kỳ hồ sơ{period}: {names}."
PERIOD_CLAIMED = "⏰ Ký trong thời kỳ hồ sơ theo giờ người ký khai, chưa được chứng thực bằng dấu thời gian: {names}."
PERIOD_RANGE = " ({start}–{end})"
TIMESTAMP_LINE = "🕒 Dấu thời gian của tài liệu do {tsa} cấp lúc {time}: {verdict}"
TIMESTAMP_OK = "hợp lệ"
TIMESTAMP_BAD = "không hợp lệ"
TIMESTAMP_UNTRUSTED = "chưa xác định (đơn vị cấp dấu thời gian không nằm trong danh sách tin cậy)"
UNKNOWN_TSA = "(không rõ đơn vị)"
FILE_LINE = "Tệp: {name}"
UNSIGNED_TEXT = "Tệp PDF này không có chữ ký số nào."
SIGNED_LINE = "ký lúc {time} ({source})"

# Operator CLI (hsdt verify --recheck-evidence).
RECHECK_DONE = "Đã kiểm tra lại {count} minh chứng: {changed} thay đổi kết quả, {schools} trường được tính lại điểm."
RECHECK_SKIPPED = "Không tìm thấy tệp của {count} minh chứng; giữ nguyên kết quả cũ."
RECHECK_FAILED = "Không kiểm tra lại được minh chứng: {error}"
