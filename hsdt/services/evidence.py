"""What stored evidence counts for: the answer of an evidence criterion, reckoned from its files'
verdicts alike by the chat (a file received) and the re-check (the trust roots changed)."""

from __future__ import annotations

from collections.abc import Sequence

from hsdt.scoring import EvidenceCount, EvidenceFileCheck, evidence_value
from hsdt.storage.models import Evidence


def counts(stored: Sequence[Evidence]) -> EvidenceCount:
    """The answer an evidence criterion carries: how many files, how many validly signed, and of those
    how many were signed inside the record period (and by a trusted timestamp's time)."""
    return evidence_value(_check(e) for e in stored)


def _check(evidence: Evidence) -> EvidenceFileCheck:
    verdict = evidence.read_verdict()
    signatures = verdict.signatures if verdict is not None else ()
    return EvidenceFileCheck(
        valid=evidence.status == "valid",
        in_period=bool(signatures) and all(s.in_period for s in signatures),
        time_proven=bool(signatures) and all(s.time_proven for s in signatures),
    )
