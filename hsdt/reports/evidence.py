"""What a stored signature verdict proved, as one cell of an appendix's evidence column.

A bare "Hợp lệ" would drop what the check could not establish: whether the certificate's revocation
status was checked, and whether the file was signed inside the record period (only such files count
for the criterion). The cell says both. This reads the verdict's stored JSON (`Evidence.verdict`, the
`FileVerdict` contract) through `VerdictFacts`, so the wording can later come from the signature
package's own phrase without the forms changing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hsdt.texts import report as m


@dataclass(frozen=True)
class VerdictFacts:
    """The facts of a stored verdict that the forms print."""

    status: str  # valid | invalid | indeterminate | unsigned | error
    signed: bool  # the file has at least one signature
    in_period: bool  # every signature was made inside the record period
    revocation_checked: bool  # every signer's certificate had its revocation status checked

    @classmethod
    def of(cls, status: str, verdict: Mapping[str, Any] | None) -> VerdictFacts:
        signatures = [s for s in (verdict or {}).get("signatures", ()) if isinstance(s, Mapping)]
        return cls(
            status=status,
            signed=bool(signatures),
            in_period=bool(signatures) and all(s.get("in_period") is True for s in signatures),
            revocation_checked=bool(signatures) and all(
                s.get("revocation") in ("embedded", "online") for s in signatures),
        )


def evidence_cell(facts: VerdictFacts) -> str:
    """"Hợp lệ (ký trong thời điểm kiểm tra lưu hồ sơ; chưa kiểm tra được tình trạng thu hồi chứng thư)"."""
    status = m.EVIDENCE_STATUS.get(facts.status, facts.status)
    if not facts.signed or facts.status == "error":
        return status
    details = [m.EVIDENCE_IN_PERIOD if facts.in_period else m.EVIDENCE_OUTSIDE_PERIOD]
    if facts.status == "valid":
        details.append(m.EVIDENCE_REVOCATION_CHECKED if facts.revocation_checked
                       else m.EVIDENCE_REVOCATION_NOT_CHECKED)
    return m.EVIDENCE_CELL.format(status=status, details="; ".join(details))
