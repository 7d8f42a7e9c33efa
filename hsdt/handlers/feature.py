"""A feature is one conversation area (self-assessment, signature check, report, ...).

Each feature module exposes one `Feature`; `handlers/features.py` includes them all in one place,
so the list of what the bot can do reads like a table of contents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hsdt.events import Reply
from hsdt.handlers.context import Ctx

FlowHandler = Callable[[Ctx], list[Reply]]


@dataclass(frozen=True)
class MenuEntry:
    label: str
    action: str  # a button action the feature's on_button understands, e.g. "sa:open"


@dataclass(frozen=True)
class Feature:
    name: str
    roles: tuple[str, ...]
    # "/tudanhgia" -> handler. Commands are refused politely to roles not in `roles`.
    commands: Mapping[str, FlowHandler] = field(default_factory=dict)
    menu: tuple[MenuEntry, ...] = ()
    # Buttons whose action starts with "<prefix>:" go to on_button.
    button_prefix: str | None = None
    on_button: FlowHandler | None = None
    # While the user's conversation state is in `flow`, typed text and files go to this feature.
    flow: str | None = None
    on_text: FlowHandler | None = None
    on_document: FlowHandler | None = None
    # Shown again after a stale button press while in `flow`.
    current_screen: FlowHandler | None = None
    # (command without "/", Vietnamese description): for /help and the Telegram command menu.
    command_help: tuple[tuple[str, str], ...] = ()
    # The feature that checks a document sent outside any flow that wants one.
    handles_stray_documents: bool = False
    # Only for users whose unit takes part in the active campaign (answers, scores, reports belong to one).
    campaign_members_only: bool = False
