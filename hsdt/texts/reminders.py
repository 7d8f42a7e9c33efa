"""Vietnamese texts of reminders, digests and the /lich, /tatnhac, /batnhac commands."""

from __future__ import annotations

from hsdt.texts import BTN_REVIEW, BTN_SUBMIT


def _label(button: str) -> str:
    """A button as a sentence names it: its label without the leading emoji."""
    head, _, rest = button.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in head) else button


REMINDER_HEADER = "⏰ Nhắc việc — {what}"
REMINDER_CAMPAIGN = "Đợt kiểm tra: “{name}” (mã {code})."
BTN_WORK_IN_CAMPAIGN = "🔁 Làm việc với đợt này"
WHAT_SELF_ASSESSMENT = "hạn nộp phiếu tự đánh giá"
WHAT_INSPECTION_DAY = "ngày kiểm tra {day}"
WHAT_FINAL_DEADLINE = "hạn cuối gửi kết quả"

PRINCIPAL_LEFT = (
    "{school} chưa gửi kết quả tự đánh giá: đã trả lời {answered}/{total} tiêu chí, còn {left} tiêu chí."
)
# The buttons are named from their constants, so the reminder always names buttons that exist. A reminder
# goes to every chat of the person, with or without buttons: "chọn" fits both (a typed chat numbers them).
PRINCIPAL_ALL_ANSWERED = (
    "{school} đã trả lời đủ {total} tiêu chí nhưng chưa gửi kết quả tự đánh giá: Thầy/Cô chọn “"
    + _label(BTN_REVIEW) + "” rồi chọn “" + _label(BTN_SUBMIT) + "”."
)
PRINCIPAL_DUE = "Hạn nộp phiếu tự đánh giá: {due} ({remaining})."
# The school's own deadline only: the final deadline is the managing unit's, to the Sở.
PRINCIPAL_OVERDUE = (
    "Hạn nộp phiếu tự đánh giá là {due} ({remaining}). "
    "Thầy/Cô vui lòng hoàn thành và gửi kết quả ngay để cán bộ kiểm tra kịp chấm lại."
)
BTN_RESUME_SELF_ASSESSMENT = "📝 Tiếp tục tự đánh giá"

INSPECTOR_LEFT = "Thầy/Cô còn {count} trường chưa chấm lại:"
INSPECTOR_DEADLINE = "Hạn cuối gửi kết quả: {deadline} ({remaining})."
INSPECTOR_TODAY = "Hôm nay là ngày kiểm tra ({day})."
BTN_RESUME_INSPECTION = "🔎 Tiếp tục chấm lại"

DISTRICT_DIGEST = "Tổng hợp {district}: {count} trường còn chậm:"
DISTRICT_SCHOOL_NOT_SUBMITTED = "• {school}: chưa nộp phiếu tự đánh giá ({answered}/{total} tiêu chí)"
DISTRICT_SCHOOL_NOT_RESCORED = "• {school}: chưa được chấm lại (cán bộ: {inspectors})"

SO_DIGEST = "📋 Tổng hợp ngày {day}"
SO_SELF_ASSESSMENT = "Phiếu tự đánh giá đã nộp: {submitted}/{total} trường."
SO_RESCORING = "Chấm lại đã xong: {done}/{assigned} lượt phân công."
SO_BY_DISTRICT = "• {district}: nộp {submitted}/{total}, chấm lại {done}/{assigned}"
SO_DEADLINE = "Hạn cuối gửi kết quả: {deadline} ({remaining})."

BTN_MENU = "📋 Mở danh sách chức năng"
BTN_CALENDAR = "📅 Xem lịch"

FOOTER_MUTABLE = "Gõ /tatnhac nếu không muốn nhận các nhắc việc này (nhắc hạn cuối vẫn được gửi)."
FOOTER_FINAL = "Đây là nhắc hạn cuối, luôn được gửi."

REMAINING = "còn {span}"
OVERDUE = "đã quá hạn {span}"
SPAN_DAYS_HOURS = "{days} ngày {hours} giờ"
SPAN_DAYS = "{days} ngày"
SPAN_HOURS_MINUTES = "{hours} giờ {minutes} phút"
SPAN_HOURS = "{hours} giờ"
SPAN_MINUTES = "{minutes} phút"

CALENDAR_TITLE = "📅 Lịch đợt kiểm tra"
CALENDAR_SELF_DUE = "• Hạn nộp phiếu tự đánh giá: {due}"
CALENDAR_INSPECTION = "• Ngày kiểm tra: {start} – {end}"
CALENDAR_INSPECTION_ONE_DAY = "• Ngày kiểm tra: {start}"
CALENDAR_DEADLINE = "• Hạn cuối gửi kết quả về Sở: {deadline}"
CALENDAR_OFFSETS = "• Nhắc trước mỗi hạn {offsets} ngày, lúc {morning}; sáng mỗi ngày kiểm tra"
CALENDAR_QUIET = "• Không gửi nhắc việc từ {start} đến {end}"
CALENDAR_NEXT = "Nhắc việc tiếp theo: {at}"
CALENDAR_MUTED = "Thầy/Cô đã tắt nhắc việc (nhắc hạn cuối vẫn được gửi). Gõ /batnhac để bật lại."
CALENDAR_UNMUTED = "Nhắc việc của Thầy/Cô đang bật. Gõ /tatnhac để tắt (trừ nhắc hạn cuối)."
NO_CAMPAIGN = "Hiện chưa có đợt kiểm tra nào đang mở."

