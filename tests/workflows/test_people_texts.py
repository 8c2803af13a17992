"""What people read names bodies by their registry names; a curator can close an approved message whose
post is gone (P9 publication can no longer happen)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from domain.messages import Acceptance, Dismissal, MessageState
from domain.sla import StepKey
from models.readmodel import MessageEvent
from tests.workflows.helpers import (
    CURATOR,
    approval,
    at,
    clean_week,
    draft,
    executor,
    make_input,
    outbox,
    route_to,
)

NAMES = {"minzdrav": "Минздрав РСО-Алания"}


def _event_texts(engine, wid: str) -> list[str]:
    table = MessageEvent.__table__
    with engine.connect() as conn:
        return [r.text for r in conn.execute(select(table.c.text).where(table.c.workflow_id == wid)
                                             .order_by(table.c.seq))]


async def test_texts_name_bodies_and_an_approved_message_can_be_dismissed(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    wid = inp.workflow_id
    await harness.start(inp)
    await harness.update(wid, "route", route_to("minzdrav", body_names=NAMES))
    await harness.update(wid, "accept", Acceptance(actor=executor("minzdrav")))
    await harness.update(wid, "submit_draft", draft("minzdrav"))
    view = await harness.update(wid, "approve", approval())
    assert view.state == MessageState.approved
    view = await harness.update(wid, "dismiss", Dismissal(actor=CURATOR, reason="Автор удалил запись"))
    assert view.state == MessageState.dismissed
    publication = view.deadline(StepKey.publication, "minzdrav")
    assert publication.status == "cancelled" and not view.breaches

    for _ in range(100):  # the projection is written right after the update's workflow task
        texts = _event_texts(harness.engine, wid)
        if any("Реакция не требуется" in x for x in texts):
            break
        await asyncio.sleep(0.05)
    assert "Направлено в орган: «Минздрав РСО-Алания»" in texts
    assert "Принято в работу («Минздрав РСО-Алания»)" in texts
    body_notes = [n for n in outbox(harness.engine, wid) if n.body == "minzdrav"]
    assert any(n.kind == "closed" and n.data["outcome"] == "dismissed" for n in body_notes)
    assert view.dismissed_after_routing
