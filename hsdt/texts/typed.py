"""Wording for chats without buttons (Zalo, the terminal): options are numbered, the user types, files go
through a one-time upload link. Never "bấm": there is nothing to press.

Each constant here is the typed variant of the catalogue constant of the same name (in `hsdt.texts`,
`hsdt.texts.rubric` or `hsdt.texts.inspection`) that says "bấm"; a handler picks it when `ctx.typed`.
`tests/texts` checks that every "bấm" a chat can show has its variant here."""

from __future__ import annotations

# Under a numbered list of options (numbers; letters when the question itself expects a number).
OPTIONS_HINT_NUMBERS = "(Gõ số của lựa chọn, ví dụ “1”.)"
OPTIONS_HINT_LETTERS = "(Gõ chữ cái của lựa chọn, ví dụ “a”; số Thầy/Cô gõ là câu trả lời.)"

# --- Self-assessment: how to answer ----------------------------------------------------------------
SA_HOW_MULTI = (
    "Gõ số của từng phương án đúng (gõ lại để bỏ chọn), rồi gõ “Xong”. "
    "Cũng có thể gõ một lần các số, ví dụ: 1,3,5; gõ 0 nếu không có mục nào."
)
SA_HOW_TEXT = "Thầy/Cô gõ câu trả lời (tối đa 2000 ký tự), hoặc gõ “Bỏ qua”."
SA_HOW_EVIDENCE = (
    "Thầy/Cô mở liên kết bên dưới để tải lên một hoặc nhiều tệp PDF đã ký số; mỗi tệp được kiểm tra ngay. "
    "Tải xong, gõ “Xong”."
)
SA_EVIDENCE_NEEDS_FILE = (
    "Tiêu chí này cần tệp PDF đã ký số: Thầy/Cô mở liên kết bên dưới để tải tệp lên, hoặc gõ “Bỏ qua” để làm sau."
)

# --- A criterion whose options another one limits (hsdt.texts.rubric) ------------------------------
OPTIONS_NONE_ALLOWED = (
    "Ở tiêu chí {other} nhà trường chưa chọn mục nào, nên tiêu chí này chưa có mục để chọn: "
    "Thầy/Cô gõ “Xong” (không có mục nào) hoặc trả lời lại tiêu chí {other}."
)

# --- Re-scoring (hsdt.texts.inspection) ------------------------------------------------------------------
HOW = (
    "Thầy/Cô gõ chữ cái của lựa chọn “Đồng ý điểm của trường”, hoặc gõ điểm từ 0 đến {max} "
    "(có thể dùng dấu phẩy, ví dụ 6,5). "
    "Có thể ghi nhận xét ngay sau điểm, ví dụ: “6,5 Thiếu văn bản ký số của giáo viên”."
)

# --- What the chat cannot read ------------------------------------------------------------------------
OTHER_CONTENT = "Hệ thống chỉ đọc được tin nhắn chữ. Thầy/Cô vui lòng gõ câu trả lời theo hướng dẫn dưới đây."
PHOTO = (
    "Thầy/Cô vừa gửi ảnh. Hệ thống chỉ kiểm tra được chữ ký số trong văn bản dạng tệp PDF, "
    "không đọc được ảnh chụp."
)

# --- The campaign choice (hsdt.texts.campaigns) ------------------------------------------------------
CAMPAIGN_CHOOSE = (
    "Đơn vị của Thầy/Cô ({unit}) đang tham gia {count} đợt kiểm tra cùng lúc. "
    "Thầy/Cô gõ số của đợt muốn làm việc; phiếu, báo cáo và lịch nhắc việc sẽ theo đợt đã chọn. "
    "Có thể đổi đợt bất cứ lúc nào bằng lệnh /doidot."
)
