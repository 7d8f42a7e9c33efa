"""Every Vietnamese string of the signature checker, and the chat rendering of a verdict."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hsdt.signatures.config import DEFAULT_TZ, RecordPeriod
from hsdt.signatures.verdict import PROBLEM_SEVERITY, FileVerdict, SignatureVerdict, status_from_problems

HEADLINES: dict[str, str] = {
    "valid": "✅ Hợp lệ",
    "invalid": "❌ Không hợp lệ",
    "indeterminate": "⚠️ Chưa xác định",
    "unsigned": "📄 Không có chữ ký số",
    "error": "🚫 Không kiểm tra được tệp",
}

ERROR_TEXT: dict[str, str] = {
    "not_pdf": "Tệp không phải là tệp PDF (hoặc tệp rỗng).",
    "corrupt": "Tệp PDF bị hỏng hoặc không đầy đủ (có thể bị cắt ngắn khi tải lên), không đọc được.",
    "encrypted": "Tệp PDF được đặt mật khẩu hoặc mã hoá nên không kiểm tra được chữ ký; "
    "vui lòng gửi bản không đặt mật khẩu.",
    "too_large": "Tệp quá lớn hoặc quá phức tạp, vượt giới hạn dung lượng hoặc bộ nhớ cho phép khi kiểm tra.",
    "timeout": "Kiểm tra tệp vượt quá thời gian cho phép; "
    "tệp có thể quá phức tạp hoặc có cấu trúc bất thường.",
}

PROBLEM_TEXT: dict[str, str] = {
    "not_intact": "nội dung đã ký bị thay đổi",
    "signature_invalid": "chữ ký không khớp với chứng thư số",
    "signature_malformed": "dữ liệu chữ ký bị hỏng, không đọc được",
    "modified_after_signing": "tài liệu bị sửa sau khi ký (không phải thêm chữ ký)",
    "coverage_unclear": "chữ ký không bao trùm toàn bộ phiên bản tài liệu",
    "cert_expired_at_signing": "chứng thư số đã hết hạn tại thời điểm ký",
    "cert_not_yet_valid_at_signing": "chứng thư số chưa có hiệu lực tại thời điểm ký",
    "cert_revoked": "chứng thư số đã bị thu hồi",
    "key_usage_not_allowed": "chứng thư số không được cấp cho mục đích ký",
    "chain_invalid": "chuỗi chứng thư số không hợp lệ",
    "weak_algorithm": "thuật toán ký quá yếu, không còn được chấp nhận",
    "timestamp_invalid": "dấu thời gian không khớp với chữ ký",
    "untrusted_root_missing": "không tìm thấy chứng thư gốc tin cậy trong thư mục TRUST_DIR",
    "chain_incomplete": "thiếu chứng thư trung gian để xác minh chuỗi chứng thư",
    "timestamp_untrusted": "dấu thời gian không do đơn vị tin cậy cấp, dùng thời gian người ký khai",
    "signing_time_missing": "chữ ký không ghi thời điểm ký",
    "revocation_unverifiable": "thông tin thu hồi kèm theo tệp đã cũ hoặc không dùng được",
    "trust_check_failed": "không xác minh được chuỗi chứng thư số",
    "revocation_not_checked": "tệp không kèm thông tin thu hồi chứng thư nên chưa kiểm tra thu hồi",
    "outside_period": "ký ngoài thời kỳ hồ sơ được kiểm tra",
}

KIND_TEXT: dict[str, str] = {
    "personal": "cá nhân",
    "organization": "con dấu",
    "unknown": "chưa rõ loại",
}

TIME_SOURCE_TEXT: dict[str, str] = {
    "signer": "theo giờ máy người ký",
    "timestamp": "theo dấu thời gian",
}

SIGNATURE_OK = "hợp lệ"
NOTE_PREFIX = "lưu ý:"
UNKNOWN_SIGNER = "(không rõ người ký)"
SEAL_PRESENT = "🏫 Có chữ ký số của tổ chức (con dấu): {names}."
SEAL_MISSING = "🏫 Không có chữ ký số của tổ chức (con dấu) của trường."
OUTSIDE_PERIOD_LINE = "⏰ Ký ngoài thời kỳ hồ sơ{period}: {names}."
PERIOD_RANGE = " ({start}–{end})"
FILE_LINE = "Tệp: {name}"
UNSIGNED_TEXT = "Tệp PDF này không có chữ ký số nào."
UNREADABLE_TEXT = "Không đọc được tệp (tệp không tồn tại hoặc không có quyền đọc)."
WORKER_FAILED = "Không khởi động được bộ kiểm tra chữ ký; vui lòng thử lại sau."


def format_day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def format_local(iso_time: str, tz: str = DEFAULT_TZ) -> str:
    moment = datetime.fromisoformat(iso_time)
    if moment.utcoffset() is None:
        return f"{moment:%d/%m/%Y %H:%M}"
    return f"{moment.astimezone(ZoneInfo(tz)):%d/%m/%Y %H:%M}"


def signature_line(sig: SignatureVerdict, tz: str = DEFAULT_TZ) -> str:
    """One line for one signature: who, which kind, when, and the verdict in plain words."""
    who = sig.signer or UNKNOWN_SIGNER
    when = f"ký lúc {format_local(sig.signing_time, tz)} ({TIME_SOURCE_TEXT[sig.time_source]})"
    status = status_from_problems(sig.problems)
    reasons = [PROBLEM_TEXT.get(p, p) for p in sig.problems if PROBLEM_SEVERITY.get(p) != "warning"]
    notes = [PROBLEM_TEXT[p] for p in sig.problems if PROBLEM_SEVERITY.get(p) == "warning"]
    icon = {"valid": "✅", "invalid": "❌", "indeterminate": "⚠️"}[status]
    verdict = SIGNATURE_OK if status == "valid" else HEADLINES[status].split(" ", 1)[1].lower()
    line = f"{icon} {who} ({KIND_TEXT[sig.kind]}), {when}: {verdict}"
    if reasons:
        line += " — " + "; ".join(reasons)
    if notes:
        line += f" ({NOTE_PREFIX} " + "; ".join(notes) + ")"
    return line + "."


def render_file(verdict: FileVerdict, period: RecordPeriod | None = None) -> str:
    """The chat message for a whole file (what the bot and the CLI print)."""
    tz = period.tz if period else DEFAULT_TZ
    lines = [HEADLINES[verdict.status], FILE_LINE.format(name=verdict.file)]
    if verdict.status == "error":
        lines.append(ERROR_TEXT.get(verdict.error or "corrupt", ERROR_TEXT["corrupt"]))
        return "\n".join(lines)
    if verdict.status == "unsigned":
        lines.append(UNSIGNED_TEXT)
        return "\n".join(lines)
    for index, sig in enumerate(verdict.signatures, start=1):
        lines.append(f"{index}. {signature_line(sig, tz)}")
    seals = [s.signer or UNKNOWN_SIGNER for s in verdict.signatures if s.kind == "organization"]
    lines.append(SEAL_PRESENT.format(names=", ".join(seals)) if seals else SEAL_MISSING)
    outside = [s for s in verdict.signatures if not s.in_period]
    if outside:
        names = ", ".join(
            f"{s.signer or UNKNOWN_SIGNER} ({format_local(s.signing_time, tz)[:10]})" for s in outside
        )
        span = (
            PERIOD_RANGE.format(start=format_day(period.start), end=format_day(period.end))
            if period
            else ""
        )
        lines.append(OUTSIDE_PERIOD_LINE.format(period=span, names=names))
    return "\n".join(lines)
