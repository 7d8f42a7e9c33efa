"""Vietnamese texts of the signature check: headlines, reasons, notes. Pure strings and templates.

Terms are those of Luật Giao dịch điện tử 2023 and Nghị định 23/2025/NĐ-CP: "chứng thư chữ ký số",
"tổ chức cung cấp dịch vụ chứng thực chữ ký số", "tổ chức cung cấp dịch vụ cấp dấu thời gian",
"tạm dừng", "thu hồi". "Hợp lệ" is said only when the certificate's status (neither suspended nor
revoked) was checked; otherwise the text says what was proven and what was not.
"""

from __future__ import annotations

# The status of a file, as a word (chat headline, lists, the dashboard).
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
    "encrypted": "Tệp PDF được đặt mật khẩu hoặc mã hoá nên không kiểm tra được chữ ký số; "
    "đề nghị Thầy/Cô gửi bản không đặt mật khẩu.",
    "too_large": "Tệp quá lớn hoặc quá phức tạp, vượt giới hạn bộ nhớ cho phép khi kiểm tra.",
    "timeout": "Kiểm tra tệp vượt quá thời gian cho phép; "
    "tệp có thể quá phức tạp hoặc có cấu trúc bất thường.",
    "crashed": "Bộ kiểm tra chữ ký số dừng bất thường khi đọc tệp này; tệp có thể có cấu trúc bất thường.",
    "unavailable": "Hệ thống chưa khởi động được bộ kiểm tra chữ ký số; đề nghị Thầy/Cô thử lại sau.",
    "unreadable": "Không đọc được tệp (tệp không tồn tại hoặc không có quyền đọc).",
}

# One text per reason code; the code names in hsdt.signatures.verdict.Problem.
PROBLEM_TEXT: dict[str, str] = {
    "not_intact": "nội dung đã ký bị thay đổi",
    "signature_invalid": "chữ ký số không khớp với khóa công khai trên chứng thư chữ ký số",
    "signature_malformed": "dữ liệu chữ ký số bị hỏng, không đọc được",
    "signature_detached": "chữ ký số đã bị tách khỏi ô chữ ký của văn bản (văn bản bị sửa sau khi ký)",
    "modified_after_signing": "văn bản bị sửa sau khi ký: {changes}",
    "form_field_changed": "nội dung ô biểu mẫu bị thay đổi sau khi ký: {fields}",
    "form_filled_as_permitted": "ô biểu mẫu được điền sau khi ký, trong phạm vi người ký cho phép: {fields}",
    "coverage_unclear": "phạm vi ký bất thường, chữ ký số không bao trùm đúng văn bản đã ký",
    "cert_expired_at_signing": "chứng thư chữ ký số đã hết hiệu lực tại thời điểm ký",
    "cert_not_yet_valid_at_signing": "chứng thư chữ ký số chưa có hiệu lực tại thời điểm ký",
    "cert_revoked": "chứng thư chữ ký số đã bị thu hồi trước thời điểm ký",
    "cert_suspended": "chứng thư chữ ký số đang bị tạm dừng tại thời điểm ký",
    "cert_expired_no_poe": "chứng thư chữ ký số nay đã hết hiệu lực và thời điểm ký chưa được chứng thực "
    "(không có dấu thời gian tin cậy)",
    "cert_revoked_no_poe": "chứng thư chữ ký số đã bị thu hồi và thời điểm ký chưa được chứng thực "
    "(không có dấu thời gian tin cậy)",
    "cert_suspended_no_poe": "chứng thư chữ ký số đang bị tạm dừng và thời điểm ký chưa được chứng thực "
    "(không có dấu thời gian tin cậy)",
    "key_usage_not_allowed": "chứng thư chữ ký số không được cấp cho mục đích ký",
    "chain_invalid": "chuỗi chứng thư chữ ký số không hợp lệ",
    "weak_algorithm": "thuật toán ký không còn bảo đảm an toàn",
    "unsupported_format": "chữ ký số theo định dạng cũ, dùng thuật toán không còn bảo đảm an toàn, "
    "không được chấp nhận",
    "timestamp_invalid": "dấu thời gian không khớp với chữ ký số",
    "untrusted_root_missing": "chứng thư chữ ký số không dẫn về chứng thư gốc của tổ chức cung cấp dịch vụ "
    "chứng thực chữ ký số mà hệ thống tin cậy",
    "chain_incomplete": "thiếu chứng thư trung gian để xác minh chứng thư chữ ký số",
    "timestamp_untrusted": "dấu thời gian không do tổ chức cung cấp dịch vụ cấp dấu thời gian mà hệ thống "
    "tin cậy cấp",
    "signing_time_missing": "chữ ký số không ghi thời điểm ký",
    "revocation_unverifiable": "không kiểm tra được trạng thái tạm dừng, thu hồi của chứng thư chữ ký số "
    "(máy chủ của tổ chức cung cấp dịch vụ chứng thực chữ ký số không trả lời hoặc dữ liệu trạng thái đã cũ)",
    "trust_check_failed": "không xác minh được chuỗi chứng thư chữ ký số",
    "changes_unverified": "cấu trúc tệp bị hỏng, chưa phân tích được các thay đổi sau khi ký",
    "diff_analysis_failed": "không phân tích được các thay đổi sau khi ký",
    "revocation_not_checked": "chưa kiểm tra được trạng thái tạm dừng, thu hồi của chứng thư chữ ký số",
    "outside_period": "ký ngoài thời điểm kiểm tra lưu hồ sơ",
    "seal_of_other_unit": "con dấu không khớp với thông tin của trường trong danh sách đơn vị",
    "trailing_data_ignored": "sau phần kết thúc của tệp có dữ liệu thừa, hệ thống bỏ qua",
    "unreadable_update": "văn bản đã bị thay đổi sau khi ký; không đọc được phần thay đổi",
    "hidden_change": "văn bản đã bị thay đổi sau khi ký bằng phần được giấu khỏi cấu trúc tệp "
    "(có phần mềm đọc sẽ hiển thị nội dung khác)",
    "structure_rebuilt": "cấu trúc tệp bị hỏng một phần; hệ thống đã đọc lại toàn bộ tệp "
    "và đối chiếu mọi thay đổi sau khi ký",
}

