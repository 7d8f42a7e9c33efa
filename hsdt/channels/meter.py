"""Platform messages sent and not counted yet: shared by the reply delivery and the outbox delivery."""

from __future__ import annotations


class MessageMeter:
    """Platform messages a channel sent and the database has not counted yet, per chat. The sender adds
    as each message goes out; whoever records the send (the turn's confirmation, the outbox row marked
    sent) takes the chat's count when it records the send. Sums stay exact when one chat's reply and
    outbox message overlap; only which of the two carries a message may vary."""

    def __init__(self) -> None:
        self._pending: dict[str, int] = {}

    def add(self, chat: str, messages: int = 1) -> None:
        self._pending[chat] = self._pending.get(chat, 0) + messages

    def take(self, chat: str) -> int:
        return self._pending.pop(chat, 0)
