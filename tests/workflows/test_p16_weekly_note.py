"""P16 on a read model written by real MessageWorkflows (time-skipping server): the 9-hour answer due passes
while ЦУР reviews minzdrav's draft — ЦУР's line, minzdrav answered in time (P15: blame follows the holder);
gkh accepts a message and lets its due pass — gkh's overdue open message."""

from __future__ import annotations

from sqlmodel import Session, select

from activities.weekly_note import generate
from domain.messages import Acceptance
from domain.weekly_note import WeekPeriod
from models.readmodel import Deadline
from models.registry import Body
from models.settings import Settings
from tests.workflows.helpers import (
    CAL,
    MIN,
    H,
    Harness,
    approval,
    at,
    clean_week,
    draft,
    executor,
    make_input,
    published,
    route_to,
)

MZ, GKH = "Министерство здравоохранения РСО-Алания", "Министерство ЖКХ, топлива и энергетики РСО-Алания"


async def test_p16_p15_a_delay_on_review_is_tsurs_and_a_body_past_its_due_is_the_bodys(harness: Harness) -> None:
    h = harness
    with Session(h.engine) as s:
        for code, name in (("minzdrav", MZ), ("gkh", GKH)):
            if s.exec(select(Body).where(Body.code == code)).first() is None:
                s.add(Body(code=code, name=name))
        s.commit()
    mon = clean_week(await h.now())
    t0 = at(mon, 10)
    await h.goto(t0)
    a, b = make_input(t0), make_input(t0 + MIN)
    await h.start(a)
    await h.start(b)
    await h.update(a.workflow_id, "route", route_to("minzdrav"))
    await h.update(b.workflow_id, "route", route_to("gkh"))
    await h.update(a.workflow_id, "accept", Acceptance(actor=executor("minzdrav")))
    await h.update(b.workflow_id, "accept", Acceptance(actor=executor("gkh")))
    await h.update(a.workflow_id, "submit_draft", draft("minzdrav"))  # on review with ЦУР from 10:00
    answer_due = CAL.add(t0, 9 * H)
    await h.goto(answer_due + 2 * MIN)  # both 9-hour dues pass: a on review (ЦУР), b with gkh
    await h.eventually(a.workflow_id, lambda v: any(x.step == "answer" for x in v.breaches), "a: answer breach")
    await h.eventually(b.workflow_id, lambda v: any(x.step == "answer" for x in v.breaches), "b: answer breach")
    await h.update(a.workflow_id, "approve", approval())
    await h.update(a.workflow_id, "confirm_published", published("minzdrav"))
    await h.settled(a.workflow_id)
    await h.settled(b.workflow_id)
    with Session(h.engine) as s:
        held = {(d.workflow_id, d.step): d.held_by for d in s.exec(select(Deadline).where(Deadline.breached)).all()}
    assert held[(a.workflow_id, "answer")] == "tsur" and held[(b.workflow_id, "answer")] == "gkh"

    week = WeekPeriod.containing(t0).week
    note = generate(h.engine, Settings(public_url="https://otklik.example"), week, await h.now()).note
    lines = {x.code: x for x in note.bodies}
    mz, gkh = lines["minzdrav"], lines["gkh"]
    assert (mz.name, mz.received, mz.answered, mz.on_time, mz.late) == (MZ, 1, 1, 1, 0)
    assert (gkh.received, gkh.open, gkh.overdue_open, gkh.answered) == (1, 1, 1, 0)
    assert note.tsur.by_step.get("ответ в 9 рабочих часов (П9)") == 1
    assert note.tsur.by_step.get("согласование проекта (П9)") == 1
    assert [o.workflow_id for o in note.overdue] == [b.workflow_id]
    assert note.overdue[0].holder == GKH
