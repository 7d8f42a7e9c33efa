"""Vietnamese texts of /report (/baocao), of the appendices (Excel and PDF) and of download links."""

from __future__ import annotations

CMD_REPORT = "Báo cáo tổng hợp kết quả (kèm biểu đồ, tệp Excel và PDF)"
BTN_REPORT = "📊 Báo cáo"
BTN_EXCEL = "📥 Tải Excel (Phụ lục 1, 2, 3)"
BTN_PDF = "📄 Tải PDF (Phụ lục 1, 2, 3)"
BTN_FORM1_EXCEL = "📥 Phụ lục 1 (Excel)"
BTN_FORM1_PDF = "📄 Phụ lục 1 (PDF)"
# {area}: "thành phố" or "tỉnh", from the body above the Sở (hsdt.reports.heading.province_area).
BTN_CITY = "⬅️ Toàn {area}"

CITY_TITLE = "📊 {campaign}\nTổng hợp đến {now}"
SCOPE_CITY = "Phạm vi: toàn {area} ({districts} {level})."
SCOPE_CITY_DIRECT = "Phạm vi: toàn {area} ({schools} trường trực thuộc Sở)."
SCOPE_DISTRICT = "Phạm vi: {district}."
SCOPE_ASSIGNED = "Phạm vi: {count} trường Thầy/Cô được phân công."
SCOPE_SCHOOL = "Phạm vi: {school}."
COMPLETION = (
    "Số trường: {schools} (dùng HSĐT: {uses}). Đã nộp tự đánh giá: {submitted}/{schools} ({pct}). "
    "Đã chấm lại: {rescored}. Đã kiểm tra chéo: {cross}."
)
CITY_MEAN = "Điểm trung bình: {mean} — {band} ({note})."
MEAN_RULE = "Cách tính: {rule}"
NO_MEAN = "Điểm trung bình: chưa có (chưa trường nào có điểm)."
# The mean of a managing unit's schools: the notice rates an education office's "công tác quản lý, chỉ
# đạo" by it; a People's Committee (or the Sở) is not rated by the Sở: it is the schools' common result.
MEANS_TITLE = "Đánh giá công tác quản lý, chỉ đạo theo {level} (trung bình điểm các trường dùng HSĐT):"
MEANS_TITLE_AREA = "Kết quả chung của các trường trên địa bàn từng {level} (trung bình điểm các trường dùng HSĐT):"
MEANS_TITLE_DIRECT = "Kết quả chung của các trường trực thuộc Sở (trung bình điểm các trường dùng HSĐT):"
MEAN_MEANING = "Điểm trung bình của mỗi đơn vị (đánh giá công tác quản lý, chỉ đạo)"
MEAN_MEANING_AREA = "Điểm trung bình của mỗi {level} (kết quả chung của các trường trên địa bàn)"
MEAN_MEANING_DIRECT = "Điểm trung bình (kết quả chung của các trường trực thuộc Sở)"
MEAN_LINE = "• {district}: {mean} — {band} ({submitted}/{schools} đã nộp)"
MEAN_LINE_NONE = "• {district}: chưa có điểm ({submitted}/{schools} đã nộp)"
MORE_DISTRICTS = "… và {count} đơn vị khác (xem tệp Excel)."
LOWEST_TITLE = "Thấp nhất: {items}."
OVERDUE_TITLE = "⏰ Quá hạn tự đánh giá ({due}): {count} trường{names}."
OVERDUE_NONE = "Không có trường nào quá hạn tự đánh giá (hạn {due})."
DISTRICT_TITLE = "🏢 {district}"
SCHOOL_LINE = "• {school}: {state}"
SCHOOL_STATE = "tự đánh giá {self}; chấm lại {rescore}; kiểm tra chéo {cross}{final}"
FINAL_SUFFIX = " → {final} ({band})"
NOT_YET = "—"
DRAFT = "đang làm, chưa nộp"
EXCLUDED = " (không dùng HSĐT, không tính vào trung bình)"
SCHOOL_TITLE = "🏫 {school} — {district}"
SCHOOL_DETAIL = (
    "Tự đánh giá: {self}\nChấm lại: {rescore}\nKiểm tra chéo: {cross}\n"
    "Điểm cuối cùng: {final}\nChênh lệch chấm lại so với tự đánh giá: {diff}"
)
SCORE_WITH_BAND = "{points} điểm ({band})"
CRITERIA_TITLE = "Điểm từng tiêu chí (tự đánh giá / chấm lại / kiểm tra chéo):"
CRITERION_LINE = "{criterion}: {self} / {rescore} / {cross}{comment}"
CRITERIA_DRAFT = "Phiếu tự đánh giá chưa nộp: điểm từng tiêu chí và tổng điểm có sau khi nhà trường nộp phiếu."
NOT_IN_SCOPE = "Thầy/Cô không có quyền xem báo cáo của đơn vị này."
NOTHING_IN_SCOPE = "Chưa có trường nào trong phạm vi báo cáo của Thầy/Cô."
NO_SUCH_DISTRICT = "Không tìm thấy {level} “{name}”."
CHART_CAPTION = "Biểu đồ đánh giá công tác quản lý, chỉ đạo theo {level}, với các ngưỡng xếp loại."
CHART_CAPTION_AREA = "Biểu đồ kết quả chung của các trường trên địa bàn từng {level}, với các ngưỡng xếp loại."
CHART_CAPTION_DIRECT = "Biểu đồ kết quả chung của các trường trực thuộc Sở, với các ngưỡng xếp loại."
CHART_CAPTION_SCHOOLS = "Biểu đồ điểm các trường của {unit}, với các ngưỡng xếp loại."
CHART_CAPTION_ASSIGNED = "Biểu đồ điểm các trường được phân công, với các ngưỡng xếp loại."
CHART_AXIS = "Điểm"
EXCEL_CAPTION = "📥 Báo cáo (Excel): tổng hợp, Phụ lục 1 (mỗi trường một trang), Phụ lục 2, Phụ lục 3."
FORM1_CAPTION = "📥 Phụ lục 1 — phiếu tự kiểm tra, đánh giá của {school} (Excel)."
PDF_CAPTION = "📄 {appendix} (PDF, khổ A4 ngang)."
FORM1_PDF_CAPTION = "📄 Phụ lục 1 — phiếu tự kiểm tra, đánh giá của {school} (PDF, khổ A4 ngang)."
PDF_UNAVAILABLE = (
    "Hệ thống chưa xuất được tệp PDF: máy chủ chưa cài phần mềm chuyển đổi. "
    "Thầy/Cô dùng tệp Excel, hoặc báo quản trị hệ thống cài đặt bổ sung."
)
PDF_FAILED = "Hệ thống chưa xuất được tệp PDF lúc này. Thầy/Cô vui lòng thử lại sau hoặc dùng tệp Excel."
FORM1_PDF_TOO_LARGE = (
    "📄 Phụ lục 1 của {schools} trường (khoảng {pages} trang) quá lớn để gộp vào một tệp PDF. "
    "Thầy/Cô chọn từng đơn vị (nút 🏢) để tải PDF Phụ lục 1 của đơn vị đó, hoặc dùng tệp Excel "
    "(mỗi trường một trang)."
)
FILE_FAILED = "⚠️ Hệ thống chưa tạo được tệp đính kèm lúc này; Thầy/Cô vui lòng thử lại sau."
NO_FORM_YET = "Phụ lục 1 có sau khi nhà trường nộp phiếu tự đánh giá."
BUTTON_DISTRICT = "🏢 {name}"
BUTTON_SCHOOL = "🏫 {name}"

