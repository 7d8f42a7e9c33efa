"""Pieces shared by the question-by-question flows (self-assessment, inspectors' re-scoring):
navigation among criteria, the navigation buttons, replacing the pressed screen, and storing a
checked PDF as evidence."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hsdt import texts as messages
from hsdt.events import Button, Reply
from hsdt.handlers.context import Ctx
from hsdt.storage.models import Evidence


def replace(reply: Reply) -> Reply:
    """The same reply, shown in place of the message whose button was pressed."""
    return dataclasses.replace(reply, replace_previous=True)


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Navigation:
    """The list / jump / review buttons of a flow, given that flow's screens.

    `enter(ctx, cid, ret=...)` shows criterion `cid`; `ret` makes answering return to the review.
    """

    ids: Callable[[Ctx], list[str]]
    enter: Callable[..., None]
    question: Callable[[Ctx], Reply]
    listing: Callable[[Ctx], Reply]
    review: Callable[[Ctx], Reply]
    current: Callable[[Ctx], list[Reply]]

    def on_list(self, ctx: Ctx, args: list[str]) -> list[Reply]:
        ctx.data["mode"] = "list"
        return [replace(self.listing(ctx))]

    def on_jump(self, ctx: Ctx, args: list[str]) -> list[Reply]:
        if not args or args[0] not in self.ids(ctx):
            return [Reply(messages.STALE_BUTTON), *self.current(ctx)]
        self.enter(ctx, args[0], ret=bool(ctx.data.get("ret")))
        return [replace(self.question(ctx))]

    def on_review(self, ctx: Ctx, args: list[str]) -> list[Reply]:
        ctx.data.update(mode="review", ret=True)
        return [replace(self.review(ctx))]

    def on_edit_from_review(self, ctx: Ctx, args: list[str]) -> list[Reply]:
        ctx.data.update(mode="list", ret=True)
        return [replace(self.listing(ctx))]


def following(ids: list[str], cid: str) -> str | None:
    index = ids.index(cid)
    return ids[index + 1] if index + 1 < len(ids) else None


def preceding(ids: list[str], cid: str) -> str | None:
    index = ids.index(cid)
    return ids[index - 1] if index > 0 else None


def nav_buttons(prefix: str) -> list[tuple[Button, ...]]:
    """Back / skip, then the question list / review: the same four everywhere."""
    return [
        (Button(messages.BTN_BACK, f"{prefix}:b"), Button(messages.BTN_SKIP, f"{prefix}:s")),
        (Button(messages.BTN_LIST, f"{prefix}:l"), Button(messages.BTN_REVIEW, f"{prefix}:r")),
    ]


def store_file(files_dir: Path, source: Path, sha256: str) -> None:
    """Content-addressed and never overwritten: the same bytes always land at the same path."""
    target = files_dir / sha256[:2] / f"{sha256}.pdf"
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    shutil.copyfile(source, partial)
    partial.replace(target)


def storable(ctx: Ctx) -> bool:
    """The checked file has a verdict worth keeping as evidence."""
    checked = ctx.checked
    return not (
        checked is None or checked.refusal is not None or checked.verdict is None or checked.path is None
        or checked.verdict.status == "error"
    )


def store_evidence(ctx: Ctx, *, campaign_id: int, school_id: int, kind: str, criterion_id: str) -> dict[str, int]:
    """Keep the checked file (see `storable`) as evidence; returns {"valid", "total"} for the criterion."""
    checked = ctx.checked
    assert checked is not None and checked.verdict is not None and checked.path is not None
    verdict = checked.verdict
    store_file(ctx.files_dir, checked.path, verdict.sha256)
    ctx.uow.evidence.add(
        Evidence(
            campaign_id=campaign_id,
            school_id=school_id,
            kind=kind,
            criterion_id=criterion_id,
            sha256=verdict.sha256,
            size=checked.size,
            file_name=checked.name[:255],
            status=verdict.status,
            verdict=verdict.to_json(),
            uploaded_by=ctx.user.id,  # type: ignore[arg-type]
        )
    )
    stored = ctx.uow.evidence.for_criterion(campaign_id, school_id, criterion_id, kind)
    return {"valid": sum(1 for e in stored if e.status == "valid"), "total": len(stored)}
