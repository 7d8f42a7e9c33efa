"""The dispatcher's hooks for an OA chat: the numbered menus every chat without buttons keeps
(`zalo_bot.menus.ZaloMenus`, the same rule), and a photo's answer that says to send the PDF right here
(the OA passes files, so no upload link is needed for that)."""

from __future__ import annotations

import dataclasses

from hsdt.channels.zalo_bot.menus import ZaloMenus
from hsdt.channels.zalo_oa.translate import CHANNEL
from hsdt.events import Incoming, Kind, Reply
from hsdt.storage.unit_of_work import UnitOfWork
from hsdt.texts import channels as texts


class OAMenus(ZaloMenus):
    def __init__(self) -> None:
        super().__init__(CHANNEL, photo_link=False)

    def after(self, uow: UnitOfWork, event: Incoming, replies: list[Reply]) -> list[Reply]:
        if event.kind is Kind.PHOTO and replies and uow.identities.find(CHANNEL, event.user_ref) is not None:
            last = replies[-1]
            replies = [*replies[:-1], dataclasses.replace(last, text=f"{last.text}\n{texts.OA_PHOTO_HINT}".strip())]
        return super().after(uow, event, replies)
