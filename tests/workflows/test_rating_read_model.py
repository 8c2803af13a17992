"""A11 on the read model that real MessageWorkflows write (P8, P9, P15 — on PostgreSQL and SQLite): the
rating's SQL blames the holder — a 9-hour breach while ЦУР reviewed the draft never counts against the body,
nor does its escalation — and tells a justified return (re-routed elsewhere) from a wrongful one (routed
back to the same body)."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from domain.messages import Acceptance, Reroute, ReturnToCurator
from domain.rating import Criterion, Quarter
from models.rating_queries import quarter_facts
from models.readmodel import Deadline
from models.registry import Body
from tests.workflows.helpers import (
    CAL,
    CLASSIFIED,
    CURATOR,
    MIN,
    H,
    Harness,
    at,
    clean_week,
    draft,
    executor,
    make_input,
    make_worker,
    route_to,
)

pytestmark = pytest.mark.db


@pytest.fixture
async def db_harness(ts_env, db):
    with Session(db) as s:
        s.add_all([Body(code="minzdrav", name="Министерство здравоохранения РСО-Алания"),
                   Body(code="mintrans", name="Министерство транспорта РСО-Алания")])
        s.commit()
    task_queue = f"otklik-rating-{uuid.uuid4().hex[:8]}"
    async with make_worker(ts_env.client, db, task_queue):
        yield Harness(ts_env, db, task_queue)


async def test_a11_p15_rating_facts_from_real_workflows_follow_the_holder(db_harness):
    h = db_harness
    mon = clean_week(await h.now())
    t0 = at(mon, 10)
    await h.goto(t0)
    justified, wrongful, tsur_late, body_late = (make_input(t0) for _ in range(4))
    for inp in (justified, wrongful, tsur_late, body_late):
        await h.start(inp)
        await h.update(inp.workflow_id, "route", route_to("minzdrav"))
    await h.goto(at(mon, 10, 10))
    ret = ReturnToCurator(actor=executor("minzdrav"), reason="Не наша компетенция")
    for inp, back_to in ((justified, "mintrans"), (wrongful, "minzdrav")):
        await h.update(inp.workflow_id, "return_to_curator", ret)
        await h.update(inp.workflow_id, "reroute", Reroute(actor=CURATOR, bodies=[back_to], reason="Компетенция",
                                                           classification=CLASSIFIED))
    for inp in (tsur_late, body_late):
        await h.update(inp.workflow_id, "accept", Acceptance(actor=executor("minzdrav")))
    await h.update(tsur_late.workflow_id, "submit_draft", draft("minzdrav"))  # ЦУР holds it from now
    # Past the 9-hour answer and two more working hours: the body's breaches reach leadership.
    await h.goto(CAL.add(CAL.add(t0, 9 * H), 2 * H + MIN))
    for inp in (justified, wrongful, tsur_late, body_late):
        view = await h.eventually(inp.workflow_id, lambda v: any(b.step == "answer" for b in v.breaches), "breach")
        await h.settled(inp.workflow_id)
    view = await h.view(tsur_late.workflow_id)
    assert next(b for b in view.breaches if b.step == "answer").held_by == "tsur"

    with Session(h.engine) as s:
        # The projection keeps who held it through the later escalation rungs (they carry no breach).
        held = s.exec(select(Deadline.held_by).where(Deadline.workflow_id == body_late.workflow_id,
                                                     Deadline.step == "answer")).one()
        assert held == "minzdrav"
        facts = quarter_facts(s, Quarter.of(t0))
    mz = facts["minzdrav"]
    tally = {k: (t.good, t.total) for k, t in mz.tallies.items()}
    assert mz.messages == 4
    assert tally[Criterion.timeliness] == (2, 4)  # wrongful and body_late; not the one ЦУР held
    assert tally[Criterion.escalations] == (2, 4)  # ЦУР's ladder never reaches leadership for the body
    assert tally[Criterion.returns] == (3, 4)  # only the return routed back to minzdrav
    mt = facts["mintrans"]
    assert mt.messages == 1 and mt.tallies[Criterion.timeliness].good == 0  # it held the re-routed message
