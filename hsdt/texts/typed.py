"""Wording for chats without buttons (Zalo): options are numbered, the user types, files go through a
one-time upload link. Never "bấm": there is nothing to press."""

from __future__ import annotations

# Under a numbered list of options (numbers; letters when the question itself expects a number).
OPTIONS_HINT_NUMBERS = "(Gõ số của lựa chọn, ví dụ “1”.)"
OPTIONS_HINT_LETTERS = "(Gõ chữ cái của lựa chọn, ví dụ “a”; gõ số là trả lời câu hỏi.)"

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
    "Câu này cần tệp PDF đã ký số: Thầy/Cô mở liên kết bên dưới để tải tệp lên, hoặc gõ “Bỏ qua” để làm sau."
)

# --- What the chat cannot read ------------------------------------------------------------------------
OTHER_CONTENT = "Hệ thống chỉ đọc được tin nhắn chữ. Thầy/Cô vui lòng gõ câu trả lời theo hướng dẫn dưới đây."
PHOTO = (
    "Thầy/Cô vừa gửi ảnh. Hệ thống chỉ kiểm tra được chữ ký số trong văn bản dạng tệp PDF, "
    "không đọc được ảnh chụp."
)
