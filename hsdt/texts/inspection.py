"""Vietnamese texts of the inspectors' re-scoring (/chamdiem) and of the assignment table."""

from __future__ import annotations

CMD_RESCORE = "Chấm lại / kiểm tra chéo các trường được phân công (Phụ lục 2, 3)"
BTN_RESCORE = "🔎 Chấm điểm trường được phân công"

KIND_NAMES = {"district": "Chấm lại", "cross": "Kiểm tra chéo"}
STATE_NOT_SUBMITTED = "chưa tự đánh giá"
STATE_REOPENED = "trường đang sửa lại"
STATE_SUBMITTED = "đã nộp"
STATE_SCORING = "đang chấm"
STATE_SCORED = "đã chấm"

NO_ASSIGNMENTS = (
    "Thầy/Cô chưa được phân công kiểm tra trường nào trong đợt này. Thầy/Cô vui lòng liên hệ Sở GD&ĐT."
)
SCHOOL_LIST_TITLE = "🏫 Các trường Thầy/Cô được phân công ({count}). Thầy/Cô chọn trường để chấm:"
SCHOOL_BUTTON = "{name} — {kind}: {state}"
NOT_ASSIGNED = "Thầy/Cô không được phân công kiểm tra trường này, nên không xem hoặc chấm được."
SELF_NOT_SUBMITTED = (
    "{school} chưa nộp phiếu tự đánh giá (trạng thái: {state}), nên chưa chấm được. "
    "Thầy/Cô vui lòng chờ nhà trường gửi kết quả tự đánh giá."
)
ALREADY_SCORED = (
    "Thầy/Cô đã gửi kết quả {kind} của {school} lúc {when}: {total}/{max} điểm — Xếp loại: {band}. "
    "Kết quả đã khóa."
)
RESUME = "Tiếp tục {kind} {school}."

HEADER = "🔎 {kind} — {school} — Tiêu chí {index}/{count}"
SCHOOL_ANSWER = "Trường tự đánh giá: {answer} — {points}/{max} điểm"
SCHOOL_NO_ANSWER = "Trường tự đánh giá: chưa trả lời — 0/{max} điểm"
SCHOOL_EVIDENCE_TITLE = "Minh chứng của trường:"
INSPECTOR_EVIDENCE_TITLE = "Minh chứng đoàn kiểm tra gửi thêm:"
EVIDENCE_LINE = "  📄 {name} — {status}{signers}"
NO_EVIDENCE = "  (chưa có tệp)"
CURRENT_SCORE = "Điểm đã chấm: {points}/{max}{comment} ({who} chấm lúc {when})"
COMMENT_SUFFIX = " (nhận xét: {comment})"
HOW = (
    "Thầy/Cô bấm “Đồng ý điểm của trường”, hoặc gõ điểm từ 0 đến {max} (có thể dùng dấu phẩy, ví dụ 6,5). "
    "Có thể ghi nhận xét ngay sau điểm, ví dụ: “6,5 Thiếu văn bản ký số của giáo viên”. "
    "Gửi thêm tệp PDF để kiểm tra chữ ký cho tiêu chí này."
)
BTN_ACCEPT = "✅ Đồng ý điểm của trường ({points})"
BTN_REOPEN = "🔓 Mở lại cho trường sửa"
BTN_SCHOOLS = "🏫 Danh sách trường"
BTN_CANCEL_COMMENT = "↩️ Hủy, quay lại tiêu chí"

