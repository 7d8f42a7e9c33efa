"""The Zalo Bot Platform's updates as pydantic models: what getUpdates returns and what a webhook
receives, wrapped in `{ok, result}` or bare.

The platform documents little and public clients disagree (the name of a file event, where its URL
sits), so the models read every shape seen and are lenient where a value is not what it should be: a
field of the wrong type reads as absent instead of losing the whole update, and an update the models
cannot read at all is None (the channel ignores it, as it ignores an update without a sender).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator

T = TypeVar("T")


def _or_none(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return None


# A field that reads as None when the platform sent something of another shape.
Lenient = Annotated[T | None, WrapValidator(_or_none)]


def _epoch_ms(value: Any, handler: ValidatorFunctionWrapHandler) -> int | None:
    """A message's `date` (milliseconds since the epoch): a number or its digits, nothing else."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None


class _Model(BaseModel):
    # Zalo adds fields; ids and sizes arrive as numbers or strings.
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True, populate_by_name=True)


class ZaloUser(_Model):
    id: Lenient[str] = None
    is_bot: Lenient[bool] = None
    display_name: Lenient[str] = None
    first_name: Lenient[str] = None
    name: Lenient[str] = None

    @property
    def shown_name(self) -> str | None:
        return self.display_name or self.first_name or self.name


class ZaloChat(_Model):
    id: Lenient[str] = None


class ZaloFile(_Model):
    """A file nested in a message (`file`, `document` or `attachment`), as some clients see it."""

    url: str
    name: Lenient[str] = None
    file_name: Lenient[str] = None
    size: Lenient[int] = None
    file_size: Lenient[int] = None
    mime_type: Lenient[str] = None


class FileInfo(_Model):
    url: str
    name: str | None
    size: int | None
    mime_type: str | None


class ZaloMessage(_Model):
    message_id: Lenient[str] = None
    date: Annotated[int | None, WrapValidator(_epoch_ms)] = None
    text: Lenient[str] = None
    caption: Lenient[str] = None
    photo: Any = None
    sender: Lenient[ZaloUser] = Field(default=None, alias="from")
    chat: Lenient[ZaloChat] = None
    file: Lenient[ZaloFile] = None
    document: Lenient[ZaloFile] = None
    attachment: Lenient[ZaloFile] = None
    # The flat shape other clients report.
    attachment_url: Lenient[str] = None
    file_url: Lenient[str] = None
    url: Lenient[str] = None
    attachment_name: Lenient[str] = None
    file_name: Lenient[str] = None
    name: Lenient[str] = None
    file_size: Lenient[int] = None
    size: Lenient[int] = None
    mime_type: Lenient[str] = None

    def has(self, field: str) -> bool:
        """Whether the platform sent the field at all (`text` and `photo` name the event when it has none)."""
        return field in self.model_fields_set

    @property
    def file_info(self) -> FileInfo | None:
        """The file of a file event, wherever a client has seen it."""
        for nested in (self.file, self.document, self.attachment):
            if nested is not None:
                return FileInfo(url=nested.url, name=nested.name or nested.file_name,
                                size=nested.size or nested.file_size, mime_type=nested.mime_type)
        flat = self.attachment_url or self.file_url or self.url
        if flat is None:
            return None
        return FileInfo(url=flat, name=self.attachment_name or self.file_name or self.name,
                        size=self.file_size or self.size, mime_type=self.mime_type)


class ZaloUpdate(_Model):
    event_name: Lenient[str] = None
    message: Lenient[ZaloMessage] = None

    @property
    def kind(self) -> str:
        """The event's name; without one (seen in some clients), what the message holds."""
        if self.event_name:
            return self.event_name
        if self.message is not None and self.message.has("text"):
            return "message.text.received"
        if self.message is not None and self.message.has("photo"):
            return "message.image.received"
        return "message.unsupported.received"


def parse(update: Any) -> ZaloUpdate | None:
    """One bare update as the model; None when it is not an object."""
    if not isinstance(update, dict):
        return None
    try:
        return ZaloUpdate.model_validate(update)
    except ValidationError:
        return None
