"""Every Vietnamese text the system shows, in one place. Handlers refer to these names only.

Style guide (every module of this package follows it; `tests/texts` checks the mechanical part)
-------------------------------------------------------------------------------------------------
The voice is that of a Sở writing to the schools it manages: polite, plain, short.

- Address the reader as "Thầy/Cô" ("Thầy/Cô vui lòng …"), never "bạn".
- The system speaks of itself as "hệ thống" ("Hệ thống đã lưu …"), never "Tôi" nor "bot".
- Quotation marks are “…” (to quote a button, a file name or what the user typed), never «…».
- No English words, no setting names (TRUST_DIR, FILES_DIR …) and no technical codes reach a
  chat user; say what to do instead ("liên hệ bộ phận kỹ thuật của Sở"). Product and format names
  (Zalo, Telegram, PDF, Excel) are fine.
- No calques: "Thầy Nguyễn Văn A cập nhật lúc 08:00", not "cập nhật bởi {who}"; one punctuation
  mark where two sentences meet ("…hợp lệ (3 điểm).", not "…hợp lệ. — 3 điểm").
- Name a button exactly as it is labelled, in “…”, without its emoji when quoted in a sentence.
- An error says what is wrong and what to type, with an example of the right shape for that
  question ("ví dụ: 85" for a percentage, "ví dụ: 3/2" for issued/used).
- Dates dd/mm/yyyy, times HH:MM, decimal comma (6,5).

The notice's own words (Thông báo of the Sở; Luật Giao dịch điện tử 2023, Nghị định 23/2025/NĐ-CP):

| Use                                      | Not                                   |
|------------------------------------------|---------------------------------------|
| tiêu chí (tiêu chí 3; Tiêu chí 3/12)     | câu, câu hỏi (for a criterion)        |
| Nội dung 1, Nội dung 2 (the groups)      | Nhóm A, Nhóm I                        |
| phiếu tự đánh giá                        | bài tự đánh giá, bản tự đánh giá      |
| "Gửi kết quả tự đánh giá" (the button)   | "Nộp bài"                             |
| minh chứng                               | bằng chứng                            |
| chấm lại, kiểm tra chéo                  | chấm điểm lại, kiểm tra vòng          |
| đánh giá công tác quản lý, chỉ đạo       | điểm lãnh đạo                         |
| chứng thư chữ ký số                      | chứng thư số                          |
| chữ ký số chuyên dùng công vụ            | chữ ký số chuyên dùng Chính phủ       |
| thời điểm kiểm tra lưu hồ sơ (09–12)     | thời kỳ hồ sơ, thời gian lưu hồ sơ    |
| trang theo dõi (the read-only web page)  | bảng điều khiển                       |

Channels: "bấm" only where the reader has buttons. A text that tells how to act on a button has a
variant in `hsdt.texts.typed` under the same name ("gõ …"), which a handler picks when `ctx.typed`; where
no handler knows the channel (reminders go to every chat of a person), the text says "chọn". No text
advises another channel (Telegram is blocked in Vietnam) or blames Zalo for what the system cannot do.
Commands are named by their Vietnamese form (/huongdan, /danhmuc), never the English aliases.
"""

from __future__ import annotations

from hsdt.texts.levels import Levels

