"""Tables of the inspection: who inspects which school, and why a self-assessment was reopened.

Inspectors' points per criterion are `Answer` rows of kind "district" or "cross" (value
{"points", "comment"}), so they share the answer audit trail; their re-score totals are `Submission`
rows of the same kinds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from hsdt.storage.tenancy import TenantOwned
from hsdt.storage.types import UTCDateTime, utcnow

DISTRICT = "district"
CROSS = "cross"
ASSIGNMENT_KINDS = (DISTRICT, CROSS)


class Assignment(TenantOwned, table=True):
    """An inspector re-scores (kind "district") or cross-inspects (kind "cross") one school."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("campaign_id", "inspector_id", "school_id", "kind", name="uq_assignment_scope"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    inspector_id: int = Field(foreign_key="app_user.id", index=True)
    school_id: int = Field(foreign_key="unit.id", index=True)
    kind: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ReopenRecord(TenantOwned, table=True):
    """Append-only: an inspector reopened a school's self-assessment for correction."""

    __tablename__ = "reopen_record"
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    school_id: int = Field(foreign_key="unit.id", index=True)
    user_id: int = Field(foreign_key="app_user.id")
    reason: str
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