# --- download links ------------------------------------------------------------------------------
DOWNLOAD_LINK = "📎 {name} ({size}): {url}\n(Liên kết dùng được một lần, đến {expires}.)"
DOWNLOAD_UNAVAILABLE = "📎 {name}: hệ thống chưa gửi được tệp lúc này; Thầy/Cô vui lòng thử lại sau hoặc liên hệ Sở."
DOWNLOAD_PAGE_TITLE = "Tải tệp báo cáo"
DOWNLOAD_BUTTON = "⬇️ Tải tệp về máy"
DOWNLOAD_ONCE = "Liên kết chỉ dùng được một lần: sau khi tải, tệp được xoá khỏi máy chủ."
DOWNLOAD_INVALID = (
    "Liên kết tải tệp không hợp lệ. Thầy/Cô vui lòng yêu cầu lại báo cáo trong cuộc trò chuyện với hệ thống."
)
DOWNLOAD_EXPIRED = (
    "Liên kết tải tệp đã hết hạn lúc {expires}. "
    "Thầy/Cô vui lòng yêu cầu lại báo cáo trong cuộc trò chuyện với hệ thống."
)
DOWNLOAD_USED = (
    "Liên kết tải tệp đã được dùng. Thầy/Cô vui lòng yêu cầu lại báo cáo trong cuộc trò chuyện với hệ thống."
)
SIZE_KB = "{size} KB"
SIZE_MB = "{size} MB"