# --- Enrolment -------------------------------------------------------------------------------
# Level-neutral on purpose: the invite comes from the Sở or the unit that manages the school, whatever
# the structure (Phòng GD&ĐT before 07/2025, UBND xã/phường since, or none).
WELCOME_ANONYMOUS = (
    "Kính chào Thầy/Cô! Đây là hệ thống kiểm tra hồ sơ điện tử và chữ ký số của Sở GD&ĐT.\n"
    "Để bắt đầu, Thầy/Cô vui lòng nhập mã mời (gồm 10 ký tự) do Sở hoặc đơn vị quản lý gửi."
)
INVITE_NOT_FOUND = "Mã mời “{code}” không đúng. Thầy/Cô vui lòng kiểm tra và nhập lại mã mời."
INVITE_USED = (
    "Mã mời này đã được sử dụng. Nếu Thầy/Cô chưa đăng ký, vui lòng liên hệ đơn vị quản lý để được cấp mã mới."
)
INVITE_EXPIRED = (
    "Mã mời này đã hết hạn (hạn đến {expires}). Thầy/Cô vui lòng liên hệ đơn vị quản lý để được cấp mã mới."
)
ENROLLED = "✅ Đăng ký thành công! Kính chào Thầy/Cô {name} — {role}, {unit}."
ALREADY_ENROLLED = "Thầy/Cô đã đăng ký với tên {name} — {role}, {unit}."
# A message that reached the bot after one the user sent later (a phone flushing its queue, a slow
# worker): it is not applied, since read against the screen now shown it would mean something else.
LATE_MESSAGE = (
    "⏱ Tin nhắn “{text}” của Thầy/Cô đến muộn, sau một tin gửi sau nó, nên hệ thống chưa dùng. "
    "Nếu vẫn cần, Thầy/Cô vui lòng gửi lại cho màn hình hiện tại:"
)
LATE_FILE = (
    "⏱ Tệp “{name}” của Thầy/Cô đến muộn, sau một thao tác làm sau nó, nên hệ thống chưa dùng. "
    "Thầy/Cô vui lòng gửi lại cho màn hình hiện tại:"
)
LATE_EVENT = "⏱ Thao tác của Thầy/Cô đến muộn, sau một thao tác làm sau nó, nên hệ thống chưa dùng. Màn hình hiện tại:"
USER_INACTIVE = "Tài khoản của Thầy/Cô đã bị tạm khóa. Vui lòng liên hệ Sở GD&ĐT."
NEED_INVITE_FIRST = "Thầy/Cô chưa đăng ký. Vui lòng nhập mã mời trước khi dùng chức năng này."

# The managing level's staff are named by the campaign's levels (see `role_name`).
ROLE_NAMES = {
    "principal": "Hiệu trưởng/Phó hiệu trưởng",
    "inspector": "Cán bộ kiểm tra",
    "district_staff": "Cán bộ đơn vị quản lý",
    "so_staff": "Cán bộ Sở GD&ĐT",
    "ministry_staff": "Cán bộ Bộ GD&ĐT",
}
# What the roster workbook offers in its role column (chosen from a list); the managing level's
# entry is the campaign's `LevelName.staff`.
ROLE_LABELS = {
    "principal": "Hiệu trưởng",
    "inspector": "Cán bộ kiểm tra",
    "so_staff": "Cán bộ Sở",
}

# --- Menu and generic ------------------------------------------------------------------------
MENU_TITLE = "Thầy/Cô chọn một chức năng bên dưới hoặc gõ lệnh."
BTN_SELF_ASSESS = "📝 Tự đánh giá"
BTN_CHECK_SIGNATURE = "🔍 Kiểm tra chữ ký số"
BTN_HELP = "❓ Hướng dẫn"
HELP_TITLE = "Các lệnh:"
CMD_SELF_ASSESS = "Tự đánh giá của nhà trường (Phụ lục 1)"
CMD_CHECK = "Kiểm tra chữ ký số của tệp PDF (hoặc gửi tệp PDF bất cứ lúc nào)"
UNKNOWN_COMMAND = "Hệ thống không có lệnh “{command}”. Thầy/Cô gõ /huongdan để xem các lệnh."
NOT_ALLOWED = "Xin lỗi, chức năng này chỉ dành cho {roles}. Tài khoản của Thầy/Cô là {role}."
NO_ACTIVE_CAMPAIGN = "Hiện chưa có đợt kiểm tra nào đang mở. Vui lòng liên hệ Sở GD&ĐT."
NOT_A_SCHOOL_USER = "Tài khoản của Thầy/Cô chưa gắn với trường nào. Vui lòng liên hệ đơn vị quản lý."
# {command} is the command of the flow that was stopped (/tudanhgia, /chamdiem).
CANCELLED = "Đã dừng. Các câu trả lời đã lưu vẫn được giữ; Thầy/Cô gõ {command} để tiếp tục bất cứ lúc nào."
NOTHING_TO_CANCEL = "Không có việc gì đang làm dở."
INTERNAL_ERROR = (
    "Xin lỗi, hệ thống gặp sự cố khi xử lý tin nhắn này và chưa lưu thay đổi. "
    "Vui lòng thử lại sau ít phút; các câu trả lời trước đó vẫn được giữ nguyên."
)
STALE_BUTTON = "Nút này thuộc một tin nhắn cũ. Thầy/Cô tiếp tục tại đây:"
UNEXPECTED_INPUT = "Hệ thống chưa hiểu tin nhắn này. Thầy/Cô chọn một chức năng bên dưới hoặc gõ /huongdan."
OTHER_CONTENT = (
    "Hệ thống chỉ đọc được tin nhắn chữ và tệp PDF. Thầy/Cô vui lòng gõ câu trả lời hoặc gửi tệp PDF."
)
SEND_PDF_NOT_PHOTO = (
    "Thầy/Cô vừa gửi ảnh. Để kiểm tra chữ ký số, Thầy/Cô vui lòng gửi văn bản dưới dạng tệp PDF "
    "(chọn “Tệp” khi đính kèm), không gửi ảnh chụp."
)

