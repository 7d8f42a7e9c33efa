"""What stored evidence counts for: the answer of an evidence criterion, reckoned from its files'
verdicts alike by the chat (a file received) and the re-check (the trust roots changed)."""

from __future__ import annotations

from collections.abc import Sequence

from hsdt.scoring import EvidenceFileCheck, evidence_value
from hsdt.storage.models import Evidence


def counts(stored: Sequence[Evidence]) -> dict[str, int]:
    """The answer an evidence criterion carries: how many files, how many validly signed, and of those
    how many were signed inside the record period (and by a trusted timestamp's time)."""
    return evidence_value(_check(e) for e in stored)


def _check(evidence: Evidence) -> EvidenceFileCheck:
    signatures = [s for s in (evidence.verdict or {}).get("signatures", ()) if isinstance(s, dict)]
    return EvidenceFileCheck(
        valid=evidence.status == "valid",
        in_period=bool(signatures) and all(s.get("in_period") is True for s in signatures),
        time_proven=bool(signatures) and all(s.get("time_source") == "timestamp" for s in signatures),
    )
