"""What a stored signature verdict proved, as one cell of an appendix's evidence column.

A bare "Hợp lệ" would drop what the check could not establish (the certificate's suspension and
revocation status, a signing time only the signer's clock claims, signing outside the record period).
The cell is the signature package's own phrase for what its verdict proved
(`hsdt.signatures.render.proven_summary`), so the form and the chat never say different things.
"""

from __future__ import annotations

from hsdt.signatures.render import proven_summary
from hsdt.signatures.verdict import FileVerdict
from hsdt.texts import report as m


def evidence_cell(status: str, verdict: FileVerdict | None) -> str:
    """The verdict's proven summary; the bare status word only where no readable verdict was stored."""
    if verdict is None:
        return m.EVIDENCE_STATUS.get(status, status)
    return proven_summary(verdict)
