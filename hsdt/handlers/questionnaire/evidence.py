"""Evidence: a checked PDF kept on disk (content-addressed) and recorded against a criterion."""

from __future__ import annotations

import shutil
from pathlib import Path

from hsdt.handlers.context import Ctx
from hsdt.scoring import EvidenceCount
from hsdt.scoring.assessment import AssessmentKind
from hsdt.services.evidence import counts
from hsdt.storage.models import Evidence


def store_file(files_dir: Path, source: Path, sha256: str) -> None:
    """Content-addressed and never overwritten: the same bytes always land at the same path."""
    target = files_dir / sha256[:2] / f"{sha256}.pdf"
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    shutil.copyfile(source, partial)
    partial.replace(target)


def storable(ctx: Ctx) -> bool:
    """The checked file has a verdict worth keeping as evidence."""
    checked = ctx.checked
    return not (
        checked is None or checked.refusal is not None or checked.verdict is None or checked.path is None
        or checked.verdict.status == "error"
    )


def store_evidence(ctx: Ctx, *, campaign_id: int, school_id: int, kind: str, criterion_id: str) -> EvidenceCount:
    """Keep the checked file (see `storable`) as evidence; returns the criterion's answer value (see `counts`)."""
    checked = ctx.checked
    assert checked is not None and checked.verdict is not None and checked.path is not None
    verdict = checked.verdict
    assert ctx.user.id is not None
    store_file(ctx.files_dir, checked.path, verdict.sha256)
    ctx.uow.evidence.add(
        Evidence(
            campaign_id=campaign_id,
            school_id=school_id,
            kind=AssessmentKind(kind),
            criterion_id=criterion_id,
            sha256=verdict.sha256,
            size=checked.size,
            file_name=checked.name[:255],
            status=verdict.status,
            verdict=verdict.to_json(),
            uploaded_by=ctx.user.id,
        )
    )
    return counts(ctx.uow.evidence.for_criterion(campaign_id, school_id, criterion_id, kind))