# --- Self-assessment -------------------------------------------------------------------------
SA_HEADER = "📝 Tự đánh giá — Tiêu chí {index}/{count}"
# The notice names its groups "Nội dung"; a group without points (the school's remarks) shows its title only.
SA_GROUP = "Nội dung {group_id}. {group_title}"
SA_EVIDENCE_HINT = "Minh chứng: {hint}"
SA_MAX_POINTS = "Điểm tối đa: {points}"
SA_NO_POINTS = "(Không tính điểm)"
SA_CURRENT_ANSWER = "Câu trả lời hiện tại: {answer} ({points} điểm; {who} cập nhật lúc {when})"
SA_CURRENT_ANSWER_NO_POINTS = "Câu trả lời hiện tại: {answer} ({who} cập nhật lúc {when})"
SA_HOW_SINGLE = "Thầy/Cô chọn một phương án bên dưới."
SA_HOW_MULTI = (
    "Thầy/Cô chọn các phương án đúng (bấm lại để bỏ chọn), rồi bấm “Xong”. "
    "Có thể gõ các số, ví dụ: 1,3,5; gõ 0 nếu không có mục nào."
)
# The example of each numeric answer, shown in its instruction and in its error messages: counts a
# preschool can have (a few managers; the same shape fits teachers and staff).
SA_EXAMPLE_COUNT_PAIR = "3/2"
SA_EXAMPLE_PERCENT = "85"
SA_HOW_COUNT_PAIR = "Thầy/Cô gõ hai số: {issued} / {used}, ví dụ: 3/2."
SA_HOW_DOCUMENTS = (
    "Thầy/Cô gõ ba số: {stored} / {paper_only} / {signed}, ví dụ: 120/20/95. "
    "Văn bản chỉ có bản giấy không tính vào tỷ lệ."
)
SA_ISSUED_DEFAULT = "số được cấp"
SA_USED_DEFAULT = "số đã sử dụng"
SA_HOW_PERCENT = "Thầy/Cô gõ tỷ lệ phần trăm từ 0 đến 100, ví dụ: 85."
SA_HOW_TEXT = "Thầy/Cô gõ ý kiến của nhà trường (tối đa 2000 ký tự), hoặc bấm “Bỏ qua”."
SA_HOW_EVIDENCE = (
    "Thầy/Cô gửi một hoặc nhiều tệp PDF đã ký số (dạng tệp, không phải ảnh). Mỗi tệp được kiểm tra ngay. "
    "Gửi xong, Thầy/Cô bấm “Xong”."
)
SA_EVIDENCE_SO_FAR = "Đã nhận {total} tệp, trong đó {valid} tệp có chữ ký số hợp lệ."
# Where the criterion counts only files signed inside the record period, the count says how many were.
SA_EVIDENCE_SO_FAR_PERIOD = (
    "Đã nhận {total} tệp, trong đó {valid} tệp có chữ ký số hợp lệ, "
    "{in_period} tệp ký trong thời điểm kiểm tra lưu hồ sơ."
)
# The same count as a stored answer, inside a sentence (no full stop of its own).
SA_EVIDENCE_ANSWER = "{valid}/{total} tệp có chữ ký số hợp lệ"
SA_EVIDENCE_ANSWER_PERIOD = (
    "{valid}/{total} tệp có chữ ký số hợp lệ, trong đó {in_period} tệp ký trong thời điểm kiểm tra lưu hồ sơ"
)
# A document_share answer: the three counts and the share they make.
SA_DOCUMENTS_ANSWER = "{stored_label} {stored}, {paper_label} {paper_only}, {signed_label} {signed} ({share})"
SA_DOCUMENTS_SHARE = "{percent}% của {eligible} văn bản không tính văn bản chỉ có bản giấy"
SA_DOCUMENTS_NONE = "không có văn bản nào ngoài văn bản chỉ có bản giấy"
SA_EVIDENCE_ANSWER_NONE = "chưa gửi tệp minh chứng"
SA_EVIDENCE_STORED = "📎 Đã lưu tệp làm minh chứng cho tiêu chí {criterion}. {summary}"
SA_EVIDENCE_NEEDS_FILE = (
    "Tiêu chí này cần tệp PDF đã ký số. Thầy/Cô vui lòng gửi tệp PDF, hoặc bấm “Bỏ qua” để làm sau."
)
SA_SAVED = "✔️ Đã lưu tiêu chí {criterion}: {answer} ({points} điểm)."
# A criterion that carries no points (the school's remarks): no points to confirm, and the answer ends the line.
SA_SAVED_NO_POINTS = "✔️ Đã lưu tiêu chí {criterion} (không tính điểm): {answer}"
SA_SELECTED = "Đang chọn: {selected}"
SA_NONE_SELECTED = "chưa chọn mục nào"
SA_NONE = "Không có mục nào"
SA_NOT_ANSWERED = "chưa trả lời"
SA_FLAG_NO_CERTS = "chưa được cấp chữ ký số"
# Shown only when no required criterion is left; otherwise the review says which ones are.
SA_ALL_ANSWERED = "Thầy/Cô đã trả lời đủ các tiêu chí bắt buộc. Đây là bảng tổng hợp:"
SA_LIST_TITLE = "📋 Danh sách tiêu chí (✅ đã trả lời, ⬜ chưa trả lời). Thầy/Cô chọn tiêu chí muốn chuyển tới:"
SA_REVIEW_TITLE = "🧾 Xem lại phiếu tự đánh giá"
SA_REVIEW_LINE = "{mark} {criterion}. {title}: {answer} ({points}/{max} điểm)"
SA_REVIEW_LINE_NO_POINTS = "{mark} {criterion}. {title}: {answer}"
SA_REVIEW_TOTAL = "Tổng điểm: {total}/{max} — Xếp loại: {band}"
SA_REVIEW_MISSING = "Còn {count} tiêu chí bắt buộc chưa trả lời: {ids}."
SA_SUBMIT_BLOCKED = (
    "Chưa thể gửi kết quả: còn {count} tiêu chí bắt buộc chưa trả lời ({ids}). "
    "Thầy/Cô vui lòng trả lời các tiêu chí này trước khi gửi."
)
SA_CONFIRM_SUBMIT = (
    "Thầy/Cô xác nhận gửi kết quả tự đánh giá?\nTổng điểm: {total}/{max} — Xếp loại: {band}.\n"
    "Sau khi gửi, nhà trường không sửa được câu trả lời (trừ khi cán bộ kiểm tra mở lại)."
)
SA_SUBMITTED = "🎉 Đã gửi kết quả tự đánh giá của {school}.\nTổng điểm: {total}/{max} — Xếp loại: {band}."
SA_ALREADY_SUBMITTED = (
    "Phiếu tự đánh giá của {school} đã được gửi lúc {when}.\nTổng điểm: {total}/{max} — Xếp loại: {band}.\n"
    "Câu trả lời đã được khóa; nếu cần sửa, Thầy/Cô vui lòng đề nghị cán bộ kiểm tra mở lại."
)
SA_LOCKED = "Phiếu tự đánh giá đã được gửi nên không sửa được câu trả lời."
SA_RESUME = "Tiếp tục phiếu tự đánh giá của {school}."
SA_FIRST_QUESTION = "Đây là tiêu chí đầu tiên."
SA_EVIDENCE_FILE = "• {name}"
SA_EVIDENCE_REMOVED = "🗑 Đã gỡ tệp “{name}” khỏi minh chứng tiêu chí {criterion}. {summary}"
SA_EVIDENCE_GONE = "Tệp này không còn trong minh chứng của tiêu chí {criterion}."
BTN_REMOVE_EVIDENCE = "🗑 Gỡ “{name}”"

