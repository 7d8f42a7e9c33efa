"""`/kiemtra` and any PDF sent outside an evidence question: check it and say the verdict."""

from __future__ import annotations

from hsdt import texts as messages
from hsdt.actions import signature_check as act
from hsdt.events import Reply
from hsdt.handlers.context import CheckedFile, Ctx
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.storage.models import Role

UPLOAD_PURPOSE = act.CheckOnly().pack()  # a file sent through an upload link only to be checked


def prompt(ctx: Ctx) -> list[Reply]:
    return [Reply(messages.CHECK_PROMPT, upload=UPLOAD_PURPOSE)]


def verdict_reply(checked: CheckedFile) -> Reply:
    if checked.refusal is not None or checked.verdict is None:
        return Reply(checked.refusal or messages.CHECK_UNAVAILABLE)
    # The verdict names the file itself ("Tệp: ...").
    return Reply(checked.verdict.message_vi)


def on_document(ctx: Ctx) -> list[Reply]:
    assert ctx.checked is not None
    return [verdict_reply(ctx.checked)]


feature = Feature(
    name="signature_check",
    roles=(Role.PRINCIPAL, Role.INSPECTOR, Role.DISTRICT_STAFF, Role.SO_STAFF),
    commands={"/kiemtra": prompt},
    menu=(MenuEntry(messages.BTN_CHECK_SIGNATURE, act.Open().pack()),),
    button_prefix=act.PREFIX,
    on_button=prompt,
    on_document=on_document,
    command_help=(("kiemtra", messages.CMD_CHECK),),
    handles_stray_documents=True,
)
