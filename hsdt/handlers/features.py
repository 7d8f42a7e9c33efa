"""Everything the bot can do, in one place."""

from __future__ import annotations

from hsdt.handlers import (
    account_link,
    campaign_choice,
    dashboard,
    inspection,
    reminders,
    report,
    self_assessment,
    signature_check,
)
from hsdt.handlers.router import Router


def build_router() -> Router:
    return Router().include(
        self_assessment.feature,
        signature_check.feature,
        reminders.feature,
        account_link.feature,
        inspection.feature,
        report.feature,
        dashboard.feature,
        campaign_choice.feature,
    )
