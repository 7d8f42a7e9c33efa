"""The OA webhook's events as typed models, discriminated on `event_name`.

Shapes as Zalo documents them (and integrations confirm): every event carries `app_id`,
`user_id_by_app`, `event_name` and `timestamp` (milliseconds, a string). User messages carry
`sender.id` (the user), `recipient.id` (the OA) and `message.msg_id`; attachments come as
`message.attachments[{type, payload}]`: a file's payload is `{url, name, size, checksum, type}`, an
image's `{url, thumbnail}`, a sticker's `{id, url}`, a location's `{coordinates: {latitude,
longitude}}`. `follow`/`unfollow` name the user in `follower.id`; `user_click_chatnow` in `user_id`
(some payloads use `follower.id`: both are read); `user_submit_info` carries `info`. The OA's own
sends come back as `oa_send_*` echoes (sender = the OA, recipient = the user): `OAEcho`, which a
channel ignores. Any other event name parses as `UnknownEvent`, never as an error.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter

from hsdt.channels.zalo_oa.ids import LooseInt, LooseText, ZaloId


class _Model(BaseModel):
    # Zalo adds fields over time: unknown ones are ignored, not refused.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Party(_Model):
    id: ZaloId


class _Event(_Model):
    app_id: ZaloId
    user_id_by_app: ZaloId | None = None
    timestamp: LooseInt

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)

    @property
    def user_id(self) -> str | None:
        """The OA user this event is about (None when the event names nobody)."""
        return None

    @property
    def msg_id(self) -> str | None:
        return None

    @property
    def is_interaction(self) -> bool:
        """The user did something that opens Zalo's message windows (7 days, 48 h)."""
        return False

    @property
    def dedupe_id(self) -> str:
        """At most 64 characters, the same for every delivery of this event: the message id when
        there is one, else a digest of what the event is (name, user, time)."""
        if self.msg_id:
            return self.msg_id[:64]
        name = getattr(self, "event_name", "")
        basis = f"{name}\x00{self.user_id or ''}\x00{self.timestamp}".encode()
        return "ev-" + hashlib.blake2b(basis, digest_size=16).hexdigest()


# --- user messages -------------------------------------------------------------------------------------


class _UserMessage(_Model):
    msg_id: ZaloId
    text: str | None = None


class _UserMessageEvent(_Event):
    sender: Party
    recipient: Party

    @property
    def user_id(self) -> str:
        return self.sender.id

    @property
    def is_interaction(self) -> bool:
        return True


class TextMessage(_UserMessage):
    text: str = ""


class UserSendText(_UserMessageEvent):
    event_name: Literal["user_send_text"]
    message: TextMessage

    @property
    def msg_id(self) -> str:
        return self.message.msg_id


class FilePayload(_Model):
    url: str
    name: str = ""
    size: LooseInt | None = None
    checksum: str | None = None
    type: str | None = None


class FileAttachment(_Model):
    type: Literal["file"]
    payload: FilePayload


class FileMessage(_UserMessage):
    attachments: list[FileAttachment] = Field(min_length=1)


class UserSendFile(_UserMessageEvent):
    event_name: Literal["user_send_file"]
    message: FileMessage

    @property
    def msg_id(self) -> str:
        return self.message.msg_id

    @property
    def file(self) -> FilePayload:
        return self.message.attachments[0].payload


class MediaPayload(_Model):
    """Image, GIF, audio, video, link and sticker attachments: a URL and what else Zalo adds."""

    url: str | None = None
    thumbnail: str | None = None
    description: str | None = None
    id: LooseText | None = None


class MediaAttachment(_Model):
    type: str
    payload: MediaPayload = MediaPayload()


class MediaMessage(_UserMessage):
    attachments: list[MediaAttachment] = []


class _UserSendMedia(_UserMessageEvent):
    message: MediaMessage

    @property
    def msg_id(self) -> str:
        return self.message.msg_id


class UserSendImage(_UserSendMedia):
    event_name: Literal["user_send_image"]


class UserSendSticker(_UserSendMedia):
    event_name: Literal["user_send_sticker"]


class UserSendAudio(_UserSendMedia):
    event_name: Literal["user_send_audio"]


class UserSendVideo(_UserSendMedia):
    event_name: Literal["user_send_video"]


class UserSendLink(_UserSendMedia):
    event_name: Literal["user_send_link"]


class UserSendGif(_UserSendMedia):
    event_name: Literal["user_send_gif"]


class Coordinates(_Model):
    latitude: float
    longitude: float


class LocationPayload(_Model):
    coordinates: Coordinates


class LocationAttachment(_Model):
    type: Literal["location"]
    payload: LocationPayload


class LocationMessage(_UserMessage):
    attachments: list[LocationAttachment] = Field(min_length=1)


class UserSendLocation(_UserMessageEvent):
    event_name: Literal["user_send_location"]
    message: LocationMessage

    @property
    def msg_id(self) -> str:
        return self.message.msg_id


class SubmittedInfo(_Model):
    name: LooseText | None = None
    phone: LooseText | None = None
    address: LooseText | None = None
    city: LooseText | None = None
    district: LooseText | None = None
    ward: LooseText | None = None


