"""The main menu: what each role can start from."""

from __future__ import annotations

from hsdt.handlers import messages
from hsdt.handlers.events import Button, Reply, rows
from hsdt.storage.models import Role, User

# Which roles may use which feature; the router checks these before any flow runs.
SELF_ASSESSMENT_ROLES = (Role.PRINCIPAL,)
SIGNATURE_CHECK_ROLES = (Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF)


def menu_reply(user: User) -> Reply:
    buttons: list[Button] = []
    if user.role in SELF_ASSESSMENT_ROLES:
        buttons.append(Button(messages.BTN_SELF_ASSESS, "m:sa"))
    if user.role in SIGNATURE_CHECK_ROLES:
        buttons.append(Button(messages.BTN_CHECK_SIGNATURE, "m:chk"))
    buttons.append(Button(messages.BTN_HELP, "m:help"))
    return Reply(messages.MENU_TITLE, buttons=rows(*buttons))
