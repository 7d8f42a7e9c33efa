"""The Ministry's national view (Bộ GD&ĐT): the chat's summary, the workbook, the dashboard page."""

# The workbook (the Ministry issues it: Nghị định 30/2020/NĐ-CP, Phụ lục I).
MINISTRY_NAME = "BỘ GIÁO DỤC VÀ ĐÀO TẠO"
MINISTRY_PLACE = "Hà Nội"
TITLE = "TỔNG HỢP KẾT QUẢ KIỂM TRA VIỆC SỬ DỤNG HỒ SƠ ĐIỆN TỬ, CHỮ KÝ SỐ"
REF = "(Số liệu các Sở Giáo dục và Đào tạo báo cáo trên hệ thống, theo các đợt kiểm tra đang triển khai)"
SUBTITLE = "Số liệu tính đến {time} ngày {day}"
SHEET = "Tổng hợp toàn quốc"
H_NO = "STT"
H_PROVINCE = "Tỉnh, thành phố"
H_DEPARTMENT = "Sở Giáo dục và Đào tạo"
H_CAMPAIGNS = "Số đợt kiểm tra"
H_SCHOOLS = "Số trường tham gia"
H_USES = "Số trường sử dụng HSĐT, CKS"
H_SUBMITTED = "Số phiếu tự đánh giá đã nộp"
H_RESCORED = "Số trường đã được chấm lại"
H_CROSS = "Số trường đã kiểm tra chéo"
H_MEAN = "Điểm trung bình"
H_BAND = "Xếp loại"
H_BANDS = "Số trường theo mức xếp loại"
H_EVIDENCE = "Minh chứng (tệp PDF ký số)"
H_EVIDENCE_VALID = "Hợp lệ"
H_EVIDENCE_TOTAL = "Tổng số"
TOTAL = "Tổng cộng toàn quốc"
NO_CAMPAIGN = "Chưa có đợt kiểm tra"
NOTES = (
    "Ghi chú:",
    "- Mỗi trường được tính một lần trong mỗi đợt kiểm tra mà trường tham gia.",
    "- Điểm trung bình là trung bình cộng điểm của các trường sử dụng hồ sơ điện tử, chữ ký số; điểm được tính "
    "cho mỗi trường (điểm chấm lại, kiểm tra chéo hay tự đánh giá) và trường chưa có điểm được tính theo quy định "
    "của từng đợt kiểm tra, như trong báo cáo của Sở.",
    "- Bảng chỉ gồm số liệu tổng hợp theo tỉnh, thành phố; kết quả từng trường do Sở Giáo dục và Đào tạo "
    "quản lý và công bố.",
)
SIGN_PREPARER = "NGƯỜI LẬP BIỂU"
SIGN_NOTE = "(Ký, ghi rõ họ tên)"
SIGN_HEAD = ("TL. BỘ TRƯỞNG", "VỤ TRƯỞNG VỤ GIÁO DỤC MẦM NON")
FILE_XLSX = "tong-hop-toan-quoc-{stamp}.xlsx"

# The chat.
SUMMARY_TITLE = "📊 Tổng hợp toàn quốc ({count} Sở Giáo dục và Đào tạo), số liệu lúc {time} ngày {day}:"
SUMMARY_LINE = ("{province}: {schools} trường tham gia; {submitted} phiếu tự đánh giá đã nộp; "
                "{rescored} trường đã được chấm lại; điểm trung bình {mean}")
SUMMARY_TOTAL = ("Toàn quốc: {schools} trường tham gia; {submitted} phiếu tự đánh giá đã nộp; "
                 "{rescored} trường đã được chấm lại; điểm trung bình {mean}")
SUMMARY_MORE = "… và {count} Sở khác (xem đầy đủ trong bảng tổng hợp)."
NO_MEAN = "chưa có"
NO_DEPARTMENTS = "Hệ thống chưa có Sở Giáo dục và Đào tạo nào."
WORKBOOK_CAPTION = "Bảng tổng hợp toàn quốc theo tỉnh, thành phố (Excel)."

# The dashboard page.
PAGE_TITLE = "Tổng hợp toàn quốc"
PAGE_NOTE = "Số liệu tổng hợp theo tỉnh, thành phố, chỉ để xem; kết quả từng trường do Sở quản lý."
DOWNLOAD = "Tải bảng tổng hợp (Excel)"
NO_MEAN_CELL = "–"

# The command line (`hsdt report national`).
HELP_NATIONAL = "national: tổng hợp toàn quốc theo tỉnh, thành phố (mọi Sở; không cần --tenant)"
WRITTEN = "Đã ghi bảng tổng hợp toàn quốc vào {path} ({count} Sở)."
NATIONAL_WITH_DISTRICT = ("Bảng tổng hợp toàn quốc không chọn được --district hay --campaign "
                          "(mỗi Sở có các đợt kiểm tra của mình).")
