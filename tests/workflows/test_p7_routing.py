"""P7: the curator classifies and routes a detected message within 2 working hours."""

from __future__ import annotations

from datetime import timedelta

from domain.messages import BodyStatus, Classification, Importance, MessageState
from domain.sla import StepKey
from tests.workflows.helpers import CAL, CURATOR, MIN, POLICY, H, at, clean_week, make_input, outbox, route_to

DAY = timedelta(days=1)


async def test_p7_routing_met_one_minute_before_and_breached_one_minute_after_two_working_hours(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    met, late = make_input(t0), make_input(t0)
    await harness.start(met)
    await harness.start(late)
    due = CAL.add(t0, 2 * H)
    assert due == at(mon, 12)
    view = await harness.view(met.workflow_id)
    assert view.state == MessageState.new
    assert view.deadline(StepKey.routing).due == due
    assert view.deadline(StepKey.routing).remaining_minutes == 120

    await harness.goto(CAL.subtract(due, MIN))
    view = await harness.update(met.workflow_id, "route", route_to("minzdrav"))
    routing = view.deadline(StepKey.routing)
    assert routing.met is True and not routing.breached
    assert view.state == MessageState.assigned and view.body("minzdrav").status == BodyStatus.assigned
    assert view.classification is not None and view.classification.topic == "roads"

    await harness.goto(CAL.add(due, MIN))
    view = await harness.eventually(late.workflow_id, lambda v: v.deadline(StepKey.routing).breached, "breach")
    assert view.state == MessageState.new  # a breach does not stop the process
    assert [b.step for b in view.breaches] == [StepKey.routing]
    assert view.breaches[0].due == due and view.breaches[0].actual is None
    assert view.breaches[0].overrun_minutes == 1
    first_rung = POLICY.step(StepKey.routing).escalation[0]
    rows = outbox(harness.engine, late.workflow_id)
    assert {r.audience for r in rows} >= set(first_rung.notify)
    assert all(r.kind == "breach" and r.data["held_by"] == "tsur" and r.data["due"] == due.isoformat() for r in rows)

    # routed late: the step is done, the breach stays, with its actual time and overrun
    view = await harness.update(late.workflow_id, "route", route_to("minzdrav"))
    routing = view.deadline(StepKey.routing)
    assert routing.met is False and routing.breached
    assert view.breaches[0].actual is not None and view.breaches[0].overrun_minutes >= 1


async def test_p7_routing_clock_crosses_the_weekend(harness):
    mon = clean_week(await harness.now())
    fri = mon + DAY * 4
    t0 = at(fri, 17)
    await harness.goto(t0)
    met, late = make_input(t0), make_input(t0)
    await harness.start(met)
    await harness.start(late)
    due = CAL.add(t0, 2 * H)
    assert due == at(mon + DAY * 7, 10)  # 1 h on Friday, 1 h on Monday

    await harness.goto(at(fri + DAY, 12))  # Saturday noon
    view = await harness.view(late.workflow_id)
    assert not view.breaches and view.deadline(StepKey.routing).remaining_minutes == 60

    await harness.goto(CAL.subtract(due, MIN))  # Monday 09:59
    view = await harness.update(met.workflow_id, "classify", Classification(
        actor=CURATOR, topic="water", location="vladikavkaz", importance=Importance.important))
    view = await harness.update(met.workflow_id, "route", route_to("minzdrav", classification=None))
    assert view.deadline(StepKey.routing).met is True
    assert view.classification is not None and view.classification.topic == "water"

    await harness.goto(CAL.add(due, MIN))  # Monday 10:01
    view = await harness.eventually(late.workflow_id, lambda v: bool(v.breaches), "breach on Monday")
    assert view.breaches[0].step == StepKey.routing


async def test_p7_escalation_names_who_was_notified_in_russian(harness):
    """The message's log reads «дежурный ЦУР», not the policy's code ``tsur_duty``."""
    from sqlalchemy import select

    from models.readmodel import MessageEvent

    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    await harness.start(inp)
    await harness.goto(CAL.add(CAL.add(t0, 2 * H), MIN))
    await harness.eventually(inp.workflow_id, lambda v: bool(v.breaches), "breach")
    await harness.settled(inp.workflow_id)
    table = MessageEvent.__table__
    with harness.engine.connect() as conn:
        texts = list(conn.scalars(select(table.c.text).where(table.c.workflow_id == inp.workflow_id,
                                                              table.c.kind == "escalation")))
    assert texts and all("дежурный ЦУР" in t and "tsur_duty" not in t for t in texts)