BAD_POINTS = "“{text}” không phải là điểm hợp lệ. Thầy/Cô gõ một số từ 0 đến {max}, ví dụ: 6,5."
POINTS_OUT_OF_RANGE = "Điểm phải từ 0 đến {max} (Thầy/Cô đã gõ “{text}”)."
COMMENT_TOO_LONG = "Nhận xét quá dài (tối đa {limit} ký tự)."
COMMENT_TOO_SHORT = (
    "Nhận xét “{text}” quá ngắn để nêu lý do chấm khác điểm của trường. "
    "Thầy/Cô vui lòng ghi rõ lý do (ít nhất {min} ký tự), ví dụ: “Thiếu văn bản ký số của giáo viên”."
)
NEED_COMMENT = (
    "Điểm Thầy/Cô chấm ({points}) khác điểm trường tự đánh giá ({school_points}) ở tiêu chí {criterion}. "
    "Thầy/Cô vui lòng gõ nhận xét nêu lý do (bắt buộc, ít nhất {min} ký tự):"
)
SAVED = "✔️ Đã lưu điểm tiêu chí {criterion}: {points}/{max} điểm (trường tự đánh giá: {school_points}){comment}."
CONFLICT = (
    "⚠️ {who} vừa chấm tiêu chí {criterion} lúc {when}: {points} điểm{comment}, trong khi Thầy/Cô đang chấm. "
    "Điểm Thầy/Cô chấm chưa được lưu để không ghi đè lên kết quả của người khác. "
    "Thầy/Cô vui lòng xem lại rồi chấm lại tiêu chí này."
)
EVIDENCE_STORED = (
    "📎 Đã lưu tệp làm minh chứng của đoàn kiểm tra cho tiêu chí {criterion} ({total} tệp, {valid} hợp lệ)."
)
FIRST_QUESTION = "Đây là tiêu chí đầu tiên."

LIST_TITLE = "📋 Các tiêu chí chấm điểm (✅ đã chấm, ⬜ chưa chấm). Thầy/Cô chọn tiêu chí muốn chuyển tới:"
REVIEW_TITLE = "🧾 Xem lại kết quả {kind} — {school}"
REVIEW_LINE = "{mark} {criterion}. {title}: trường {school_points} → chấm {points}/{max}{comment}"
REVIEW_LINE_MISSING = "{mark} {criterion}. {title}: trường {school_points} → chưa chấm (tối đa {max})"
REVIEW_TOTAL = "Tổng điểm chấm: {total}/{max} — Xếp loại: {band}. Trường tự đánh giá: {self_total}."
REVIEW_MISSING = "Còn {count} tiêu chí chưa chấm: {ids}."
SUBMIT_BLOCKED = "Chưa thể gửi kết quả: còn {count} tiêu chí chưa chấm ({ids})."
CONFIRM = (
    "Thầy/Cô xác nhận gửi kết quả {kind} của {school}?\nTổng điểm: {total}/{max} — Xếp loại: {band}.\n"
    "Sau khi gửi sẽ không sửa được."
)
SUBMITTED = "🎉 Đã gửi kết quả {kind} của {school}: {total}/{max} điểm — Xếp loại: {band}."
ALL_SCORED = "Thầy/Cô đã chấm hết các tiêu chí. Đây là bảng tổng hợp:"
# The review's submit button of an inspector (the self-assessment's is texts.BTN_SUBMIT).
BTN_SUBMIT = "📤 Gửi kết quả chấm"

REOPEN_ONLY_DISTRICT = "Chỉ cán bộ chấm lại của {level} quản lý trường mới mở lại được phiếu tự đánh giá."
REOPEN_ASK_REASON = "Thầy/Cô gõ lý do mở lại phiếu tự đánh giá của {school} (nhà trường sẽ nhận được lý do này):"
REOPEN_EMPTY = "Lý do không được để trống. Thầy/Cô vui lòng gõ lý do mở lại:"
REOPENED = (
    "🔓 Đã mở lại phiếu tự đánh giá của {school} để nhà trường sửa. "
    "Đã gửi thông báo cho {count} người của trường."
)
REOPEN_NOTICE = (
    "🔓 Phiếu tự đánh giá của {school} đã được {who} (cán bộ kiểm tra) mở lại để sửa.\nLý do: {reason}\n"
    "Thầy/Cô vui lòng sửa các tiêu chí cần thiết rồi gửi lại kết quả: gõ /tudanhgia."
)
BTN_OPEN_SELF = "📝 Sửa phiếu tự đánh giá"
