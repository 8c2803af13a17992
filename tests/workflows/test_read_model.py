"""The read model written by the projection activities equals what the ``view`` query shows — on the
session's database (PostgreSQL and SQLite). Also: ``publish_answer`` never pretends to publish."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session

from domain.messages import Acceptance, DraftReturn, MessageView
from domain.sla import StepKey
from models.readmodel import Deadline, Draft, Message, MessageBody, MessageEvent
from models.registry import Body, SocialAccount
from tests.workflows.helpers import (
    CAL,
    CURATOR,
    MIN,
    H,
    Harness,
    approval,
    at,
    clean_week,
    draft,
    executor,
    make_input,
    make_worker,
    published,
    route_to,
)

BODY = "minzdrav"


@pytest.fixture
async def db_harness(ts_env, db):
    with Session(db) as s:
        body = Body(code=BODY, name="Министерство здравоохранения РСО-Алания")
        s.add(body)
        s.flush()
        s.add(SocialAccount(network="vk", url="https://vk.com/minzdrav_rso", body_id=body.id, auto_publish=True))
        s.commit()
    task_queue = f"otklik-rm-{uuid.uuid4().hex[:8]}"
    async with make_worker(ts_env.client, db, task_queue):
        yield Harness(ts_env, db, task_queue)


def _rows(engine, model, wid, order):
    table = model.__table__
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(table).where(table.c.workflow_id == wid).order_by(table.c[order]))]


def assert_read_model_equals(engine, view: MessageView, *, closed: bool) -> None:
    wid = view.workflow_id
    [msg] = _rows(engine, Message, wid, "id")
    expected = {
        "state": view.state.value, "topic": view.classification.topic if view.classification else None,
        "bodies": [b.code for b in view.bodies if b.status not in ("removed", "returned")],
        "next_deadline": view.next_deadline, "answer_due": view.answer_due, "breached": bool(view.breaches),
        "breaches_count": len(view.breaches), "significant": view.significant, "repeat_of": view.repeat_of,
        "outcome": view.outcome.value if view.outcome else None, "answer_url": view.answer_url,
        "closed_at": view.closed_at, "events_count": view.events_count, "detected_at": view.detected_at,
        "url": view.url, "author_name": view.author.name, "network": view.network.value,
    }
    assert {k: msg[k] for k in expected} == expected
    assert [(b["body"], b["status"], b["received_at"], b["published_url"]) for b in _rows(engine, MessageBody, wid, "id")] \
        == [(b.code, b.status.value, b.received_at, b.published_url) for b in view.bodies]
    events = _rows(engine, MessageEvent, wid, "seq")
    assert [e["seq"] for e in events] == list(range(1, view.events_count + 1))
    drafts = _rows(engine, Draft, wid, "draft_id")
    assert [(d["draft_id"], d["version"], d["kind"], d["status"], d["text"], d["submitted_at"], d["reviewed_at"],
             d["return_reasons"], d["published_url"]) for d in drafts] == [
        (d.id, d.version, d.kind.value, d.status.value, d.text, d.submitted_at, d.reviewed_at,
         [r.value for r in d.return_reasons], d.published_url) for d in sorted(view.drafts, key=lambda d: d.id)]
    rows = {d["deadline_id"]: d for d in _rows(engine, Deadline, wid, "id")}
    assert set(rows) == {d.id for d in view.deadlines}
    for d in view.deadlines:
        row = rows[d.id]
        same = (row["step"], row["due"], row["opened_at"], row["status"], row["met"], row["breached"], row["body"],
                row["closed_at"], row["escalated_to"])
        assert same == (d.step.value, d.due, d.opened_at, d.status.value, d.met, d.breached, d.body, d.closed_at,
                        d.escalated_to), d.id
        if closed or d.status != "open":
            assert (row["used_minutes"], row["overrun_minutes"]) == (d.used_minutes, d.overrun_minutes), d.id


async def test_read_model_rows_equal_the_view(db_harness):
    h = db_harness
    mon = clean_week(await h.now())
    t0 = at(mon, 10)
    await h.goto(t0)
    inp = make_input(t0)
    wid = inp.workflow_id
    handle = await h.start(inp)
    await h.update(wid, "route", route_to(BODY))
    await h.update(wid, "accept", Acceptance(actor=executor(BODY)))
    await h.update(wid, "submit_draft", draft(BODY))
    review_due = CAL.add(t0, 2 * H)
    await h.goto(CAL.add(review_due, MIN))  # the curator is late: a breach
    await h.eventually(wid, lambda v: v.breaches, "review breach")
    await h.settled(wid)
    assert_read_model_equals(h.engine, await h.view(wid), closed=False)

    await h.update(wid, "return_draft", DraftReturn(actor=CURATOR, reasons=["concise"], comment="Короче."))
    await h.update(wid, "submit_draft", draft(BODY, text="Короче: воду дадут сегодня к 18:00."))
    view = await h.update(wid, "approve", approval())
    await h.settled(wid)
    # the body's account is flagged for automatic publication, but there is no VK integration: nothing is
    # published, the event says so, and the message waits for the executor's link
    view = await h.view(wid)
    assert view.state == "approved"
    with h.engine.connect() as conn:
        table = MessageEvent.__table__
        notes = conn.execute(select(table.c.text).where(table.c.workflow_id == wid,
                                                        table.c.kind == "publication_manual")).scalars().all()
    assert len(notes) == 1 and "НЕ опубликован" in notes[0] and "https://vk.com/minzdrav_rso" in notes[0]
    assert_read_model_equals(h.engine, view, closed=False)

    await h.update(wid, "confirm_published", published(BODY))
    await h.result(handle)
    view = await h.view(wid)
    assert [d.breached for d in view.deadlines if d.step == StepKey.review] == [True, False]
    assert_read_model_equals(h.engine, view, closed=True)
