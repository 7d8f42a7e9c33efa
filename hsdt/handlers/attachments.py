"""Attachments made after the commit: deferred documents are rendered in a worker pool, one failure
never costs the other replies (the reply keeps its text and says the file could not be made)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from concurrent.futures import Executor

from hsdt.events import DeferredDocument, Reply
from hsdt.texts import report as m

log = logging.getLogger(__name__)


def _render(reply: Reply) -> Reply:
    try:
        document = reply.document.rendered() if isinstance(reply.document, DeferredDocument) else reply.document
        image = reply.image.rendered() if isinstance(reply.image, DeferredDocument) else reply.image
    except Exception:
        log.exception("rendering an attachment failed; the reply goes out without it")
        return dataclasses.replace(reply, document=None, image=None, text=f"{reply.text}\n\n{m.FILE_FAILED}".strip())
    return dataclasses.replace(reply, document=document, image=image)


def _deferred(reply: Reply) -> bool:
    return isinstance(reply.document, DeferredDocument) or isinstance(reply.image, DeferredDocument)


async def render_attachments(replies: list[Reply], executor: Executor) -> list[Reply]:
    """Every deferred attachment rendered (in `executor`, concurrently); others are left as they are."""
    if not any(_deferred(r) for r in replies):
        return replies
    loop = asyncio.get_running_loop()
    jobs = [loop.run_in_executor(executor, _render, r) if _deferred(r) else None for r in replies]
    done = await asyncio.gather(*(j for j in jobs if j is not None))
    out, results = [], iter(done)
    for reply, job in zip(replies, jobs, strict=True):
        out.append(next(results) if job is not None else reply)
    return out

