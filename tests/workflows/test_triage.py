"""Triage target (P7): a candidate has no Regulation clock; past ЦУР's internal target (1 working hour from
arrival by default) it goes into ONE reminder for the ЦУР duty officer — nobody outside ЦУР hears of it.

The time-skipping server runs the reminder workflow and its activity (Schedules don't work there); the
dev server creates the Schedule and runs one tick of it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select
from temporalio.client import ScheduleActionStartWorkflow, WorkflowExecutionStatus
from temporalio.service import RPCError

from activities.triage import TriageActivities
from domain.candidates import CandidateIn, CandidateSource
from domain.messages import Author, Network, message_workflow_id
from domain.triage import TriagePolicy, TriageResult
from domain.worktime import DayKind
from models.candidates import Candidate, record_candidate
from models.outbox import NotificationEventRow
from models.readmodel import Message
from models.settings import Settings
from tests.workflows.helpers import CAL, TIMEOUT, at
from workflows.client import ensure_triage_schedule, triage_schedule_id
from workflows.triage import TRIAGE_WORKFLOW


def _regular(d: date) -> bool:
    return CAL.day_info(d).kind == DayKind.working


def past_evening_then_morning() -> tuple[date, date]:
    """A regular working day at least three days ago followed by a regular working day."""
    d = datetime.now(UTC).date() - timedelta(days=3)
    while not (_regular(d) and _regular(d + timedelta(days=1))):
        d -= timedelta(days=1)
    return d, d + timedelta(days=1)


def clean(engine) -> None:
    with Session(engine) as s:
        s.execute(delete(Candidate))
        s.execute(delete(NotificationEventRow))
        s.commit()


def put(engine, external_id: str, arrived_at: datetime, text: str = "Спасибо!") -> int:
    with Session(engine) as s:
        row, _ = record_candidate(s, CandidateIn(
            network=Network.vk, external_id=external_id, source=CandidateSource.vk_callback, kind="comment",
            url=f"https://vk.com/{external_id}", community_id="1", author=Author(id="77", name="Зарина"), text=text))
        s.execute(update(Candidate).where(Candidate.id == row.id).values(arrived_at=arrived_at))
        s.commit()
        return row.id  # type: ignore[return-value]


def events(engine) -> list[NotificationEventRow]:
    with Session(engine) as s:
        return list(s.exec(select(NotificationEventRow)).all())


async def run_reminder(harness, wid: str) -> TriageResult:
    handle = await harness.client.start_workflow(TRIAGE_WORKFLOW, id=wid, task_queue=harness.task_queue,
                                                 result_type=TriageResult)
    return await asyncio.wait_for(handle.result(), TIMEOUT)


async def test_p7_a_thank_you_left_for_a_night_notifies_no_one_outside_tsur(harness):
    clean(harness.engine)
    evening, morning = past_evening_then_morning()
    ext = "wall-1_10_reply11"
    cid = put(harness.engine, ext, at(evening, 18, 30))
    acts = TriageActivities(harness.engine)
    for t in (at(evening, 19, 0), at(evening, 23, 59), at(morning, 3, 0), at(morning, 9, 59)):
        assert acts.remind(t) == TriageResult(), t  # after working hours no working time passes
    assert events(harness.engine) == []

    result = await run_reminder(harness, "triage-test-night")  # the server's now: days after that morning
    assert result.count == 1
    [event] = events(harness.engine)
    assert (event.kind, event.audience, event.body, event.workflow_id) == ("triage", "tsur_duty", None, None)
    assert event.data["count"] == 1 and event.data["candidate_ids"] == [str(cid)]
    assert datetime.fromisoformat(event.data["oldest_arrived_at"]) == at(evening, 18, 30)
    assert event.urgent is False

    with Session(harness.engine) as s:
        cand = s.get(Candidate, cid)
        assert cand.status == "new" and cand.triage_reminded_at is not None and cand.workflow_id is None
        assert s.exec(select(Message)).all() == []  # no message, no Regulation clock
    try:
        await harness.client.get_workflow_handle(message_workflow_id("vk", ext)).describe()
        raise AssertionError("a MessageWorkflow was started for a candidate")
    except RPCError:
        pass
    assert (await run_reminder(harness, "triage-test-night-2")).count == 0  # reminded once
    assert len(events(harness.engine)) == 1


def test_p7_triage_target_both_sides_of_one_working_hour(harness):
    clean(harness.engine)
    _, day = past_evening_then_morning()
    first = put(harness.engine, "wall-1_20", at(day, 9, 0), "Когда починят лифт?")
    second = put(harness.engine, "wall-1_21", at(day, 9, 30), "И у нас тоже")
    acts = TriageActivities(harness.engine)
    assert acts.remind(at(day, 9, 59) + timedelta(seconds=59)) == TriageResult()
    one = acts.remind(at(day, 10, 0))
    assert one.count == 1
    assert acts.remind(at(day, 10, 0)) == TriageResult()  # a retry finds it stamped
    lunch = acts.remind(at(day, 13, 45))  # 09:30 + 1 wh = 10:30; checked later, in the lunch break
    assert lunch.count == 1
    assert [e.data["candidate_ids"] for e in events(harness.engine)] in ([[str(first)], [str(second)]],
                                                                         [[str(second)], [str(first)]])


def test_taken_and_skipped_candidates_are_never_reminded(harness):
    clean(harness.engine)
    _, day = past_evening_then_morning()
    taken = put(harness.engine, "wall-1_30", at(day, 9, 0))
    skipped = put(harness.engine, "wall-1_31", at(day, 9, 0))
    with Session(harness.engine) as s:
        s.execute(update(Candidate).where(Candidate.id == taken).values(status="taken", workflow_id="msg-vk-x"))
        s.execute(update(Candidate).where(Candidate.id == skipped).values(status="skipped", skip_reason="Спам"))
        s.commit()
    assert TriageActivities(harness.engine).remind(at(day, 17, 0)) == TriageResult()
    assert events(harness.engine) == []


def test_calendar_clock_and_policy_file():
    policy = TriagePolicy.default()
    assert policy.target == timedelta(hours=1) and policy.clock == "working"
    assert policy.check_every == timedelta(minutes=5)
    night = TriagePolicy(target="1h", clock="calendar")
    arrived = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert night.due(arrived, CAL) == arrived + timedelta(hours=1)
    for bad in ({"target": "0m"}, {"check_every": "10s"}, {"target": "9"}, {"surprise": 1}):
        try:
            TriagePolicy.model_validate(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


async def test_triage_schedule_on_the_dev_server(dev_harness):
    settings = Settings(task_queue=dev_harness.task_queue)
    sid = await ensure_triage_schedule(dev_harness.client, settings)
    assert sid == triage_schedule_id(dev_harness.task_queue)
    again = await ensure_triage_schedule(dev_harness.client, settings, TriagePolicy(check_every="15m"))
    assert again == sid  # idempotent: the existing schedule takes the new interval
    handle = dev_harness.client.get_schedule_handle(sid)
    try:
        desc = await handle.describe()
        action = desc.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == TRIAGE_WORKFLOW and action.task_queue == dev_harness.task_queue
        assert [i.every for i in desc.schedule.spec.intervals] == [timedelta(minutes=15)]

        clean(dev_harness.engine)
        cid = put(dev_harness.engine, "wall-1_40", datetime.now(UTC) - timedelta(days=10))
        await handle.trigger()
        for _ in range(200):
            desc = await handle.describe()
            done = [a for a in desc.info.recent_actions]
            if done:
                run = dev_harness.client.get_workflow_handle(done[0].action.workflow_id)
                if (await run.describe()).status == WorkflowExecutionStatus.COMPLETED:
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the scheduled triage run did not complete")
        [event] = events(dev_harness.engine)
        assert event.audience == "tsur_duty" and event.data["candidate_ids"] == [str(cid)]
    finally:
        await handle.delete()
