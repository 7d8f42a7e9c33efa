"""Queries for numbered chat menus and one-time upload links."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hsdt.storage.channels_models import ChatMenu, UsedUploadLink
from hsdt.storage.types import utcnow


class ChannelsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def menu(self, channel: str, external_id: str) -> ChatMenu | None:
        return self.session.get(ChatMenu, (channel, external_id))

    def save_menu(self, channel: str, external_id: str, options: list[list[str]], upload: str | None) -> ChatMenu:
        menu = self.menu(channel, external_id) or ChatMenu(channel=channel, external_id=external_id)
        menu.options = [list(option) for option in options]
        menu.upload = upload
        menu.updated_at = utcnow()
        self.session.add(menu)
        self.session.flush()
        return menu

    def link_used(self, nonce: str) -> bool:
        return self.session.get(UsedUploadLink, nonce) is not None

    def use_link(self, nonce: str, user_id: int, purpose: str) -> bool:
        """Marks the link used; False when it already was (also when a concurrent use won the race)."""
        if self.link_used(nonce):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(UsedUploadLink(nonce=nonce, user_id=user_id, purpose=purpose))
        except IntegrityError:
            return False
        return True
