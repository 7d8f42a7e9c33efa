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
