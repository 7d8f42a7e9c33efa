"""OA webhook events in: a verified, typed `events.OAEvent` as the channel-neutral `Incoming`.

The OA can pass a file the user sends (`user_send_file`, with a download URL), so a PDF becomes a
document event the handlers check like any other channel's; the URL is fetched only when the handlers
ask, streaming, with their size cap. A photo is a photo (the handlers say it is not a signed file); a
follow or a "chat now" click is the user opening the conversation (`/start`: the greeting, which
offers enrolment to a stranger and the menu to a known user). The OA's own echoes, unfollows, shared
info and events this code does not know are no conversation: None.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp

from hsdt.channels.zalo_bot.translate import download_ref
from hsdt.channels.zalo_oa.events import (
    Follow,
    OAEvent,
    UserClickChatNow,
    UserMessageEvent,
    UserSendFile,
    UserSendImage,
    UserSendText,
    UserSubmitInfo,
)
from hsdt.channels.zalo_oa.limits import TEXT_LIMIT
from hsdt.events import Capabilities, Incoming, Kind, Origin

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
# A consultation message is text the user answers by typing: no buttons, no edits; PDFs go in the chat.
CAPABILITIES = Capabilities(has_buttons=False, can_edit=False, can_send_files=True, max_text=TEXT_LIMIT)
# The Open API names PDFs by the file's `type`; the checker reads the bytes anyway.
PDF_MIME = "application/pdf"


def event_id(scope: str, event: OAEvent) -> str:
    """The event's id in the OA's namespace: one per Zalo message, the same on every redelivery."""
    return f"{scope}:{event.dedupe_id}"[:64]


def to_event(event: OAEvent, scope: str, http: Callable[[], aiohttp.ClientSession]) -> Incoming | None:
    """The event as the handlers read it, or None when it is no conversation."""
    user = event.user_id
    if not user:
        return None
    origin: Origin = {"channel": CHANNEL, "user_ref": user, "event_id": event_id(scope, event),
                      # Zalo's own clock orders one user's events across workers.
                      "stream": f"{CHANNEL}:{scope}", "sequence": getattr(event, "timestamp", None)}
    if isinstance(event, UserSendText):
        text = event.message.text.strip()
        return Incoming(kind=Kind.COMMAND if text.startswith("/") else Kind.TEXT, text=text, **origin)
    if isinstance(event, UserSendFile):
        found = event.file
        mime = PDF_MIME if (found.type or "").lower() == "pdf" else None
        return Incoming(kind=Kind.DOCUMENT, file=download_ref(http, found.url, found.name or None, found.size, mime),
                        text=event.message.text or "", **origin)
    if isinstance(event, UserSendImage):
        return Incoming(kind=Kind.PHOTO, text=event.message.text or "", **origin)
    if isinstance(event, Follow | UserClickChatNow):
        return Incoming(kind=Kind.COMMAND, text="/start", **origin)
    if isinstance(event, UserMessageEvent) and not isinstance(event, UserSubmitInfo):
        # Stickers, voice, video, links, locations: the handlers say what the chat reads.
        return Incoming(kind=Kind.OTHER, **origin)
    log.info("zalo oa: %s not a conversation event; ignored", getattr(event, "event_name", "event"))
    return None
