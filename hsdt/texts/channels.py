"""Vietnamese texts of the Zalo adapter, the one-time upload page and account linking."""

from __future__ import annotations

# --- Zalo ------------------------------------------------------------------------------------------
# A file sent inside the Zalo chat does not reach the system (the Bot Platform hands bots no files), so
# PDFs come through a one-time page. Say what the system can do, not what Zalo "does not allow".
UPLOAD_LINK = (
    "📎 Thầy/Cô tải tệp PDF lên qua liên kết sau để hệ thống kiểm tra chữ ký số "
    "(dùng một lần, hết hạn lúc {expires}):\n{url}"
)
UNSUPPORTED_FILE = (
    "Hệ thống chưa nhận được tệp gửi qua Zalo. Thầy/Cô vui lòng tải tệp PDF lên qua liên kết sau "
    "(dùng một lần, hết hạn lúc {expires}):\n{url}"
)
NO_UPLOAD_PAGE = (
    "Tệp gửi trong cuộc trò chuyện Zalo không đến được hệ thống kiểm tra, và trang tải tệp lên chưa được mở. "
    "Thầy/Cô vui lòng liên hệ Sở GD&ĐT."
)
ATTACHMENT_LINK = "📄 Tệp “{name}”: tải tại {url} (hết hạn lúc {expires})"
# Names no managing level: the Sở is there in every structure, and the adapter reads no campaign.
ATTACHMENT_UNAVAILABLE = "📄 Tệp “{name}” chưa gửi được lúc này; Thầy/Cô vui lòng thử lại sau hoặc liên hệ Sở."
OPTIONS_HINT = "(Gõ số hoặc chữ cái của lựa chọn.)"

# --- Zalo Official Account -------------------------------------------------------------------------
# The OA passes the files users send: a screen that takes a PDF says to send it right here; the
# upload page stays as the fallback for a file Zalo itself refuses.
OA_SEND_PDF_HERE = (
    "📎 Thầy/Cô gửi tệp PDF đã ký số ngay trong cuộc trò chuyện này (chọn “Tệp” khi đính kèm)."
)
OA_UPLOAD_FALLBACK = (
    "Nếu Zalo không gửi được tệp, Thầy/Cô tải lên qua liên kết sau (dùng một lần, hết hạn lúc {expires}):\n{url}"
)
OA_PHOTO_HINT = (
    "Thầy/Cô vui lòng gửi văn bản dưới dạng tệp PDF ngay trong cuộc trò chuyện này (chọn “Tệp” khi đính kèm)."
)
OA_FILE_TOO_LARGE = (
    "Tệp “{name}” lớn hơn {limit_mb} MB nên Zalo không nhận gửi trong tin nhắn; Thầy/Cô tải tệp qua liên kết:"
)
# A transaction message (the user has been silent for more than 7 days): Zalo shows the header in bold.
OA_NOTICE_HEADER = "Thông báo từ hệ thống kiểm tra hồ sơ điện tử"
OA_TOKEN_REFUSED = (
    "⚠️ Zalo đã từ chối gia hạn quyền của hệ thống trên Official Account {oa_id}: hệ thống sắp không gửi được "
    "tin nhắn qua OA. Quản trị viên OA vui lòng chạy lại lệnh “hsdt zalo-oa connect”."
)
OA_NOTICE_FOOTER = "Thầy/Cô nhắn tin vào Official Account này để tiếp tục trong cuộc trò chuyện."

# --- Telegram ------------------------------------------------------------------------------------------
# A URL button next to a question that takes PDFs, for when sending files from the app does not work.
BTN_UPLOAD_PAGE = "🌐 Tải tệp lên qua trang web"

# --- Account linking ---------------------------------------------------------------------------------
CMD_LINK = "Dùng chung tài khoản trên Zalo và Telegram"
LINK_CODE = (
    "🔗 Mã liên kết: {code}\n"
    "Thầy/Cô mở cuộc trò chuyện với hệ thống trên ứng dụng còn lại (Zalo hoặc Telegram) "
    "và gõ mã này trong vòng {minutes} phút. "
    "Hai tài khoản Zalo và Telegram sẽ dùng chung tài khoản {name} và tiến độ đang làm. Mã chỉ dùng được một lần."
)