MUTED = "🔕 Đã tắt nhắc việc. Thầy/Cô vẫn nhận nhắc hạn cuối ({deadline}). Gõ /batnhac để bật lại."
ALREADY_MUTED = "Nhắc việc đã tắt từ trước. Thầy/Cô vẫn nhận nhắc hạn cuối. Gõ /batnhac để bật lại."
UNMUTED = "🔔 Đã bật lại nhắc việc."
ALREADY_UNMUTED = "Nhắc việc của Thầy/Cô đang bật."

CMD_CALENDAR = "Xem lịch đợt kiểm tra và các hạn"
CMD_MUTE = "Tắt nhắc việc (trừ nhắc hạn cuối)"
CMD_UNMUTE = "Bật lại nhắc việc"


def span(seconds: float) -> str:
    """'7 ngày 15 giờ', '3 giờ 20 phút', '45 phút': the biggest two units that matter."""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return SPAN_DAYS_HOURS.format(days=days, hours=hours) if hours else SPAN_DAYS.format(days=days)
    if hours:
        return SPAN_HOURS_MINUTES.format(hours=hours, minutes=minutes) if minutes else SPAN_HOURS.format(hours=hours)
    return SPAN_MINUTES.format(minutes=max(minutes, 1))


def remaining(seconds: float) -> str:
    return REMAINING.format(span=span(seconds)) if seconds >= 0 else OVERDUE.format(span=span(seconds))


# --- operator: `hsdt campaign show|set`, `hsdt remind --dry-run`, calendar checks ------------------
OP_BAD_MOMENT = "thời điểm “{text}” không đúng dạng YYYY-MM-DDTHH:MM"
OP_BAD_DAY = "ngày “{text}” không đúng dạng YYYY-MM-DD"
OP_BAD_OFFSETS = "số ngày nhắc “{text}” phải là các số nguyên cách nhau bởi dấu phẩy"
OP_NO_CAMPAIGN = "Chưa có đợt kiểm tra nào đang mở."
OP_BAD_QUIET = "khung giờ không gửi nhắc việc “{text}” phải có dạng HH:MM-HH:MM"
OP_NOT_CHANGED = "Không đổi lịch (chưa thay đổi gì): {error}"
OP_CHANGED = "Đã cập nhật lịch; hệ thống đang chạy sẽ xếp lại lịch nhắc trong ít phút."
OP_SELF_DUE = "Hạn nộp tự đánh giá: {at}"
OP_INSPECTION = "Ngày kiểm tra: {start} – {end}"
OP_RESCORE_DUE = "Hạn chấm lại: {at}"
OP_DEADLINE = "Hạn cuối: {at}"
OP_OFFSETS = "Nhắc trước: {offsets} ngày, lúc {morning}"
OP_QUIET = "Không gửi nhắc việc: {start}–{end} (múi giờ {tz})"
OP_PLANNED = "Các lần nhắc:"
OP_SENT = "đã gửi"
OP_WAITING = "chờ"
OP_NO_REMINDERS = "Lịch không có lần nhắc nào."
OP_DRY_RUN = "Chạy thử lúc {now}: lần nhắc {id} (dự kiến {planned}{sent})"
OP_DRY_RUN_SENT = ", đã gửi"
OP_IN_QUIET = "Đang trong khung giờ không gửi nhắc việc: tin sẽ gửi lúc {at}"
OP_WILL_REMIND = "sẽ nhắc"
OP_MUTED = "đã tắt nhắc"
OP_UNREACHABLE = "không liên lạc được (chưa đăng ký hoặc đã chặn tin nhắn của hệ thống)"

CAL_BAD_TIME = "giờ “{text}” không đúng dạng HH:MM"
CAL_INVALID_TIME = "giờ “{text}” không hợp lệ"
CAL_SELF_AFTER_DEADLINE = "hạn tự đánh giá phải trước hạn cuối"
CAL_INSPECTION_ORDER = "ngày bắt đầu kiểm tra phải trước hoặc bằng ngày kết thúc"
CAL_TOO_LONG = "đợt kiểm tra dài quá 31 ngày"
CAL_OFFSETS_RANGE = "số ngày nhắc trước phải từ 1 đến 60"
CAL_QUIET_SAME = "giờ bắt đầu và giờ kết thúc của khung giờ không gửi nhắc việc phải khác nhau"
CAL_MORNING_QUIET = "giờ nhắc buổi sáng nằm trong khung giờ không gửi nhắc việc"
