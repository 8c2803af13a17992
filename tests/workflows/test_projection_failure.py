"""A permanent activity failure is visible, not a silent retry that stalls the clocks (issue 14).

The database refuses one message's read-model row for good (a trigger provoked here raises a constraint
violation, as a bad row would): ``write_outputs`` records it in ``projection_failure`` and fails
non-retryable; the workflow notes it and carries on — no failing workflow task, its P7 deadline is still
breached on time and the breach notification is written.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType

from activities.messages import permanent_error
from domain.sla import StepKey
from models.guards import ProjectionFailure, projection_failures
from models.readmodel import Message
from tests.workflows.helpers import CAL, MIN, H, at, clean_week, make_input, outbox

POISON = "ПРОВАЛ-ЗАПИСИ"


def test_permanent_and_retryable_database_errors_are_told_apart():
    assert permanent_error(IntegrityError("INSERT", {}, Exception("check violation")))
    assert permanent_error(DataError("INSERT", {}, Exception("value too long")))
    assert permanent_error(ValueError("bad row")) and permanent_error(OverflowError("date value out of range"))
    assert not permanent_error(OperationalError("connect", {}, Exception("connection refused")))
    assert not permanent_error(TimeoutError())


@pytest.fixture
def poisoned(harness):
    with harness.engine.begin() as conn:
        for when in ("INSERT", "UPDATE"):
            conn.execute(text(f"CREATE TRIGGER poison_{when.lower()} BEFORE {when} ON message "
                              f"WHEN NEW.text LIKE '%{POISON}%' BEGIN SELECT RAISE(ABORT, 'provoked refusal'); END"))
    yield harness
    with harness.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER poison_insert"))
        conn.execute(text("DROP TRIGGER poison_update"))


async def test_permanent_projection_failure_is_recorded_and_the_clocks_keep_running(poisoned, caplog):
    harness = poisoned
    caplog.set_level(logging.ERROR, logger="otklik.activities")
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0, text=f"Нет воды третий день. {POISON}")
    await harness.start(inp)
    wid = inp.workflow_id
    await harness.settled(wid)
    count, first = projection_failures(harness.engine)
    assert count == 1 and first == [wid]
    with Session(harness.engine) as s:
        assert s.exec(select(Message).where(Message.workflow_id == wid)).first() is None
        assert "provoked refusal" in s.get(ProjectionFailure, wid).error  # type: ignore[union-attr]
    assert any("read model behind" in r.getMessage() and wid in r.getMessage() for r in caplog.records)

    due = CAL.add(t0, 2 * H)
    await harness.goto(CAL.add(due, MIN))
    view = await harness.eventually(wid, lambda v: v.deadline(StepKey.routing).breached, "breach on time")
    assert [b.step for b in view.breaches] == [StepKey.routing]
    assert any(r.kind == "breach" for r in outbox(harness.engine, wid))  # notifications still written
    history = await harness.client.get_workflow_handle(wid).fetch_history()
    kinds = {e.event_type for e in history.events}
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in kinds
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED not in kinds


async def test_projection_failure_clears_when_a_later_projection_succeeds(poisoned):
    harness = poisoned
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0, text=f"Яма на дороге. {POISON}")
    await harness.start(inp)
    await harness.settled(inp.workflow_id)
    assert inp.workflow_id in projection_failures(harness.engine)[1]
    with harness.engine.begin() as conn:  # the operator fixes the cause
        conn.execute(text("DROP TRIGGER poison_insert"))
        conn.execute(text("DROP TRIGGER poison_update"))
        for when in ("INSERT", "UPDATE"):  # (the fixture drops them again)
            conn.execute(text(f"CREATE TRIGGER poison_{when.lower()} BEFORE {when} ON message WHEN 0 BEGIN "
                              "SELECT 1; END"))
    await harness.goto(CAL.add(CAL.add(t0, 2 * H), MIN))  # the breach wakes the workflow: it projects again
    await harness.eventually(inp.workflow_id, lambda v: v.deadline(StepKey.routing).breached, "breach")
    await harness.settled(inp.workflow_id)
    with Session(harness.engine) as s:
        assert s.exec(select(Message).where(Message.workflow_id == inp.workflow_id)).first() is not None
    assert inp.workflow_id not in projection_failures(harness.engine)[1]
