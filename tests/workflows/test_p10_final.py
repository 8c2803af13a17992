"""P10: after an intermediate answer is published, the final draft is due by the close of the 2nd working
day after it — or by the date the intermediate answer named."""

from __future__ import annotations

from datetime import timedelta

from domain.messages import Acceptance, DraftKind, MessageState, Outcome
from domain.sla import StepKey
from tests.workflows.helpers import (
    CAL,
    MIN,
    approval,
    at,
    clean_week,
    draft,
    executor,
    export_history,
    make_input,
    outbox,
    published,
    route_to,
)

BODY = "minzhkh"
DAY = timedelta(days=1)


async def _intermediate_published(harness, inp, promised=None):
    await harness.start(inp)
    await harness.update(inp.workflow_id, "route", route_to(BODY))
    await harness.update(inp.workflow_id, "accept", Acceptance(actor=executor(BODY)))
    await harness.update(inp.workflow_id, "submit_draft", draft(
        BODY, DraftKind.intermediate, text="Вопрос на контроле, сообщим о ремонте.", promised_date=promised))
    await harness.update(inp.workflow_id, "approve", approval())
    return await harness.update(inp.workflow_id, "confirm_published", published(BODY))


async def test_p10_final_draft_two_working_days_after_intermediate_across_weekend(harness):
    mon = clean_week(await harness.now())
    thu = mon + 3 * DAY
    t0 = at(thu, 10)
    await harness.goto(t0)
    met, late = make_input(t0), make_input(t0)
    for inp in (met, late):
        view = await _intermediate_published(harness, inp)
    assert view.state == MessageState.awaiting_final
    assert view.deadline(StepKey.answer).met is True  # the reaction came within 9 wh
    due = view.deadline(StepKey.final_after_intermediate, BODY).due
    assert due == at(mon + 7 * DAY, 18)  # Friday is the 1st working day, Monday the 2nd

    await harness.goto(CAL.subtract(due, MIN))  # Monday 17:59
    view = await harness.update(met.workflow_id, "submit_draft", draft(BODY, text="Ремонт завершён."))
    assert view.deadline(StepKey.final_after_intermediate, BODY).met is True
    await harness.update(met.workflow_id, "approve", approval())
    view = await harness.update(met.workflow_id, "confirm_published", published(BODY, url="https://vk.com/wall-1_1?r=9"))
    assert view.outcome == Outcome.answered and view.answer_url == "https://vk.com/wall-1_1?r=9"
    assert [d.status for d in view.drafts] == ["published", "published"]
    await export_history(harness, met.workflow_id, "intermediate_then_final")

    await harness.goto(CAL.add(due, MIN))  # Tuesday 09:01
    view = await harness.eventually(
        late.workflow_id, lambda v: v.deadline(StepKey.final_after_intermediate, BODY).breached, "P10 breach")
    assert view.state == MessageState.awaiting_final


async def test_p10_promised_date_moves_the_final_deadline(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    view = await _intermediate_published(harness, inp, promised=mon + 9 * DAY)  # next week's Wednesday
    assert view.deadline(StepKey.final_after_intermediate, BODY).due == at(mon + 9 * DAY, 18)
    view = await harness.update(inp.workflow_id, "submit_draft", draft(BODY, DraftKind.final))
    assert view.state == MessageState.on_review


async def test_p10_rerouted_after_intermediate_the_new_body_owes_the_final_by_the_same_date(harness):
    """The curator finds at review of the final draft that another body must answer: the author still
    waits for the final answer promised by P10, so the new body gets that clock — not none at all."""
    from domain.messages import Reroute
    from tests.workflows.helpers import CLASSIFIED, CURATOR

    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    wid = inp.workflow_id
    view = await _intermediate_published(harness, inp)
    p10 = view.deadline(StepKey.final_after_intermediate, BODY).due
    assert p10 == at(mon + 2 * DAY, 18)
    await harness.goto(at(mon + DAY, 11))
    await harness.update(wid, "submit_draft", draft(BODY, text="Ремонт завершён."))
    view = await harness.update(wid, "reroute", Reroute(
        actor=CURATOR, bodies=["minstroy"], reason="Ремонт сетей ведёт Минстрой", classification=CLASSIFIED))
    assert view.state == MessageState.assigned
    final = view.deadline(StepKey.final_after_intermediate, "minstroy")
    assert final.status == "open" and final.due == p10
    assert view.next_deadline == p10

    await harness.goto(CAL.add(p10, MIN))
    view = await harness.eventually(
        wid, lambda v: v.deadline(StepKey.final_after_intermediate, "minstroy").breached, "P10 breach after reroute")
    assert [b.body for b in view.breaches] == ["minstroy"]
    notes = [n for n in outbox(harness.engine, wid) if n.body == "minstroy" and n.kind == "routed"]
    assert any(n.data["final_due"] == p10.isoformat() for n in notes)