BTN_BACK = "⬅️ Quay lại"
BTN_SKIP = "⏭ Bỏ qua"
BTN_LIST = "📋 Danh sách tiêu chí"
BTN_REVIEW = "🧾 Xem lại và gửi"
BTN_KEEP = "↪️ Giữ nguyên"
BTN_DONE = "✅ Xong"
BTN_SUBMIT = "📤 Gửi kết quả tự đánh giá"
BTN_CONFIRM_SUBMIT = "✅ Đồng ý gửi"
BTN_CANCEL_SUBMIT = "↩️ Chưa gửi"
BTN_CONTINUE = "▶️ Tiếp tục trả lời"
BTN_EDIT = "✏️ Sửa câu trả lời"

# --- Answer validation (codes come from hsdt.scoring.InvalidAnswer) ------------------------------
# Each template may use the params its code sets (hsdt.scoring.answers.ANSWER_ERROR_CODES) and what the
# handler adds: {text} (what was typed), {limit} (the text limit), {example} (a right answer for this
# question's type: SA_EXAMPLE_COUNT_PAIR or SA_EXAMPLE_PERCENT). tests/texts checks them.
INVALID_ANSWER = {
    "not_a_number": "“{text}” không phải là số. Thầy/Cô vui lòng gõ lại, ví dụ: {example}.",
    "negative": "Số không được âm. Thầy/Cô vui lòng gõ lại, ví dụ: {example}.",
    "used_gt_issued": (
        "Số đã sử dụng ({used}) không thể lớn hơn số được cấp ({issued}). Thầy/Cô vui lòng gõ lại, ví dụ: 3/2."
    ),
    "percent_out_of_range": "Tỷ lệ phải từ 0 đến 100 (Thầy/Cô đã gõ “{text}”). Thầy/Cô vui lòng gõ lại, ví dụ: 85.",
    "unknown_option": "Không có phương án “{text}”. Thầy/Cô vui lòng chọn một phương án trong danh sách.",
    "expected_choice": "Tiêu chí này cần chọn một phương án (hoặc gõ số thứ tự của phương án).",
    "count_pair_format": "Cần gõ hai số: số được cấp / số đã sử dụng, ví dụ: 3/2.",
    "document_counts_format": (
        "Cần gõ ba số: số văn bản lưu trên phần mềm / số văn bản chỉ có bản giấy / số văn bản đã ký số, "
        "ví dụ: 120/20/95."
    ),
    "paper_gt_stored": (
        "Số văn bản chỉ có bản giấy ({paper_only}) không thể lớn hơn số văn bản lưu trên phần mềm ({stored}). "
        "Thầy/Cô vui lòng gõ lại, ví dụ: 120/20/95."
    ),
    "signed_gt_eligible": (
        "Số văn bản đã ký số ({signed}) không thể lớn hơn số văn bản không phải bản giấy ({eligible}). "
        "Thầy/Cô vui lòng gõ lại, ví dụ: 120/20/95."
    ),
    "empty_text": "Câu trả lời đang để trống. Thầy/Cô vui lòng gõ nội dung hoặc chọn “Bỏ qua”.",
    "text_too_long": "Câu trả lời quá dài (tối đa {limit} ký tự).",
    "expected_document": "Tiêu chí này cần tệp PDF đã ký số, không phải tin nhắn chữ.",
    "valid_gt_total": "Số tệp hợp lệ không thể lớn hơn tổng số tệp.",
    "invalid_value": "Câu trả lời không đúng định dạng. Thầy/Cô vui lòng trả lời lại.",
}
INVALID_ANSWER_FALLBACK = "Câu trả lời chưa hợp lệ. Thầy/Cô vui lòng thử lại."
INVALID_ANSWER_REPEAT = "Thầy/Cô vui lòng trả lời lại tiêu chí {criterion}:"

