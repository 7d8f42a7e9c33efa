"""Re-verify stored evidence after the trust roots changed, and let the schools' points follow.

Runs on start when the trust folder's fingerprint differs from the one recorded in DATA_DIR, and on
``hsdt verify --recheck-evidence``. Answers change in one transaction with an audit row each.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from hsdt.config import Settings
from hsdt.scoring import score_criterion, score_school
from hsdt.services.evidence import counts
from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.recheck import trust_fingerprint
from hsdt.storage.models import Campaign, Evidence, SubmissionStatus
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
FINGERPRINT_FILE = "trust_fingerprint"
RECHECK_CHANNEL = "system"


@dataclass(frozen=True)
class RecheckResult:
    checked: int
    changed: int
    missing: int
    schools: int


def _evidence_path(files_dir: Path, sha256: str) -> Path:
    return files_dir / sha256[:2] / f"{sha256}.pdf"


def recheck_evidence(engine: Engine, checker: SignatureChecker, files_dir: Path, *, event_id: str) -> RecheckResult:
    # Read, then check outside any transaction (checking takes time), then write in one transaction.
    with UnitOfWork(engine) as uow:
        listed = [(r.id, r.sha256, r.file_name) for r in uow.evidence.all()]
    present = [(i, sha, name) for i, sha, name in listed if _evidence_path(files_dir, sha).is_file()]
    verdicts = checker.check_many(
        [_evidence_path(files_dir, sha) for _, sha, _ in present], names=[name for _, _, name in present]
    )
    fresh = {evidence_id: v for (evidence_id, _, _), v in zip(present, verdicts, strict=True) if v.status != "error"}
    changed = 0
    with UnitOfWork(engine) as uow:
        rows = list(uow.evidence.all())
        for row in rows:
            verdict = fresh.get(row.id) if row.id is not None else None
            if verdict is None:
                continue  # missing or not checkable now: the earlier verdict stands
            if verdict.status != row.status:
                changed += 1
            uow.evidence.set_verdict(row, verdict.status, verdict.to_json())
        grouped: dict[tuple[int, int, str, str], list[Evidence]] = defaultdict(list)
        for row in rows:
            grouped[(row.campaign_id, row.school_id, row.kind, row.criterion_id)].append(row)
        schools = _rescore(uow, grouped, event_id)
    return RecheckResult(checked=len(present), changed=changed, missing=len(listed) - len(present), schools=schools)


def _rescore(uow: UnitOfWork, grouped: dict[tuple[int, int, str, str], list[Evidence]], event_id: str) -> int:
    rubrics = RubricCache()
    touched: set[tuple[int, int, str]] = set()
    for (campaign_id, school_id, kind, criterion_id), files in grouped.items():
        answer = uow.answers.get(campaign_id, school_id, criterion_id, kind)
        value = counts(files)  # the chat's own reckoning: valid, and signed inside the record period
        if answer is None or answer.value == value:
            continue
        campaign = uow.session.get(Campaign, campaign_id)
        criterion = rubrics.for_campaign(uow, campaign).criterion(criterion_id) if campaign else None
        if criterion is None:
            continue
        uow.answers.put(
            campaign_id=campaign_id, school_id=school_id, criterion_id=criterion_id, value=value,
            points=score_criterion(criterion, value), user_id=answer.answered_by,
            channel=RECHECK_CHANNEL, event_id=event_id, kind=kind,
        )
        touched.add((campaign_id, school_id, kind))
    for campaign_id, school_id, kind in touched:
        submission = uow.submissions.get(campaign_id, school_id, kind)
        campaign = uow.session.get(Campaign, campaign_id)
        if submission is None or campaign is None or submission.status != SubmissionStatus.SUBMITTED:
            continue
        answers = uow.answers.for_school(campaign_id, school_id, kind)
        score = score_school(rubrics.for_campaign(uow, campaign), {cid: a.value for cid, a in answers.items()})
        submission.total = score.total
        submission.band = score.band.label
        uow.session.add(submission)
    return len({(c, s) for c, s, _ in touched})


def recheck_if_trust_changed(settings: Settings, engine: Engine, checker: SignatureChecker) -> RecheckResult | None:
    """On start: when the trust folder's fingerprint differs from the one recorded, everything is re-checked."""
    current = _fingerprint(settings)
    marker = settings.data_dir / FINGERPRINT_FILE
    try:
        previous = marker.read_text(encoding="ascii").strip()
    except OSError:
        previous = None
    if previous == current:
        return None
    result = recheck_evidence(engine, checker, settings.files_dir, event_id=f"trust:{current[:16]}")
    _record(settings, current)
    log.info("trust roots changed: %d evidence files re-checked, %d changed", result.checked, result.changed)
    return result


def recheck_all(settings: Settings, engine: Engine, checker: SignatureChecker) -> RecheckResult:
    """``hsdt verify --recheck-evidence``: every stored evidence file re-verified now (OSError when the
    files or the data folder cannot be read or written)."""
    current = _fingerprint(settings)
    result = recheck_evidence(engine, checker, settings.files_dir, event_id=f"recheck:{current[:16]}")
    _record(settings, current)
    return result


def _fingerprint(settings: Settings) -> str:
    return trust_fingerprint(settings.trust_dir if settings.trust_dir.exists() else None)


def _record(settings: Settings, fingerprint: str) -> None:
    marker = settings.data_dir / FINGERPRINT_FILE
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(fingerprint, encoding="ascii")
