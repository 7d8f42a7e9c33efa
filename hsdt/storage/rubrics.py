"""Rubrics are stored with the campaign (the YAML text), parsed once per version and cached."""

from __future__ import annotations

import threading

from hsdt.scoring import Rubric, load_rubric_text
from hsdt.storage.models import Campaign
from hsdt.storage.unit_of_work import UnitOfWork


class RubricCache:
    def __init__(self) -> None:
        self._by_version: dict[int, Rubric] = {}
        self._lock = threading.Lock()

    def for_campaign(self, uow: UnitOfWork, campaign: Campaign) -> Rubric:
        version_id = campaign.rubric_version_id
        rubric = self._by_version.get(version_id)
        if rubric is None:
            row = uow.campaigns.rubric_version(version_id)
            assert row is not None, "campaign.rubric_version_id is a foreign key"
            rubric = load_rubric_text(row.source, source=f"rubric_version {version_id} ({row.name})")
            with self._lock:
                self._by_version[version_id] = rubric
        return rubric