# --- Signature check -------------------------------------------------------------------------
CHECK_PROMPT = (
    "🔍 Thầy/Cô gửi tệp PDF đã ký số (dạng tệp, không phải ảnh) để kiểm tra chữ ký. "
    "Có thể gửi nhiều tệp liên tiếp, mỗi tệp được trả lời riêng."
)
CHECK_NOT_PDF = (
    "Tệp “{name}” không phải PDF. Thầy/Cô vui lòng gửi văn bản đã ký số dưới dạng tệp PDF."
)
CHECK_TOO_LARGE = "Tệp “{name}” quá lớn ({size_mb} MB). Chỉ nhận tệp tối đa {limit_mb} MB."
CHECK_DOWNLOAD_FAILED = "Hệ thống không tải được tệp “{name}” từ máy chủ tin nhắn. Thầy/Cô vui lòng gửi lại."
CHECK_UNAVAILABLE = "Chức năng kiểm tra chữ ký số tạm thời chưa sẵn sàng. Thầy/Cô vui lòng thử lại sau."
CHECK_WHILE_ASSESSING = "(Tệp này chỉ được kiểm tra, không lưu làm minh chứng vì tiêu chí hiện tại không cần tệp.)"


def role_name(role: str, levels: Levels | None = None) -> str:
    """A role as people say it; the managing level's staff take the level's name when `levels` is given."""
    if role == "district_staff" and levels is not None:
        return levels.managing.staff
    return ROLE_NAMES.get(role, role)


