"""The chat commands every role has, in Vietnamese (the English /help and /menu remain as aliases)."""

from __future__ import annotations

HELP_COMMON = (
    "/danhmuc — danh sách chức năng",
    "/huy — dừng việc đang làm (câu trả lời đã lưu vẫn được giữ)",
    "/huongdan — các lệnh và hướng dẫn",
)
# Telegram's command menu (command without "/", description).
CORE_COMMAND_MENU = (
    ("danhmuc", "Danh sách chức năng"),
    ("huy", "Dừng việc đang làm"),
    ("huongdan", "Các lệnh và hướng dẫn"),
)
