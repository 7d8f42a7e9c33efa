"""Texts of the roster (units and people) and of the demo data."""

from __future__ import annotations

UNIT_CYCLE = "đơn vị {code}: vòng lặp đơn vị cấp trên"
UNIT_DUPLICATE = "đơn vị {code}: mã bị trùng"
UNIT_BAD_KIND = "đơn vị {code}: cấp đơn vị “{kind}” không hợp lệ"
UNIT_LEVEL_NOT_IN_CAMPAIGN = "đơn vị {code}: đợt kiểm tra đang mở không có cấp “{level}”"
UNIT_NO_PARENT = "đơn vị {code}: không có đơn vị cấp trên “{parent}”"
UNIT_BAD_TAX_CODE = "đơn vị {code}: mã số thuế “{tax_code}” phải gồm 10 chữ số (hoặc 10 chữ số-3 chữ số)"
UNIT_BAD_POSITION = "đơn vị {code}: số thứ tự (STT) phải là số không âm"
USER_DUPLICATE = "người dùng {code}: mã bị trùng"
USER_BAD_ROLE = "người dùng {code}: vai trò “{role}” không hợp lệ"
USER_NO_UNIT = "người dùng {code}: không có đơn vị “{unit}”"
USER_MINISTRY_ONLY = "người dùng {code}: vai trò “{role}” chỉ dùng cho danh sách của Bộ Giáo dục và Đào tạo"
USER_NOT_IN_MINISTRY = ("người dùng {code}: danh sách của Bộ Giáo dục và Đào tạo chỉ có vai trò “{ministry}” "
                        "(không có “{role}”)")
USER_WRONG_LEVEL = "người dùng {code}: vai trò “{role}” không thuộc đơn vị “{unit}” ({level})"

DEMO_DISTRICTS = {"HB": "Phòng GD&ĐT quận Hồng Bàng", "TN": "Phòng GD&ĐT huyện Thủy Nguyên"}
DEMO_COMMUNES = {"HB": "UBND phường Hồng Bàng", "TN": "UBND phường Thủy Nguyên"}
DEMO_CLUSTER = "Cụm 1"

# --- the roster workbook ---------------------------------------------------------------------------
UNITS_SHEET = "Đơn vị"
USERS_SHEET = "Người dùng"
LISTS_SHEET = "Danh mục"
H_POSITION = "STT"
H_UNIT_CODE = "Mã đơn vị"
H_UNIT_NAME = "Tên đơn vị"
H_LEVEL = "Cấp đơn vị"
H_PARENT = "Mã đơn vị cấp trên"
H_CLUSTER = "Cụm"
H_TAX_CODE = "Mã số thuế"
H_USES = "Dùng HSĐT (Có/Không)"
# What the official forms print for the unit (Nghị định 30/2020/NĐ-CP); empty: the level's default.
H_OFFICIAL_NAME = "Tên chính thức (in trên văn bản)"
H_SHORT_NAME = "Tên viết tắt (in trên văn bản của đơn vị trực thuộc)"
H_PARENT_BODY = "Cơ quan chủ quản (dòng trên tên đơn vị)"
H_PLACE = "Địa danh (dòng ngày tháng)"
H_SIGNER_AUTHORITY = "Thẩm quyền ký (TM., KT., Q.)"
H_SIGNER_TITLE = "Chức vụ người ký"
HEADING_PROMPT_TITLE = "Để trống: theo cấp đơn vị"
HEADING_PROMPT = (
    "Để trống thì hệ thống dùng cách ghi mặc định của cấp đơn vị. "
    "Tên hai dòng: xuống dòng trong ô (Alt+Enter)."
)
H_USER_CODE = "Mã người dùng"
H_FULL_NAME = "Họ và tên"
H_ROLE = "Vai trò"
H_USER_UNIT = "Mã đơn vị"
H_PHONE = "Điện thoại"
H_EMAIL = "Email"
H_LIST_LEVELS = "Cấp đơn vị"
H_LIST_ROLES = "Vai trò"
H_LIST_YES_NO = "Có/Không"
YES = "Có"
NO = "Không"
LEVEL_PROMPT_TITLE = "Cấp đơn vị"
LEVEL_PROMPT = "Chọn cấp của đơn vị trong danh sách."
ROLE_PROMPT_TITLE = "Vai trò"
ROLE_PROMPT = "Chọn vai trò trong danh sách."
CHOICE_ERROR_TITLE = "Giá trị không có trong danh sách"
CHOICE_ERROR = "Vui lòng chọn một giá trị trong danh sách."
FILE_UNREADABLE = "{path}: không đọc được tệp Excel ({error})"
FILE_MISSING_SHEET = "{path}: thiếu trang tính “{sheet}”"
FILE_MISSING_COLUMN = "{path}: trang “{sheet}” thiếu cột “{column}”"
ROW_MISSING_UNIT = "{sheet}, dòng {row}: thiếu mã hoặc tên đơn vị"
ROW_MISSING_USER = "{sheet}, dòng {row}: thiếu mã, họ tên hoặc mã đơn vị"
ROW_BAD_POSITION = "{sheet}, dòng {row}: STT “{value}” phải là số nguyên"
# Words a person may type for a level or a role, besides the lists' labels (compared without accents).
LEVEL_WORDS = {
    "so": ("sở", "so gd&dt", "sở giáo dục và đào tạo"),
    "district": ("phòng", "phòng gd&đt", "quận", "huyện", "xã", "phường", "đặc khu", "ubnd xã", "ubnd phường",
                 "đơn vị quản lý"),
    "school": ("trường", "trường mn", "trường mầm non"),
}
ROLE_WORDS = {
    "principal": ("hiệu trưởng", "phó hiệu trưởng", "hiệu trưởng/phó hiệu trưởng"),
    "inspector": ("cán bộ kiểm tra",),
    "district_staff": ("cán bộ phòng", "cán bộ phòng gd&đt", "cán bộ quản lý cấp xã", "cán bộ xã",
                       "cán bộ đơn vị quản lý", "cán bộ phòng văn hóa – xã hội", "cán bộ phòng văn hóa - xã hội",
                       "cán bộ phòng văn hóa xã hội"),
    "so_staff": ("cán bộ sở", "cán bộ sở gd&đt"),
    "ministry_staff": ("cán bộ bộ", "cán bộ bộ gd&đt", "cán bộ bộ giáo dục và đào tạo"),
}