# --- the appendices (official forms) -------------------------------------------------------------
DEFAULT_ISSUER = "Sở Giáo dục và Đào tạo"
DEFAULT_ISSUER_PARENT = "UBND thành phố Hải Phòng"
DEFAULT_NOTICE_NUMBER = "……/TB-SGDĐT-MN"
DEFAULT_PLACE = "Hải Phòng"
DATE_UNKNOWN = "……/……/……"
NOTICE_REF = "(Kèm theo Thông báo số {number} ngày {date} của {issuer})"
DATE_LINE = "{place}, ngày {day} tháng {month} năm {year}"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
APPENDIX = "Phụ lục {n}"
APPENDIX_NAMES = {1: "Phụ lục 1", 2: "Phụ lục 2", 3: "Phụ lục 3"}
TITLE1 = "PHIẾU TỰ KIỂM TRA, ĐÁNH GIÁ VIỆC SỬ DỤNG HỒ SƠ ĐIỆN TỬ, CHỮ KÝ SỐ"
TITLE2 = "KẾT QUẢ KIỂM TRA, CHẤM ĐIỂM VIỆC SỬ DỤNG HỒ SƠ ĐIỆN TỬ, CHỮ KÝ SỐ CỦA CÁC TRƯỜNG MẦM NON"
TITLE3 = "TỔNG HỢP KẾT QUẢ KIỂM TRA CHÉO VIỆC SỬ DỤNG HỒ SƠ ĐIỆN TỬ, CHỮ KÝ SỐ"
SUBTITLE1 = "Đơn vị: {school} — Năm học {year}"
SUBTITLE2 = "Đơn vị quản lý: {unit} — Năm học {year}"
SUBTITLE3 = "Cán bộ kiểm tra: {inspector} ({unit}) — Năm học {year}"
SIGN_PREPARER = "NGƯỜI LẬP BIỂU"
SIGN_INSPECTOR = "CÁN BỘ KIỂM TRA"
SIGN_NOTE = "(Ký, ghi rõ họ tên)"
# Nghị định 30/2020: the page number alone, top centre, from the second page on.
HEADER_PAGE = "&P"

# Phụ lục 1
H1_NO = "STT"
H1_CRITERION = "Nội dung, tiêu chí"
H1_MAX = "Điểm chuẩn"
H1_SELF = "Điểm tự chấm"
H1_EVIDENCE = "Minh chứng"
H1_EVIDENCE_FILE = "Tệp"
H1_EVIDENCE_VERDICT = "Kết quả kiểm tra chữ ký số"
H1_NOTE = "Ghi chú"
GROUP_ROW = "Nội dung {id}. {title}"
TOTAL = "Tổng điểm"
BAND = "Xếp loại"
NOT_APPLICABLE_NOTE = "Có tiêu chí không áp dụng: tổng điểm quy về thang 100 trên các tiêu chí áp dụng."
STATS_TITLE = "Thống kê sử dụng chữ ký số"
STATS_WHO = "Đối tượng"
STATS_ISSUED = "Số được cấp chứng thư chữ ký số"
STATS_USED = "Số đã sử dụng"
STATS_RATE = "Tỷ lệ sử dụng"
STATS_SUM = "Cộng"
STAFF_NAMES = ("Cán bộ quản lý (CBQL)", "Giáo viên (GV)", "Nhân viên (NV)")
CATEGORIES_SET_UP = "Số danh mục hồ sơ điện tử đã thiết lập"
CATEGORIES_SIGNED = "Số danh mục hồ sơ có văn bản ký số"
OUT_OF = "{count}/{total}"
COMMENTS_TITLE = "Ý kiến, đề xuất của nhà trường:"
NO_COMMENTS = "(Không có)"
NOT_SUBMITTED = "Nhà trường chưa nộp phiếu tự đánh giá."
ANSWER_CHOSEN = "Đã chọn {count}/{total}: {items}"
ANSWER_NONE_CHOSEN = "Chưa chọn mục nào"
ANSWER_PAIR = "Được cấp {issued}, đã sử dụng {used}"
ANSWER_PAIR_NA = "Không áp dụng (không có người được cấp)"
ANSWER_PAIR_NONE = "Chưa có người được cấp chữ ký số"
ANSWER_PERCENT = "{percent}%"
ANSWER_EVIDENCE = "{valid}/{total} tệp hợp lệ"
ANSWER_EVIDENCE_PERIOD = "{valid}/{total} tệp hợp lệ, {in_period} tệp ký trong thời điểm kiểm tra lưu hồ sơ"
ANSWER_DOCUMENTS = "Lưu {stored} văn bản ({paper_only} chỉ có bản giấy), đã ký số {signed}"
# The evidence column: what the signature check of each file proved (hsdt.reports.evidence).
EVIDENCE_STATUS = {
    "valid": "Hợp lệ",
    "invalid": "Không hợp lệ",
    "indeterminate": "Chưa xác định",
    "unsigned": "Không có chữ ký số",
    "error": "Không kiểm tra được",
}

