"""Texts of campaigns: the notice's issuing body, campaign names, and `hsdt campaign` output."""

from __future__ import annotations

# The 2024 notice (seed): Sở GD&ĐT Hải Phòng, "Số: …/TB-SGDĐT-MN", "Hải Phòng, ngày … tháng 12 năm 2024".
# Its number and day were left blank in the copy received, so they stay unset.
NOTICE_2024_ISSUER = "SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG"
NOTICE_2024_ISSUER_PARENT = "UBND THÀNH PHỐ HẢI PHÒNG"
NOTICE_2024_PLACE = "Hải Phòng"

CAMPAIGN_NAME = (
    "Kiểm tra việc sử dụng hồ sơ điện tử, chữ ký số trong các trường mầm non năm học {school_year}"
)

# --- `hsdt campaign ...` (operator output) -------------------------------------------------------
CREATED = "Đã tạo đợt kiểm tra “{code}” — {name}."
NOW_ACTIVE = "Đợt đang mở: “{code}” ({school_year})."
COPIED = "Đã chép {units} đơn vị (cùng người dùng của các đơn vị đó) từ đợt “{source}”."
LIST_EMPTY = "Chưa có đợt kiểm tra nào. Tạo đợt mới: hsdt campaign new --help"
LIST_HEADER = "Mã đợt            Năm học     Trạng thái   Tên"
LIST_ROW = "{code:<17} {school_year:<11} {status:<12} {name}"
STATUS_ACTIVE = "đang mở"
STATUS_INACTIVE = "tạm dừng"
STATUS_CLOSED = "đã đóng"
USED = (
    "Đã mở đợt “{code}”; các đợt đang mở khác vẫn chạy song song (đóng một đợt: hsdt campaign close MÃ). "
    "Hệ thống đang chạy cần khởi động lại để nhận thời điểm kiểm tra lưu hồ sơ của đợt khi kiểm tra chữ ký."
)
CLOSED = "Đã đóng đợt “{code}”. Dữ liệu vẫn được giữ; xem lại bằng: hsdt campaign use {code} --reopen"
NO_SUCH_CAMPAIGN = "Không có đợt kiểm tra “{code}”."
CAMPAIGN_EXISTS = "Đã có đợt kiểm tra mã “{code}”; chọn mã khác."
CAMPAIGN_IS_CLOSED = "Đợt “{code}” đã đóng; thêm --reopen để mở lại."
NO_CAMPAIGN = "Chưa có đợt kiểm tra nào đang mở. Tạo đợt mới: hsdt campaign new --help"
NOT_CREATED = "Không tạo được đợt kiểm tra (chưa thay đổi gì): {error}"
RUBRIC_UNREADABLE = "không đọc được bộ tiêu chí “{path}”: {error}"
BAD_SCHOOL_YEAR = "năm học “{text}” phải có dạng 2026-2027"
BAD_DATE = "ngày “{text}” không đúng dạng YYYY-MM-DD"
BAD_MOMENT = "thời điểm “{text}” không đúng dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM"
BAD_RANGE = "khoảng ngày “{text}” phải có dạng YYYY-MM-DD:YYYY-MM-DD"
MISSING_FIELD = "thiếu {what} (hoặc dùng --preset)"
BAD_ORDER = "{first} phải trước hoặc bằng {second}"
FIELD_RECORD_PERIOD = "thời điểm kiểm tra lưu hồ sơ"
FIELD_SELF_DUE = "hạn tự đánh giá"
FIELD_RESCORE_DUE = "hạn chấm lại"
FIELD_INSPECTION = "ngày kiểm tra"
FIELD_DEADLINE = "hạn cuối"
FIELD_RECORD_START = "ngày đầu thời điểm kiểm tra lưu hồ sơ"
FIELD_RECORD_END = "ngày cuối thời điểm kiểm tra lưu hồ sơ"

DETAILS = (
    "Năm học: {school_year}\n"
    "Thời điểm kiểm tra lưu hồ sơ: {record_start} – {record_end}\n"
    "Hạn tự đánh giá: {self_due}\n"
    "Ngày kiểm tra: {inspection_start} – {inspection_end}\n"
    "Hạn chấm lại: {rescore_due}\n"
    "Hạn cuối gửi kết quả: {deadline}\n"
    "Thông báo: số {notice_no}, ngày {notice_date}; {issuer_parent} / {issuer}; nơi ban hành: {place}\n"
    "Cấp đơn vị: {levels}\n"
    "Bộ tiêu chí: {rubric} — {confirmed}"
)
RUBRIC_CONFIRMED = "đã được Sở xác nhận"
RUBRIC_NOT_CONFIRMED = "chưa xác nhận: các phụ lục in kèm các giả định của bộ tiêu chí"
RUBRIC_NO_ASSUMPTIONS = "bộ tiêu chí không ghi giả định nào"
RUBRIC_NOW_CONFIRMED = "Đã ghi nhận: Sở xác nhận bộ tiêu chí “{name}” ({version}) của đợt “{code}”."
UNSET = "…"

