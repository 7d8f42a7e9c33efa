"""Operator texts of `hsdt tenant` and of the `--tenant` option."""

from __future__ import annotations

HELP_TENANT = "các Sở dùng chung hệ thống (mỗi Sở một đơn vị thuê riêng)"
HELP_TENANT_NEW = "thêm một Sở (hoặc Bộ, với --bo)"
HELP_TENANT_LIST = "liệt kê các Sở"
HELP_TENANT_CODE = "mã ngắn của Sở, chữ thường không dấu, ví dụ hanoi"
HELP_TENANT_NAME = "tên đầy đủ, ví dụ Sở Giáo dục và Đào tạo Hà Nội"
HELP_TENANT_PROVINCE = "tỉnh, thành phố, ví dụ Hà Nội"
HELP_TENANT_MINISTRY = "đây là Bộ Giáo dục và Đào tạo (chỉ xem số liệu tổng hợp của các Sở)"
HELP_TENANT_OPTION = "mã Sở mà lệnh làm việc cho (bắt buộc khi hệ thống có nhiều Sở)"

TENANT_CREATED = "Đã thêm “{name}” (mã {code})."
TENANT_LIST_HEADER = "Mã\tTên\tTỉnh, thành phố\tLoại"
TENANT_LINE = "{code}\t{name}\t{province}\t{kind}"
KIND_DEPARTMENT = "Sở"
KIND_MINISTRY = "Bộ"

TENANT_BAD_CODE = "Mã “{code}” không dùng được: chỉ gồm chữ thường không dấu, số và dấu “-”, từ 2 đến 40 ký tự."
TENANT_EXISTS = "Đã có Sở mang mã “{code}”."
TENANT_UNKNOWN = "Không có Sở nào mang mã “{code}”. Các mã hiện có: {known}."
TENANT_NEEDED = "Hệ thống có nhiều Sở: hãy chọn Sở bằng --tenant MÃ. Các mã hiện có: {known}."

# `hsdt tenant channel`: each Sở's own Telegram bot, Zalo bot and Zalo Official Account.
HELP_CHANNEL = "kênh trò chuyện riêng của một Sở (bot Telegram, bot Zalo, Zalo OA)"
HELP_CHANNEL_SET = ("thêm hoặc thay kênh của Sở (--tenant MÃ); khóa bí mật đọc từ biến môi trường ghi tên "
                    "trong lệnh, nếu không thì đọc từ đầu vào chuẩn, mỗi dòng một khóa")
HELP_CHANNEL_LIST = "liệt kê kênh của các Sở (không hiện khóa bí mật)"
HELP_CHANNEL_REMOVE = "bỏ kênh của Sở (--tenant MÃ)"
HELP_CHANNEL_KIND = "loại kênh: telegram, zalo-bot hoặc zalo-oa"
HELP_CHANNEL_ACCOUNT = "chỉ bỏ tài khoản này (mã bot hoặc mã OA); không ghi: bỏ mọi kênh loại đó của Sở"
HELP_TOKEN_ENV = "tên biến môi trường chứa token của bot"
HELP_WEBHOOK_SECRET_ENV = "tên biến môi trường chứa khóa bí mật webhook (không bắt buộc)"
HELP_APP_SECRET_ENV = "tên biến môi trường chứa khóa bí mật của ứng dụng Zalo"
HELP_OA_SECRET_ENV = "tên biến môi trường chứa OA secret key (khóa ký webhook của OA)"
HELP_OA_ID = "mã Official Account"
HELP_APP_ID = "mã ứng dụng Zalo (developers.zalo.me)"
HELP_REDIRECT_URI = "địa chỉ nhận mã cấp quyền đã đăng ký cho ứng dụng"

SECRET_PROMPT = "Nhập {what} (không hiện trên màn hình): "
SECRET_NAMES = {
    "token": "token của tài khoản",
    "webhook_secret": "khóa bí mật webhook (để trống nếu không dùng)",
    "app_secret": "khóa bí mật của ứng dụng Zalo",
    "oa_secret_key": "OA secret key",
}
SECRET_ENV_MISSING = "Biến môi trường {name} chưa được đặt hoặc để trống."
SECRET_MISSING = "Thiếu {what}: đặt trong biến môi trường (ghi tên bằng tùy chọn tương ứng) hoặc gửi qua đầu vào chuẩn."
TELEGRAM_TOKEN_BAD = "Token Telegram không đúng dạng (số hiệu tài khoản, dấu hai chấm, rồi chuỗi khóa)."
TELEGRAM_SECRET_BAD = "Khóa bí mật webhook của Telegram chỉ gồm chữ, số, “_” và “-”, từ 1 đến 256 ký tự."
ZALO_SECRET_BAD = "Khóa bí mật webhook của Zalo dài từ 8 đến 256 ký tự."
OA_ARGS_MISSING = "Zalo OA cần --oa-id và --app-id."
CHANNEL_TAKEN = ("{kind} {account} đang là kênh của Sở khác (mã {code}); "
                 "mỗi tài khoản Telegram, Zalo hay OA chỉ phục vụ một Sở.")
CHANNEL_SAVED = "Đã lưu {kind} {account} cho {name} (mã {code}). Khởi động lại hệ thống để kênh có hiệu lực."
CHANNEL_WEBHOOK_PATH = "Địa chỉ webhook của kênh này: {path}"
CHANNEL_REMOVED = "Đã bỏ {count} kênh {kind} của {name} (mã {code}). Khởi động lại hệ thống để thay đổi có hiệu lực."
CHANNEL_NONE_REMOVED = "Sở mã {code} không có kênh {kind} nào như vậy."
CHANNEL_LIST_HEADER = "Sở\tLoại\tTài khoản\tKhóa webhook\tCập nhật"
CHANNEL_LINE = "{code}\t{kind}\t{account}\t{webhook}\t{updated}"
CHANNEL_LIST_EMPTY = "Chưa Sở nào có kênh riêng (kênh trong tệp .env là của Sở đầu tiên)."
YES = "có"
NO = "không"
KIND_NAMES = {"telegram": "Telegram", "zalo_bot": "tài khoản Zalo", "zalo_oa": "Zalo OA"}
TENANT_NO_TELEGRAM = ("Sở mã {code} chưa có tài khoản Telegram riêng "
                      "(hsdt tenant channel set --tenant {code} telegram ...).")
