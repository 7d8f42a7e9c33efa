"""Re-verify stored evidence after the trust roots changed, and let the schools' own points follow.

Runs on start when the trust folder's fingerprint differs from the one recorded in DATA_DIR, and on
``hsdt verify --recheck-evidence``. Every evidence file gets its new verdict; a school's own answers
change through its assessment (`Assessment.refresh_evidence`: the evidence points, and the total of a
submitted self-assessment, a new version of it), in one transaction with an audit row each. An
inspector's re-score or cross-inspection is the inspector's judgement, not a count of files: the
re-check never touches it, whatever files the inspector attached.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from hsdt.config import Settings
from hsdt.scoring.assessment import AssessmentKind
from hsdt.services.evidence import counts
from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.classify import SchoolIdentity
from hsdt.signatures.recheck import trust_fingerprint
from hsdt.signatures.verdict import FileVerdict
from hsdt.storage.models import Evidence, UnitKind
from hsdt.storage.rubrics import RubricCache
from hsdt.storage.types import utcnow
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
        listed = [(r.id, r.sha256, r.file_name, r.school_id) for r in uow.evidence.all()]
        seals = {school_id: _identity(uow, school_id) for school_id in {row[3] for row in listed}}
    present = [row for row in listed if _evidence_path(files_dir, row[1]).is_file()]
    verdicts: dict[int | None, FileVerdict] = {}
    # Every stored file is evidence of a school's records: checked, as when it was sent, against that
    # school's seal, so the seal's note survives a re-check.
    for school_id, school in seals.items():
        batch = [row for row in present if row[3] == school_id]
        found = checker.check_many([_evidence_path(files_dir, sha) for _, sha, _, _ in batch], school,
                                   [name for _, _, name, _ in batch], school_issued=True)
        verdicts.update({evidence_id: v for (evidence_id, _, _, _), v in zip(batch, found, strict=True)})
    fresh = {evidence_id: v for evidence_id, v in verdicts.items() if v.status != "error"}
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
        schools = _refresh_own_assessments(uow, rows, event_id)
    return RecheckResult(checked=len(present), changed=changed, missing=len(listed) - len(present), schools=schools)


def _identity(uow: UnitOfWork, school_id: int) -> SchoolIdentity | None:
    """The school's identity a seal is matched against: only a tax code from the roster counts."""
    unit = uow.units.get(school_id)
    if unit is None or unit.kind != UnitKind.SCHOOL or not unit.tax_code:
        return None
    return SchoolIdentity(tax_code=unit.tax_code, name=unit.name)


def _refresh_own_assessments(uow: UnitOfWork, rows: list[Evidence], event_id: str) -> int:
    """Each school's own evidence answers reckoned again from their files; returns how many schools changed."""
    files: dict[tuple[int, int], dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.kind is AssessmentKind.SELF:
            files[(row.campaign_id, row.school_id)][row.criterion_id].append(row)
    rubrics = RubricCache()
    now = utcnow()
    schools = 0
    for (campaign_id, school_id), by_criterion in sorted(files.items()):
        campaign = uow.campaigns.get(campaign_id)
        if campaign is None:
            continue
        rubric = rubrics.for_campaign(uow, campaign)
        assessment = uow.assessments.load(campaign_id, school_id, AssessmentKind.SELF, rubric, now=now)
        for criterion_id, stored in by_criterion.items():
            if criterion_id in rubric:  # a criterion the campaign's rubric no longer has keeps its answer
                assessment.refresh_evidence(criterion_id, counts(stored), at=now)
        if assessment.changes:
            schools += 1
            uow.assessments.save(assessment, channel=RECHECK_CHANNEL, event_id=event_id)
    return schools


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
