"""Messages sent back to back (a phone flushing its queue after reconnecting) through 3 Zalo webhook
workers behind nginx on PostgreSQL: 20 users each send three answers 250 ms apart, which the proxy
spreads over the workers. A chat's events apply one after another on any worker, and each is read
against the screen the previous one put up (the committed state, not a send receipt), so every
answer lands on the question it answers and every message gets its reply, shown in that order."""

from __future__ import annotations

import asyncio
import functools
import random
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from hsdt.storage.models import Answer, AnswerAudit
from hsdt.storage.unit_of_work import UnitOfWork
from tests.deploy.fleet import Fleet, on_record, text_update, zalo_webhook
from tests.deploy.test_proxy_e2e import database, pki, zalo  # noqa: F401  (shared fixtures)
from tests.fakes.zalo_server import FakeZaloServer, SentMessage
from tests.signatures.testpki import TestPKI

USERS = 20
WORKERS = 3
# The answers typed in one burst, and the question each one's reply shows next.
BURST = [("1,2,3", "Tiêu chí 2/12"), ("12/10", "Tiêu chí 3/12"), ("20/18", "Tiêu chí 4/12")]
# Between two messages of a burst. A worker starved of CPU for longer than this before it takes the chat's
# lock lets the later message apply first, and the earlier one is then refused as late, by design (seen
# at 100 ms when the whole suite ran beside it, or two CPU hogs per core, on the code before too). The
# messages are still in flight together across the workers; that a message is read against the committed
# screen, not a send receipt, is forced deterministically in tests/handlers/test_typed_core.py.
GAP_S = 0.25
EXPECTED = {"B1": {"issued": 12, "used": 10}, "B2": {"issued": 20, "used": 18}}

pytestmark = pytest.mark.needs("nginx")


def _shows(expected: str, message: SentMessage) -> bool:
    return expected in message.text


async def _user(platform: FakeZaloServer, engine: Engine, ref: str, code: str, rng: random.Random,
                statuses: list[int]) -> None:
    for typed, expected in ((f"/start {code}", "Đăng ký thành công"), ("/tudanhgia", "Tiêu chí 1/12")):
        statuses.append((await platform.deliver_webhook(text_update(ref, typed))).status)
        await platform.wait_for_message(ref, functools.partial(_shows, expected), timeout=120)
        await on_record(engine, ref)
    await asyncio.sleep(rng.uniform(0, 1.0))  # the users' bursts interleave
    calls = []
    for typed, _ in BURST:  # each message dated when it is sent, GAP_S apart, none waiting for an answer
        calls.append(asyncio.create_task(platform.deliver_webhook(text_update(ref, typed))))
        await asyncio.sleep(GAP_S)
    statuses.extend(result.status for result in await asyncio.gather(*calls))
    # Each message's reply (each worker sends the turns it applied, after the chat's earlier ones).
    await platform.wait_until(lambda: all(any(e in m.text for m in platform.messages(ref)) for _, e in BURST),
                              timeout=120, what=f"the replies to {ref}'s burst")
    await on_record(engine, ref)


async def test_bursts_through_three_webhook_workers_land_on_the_questions_they_answer(
    tmp_path: Path, database: tuple[str, Engine, dict[str, str]], zalo: FakeZaloServer,  # noqa: F811
    pki: TestPKI,  # noqa: F811
) -> None:
    url, engine, codes = database
    fleet = Fleet(tmp_path, url, zalo_webhook(zalo.base_url), pki.trust_dir, WORKERS)
    users = {f"b{i}": codes[f"P{i}"] for i in range(USERS)}
    statuses: list[int] = []
    try:
        await fleet.start()
        rng = random.Random(2510)
        await asyncio.wait_for(asyncio.gather(*(
            _user(zalo, engine, ref, code, random.Random(rng.random()), statuses) for ref, code in users.items())),
            timeout=300)
    finally:
        await fleet.stop_async()
    assert set(statuses) == {200}
    with UnitOfWork(engine) as uow:
        answers = list(uow.session.exec(select(Answer)).all())
        audits = list(uow.session.exec(select(AnswerAudit)).all())
    by_school: dict[int, dict[str, object]] = {}
    for answer in answers:
        by_school.setdefault(answer.school_id, {})[answer.criterion_id] = answer.value
    wrong = {school: values for school, values in by_school.items()
             if set(values) != {"A1", *EXPECTED} or {k: values[k] for k in EXPECTED} != EXPECTED}
    assert len(by_school) == USERS and wrong == {}, f"answers on the wrong question: {wrong}"
    assert len(audits) == USERS * len(BURST), "each answer applied once"
    for ref in users:
        shown = [m.text for m in zalo.messages(ref)]
        late = [text for text in shown if text.startswith("⏱")]
        assert late == [], f"{ref}: a message was taken for late: {late}"
        assert all(sum(expected in text for text in shown) == 1 for _, expected in BURST), f"{ref}: {shown}"
        # In the order they applied: the last question on the phone is the one the next message answers.
        positions = [next(i for i, text in enumerate(shown) if expected in text) for _, expected in BURST]
        assert positions == sorted(positions), f"{ref}: replies out of order"
