"""Telegram updates as the bot reads them: the few fields of a message or a button press it uses.

aiogram's `Update` is the whole Bot API: a button press arrives with the pressed message, its chat,
sender and every button of its keyboard, each a model of its own that binds the bot on creation (about
a dozen per update). Read on every answer, that cost more than anything the bot did with it (measured):
these models read only what `translate` needs and ignore the rest. Invalid input raises pydantic's
`ValidationError`, as aiogram's does.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class TgUser(_Read):
    id: int
    first_name: str = ""
    last_name: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


class TgChat(_Read):
    id: int


class TgDocument(_Read):
    file_id: str
    file_name: str | None = None
    file_size: int | None = None
    mime_type: str | None = None


class TgPhotoSize(_Read):
    file_id: str


class TgMessage(_Read):
    message_id: int
    chat: TgChat
    from_user: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    document: TgDocument | None = None
    photo: list[TgPhotoSize] | None = None


class TgPressedMessage(_Read):
    """The message whose button was pressed. Too old a message comes as its id and chat with date 0
    (aiogram's `InaccessibleMessage`): it can no longer be edited."""

    message_id: int
    chat: TgChat
    date: int = 0

    @property
    def editable(self) -> bool:
        return self.date != 0


class TgCallback(_Read):
    id: str
    from_user: TgUser = Field(alias="from")
    data: str | None = None
    message: TgPressedMessage | None = None


class TgUpdate(_Read):
    update_id: int
    message: TgMessage | None = None
    callback_query: TgCallback | None = None
