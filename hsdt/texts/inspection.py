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

NO_ASSIGNMENTS = "Bạn chưa được phân công kiểm tra trường nào trong đợt này. Vui lòng liên hệ Sở GD&ĐT."
SCHOOL_LIST_TITLE = "🏫 Các trường bạn được phân công ({count}). Chọn trường để chấm:"
SCHOOL_BUTTON = "{name} — {kind}: {state}"
NOT_ASSIGNED = "Bạn không được phân công kiểm tra trường này, nên không xem hoặc chấm được."
SELF_NOT_SUBMITTED = (
    "{school} chưa nộp bài tự đánh giá (trạng thái: {state}), nên chưa chấm được. "
    "Vui lòng chờ trường nộp bài."
)
ALREADY_SCORED = (
    "Bạn đã nộp kết quả {kind} của {school} lúc {when}: {total}/{max} điểm — Xếp loại: {band}. "
    "Kết quả đã khóa."
)
RESUME = "Tiếp tục {kind} {school}."

HEADER = "🔎 {kind} — {school} — Câu {index}/{count}"
SCHOOL_ANSWER = "Trường tự đánh giá: {answer} — {points}/{max} điểm"
SCHOOL_NO_ANSWER = "Trường tự đánh giá: chưa trả lời — 0/{max} điểm"
SCHOOL_EVIDENCE_TITLE = "Minh chứng của trường:"
INSPECTOR_EVIDENCE_TITLE = "Minh chứng đoàn kiểm tra gửi thêm:"
EVIDENCE_LINE = "  📄 {name} — {status}{signers}"
NO_EVIDENCE = "  (chưa có tệp)"
CURRENT_SCORE = "Điểm đã chấm: {points}/{max}{comment} — bởi {who} lúc {when}"
COMMENT_SUFFIX = " (nhận xét: {comment})"
HOW = (
    "Bấm «Đồng ý điểm của trường», hoặc gõ điểm của bạn từ 0 đến {max} (có thể dùng dấu phẩy, ví dụ 6,5). "
    "Có thể ghi nhận xét ngay sau điểm, ví dụ: «6,5 Thiếu văn bản ký số của giáo viên». "
    "Gửi thêm tệp PDF để kiểm tra chữ ký cho câu này."
)
BTN_ACCEPT = "✅ Đồng ý điểm của trường ({points})"
BTN_REOPEN = "🔓 Mở lại cho trường sửa"
BTN_SCHOOLS = "🏫 Danh sách trường"
BTN_CANCEL_COMMENT = "↩️ Không lưu, chấm lại câu này"

BAD_POINTS = "«{text}» không phải là điểm hợp lệ. Gõ một số từ 0 đến {max}, ví dụ: 6,5."
POINTS_OUT_OF_RANGE = "Điểm phải từ 0 đến {max} (bạn gõ «{text}»)."
COMMENT_TOO_LONG = "Nhận xét quá dài (tối đa {limit} ký tự)."
NEED_COMMENT = (
    "Điểm của bạn ({points}) khác điểm trường tự đánh giá ({school_points}) ở câu {criterion}. "
    "Vui lòng gõ nhận xét giải thích lý do (bắt buộc):"
)
SAVED = "✔️ Đã lưu điểm câu {criterion}: {points}/{max} điểm (trường tự đánh giá: {school_points}){comment}."
CONFLICT = (
    "⚠️ Câu {criterion} vừa được {who} cập nhật lúc {when} ({points} điểm{comment}) trong khi bạn đang chấm. "
    "Điểm của bạn chưa được lưu để không ghi đè lên người khác. Vui lòng xem lại rồi chấm lại câu này."
)
EVIDENCE_STORED = "📎 Đã lưu tệp làm minh chứng của đoàn kiểm tra cho câu {criterion} ({total} tệp, {valid} hợp lệ)."
FIRST_QUESTION = "Đây là câu đầu tiên."

LIST_TITLE = "📋 Các câu chấm điểm (✅ đã chấm, ⬜ chưa chấm). Chọn câu muốn chuyển tới:"
REVIEW_TITLE = "🧾 Xem lại kết quả {kind} — {school}"
REVIEW_LINE = "{mark} {criterion}. {title}: trường {school_points} → chấm {points}/{max}{comment}"
REVIEW_LINE_MISSING = "{mark} {criterion}. {title}: trường {school_points} → chưa chấm (tối đa {max})"
REVIEW_TOTAL = "Tổng điểm chấm: {total}/{max} — Xếp loại: {band}. Trường tự đánh giá: {self_total}."
REVIEW_MISSING = "Còn {count} câu chưa chấm: {ids}."
SUBMIT_BLOCKED = "Chưa thể nộp: còn {count} câu chưa chấm ({ids})."
CONFIRM = (
    "Nộp kết quả {kind} của {school}?\nTổng điểm: {total}/{max} — Xếp loại: {band}.\nSau khi nộp sẽ không sửa được."
)
SUBMITTED = "🎉 Đã nộp kết quả {kind} của {school}: {total}/{max} điểm — Xếp loại: {band}."
ALL_SCORED = "Bạn đã chấm hết các câu. Đây là bảng tổng hợp:"

REOPEN_ONLY_DISTRICT = "Chỉ cán bộ chấm lại của {level} quản lý trường mới mở lại được phiếu tự đánh giá."
REOPEN_ASK_REASON = "Gõ lý do mở lại bài tự đánh giá của {school} (nhà trường sẽ nhận được lý do này):"
REOPEN_EMPTY = "Lý do không được để trống. Vui lòng gõ lý do mở lại:"
REOPENED = "🔓 Đã mở lại bài tự đánh giá của {school} để trường sửa. Đã gửi thông báo cho {count} người của trường."
REOPEN_NOTICE = (
    "🔓 Bài tự đánh giá của {school} đã được {who} (cán bộ kiểm tra) mở lại để sửa.\nLý do: {reason}\n"
    "Vui lòng sửa các câu cần thiết rồi nộp lại: gõ /tudanhgia."
)
BTN_OPEN_SELF = "📝 Sửa bài tự đánh giá"
