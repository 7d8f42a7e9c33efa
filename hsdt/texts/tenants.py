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
