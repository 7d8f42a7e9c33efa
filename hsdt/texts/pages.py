"""Vietnamese texts of the upload page's result: the verdict of each file as a table, one row per
signature. The verdict's own words (headlines, reasons, kinds of signer) are those of the chat
(`hsdt.texts.signatures`)."""

from __future__ import annotations

RESULT_FILE = "Tệp “{name}”"
RESULT_NOT_CHECKED = "Chưa kiểm tra được tệp"
RESULT_APPLIED_BEFORE = "Tệp này đã được gửi qua liên kết này trước đó; hệ thống không ghi nhận lại."

H_SIGNER = "Người ký"
H_ORGANISATION = "Đơn vị / con dấu"
H_SIGNED_AT = "Thời điểm ký"
H_STATUS = "Kết quả"
H_PROVEN = "Đã xác minh"

NO_ORGANISATION = "(chứng thư không ghi đơn vị)"
NOTHING_PROVEN = "Chưa xác minh được điều gì"

PROVEN_INTACT = "nội dung không bị sửa sau khi ký"
PROVEN_TRUSTED = "chứng thư do tổ chức cung cấp dịch vụ tin cậy cấp"
PROVEN_CERT_VALID = "chứng thư còn hiệu lực lúc ký"
PROVEN_TIME = "thời điểm ký có dấu thời gian tin cậy"
PROVEN_IN_PERIOD = "ký trong thời điểm kiểm tra lưu hồ sơ"
PROVEN_OWN_SEAL = "con dấu của chính đơn vị"