# Phụ lục 2
H2_NO = "STT"
H2_SCHOOL = "Tên trường"
H2_CERTS = "Chứng thư chữ ký số (được cấp / đã sử dụng)"
H2_CBQL = "CBQL"
H2_GV = "GV"
H2_NV = "NV"
H2_CATEGORIES = "Danh mục hồ sơ (/{count})"
H2_SET_UP = "Đã thiết lập"
H2_SIGNED = "Có văn bản ký số"
H2_CONTENTS = "Điểm chấm lại theo nội dung"
H2_TOTALS = "Tổng điểm"
H2_SELF = "Tự đánh giá"
H2_RESCORE = "Chấm lại"
H2_BAND = "Xếp loại"
H2_COMMENTS = "Nhận xét của cán bộ kiểm tra; ý kiến của nhà trường"
H2_CONTENT = "Nội dung {id}\n({max} điểm)"
USES_NO = "Không dùng HSĐT, CKS: không tính vào điểm trung bình."
MANAGEMENT_ROW = (
    "Đánh giá công tác quản lý, chỉ đạo của {unit}: trung bình cộng điểm các trường sử dụng HSĐT, CKS ({note}). {rule}"
)
MANAGEMENT_ROW_AREA = (
    "Kết quả chung của các trường trên địa bàn {unit}: trung bình cộng điểm các trường sử dụng HSĐT, CKS ({note}). "
    "{rule}"
)
MANAGEMENT_ROW_DIRECT = (
    "Kết quả chung của các trường trực thuộc {unit}: trung bình cộng điểm các trường sử dụng HSĐT, CKS ({note}). "
    "{rule}"
)
MANAGEMENT_NONE = "chưa có"
PAIR = "{issued}/{used}"
SCHOOL_SAYS = "Nhà trường: {text}"

# Phụ lục 3
H3_NO = "STT"
H3_INSPECTED = "Đơn vị quản lý trường"
H3_SCHOOL = "Trường được kiểm tra"
H3_SCORES = "Điểm"
H3_SELF = "Tự đánh giá"
H3_RESCORE = "Chấm lại"
H3_CROSS = "Kiểm tra chéo"
H3_DIFF = "Chênh lệch (*)"
H3_DIFF_NOTE = "(*) Điểm kiểm tra chéo trừ điểm chấm lại; trường chưa được chấm lại: trừ điểm tự đánh giá."
H3_BAND = "Xếp loại (kiểm tra chéo)"
H3_REMARKS = "Nhận xét"
NO_TEAMS = "Chưa có phân công kiểm tra chéo trong phạm vi báo cáo."

# --- the workbook's other sheets -----------------------------------------------------------------
SHEET_SUMMARY = "Tổng hợp"
SHEET_FORM1 = "PL1 {code}"
SHEET_FORM2 = "PL2 {code}"
SHEET_FORM3 = "PL3 {n}"
H_ITEM = "Nội dung"
H_VALUE = "Giá trị"
STATUS_NAMES = {"submitted": "Đã nộp", "draft": "Đang làm", "reopened": "Mở lại để sửa", "": "Chưa làm"}
SUMMARY_ROWS = (
    "Đợt kiểm tra", "Thời điểm xuất báo cáo", "Phạm vi", "Số {level}", "Số trường", "Số trường dùng HSĐT",
    "Đã nộp tự đánh giá", "Đã chấm lại", "Đã kiểm tra chéo", "Điểm trung bình", "Xếp loại",
    "Quá hạn tự đánh giá", "Cách tính điểm trung bình",
)
H_BAND_COUNT = "Số trường xếp loại {band}"

# --- file names (Vietnamese without diacritics: some phones mangle them in downloads) ---------------
FILE_XLSX = "bao-cao-hsdt-{stamp}.xlsx"
FILE_FORM1 = "phu-luc-1-{code}-{stamp}.xlsx"
FILE_PDF = "phu-luc-{n}-{stamp}.pdf"
FILE_FORM1_PDF = "phu-luc-1-{code}-{stamp}.pdf"
FILE_CHART = "bieu-do.png"