# --- The upload page -----------------------------------------------------------------------------------
PAGE_TITLE = "Tải tệp PDF lên — Hệ thống kiểm tra hồ sơ điện tử"
PAGE_HEADING = "Tải văn bản đã ký số (PDF)"
PURPOSE_CHECK = "Kiểm tra chữ ký số của tệp PDF."
PURPOSE_EVIDENCE = "Minh chứng cho tiêu chí {criterion} của {school}."
PAGE_FOR = "Người dùng: {name}"
PAGE_EXPIRES = "Liên kết dùng một lần, hết hạn lúc {expires}."
PAGE_INSTRUCTIONS = (
    "Chọn một hoặc nhiều tệp PDF (tối đa {max_files} tệp, tổng dung lượng tối đa {limit_mb} MB), "
    "rồi bấm “Tải lên và kiểm tra”."
)
PAGE_CHOOSE = "Chọn tệp PDF"
PAGE_SUBMIT = "Tải lên và kiểm tra"
PAGE_WAIT = "Hệ thống đang kiểm tra, Thầy/Cô vui lòng chờ…"
PAGE_RESULT_HEADING = "Kết quả kiểm tra"
PAGE_RESULT_SENT = "Kết quả cũng đã được gửi vào cuộc trò chuyện với hệ thống. Thầy/Cô có thể đóng trang này."
PAGE_RESULT_QUEUED = "Kết quả sẽ được gửi vào cuộc trò chuyện với hệ thống. Thầy/Cô có thể đóng trang này."
PAGE_ERROR_HEADING = "Không dùng được liên kết"
LINK_INVALID = "Liên kết không hợp lệ. Thầy/Cô vui lòng mở lại liên kết mà hệ thống đã gửi trong cuộc trò chuyện."
LINK_EXPIRED = (
    "Liên kết đã hết hạn (lúc {expires}). Thầy/Cô vui lòng xin liên kết mới trong cuộc trò chuyện với hệ thống."
)
LINK_USED = (
    "Liên kết này đã được sử dụng. Mỗi liên kết chỉ dùng một lần; "
    "Thầy/Cô vui lòng xin liên kết mới trong cuộc trò chuyện."
)
LINK_NOT_ENROLLED = (
    "Tài khoản Zalo/Telegram gắn với liên kết này không còn đăng ký. "
    "Thầy/Cô vui lòng đăng ký lại trong cuộc trò chuyện với hệ thống."
)
UPLOAD_NO_FILE = "Chưa chọn tệp nào. Thầy/Cô vui lòng chọn ít nhất một tệp PDF."
UPLOAD_TOO_MANY = "Chỉ nhận tối đa {max_files} tệp mỗi lần."
UPLOAD_TOO_LARGE = (
    "Tệp quá lớn: tổng dung lượng gửi một lần tối đa {limit_mb} MB. "
    "Liên kết vẫn dùng được, Thầy/Cô vui lòng chọn tệp nhỏ hơn hoặc gửi từng tệp."
)
UPLOAD_BAD_FORM = "Dữ liệu gửi lên không đúng. Thầy/Cô vui lòng tải lại trang và thử lại."
UPLOAD_TIMEOUT = (
    "Tệp gửi lên quá chậm nên hệ thống đã dừng nhận. Liên kết vẫn dùng được; "
    "Thầy/Cô vui lòng thử lại khi mạng ổn định hơn."
)
PAGE_FAILED = (
    "Hệ thống chưa xử lý được yêu cầu này. Liên kết vẫn dùng được nếu chưa có tệp nào được nhận; "
    "Thầy/Cô vui lòng thử lại sau ít phút."
)
BACK_TO_FORM = "Chọn tệp khác"

# --- The monthly message plan (to the Sở staff) ----------------------------------------------------
QUOTA_WARNING = (
    "⚠️ Hệ thống đã gửi {sent} trên {quota} tin nhắn Zalo của tháng {month} ({percent}% hạn mức của gói). "
    "Khi hết hạn mức, Zalo ngừng nhận tin nhắn của hệ thống đến hết tháng; "
    "Thầy/Cô vui lòng nâng gói dịch vụ Zalo của hệ thống."
)

# The terminal chat: a screen that asks for a PDF (it has no upload page).
TERMINAL_SEND_FILE = "(Gửi tệp PDF: gõ /gui và đường dẫn tệp trên máy, ví dụ /gui ~/ho-so/ke-hoach.pdf.)"
