"""The menu memory of a Zalo chat, inside the event's transaction (the dispatcher's hooks for Zalo).

Zalo has no inline buttons: the options last shown to a chat are kept in the database (`chat_menu`), so
typing "2" or the label presses that button after a restart or on another worker, and the menu never
disagrees with the conversation state."""

from __future__ import annotations

import dataclasses

from hsdt.channels.numbered import last_options, resolve
from hsdt.channels.zalo_bot.translate import CHANNEL, UNSUPPORTED_FILE
from hsdt.events import Button, Incoming, Kind, Reply
from hsdt.handlers.signature_check import UPLOAD_PURPOSE as CHECK_ONLY
from hsdt.storage.unit_of_work import UnitOfWork


class ZaloMenus:
    """The dispatcher's hooks for Zalo: what a typed key means, and what the chat is shown next.
    `channel`: every chat without buttons keeps its menus this way (the Bot Platform, an OA);
    `photo_link`: the chat cannot pass files, so a photo's answer carries the upload page's link."""

    def __init__(self, channel: str = CHANNEL, *, photo_link: bool = True) -> None:
        self.channel = channel
        self.photo_link = photo_link

    def before(self, uow: UnitOfWork, event: Incoming) -> Incoming | list[Reply]:
        menu = uow.channels.menu(self.channel, event.user_ref)
        if event.kind is Kind.OTHER and event.payload == UNSUPPORTED_FILE:
            if uow.identities.find(self.channel, event.user_ref) is None:
                return Incoming(channel=event.channel, user_ref=event.user_ref, event_id=event.event_id,
                                kind=Kind.OTHER, display_name=event.display_name)
            return [Reply("", upload=(menu.upload if menu else None) or CHECK_ONLY)]
        if event.kind in (Kind.TEXT, Kind.COMMAND) and menu is not None and menu.options:
            options = {key: Button(label, action) for key, label, action in menu.options}
            button = resolve(event.text, options)
            if button is not None:
                return Incoming(channel=event.channel, user_ref=event.user_ref, event_id=event.event_id,
                                kind=Kind.BUTTON, payload=button.action, text=event.text,
                                display_name=event.display_name)
        return event

    def after(self, uow: UnitOfWork, event: Incoming, replies: list[Reply]) -> list[Reply]:
        menu = uow.channels.menu(self.channel, event.user_ref)
        if self.photo_link and event.kind is Kind.PHOTO and replies and replies[-1].upload is None \
                and uow.identities.find(self.channel, event.user_ref) is not None:
            # A photo is often a scanned document: the answer carries the upload page's link for the PDF,
            # in the same message (a second reply would contradict it).
            replies = [*replies[:-1], dataclasses.replace(replies[-1],
                                                          upload=(menu.upload if menu else None) or CHECK_ONLY)]
        options = last_options(replies)
        upload = next((r.upload for r in reversed(replies) if r.upload), None)
        if options is not None:
            uow.channels.save_menu(self.channel, event.user_ref, [[k, b.label, b.action] for k, b in options.items()],
                                   upload)
        elif upload is not None:
            uow.channels.save_menu(self.channel, event.user_ref, menu.options if menu else [], upload)
        return replies
