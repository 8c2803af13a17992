"""Idempotent intake (two starts → one workflow, also after it closed), the ``author_replied`` signal
(deduplicated by its event id), and the escalation ladder of a breach (P7, P15)."""

from __future__ import annotations

from datetime import timedelta

from domain.messages import AuthorReplied, Dismissal, MessageState
from domain.sla import StepKey
from tests.workflows.helpers import (
    CAL,
    CURATOR,
    MIN,
    POLICY,
    H,
    at,
    clean_week,
    in_time,
    make_input,
    outbox,
    route_to,
)
from workflows.client import start_message


async def test_intake_is_idempotent_two_starts_one_workflow(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0)
    first, created = await in_time(start_message(harness.client, inp, harness.task_queue))
    again, created_again = await in_time(start_message(harness.client, inp, harness.task_queue))
    assert created and not created_again
    assert first.id == again.id == inp.workflow_id
    assert (await in_time(first.describe())).run_id == (await in_time(again.describe())).run_id
    view = await harness.view(inp.workflow_id)
    assert view.events_count == 1 and view.state == MessageState.new

    await harness.update(inp.workflow_id, "dismiss", Dismissal(actor=CURATOR, reason="Реклама, не обращение"))
    await harness.result(first)
    closed, created_closed = await in_time(start_message(harness.client, inp, harness.task_queue))
    assert not created_closed and closed.id == inp.workflow_id
    assert (await in_time(closed.describe())).run_id == (await in_time(first.describe())).run_id


async def test_author_replied_signal_is_deduplicated_by_event_id(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0)
    handle = await harness.start(inp)
    await harness.update(inp.workflow_id, "route", route_to("minzdrav"))
    reply = AuthorReplied(event_id="vk-comment-42", text="Спасибо, жду", at=t0 + timedelta(minutes=5))
    for _ in range(3):
        await in_time(handle.signal("author_replied", reply))
    view = await harness.eventually(inp.workflow_id, lambda v: v.author_replies == 1, "reply counted")
    await harness.settled(inp.workflow_id)
    view = await harness.view(inp.workflow_id)
    assert view.author_replies == 1 and view.events_count == 3  # intake, routed, author_replied
    replies = [n for n in outbox(harness.engine, inp.workflow_id) if n.kind == "author_replied"]
    assert [(n.audience, n.body) for n in replies] == [("body_executors", "minzdrav")]


async def test_p7_routing_breach_escalates_along_the_policy_ladder(harness):
    t0 = at(clean_week(await harness.now()), 9)
    await harness.goto(t0)
    inp = make_input(t0)
    await harness.start(inp)
    due = CAL.add(t0, 2 * H)
    rungs = POLICY.escalations(CAL, StepKey.routing, due)
    assert len(rungs) >= 2
    last_when, _ = rungs[-1]
    await harness.goto(last_when - MIN)
    view = await harness.eventually(inp.workflow_id, lambda v: len(v.deadline(StepKey.routing).escalated_to) ==
                                    sum(len(r.notify) for _, r in rungs[:-1]), "all rungs but the last")
    await harness.goto(last_when + MIN)
    expected = [a for _, r in rungs for a in r.notify]
    view = await harness.eventually(inp.workflow_id, lambda v: v.deadline(StepKey.routing).escalated_to == expected,
                                    "the whole ladder")
    escalations = [n for n in outbox(harness.engine, inp.workflow_id) if n.kind in ("breach", "rung")]
    assert sorted(n.audience for n in escalations) == sorted(expected)
    assert all(n.data["step"] == "routing" and n.data["held_by"] == "tsur" for n in escalations)  # P15
    view = await harness.update(inp.workflow_id, "route", route_to("minzdrav"))  # the process goes on
    assert view.state == MessageState.assigned


async def test_update_id_makes_a_retried_action_idempotent(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0)
    await harness.start(inp)
    first = await harness.update(inp.workflow_id, "route", route_to("minzdrav"), update_id="req-route-1")
    again = await harness.update(inp.workflow_id, "route", route_to("minzdrav"), update_id="req-route-1")
    # the second call got the first outcome, not a refusal of a second route
    assert again.state == first.state == MessageState.assigned and again.events_count == first.events_count
    assert (await harness.view(inp.workflow_id)).events_count == 2
    assert await harness.update_events(inp.workflow_id) == 1