# --- help of `hsdt campaign ...` -----------------------------------------------------------------
HELP_CAMPAIGN = "đợt kiểm tra: tạo, liệt kê, chọn, đóng; lịch và nhắc việc"
HELP_NEW = "tạo đợt kiểm tra mới và mở đợt (các đợt đang mở khác vẫn chạy)"
HELP_LIST = "liệt kê các đợt kiểm tra"
HELP_USE = "mở một đợt (các đợt đang mở khác vẫn chạy)"
HELP_CLOSE = "đóng một đợt (dữ liệu vẫn giữ)"
HELP_SHOW = "in lịch của đợt đang mở và các lần nhắc"
HELP_SET = "đổi lịch của đợt đang mở; bot đang chạy tự xếp lại lịch nhắc"
HELP_CODE = "mã đợt, ví dụ HSDT-2026-2027"
HELP_PRESET = "điền sẵn theo một đợt mẫu: 2024-2025 (đúng Thông báo năm 2024) hoặc năm học hiện tại (current)"
HELP_NAME = "tên đợt (mặc định theo năm học)"
HELP_SCHOOL_YEAR = "năm học, ví dụ 2026-2027"
HELP_RECORD = "thời điểm kiểm tra lưu hồ sơ, ví dụ 2026-09-01:2026-12-31"
HELP_RUBRIC_CONFIRMED = (
    "Sở xác nhận bộ tiêu chí của đợt: các phụ lục và trang theo dõi thôi in các giả định của bộ tiêu chí"
)
HELP_SELF_DUE = "hạn tự đánh giá (giờ địa phương), ví dụ 2026-12-29T23:59"
HELP_RESCORE_DUE = "hạn chấm lại của đơn vị quản lý, ví dụ 2027-01-06T23:59"
HELP_INSPECTION = "các ngày kiểm tra, ví dụ 2026-12-30:2026-12-31"
HELP_DEADLINE = "hạn cuối gửi kết quả về Sở, ví dụ 2027-01-06T23:59"
HELP_RUBRIC = "tệp YAML bộ tiêu chí (mặc định: bộ tiêu chí đang cấu hình)"
HELP_NOTICE_NO = "số thông báo, ví dụ 123/TB-SGDĐT-MN"
HELP_NOTICE_DATE = "ngày thông báo, ví dụ 2026-11-20"
HELP_ISSUER = "cơ quan ban hành, chữ in hoa, ví dụ SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG"
HELP_ISSUER_PARENT = "cơ quan chủ quản, ví dụ UBND THÀNH PHỐ HẢI PHÒNG"
HELP_PLACE = "địa danh ở dòng ngày tháng, ví dụ Hải Phòng"
HELP_STRUCTURE = "cấp đơn vị: xa-phuong (từ 07/2025), quan-huyen (trước 07/2025), truc-thuoc-so"
HELP_COPY_FROM = "chép danh sách đơn vị và người dùng của một đợt trước (mã đợt)"
HELP_REOPEN = "mở lại một đợt đã đóng"
HELP_OFFSETS = "số ngày nhắc trước mỗi hạn, ví dụ 7,3,1"
HELP_QUIET = "giờ yên lặng (giờ địa phương), ví dụ 21:00-07:00"
HELP_MORNING = "giờ gửi nhắc việc buổi sáng, ví dụ 08:00"
HELP_BY = "người thay đổi (lưu cùng lịch)"
HELP_REMIND = "ai sẽ được nhắc lúc này, và vì sao"
HELP_DRY_RUN = "chỉ liệt kê; không gửi, không ghi gì"
HELP_AT = "xét tại thời điểm này (giờ địa phương) thay vì bây giờ, ví dụ 2024-12-22T08:00"

# --- the chat, about campaign membership ----------------------------------------------------------
NOT_IN_CAMPAIGN = (
    "Đơn vị của Thầy/Cô ({unit}) không tham gia “{campaign}”. "
    "Thầy/Cô vui lòng liên hệ Sở nếu đơn vị cần có tên trong đợt kiểm tra này."
)

# --- the chat: choosing the campaign (đợt kiểm tra) a user works in -------------------------------
CAMPAIGN_CHOOSE = (
    "Đơn vị của Thầy/Cô ({unit}) đang tham gia {count} đợt kiểm tra cùng lúc. "
    "Thầy/Cô bấm chọn đợt muốn làm việc; phiếu, báo cáo và lịch nhắc việc sẽ theo đợt đã chọn. "
    "Có thể đổi đợt bất cứ lúc nào bằng lệnh /doidot."
)
CHOOSE_OPTION = "{name} (mã {code})"
CHOOSE_CURRENT = " — đang chọn"
CHOSEN = "Thầy/Cô đang làm việc với đợt “{name}” (mã {code}). Đổi đợt: /doidot"
ONLY_ONE = "Đơn vị của Thầy/Cô tham gia một đợt kiểm tra đang mở: “{name}”; không cần chọn đợt."
NONE_OPEN = "Hiện đơn vị của Thầy/Cô chưa tham gia đợt kiểm tra nào đang mở."
CHOICE_NOT_FOUND = "Không tìm thấy đợt kiểm tra này trong các đợt đơn vị của Thầy/Cô đang tham gia."
BTN_SWITCH = "🔁 Đổi đợt kiểm tra"
BTN_MENU = "📋 Danh sách chức năng"
CMD_SWITCH = "Chọn đợt kiểm tra để làm việc"

# --- `--campaign` of the commands that work in one campaign ---------------------------------------
HELP_WHICH = "mã đợt kiểm tra (bắt buộc khi có nhiều đợt đang mở)"
SEVERAL_ACTIVE = "Đang mở {count} đợt kiểm tra: {codes}. Chọn một đợt bằng --campaign MÃ."
PAUSED = "Đã tạm dừng đợt “{code}” (dữ liệu vẫn giữ; mở lại: hsdt campaign use {code})."
HELP_PAUSE = "tạm dừng một đợt đang mở (các đợt khác vẫn chạy)"