def roles_list(roles: list[str] | tuple[str, ...], levels: Levels | None = None) -> str:
    return ", ".join(role_name(r, levels) for r in roles)



# --- Fewer messages: one-line confirmations, short corrections, one status per question's files ---
BTN_INSTRUCTIONS = "ℹ️ Hướng dẫn"
# What an answered question becomes (its buttons gone); the next question follows.
SA_ANSWERED = "✔️ {criterion}. {title}: {answer} — {points} điểm"
SA_ANSWERED_NO_POINTS = "✔️ {criterion}. {title}: {answer}"
SA_KEPT = "↪️ {criterion}. {title}: giữ nguyên “{answer}”"
QUESTION_SKIPPED = "⏭ {criterion}. {title}: để trả lời sau"
# A correction is one short line saying what to type; the question stays on screen above it.
INVALID_ANSWER_SHORT = {
    "not_a_number": "“{text}” không phải là số. Thầy/Cô nhập lại, ví dụ {example}.",
    "negative": "Số không được âm. Thầy/Cô nhập lại, ví dụ {example}.",
    "used_gt_issued": "{used_first} ({used}) lớn hơn {issued_label} ({issued}). Thầy/Cô nhập lại, ví dụ {fit}.",
    "count_pair_format": "Cần hai số: {issued_label}/{used_label}. Thầy/Cô nhập lại, ví dụ {example}.",
    "percent_out_of_range": "Tỷ lệ phải từ 0 đến 100. Thầy/Cô nhập lại, ví dụ {example}.",
    "unknown_option": "Không có lựa chọn “{text}”. Thầy/Cô chọn một lựa chọn của tiêu chí ở trên.",
    "expected_choice": "Tiêu chí này cần chọn một lựa chọn ở trên (hoặc nhập số thứ tự của lựa chọn).",
    "empty_text": "Câu trả lời đang để trống. Thầy/Cô nhập nội dung, hoặc chọn “Bỏ qua” để trả lời sau.",
    "text_too_long": "Câu trả lời dài quá {limit} ký tự. Thầy/Cô rút gọn rồi gửi lại.",
    "expected_document": "Tiêu chí này cần tệp PDF đã ký số, không nhận tin nhắn chữ.",
}
EXAMPLE_COUNT_PAIR = "3/2"
EXAMPLE_PERCENT = "85"
EXAMPLE_DOCUMENTS = "120/20/95"
SA_NEEDS_FILE_SHORT = "Tiêu chí này cần tệp PDF đã ký số. Thầy/Cô gửi tệp, hoặc chọn “Bỏ qua” để làm sau."
# The question, once files arrive: its status message is below it and is updated with every file.
SA_FILES_BELOW = "📎 {criterion}. {title}: các tệp minh chứng ở tin nhắn bên dưới"
SA_FILES_TITLE = "📎 Minh chứng tiêu chí {criterion}. {title}"
SA_FILE_LINE = "{mark} {name}"
SA_FILES_LAST = "Tệp vừa gửi:"
SA_FILES_NEXT = "Thầy/Cô gửi thêm tệp nếu cần, rồi chọn “Xong”."
# A file sent at a question that takes none: its verdict, then the question again.
CHECK_ONLY_NOTE = "Tệp trên chỉ được kiểm tra, không lưu làm minh chứng vì tiêu chí hiện tại không cần tệp."
