"""Everything the bot can do, in one place."""

from __future__ import annotations

from hsdt.handlers import account_link, dashboard, inspection, reminders, report, self_assessment, signature_check
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
    )