CHANGE_TEXT: dict[str, str] = {
    "pages": "thêm, bớt hoặc thay trang",
    "content": "thay nội dung văn bản",
    "annotations": "thêm hoặc sửa chú thích",
}

KIND_TEXT: dict[str, str] = {
    "personal": "chữ ký số cá nhân",
    "organization": "chữ ký số của tổ chức, tức con dấu",
    "unknown": "chưa rõ của cá nhân hay tổ chức",
}

TIME_SOURCE_TEXT: dict[str, str] = {
    "signer": "theo giờ trên máy của người ký, chưa được chứng thực",
    "timestamp": "theo dấu thời gian tin cậy",
}

REVOCATION_TEXT: dict[str, str] = {
    "embedded": "đã kiểm tra chứng thư chữ ký số không bị tạm dừng, thu hồi, theo dữ liệu kèm văn bản",
    "online": "đã kiểm tra chứng thư chữ ký số không bị tạm dừng, thu hồi, trực tuyến với tổ chức cung cấp "
    "dịch vụ chứng thực chữ ký số",
    "not_checked": "",
}

SIGNATURE_OK = "hợp lệ"
# What a signature whose only open question is the certificate's status has proven.
PROVEN_SO_FAR = "chữ ký số đúng, văn bản không bị sửa sau khi ký"
NOTE_PREFIX = "lưu ý:"
UNKNOWN_SIGNER = "(không rõ người ký)"
SIGNED_LINE = "ký lúc {time} ({source})"
NO_SIGNING_TIME = "không xác định được thời điểm ký"

SEAL_PRESENT = "🏫 Có chữ ký số của tổ chức (con dấu): {names}."
SEAL_MISSING = "🏫 Văn bản chưa có chữ ký số của tổ chức (con dấu) của trường."
SEAL_OWN = "🏫 Con dấu khớp với thông tin của trường trong danh sách đơn vị: {names}."
SEAL_MISMATCH = "🏫 Con dấu “{name}” không khớp với thông tin của trường trong danh sách đơn vị: {differences}."
SEAL_CODE_DIFFERS = "mã số trên chứng thư chữ ký số là {seal}, danh sách đơn vị ghi {roster}"
SEAL_NAME_DIFFERS = "tên trên chứng thư chữ ký số là “{seal}”, danh sách đơn vị ghi “{roster}”"
SEAL_NO_CODE = "không ghi mã số thuế hay mã đơn vị có quan hệ với ngân sách"

OUTSIDE_PERIOD_LINE = "⏰ Ký ngoài thời điểm kiểm tra lưu hồ sơ{period}: {names}."
PERIOD_CLAIMED = (
    "⏰ Ký trong thời điểm kiểm tra lưu hồ sơ theo giờ trên máy của người ký, "
    "chưa được chứng thực bằng dấu thời gian: {names}."
)
PERIOD_UNKNOWN = (
    "⏰ Không xác định được thời điểm ký nên chưa đánh giá được việc ký trong thời điểm kiểm tra lưu hồ sơ: "
    "{names}."
)
PERIOD_RANGE = " ({start}–{end})"

TIMESTAMP_LINE = "🕒 Dấu thời gian của văn bản do {tsa} cấp{time}: {verdict}"
TIMESTAMP_AT = " lúc {time}"
TIMESTAMP_OK = "hợp lệ"
TIMESTAMP_BAD = "không hợp lệ"
TIMESTAMP_UNTRUSTED = (
    "chưa xác định (không do tổ chức cung cấp dịch vụ cấp dấu thời gian mà hệ thống tin cậy cấp)"
)
UNKNOWN_TSA = "(không rõ tổ chức cấp)"
FILE_LINE = "Tệp: {name}"
UNSIGNED_TEXT = "Tệp PDF này không có chữ ký số nào."

# Short texts for a table cell (the appendices' evidence column): what the check proved.
SUMMARY_VALID = "Hợp lệ: chữ ký số đúng, văn bản không bị sửa, chứng thư chữ ký số không bị tạm dừng, thu hồi"
SUMMARY_UNCHECKED = (
    "Chữ ký số đúng, văn bản không bị sửa; chưa kiểm tra được trạng thái tạm dừng, thu hồi của chứng thư chữ ký số"
)
SUMMARY_INVALID = "Không hợp lệ: {reason}"
SUMMARY_INDETERMINATE = "Chưa xác định: {reason}"
SUMMARY_UNSIGNED = "Không có chữ ký số"
SUMMARY_ERROR = "Không kiểm tra được tệp"
SUMMARY_OUTSIDE_PERIOD = "ký ngoài thời điểm kiểm tra lưu hồ sơ"
SUMMARY_NO_TIME = "không xác định được thời điểm ký"
SUMMARY_CLAIMED_TIME = "thời điểm ký chưa được chứng thực"

# Operator CLI (hsdt verify --recheck-evidence).
RECHECK_DONE = "Đã kiểm tra lại {count} minh chứng: {changed} thay đổi kết quả, {schools} trường được tính lại điểm."
RECHECK_SKIPPED = "Không tìm thấy tệp của {count} minh chứng; giữ nguyên kết quả cũ."
RECHECK_FAILED = "Không kiểm tra lại được minh chứng: {error}"
