"""What a principal is told after sending the self-assessment: who re-scores it, and by when."""

from __future__ import annotations

SA_NEXT_STEPS = (
    "Tiếp theo: cán bộ kiểm tra của {office} sẽ xem minh chứng và chấm lại từng tiêu chí, "
    "chậm nhất ngày {due}. Nếu cần sửa hoặc bổ sung, cán bộ kiểm tra sẽ mở lại tiêu chí đó "
    "và hệ thống sẽ báo Thầy/Cô."
)