class UserSubmitInfo(_UserMessageEvent):
    event_name: Literal["user_submit_info"]
    info: SubmittedInfo


# --- follows and clicks ----------------------------------------------------------------------------------


class _FollowEvent(_Event):
    oa_id: ZaloId
    follower: Party
    source: str | None = None

    @property
    def user_id(self) -> str:
        return self.follower.id


class Follow(_FollowEvent):
    event_name: Literal["follow"]

    @property
    def is_interaction(self) -> bool:
        return True


class Unfollow(_FollowEvent):
    event_name: Literal["unfollow"]


class UserClickChatNow(_Event):
    event_name: Literal["user_click_chatnow"]
    oa_id: ZaloId
    user: ZaloId | None = Field(default=None, alias="user_id")
    follower: Party | None = None

    @property
    def user_id(self) -> str | None:
        return self.user or (self.follower.id if self.follower else None)

    @property
    def is_interaction(self) -> bool:
        return True


# --- the OA's own sends, and the rest ------------------------------------------------------------------


class EchoMessage(_Model):
    msg_id: ZaloId | None = None
    text: str | None = None


class OAEcho(_Event):
    """`oa_send_text`, `oa_send_file`, ...: a message the OA sent (through this bot or an admin's
    inbox) coming back. A channel ignores it."""

    event_name: Annotated[str, Field(pattern=r"^oa_send_")]
    sender: Party | None = None
    recipient: Party | None = None
    message: EchoMessage | None = None

    @property
    def user_id(self) -> str | None:
        return self.recipient.id if self.recipient else None

    @property
    def msg_id(self) -> str | None:
        return self.message.msg_id if self.message else None


class UnknownEvent(_Model):
    """An event this code does not know (Zalo adds some): kept, never an error."""

    model_config = ConfigDict(extra="allow", frozen=True)
    event_name: str = ""
    app_id: ZaloId | None = None
    timestamp: LooseInt | None = None

    @property
    def user_id(self) -> str | None:
        return None

    @property
    def is_interaction(self) -> bool:
        return False

    @property
    def dedupe_id(self) -> str:
        extra = self.model_extra or {}
        message = extra.get("message")
        msg_id = message.get("msg_id") if isinstance(message, dict) else None
        if isinstance(msg_id, str | int) and not isinstance(msg_id, bool) and str(msg_id):
            return str(msg_id)[:64]
        # The whole event: two different unknown events at the same millisecond stay apart.
        basis = json.dumps([self.event_name, self.timestamp, extra], sort_keys=True, default=str).encode()
        return "ev-" + hashlib.blake2b(basis, digest_size=16).hexdigest()


_KNOWN = {
    "user_send_text", "user_send_file", "user_send_image", "user_send_sticker", "user_send_location",
    "user_send_audio", "user_send_video", "user_send_link", "user_send_gif", "user_submit_info",
    "follow", "unfollow", "user_click_chatnow",
}


def _kind(value: Any) -> str:
    name = value.get("event_name") if isinstance(value, dict) else getattr(value, "event_name", None)
    if not isinstance(name, str):
        return "unknown"
    if name in _KNOWN:
        return name
    return "oa_echo" if name.startswith("oa_send_") else "unknown"


OAEvent = Annotated[
    Annotated[UserSendText, Tag("user_send_text")]
    | Annotated[UserSendFile, Tag("user_send_file")]
    | Annotated[UserSendImage, Tag("user_send_image")]
    | Annotated[UserSendSticker, Tag("user_send_sticker")]
    | Annotated[UserSendLocation, Tag("user_send_location")]
    | Annotated[UserSendAudio, Tag("user_send_audio")]
    | Annotated[UserSendVideo, Tag("user_send_video")]
    | Annotated[UserSendLink, Tag("user_send_link")]
    | Annotated[UserSendGif, Tag("user_send_gif")]
    | Annotated[UserSubmitInfo, Tag("user_submit_info")]
    | Annotated[Follow, Tag("follow")]
    | Annotated[Unfollow, Tag("unfollow")]
    | Annotated[UserClickChatNow, Tag("user_click_chatnow")]
    | Annotated[OAEcho, Tag("oa_echo")]
    | Annotated[UnknownEvent, Tag("unknown")],
    Discriminator(_kind),
]

_ADAPTER: TypeAdapter[OAEvent] = TypeAdapter(OAEvent)


def parse_event(payload: dict[str, Any]) -> OAEvent:
    """The typed event. A known event whose fields are wrong raises pydantic's `ValidationError`
    (the caller answers it as a malformed call); an unknown event name is `UnknownEvent`."""
    return _ADAPTER.validate_python(payload)


UserMessageEvent = (UserSendText | UserSendFile | UserSendImage | UserSendSticker | UserSendLocation
                    | UserSendAudio | UserSendVideo | UserSendLink | UserSendGif | UserSubmitInfo)


def dump_event(event: OAEvent) -> dict[str, Any]:
    """The event as JSON that `parse_event` reads back to the same event (ids as strings: `ZaloId`)."""
    dumped: dict[str, Any] = _ADAPTER.dump_python(event, mode="json", by_alias=True)
    return dumped
