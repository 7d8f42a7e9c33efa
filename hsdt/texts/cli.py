"""Operator texts of `hsdt demo` and `hsdt roster` (and the program's help line)."""

from __future__ import annotations

HELP_PROG = "hsdt-bot: trợ lý kiểm tra hồ sơ điện tử và chữ ký số của các trường mầm non"
HELP_DEMO = "tạo dữ liệu demo (đợt kiểm tra năm học hiện tại) và in mã mời"
HELP_ROSTER = "danh sách đơn vị và người dùng từ tệp Excel"
HELP_ROSTER_TEMPLATE = "ghi mẫu danh sách trống (cấp đơn vị, vai trò chọn từ danh sách)"
HELP_ROSTER_IMPORT = "tạo hoặc cập nhật đơn vị, người dùng và in mã mời"

DEMO_SEEDED = "Đã tạo dữ liệu mẫu, đợt “{code}” ({managing} {managing_level}, {schools} trường). Mã mời:"
ROSTER_TEMPLATE_WRITTEN = "Đã ghi mẫu danh sách vào {path}"
ROSTER_FILE_ERROR = "Lỗi tệp danh sách: {error}"
ROSTER_NOT_IMPORTED = "Không nhập được danh sách (chưa thay đổi gì):"
ROSTER_IMPORTED = (
    "Đơn vị: {created_units} mới, {updated_units} cập nhật. "
    "Người dùng: {created_users} mới, {updated_users} cập nhật."
)
ROSTER_JOINED = "{count} đơn vị được thêm vào đợt “{code}”."
ROSTER_NO_CAMPAIGN = "Chưa có đợt kiểm tra nào đang mở: các đơn vị sẽ vào đợt khi tạo đợt mới với --copy-from."
ROSTER_INVITES = "Mã mời của người chưa đăng ký:"
TERMINAL_GREETING = (
    "Hệ thống kiểm tra hồ sơ điện tử — trò chuyện trong cửa sổ dòng lệnh "
    "(gõ /thoat để thoát; gửi tệp: gõ đường dẫn tệp .pdf)."
)
TERMINAL_INVITES = "Mã mời của dữ liệu mẫu (dán một mã để đăng ký):"
DB_AT_REVISION = "Cơ sở dữ liệu đã ở phiên bản {revision}."
HELP_RUN = "chạy bot (trò chuyện trên terminal khi chưa cấu hình kênh nào)"
HELP_TERMINAL = "trò chuyện trên terminal kể cả khi đã cấu hình kênh"
HELP_DB = "cơ sở dữ liệu"
HELP_DB_UPGRADE = "nâng cấp cấu trúc cơ sở dữ liệu (Alembic)"
HELP_VERIFY = "kiểm tra chữ ký số của các tệp PDF"
HELP_RUN_WEBHOOK = "nhận cập nhật Telegram qua webhook (như TELEGRAM_MODE=webhook) thay vì hỏi liên tục"
HELP_WEBHOOK = "đăng ký hoặc gỡ webhook Telegram của bot"
HELP_WEBHOOK_SET = "đăng ký UPLOAD_BASE_URL/telegram/webhook với mã bí mật TELEGRAM_WEBHOOK_SECRET"
HELP_WEBHOOK_DELETE = "gỡ webhook (quay về chế độ hỏi liên tục)"
HELP_WEBHOOK_INFO = "xem webhook đang đăng ký và số cập nhật đang chờ"
HELP_WEBHOOK_DROP = "bỏ các cập nhật đang chờ"
WEBHOOK_SET = "Đã đăng ký webhook {url}."
WEBHOOK_DELETED = "Đã gỡ webhook; hệ thống có thể chạy ở chế độ hỏi liên tục."
WEBHOOK_INFO = "Webhook: {url} — {pending} cập nhật đang chờ{error}"
WEBHOOK_NONE = "(chưa đăng ký)"
WEBHOOK_LAST_ERROR = "; lỗi gần nhất: {error}"
WEBHOOK_FAILED = "Telegram từ chối: {error}"
RUN_REFUSED = "hsdt run: chưa chạy được vì cấu hình chưa đủ:"
NEED_TELEGRAM_TOKEN = "cần TELEGRAM_BOT_TOKEN"
NEED_WEBHOOK_SECRET = "TELEGRAM_MODE=webhook cần TELEGRAM_WEBHOOK_SECRET (mã bí mật kiểm tra ở mọi lần gọi)"
NEED_WEBHOOK_URL = "TELEGRAM_MODE=webhook cần UPLOAD_BASE_URL (địa chỉ HTTPS công khai mà Telegram gọi tới)"
NEED_POSTGRES = "WORKERS={workers} cần PostgreSQL: SQLite chỉ phục vụ một tiến trình"
NEED_UPLOAD_SECRET = (
    "WORKERS={workers} cần UPLOAD_SECRET: liên kết do một tiến trình ký phải mở được ở mọi tiến trình khác "
    "(khoá ngẫu nhiên riêng của từng tiến trình thì không)"
)
NEED_TELEGRAM_WEBHOOK = (
    "WORKERS={workers} cần TELEGRAM_MODE=webhook: hai tiến trình cùng hỏi một mã truy cập Telegram "
    "sẽ giành cập nhật của nhau (409)"
)
NEED_ZALO_WEBHOOK = "WORKERS={workers} cần ZALO_MODE=webhook: chế độ hỏi liên tục chỉ giữ thứ tự trong một tiến trình"
POLLER_BUSY = (
    "Một tiến trình khác đang hỏi cập nhật {channel} bằng cùng mã truy cập này, nên tiến trình này "
    "không chạy: hai tiến trình cùng hỏi sẽ giành cập nhật của nhau và gửi trùng tin nhắn. Hãy dừng "
    "tiến trình kia, hoặc chạy nhiều tiến trình bằng webhook (WORKERS, TELEGRAM_MODE=webhook, ZALO_MODE=webhook)."
)
HELP_STATUS = "số tin nhắn hệ thống đã gửi trong tháng, theo từng kênh, so với hạn mức của gói"
HELP_STATUS_MONTH = "tháng cần xem, dạng NNNN-TT (mặc định: tháng này)"
STATUS_HEADING = "Tin nhắn hệ thống đã gửi trong tháng {month}:"
STATUS_LINE = "  {channel}: {sent} tin nhắn"
STATUS_LINE_QUOTA = "  {channel}: {sent}/{quota} tin nhắn ({percent}% hạn mức của gói)"
STATUS_NEAR_QUOTA = "— sắp hết hạn mức, đã báo cán bộ Sở"
STATUS_BAD_MONTH = "Tháng “{month}” không đúng dạng NNNN-TT, ví dụ 2026-12."
CHANNEL_NAMES = {"zalo": "Zalo", "telegram": "Telegram", "zalo_oa": "Zalo OA"}
ROSTER_ROW_MISSING = "{path}: trang “{sheet}”, dòng {row}: cột “{column}” đang để trống"
ROSTER_ROW_BAD_POSITION = "{path}: trang “{sheet}”, dòng {row}: cột “{column}” phải là số nguyên, đang là “{value}”"
ROSTER_UNREADABLE = "{path}: không đọc được tệp Excel (tệp không phải .xlsx, bị hỏng hoặc đang có mật khẩu)"

