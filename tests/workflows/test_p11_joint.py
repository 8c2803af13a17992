"""P11: several competent bodies. The curator sets the order (parallel or sequential); each body sends its
part within 2 working hours of receiving the message; the curator composes the joint answer; it is
published by one body or each publishes its own part."""

from __future__ import annotations

from domain.messages import (
    BodyStatus,
    DraftKind,
    DraftReturn,
    MessageState,
    Outcome,
    Publisher,
    RouteOrder,
)
from domain.sla import StepKey
from tests.workflows.helpers import (
    CAL,
    CURATOR,
    MIN,
    H,
    approval,
    at,
    clean_week,
    draft,
    export_history,
    make_input,
    near,
    published,
    route_to,
)


def contribution(body, text="Информация органа"):
    return draft(body, DraftKind.contribution, text=text)


async def test_p11_parallel_contributions_two_working_hours_each_published_by_one(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 15)
    await harness.goto(t0)
    inp = make_input(t0)
    wid = inp.workflow_id
    await harness.start(inp)
    view = await harness.update(wid, "route", route_to("minzdrav", "minfin", publishing_body="minzdrav"))
    assert view.state == MessageState.collecting
    due = CAL.add(t0, 2 * H)
    assert due == at(mon, 17)
    assert {view.deadline(StepKey.contribution, b).due for b in ("minzdrav", "minfin")} == {due}

    await harness.goto(CAL.subtract(due, MIN))
    view = await harness.update(wid, "submit_draft", contribution("minzdrav"))
    assert view.deadline(StepKey.contribution, "minzdrav").met is True
    assert view.state == MessageState.collecting

    await harness.goto(CAL.add(due, MIN))
    view = await harness.eventually(wid, lambda v: v.deadline(StepKey.contribution, "minfin").breached, "breach")
    assert [(b.step, b.body) for b in view.breaches] == [(StepKey.contribution, "minfin")]
    view = await harness.update(wid, "submit_draft", contribution("minfin"))
    assert view.state == MessageState.on_review
    assert view.deadline(StepKey.contribution, "minfin").met is False

    # the curator returns one part, then composes the joint answer
    view = await harness.update(wid, "return_draft", DraftReturn(actor=CURATOR, reasons=["complete"], body="minfin"))
    assert view.state == MessageState.collecting and view.deadline(StepKey.rework, "minfin").status == "open"
    view = await harness.update(wid, "submit_draft", contribution("minfin", "Уточнённая информация"))
    assert view.state == MessageState.on_review
    view = await harness.update(wid, "approve", approval(text="Совместный ответ Минздрава и Минфина."))
    assert view.state == MessageState.approved
    assert [d.body for d in view.deadlines if d.step == StepKey.publication and d.status == "open"] == ["minzdrav"]
    view = await harness.update(wid, "confirm_published", published("minzdrav"))
    assert view.outcome == Outcome.answered
    assert view.drafts[-1].text == "Совместный ответ Минздрава и Минфина." and view.drafts[-1].status == "published"
    await export_history(harness, wid, "joint_parallel_one_publisher")


async def test_p11_sequential_next_body_receives_after_previous_and_each_publishes(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 9)
    await harness.goto(t0)
    met, late = make_input(t0), make_input(t0)
    order = dict(order=RouteOrder.sequential, publisher=Publisher.each)
    for inp in (met, late):
        await harness.start(inp)
        view = await harness.update(inp.workflow_id, "route", route_to("minzdrav", "minobr", **order))
    assert view.body("minobr").status == BodyStatus.waiting
    assert [d.body for d in view.deadlines if d.step == StepKey.contribution] == ["minzdrav"]

    await harness.goto(at(mon, 11, 30))
    for inp in (met, late):
        view = await harness.update(inp.workflow_id, "submit_draft", contribution("minzdrav"))
    assert view.body("minobr").status == BodyStatus.assigned
    due = view.deadline(StepKey.contribution, "minobr").due
    assert near(due, at(mon, 14, 30))  # 2 wh from its own receipt, not from the route; lunch not counted

    await harness.goto(CAL.subtract(due, MIN))
    view = await harness.update(met.workflow_id, "submit_draft", contribution("minobr"))
    assert view.deadline(StepKey.contribution, "minobr").met is True and view.state == MessageState.on_review

    await harness.goto(CAL.add(due, MIN))
    await harness.eventually(late.workflow_id, lambda v: v.deadline(StepKey.contribution, "minobr").breached,
                             "sequential breach")

    view = await harness.update(met.workflow_id, "approve", approval())
    assert sorted(d.body for d in view.deadlines if d.step == StepKey.publication) == ["minobr", "minzdrav"]
    view = await harness.update(met.workflow_id, "confirm_published", published("minzdrav"))
    assert view.state == MessageState.approved  # each body publishes its own part
    view = await harness.update(met.workflow_id, "confirm_published", published("minobr", "https://vk.com/wall-1_1?r=3"))
    assert view.outcome == Outcome.answered
    assert all(d.status == "published" for d in view.drafts)
    await export_history(harness, met.workflow_id, "joint_sequential_each_publishes")
