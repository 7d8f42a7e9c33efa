"""Texts of the assignment table (who inspects which school) and of `hsdt assign`."""

from __future__ import annotations

NO_USER = "{where}: không có người dùng “{code}”"
NOT_INSPECTOR = "{where}: “{code}” không phải cán bộ kiểm tra đang hoạt động"
NO_SCHOOL = "{where}: không có trường “{code}”"
NOT_A_SCHOOL = "{where}: “{code}” không phải là trường"
BAD_KIND = "{where}: loại “{kind}” không hợp lệ (Chấm lại / Kiểm tra chéo)"
RESCORE_NOT_OWN = "{where}: chấm lại chỉ dành cho trường thuộc {level} của “{code}”"
CROSS_OWN = "{where}: kiểm tra chéo không được kiểm tra trường của chính {level} mình"
ROW = "dòng {row}"
FILE_UNREADABLE = "{path}: không đọc được tệp Excel ({error})"
FILE_MISSING_SHEET = "{path}: thiếu trang tính “{sheet}”"

# --- `hsdt assign ...` (operator output) ---------------------------------------------------------
TEMPLATE_WRITTEN = "Đã ghi mẫu bảng phân công vào {path}"
FILE_ERROR = "Lỗi tệp phân công: {error}"
NOT_IMPORTED = "Không nhập được bảng phân công (chưa thay đổi gì):"
PER_UNIT_TOO_SMALL = "--per-unit phải từ 1 trở lên."
PROPOSED = (
    "Đã đề xuất {count} cặp kiểm tra chéo giữa {plural} (--seed {seed}) vào {path}. "
    "Sửa nếu cần rồi nhập bằng: hsdt assign import {path}"
)
WITHOUT_INSPECTOR = "{level} chưa có cán bộ kiểm tra (bỏ qua): {codes}"
TOO_FEW_SCHOOLS = "Không đủ trường để phân công cho: {codes}"
APPLIED = "Phân công: {created} mới, {unchanged} đã có, {removed} đã bỏ."
NO_LEVEL = "Đợt kiểm tra đang mở không có cấp “{level}”; chọn --level khác."

HELP_ASSIGN = "phân công cán bộ kiểm tra cho các trường (tệp Excel)"
HELP_TEMPLATE = "ghi mẫu bảng phân công trống"
HELP_IMPORT = "nhập bảng phân công (tất cả các dòng hoặc không dòng nào)"
HELP_REPLACE = "bỏ các phân công không có trong tệp"
HELP_AUTO = "đề xuất bảng kiểm tra chéo và ghi ra tệp Excel"
HELP_PER_UNIT = "số trường mỗi đơn vị kiểm tra (mặc định 2)"
HELP_SEED = "cùng seed cho cùng một bảng"
HELP_OUT = "tệp Excel sẽ ghi"
HELP_LEVEL = "cấp đơn vị đi kiểm tra: managing (đơn vị quản lý, mặc định) hoặc school (các trường kiểm tra lẫn nhau)"
HELP_CLUSTERS = "cụm: any (không xét cụm, mặc định), same (chỉ trong cùng cụm), other (chỉ sang cụm khác)"
HELP_REPORT = "báo cáo: tóm tắt, hoặc tệp Excel với --xlsx"
HELP_XLSX = "ghi tệp Excel (tổng hợp, phụ lục 1-3, theo đơn vị quản lý)"
HELP_DISTRICT = "chỉ một đơn vị quản lý (tên hoặc mã)"
REPORT_WRITTEN = "Đã ghi báo cáo Excel vào {path} ({count} trường)."