# --- argparse's own words ----------------------------------------------------------------------------
USAGE_PREFIX = "cách dùng: "
ARGS_POSITIONAL = "tham số"
ARGS_OPTIONS = "tùy chọn"
HELP_HELP = "hiện hướng dẫn này rồi thoát"
ARGS_ERROR = "{prog}: lỗi: {message}"
# argparse's English error messages (regular expressions) and how an operator reads them.
ARGS_ERRORS = (
    (r"the following arguments are required: (?P<names>.+)", "thiếu tham số bắt buộc: {names}"),
    (r"unrecognized arguments: (?P<names>.+)", "không hiểu tham số: {names}"),
    (r"argument (?P<name>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
     "tham số {name}: không có lựa chọn {value} (chọn một trong: {choices})"),
    (r"argument (?P<name>\S+): expected one argument", "tham số {name}: cần một giá trị"),
    (r"argument (?P<name>\S+): invalid (?P<kind>\S+) value: (?P<value>.+)",
     "tham số {name}: giá trị {value} không hợp lệ"),
)
ARGS_SUBCOMMAND = "lệnh"

# --- hsdt zalo-oa ------------------------------------------------------------------------------------
HELP_ZALO_OA = "Official Account Zalo của Sở"
HELP_ZALO_OA_CONNECT = "kết nối OA: mở liên kết cấp quyền, dán mã Zalo trả về; mã truy cập được lưu vào cơ sở dữ liệu"
ZALO_OA_NOT_CONFIGURED = (
    "Chưa cấu hình OA: cần ZALO_OA_APP_ID, ZALO_OA_APP_SECRET, ZALO_OA_OA_ID và ZALO_OA_REDIRECT_URI "
    "(xem .env.example)."
)
ZALO_OA_OPEN_URL = (
    "Quản trị viên OA mở liên kết sau, đăng nhập Zalo và đồng ý cấp quyền cho ứng dụng:\n{url}\n"
    "Zalo sẽ chuyển về địa chỉ callback kèm mã (code=...)."
)
ZALO_OA_ASK_CODE = "Dán mã (hoặc cả địa chỉ callback) vào đây: "
ZALO_OA_BAD_ANSWER = "Không đọc được mã (hoặc địa chỉ callback không khớp yêu cầu này). Chạy lại lệnh để thử lại."
ZALO_OA_REFUSED = "Zalo từ chối mã: {error}. Mã chỉ dùng một lần trong 10 phút; chạy lại lệnh để lấy liên kết mới."
ZALO_OA_CONNECTED = "Đã kết nối OA {oa_id}. Mã truy cập được lưu trong cơ sở dữ liệu (hết hạn {expires}, tự gia hạn)."
STATUS_OA_HEADING = "Zalo OA {oa_id}: miễn phí {free}, tính vào hạn mức {quota}, tin giao dịch {transaction}."
STATUS_UNREACHABLE = (
    "  ⚠️ {count} tin nhắn trong tháng không gửi được đến người nhận (quá 7 ngày không tương tác với OA và không "
    "có kênh khác): Sở cần liên hệ trực tiếp."
)
STATUS_OA_NO_WEBHOOK = (
    "  ⚠️ Thiếu UPLOAD_BASE_URL: máy chủ web không chạy nên webhook {path} không nhận tin nào, OA không nhận "
    "được tin nhắn của người dùng. Đặt UPLOAD_BASE_URL rồi khởi động lại hệ thống."
)
STATUS_OA_TOKEN = "  Mã truy cập: {state}, hết hạn {expires}."
STATUS_OA_NOT_CONNECTED = "  OA chưa kết nối: chạy “hsdt zalo-oa connect”."
STATUS_OA_NEEDS_OPERATOR = "  ⚠️ Zalo từ chối gia hạn mã truy cập: quản trị viên OA cần chạy lại “hsdt zalo-oa connect”."
HELP_DB_GRANT = "cấp quyền dữ liệu cho vai trò PostgreSQL mà bot dùng để kết nối (không sở hữu bảng)"
HELP_DB_GRANT_ROLE = "tên vai trò, ví dụ hsdt_app (tạo mới nếu chưa có; mật khẩu lấy từ HSDT_APP_ROLE_PASSWORD)"
DB_GRANTED = "Đã cấp quyền cho vai trò {role}: hệ thống kết nối bằng vai trò này, dữ liệu của mỗi Sở được tách riêng."
DB_GRANT_SQLITE = "Lệnh này chỉ dùng với PostgreSQL (SQLite phục vụ một Sở)."
DB_GRANT_BAD_ROLE = "Tên vai trò “{role}” không dùng được: chỉ gồm chữ, số và dấu gạch dưới."
