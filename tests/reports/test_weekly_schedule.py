"""P16 on the Temporal dev server: the Schedule ``otklik-weekly-note`` is created once (Mondays 09:00 Moscow
time), and a run it starts builds the note of the week before the run's nominal time from the read model — a
run caught up or backfilled weeks later still builds the week it was meant for."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import ScheduleBackfill, ScheduleCalendarSpec, ScheduleOverlapPolicy, ScheduleRange
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.weekly_note import ReportsConfig, WeekPeriod
from models.outbox import NotificationEventRow
from models.registry import utcnow
from models.settings import Settings
from models.weekly_notes import find_report
from tests.reports.seed import ensure_registry
from tests.workflows.helpers import export_workflow_history
from workflows.weekly_note import SCHEDULE_ID, ensure_weekly_note_schedule


def outbox_keys(engine: Engine, prefix: str) -> list[str]:
    with Session(engine) as s:
        return list(s.exec(select(NotificationEventRow.key).where(col(NotificationEventRow.key).startswith(prefix))).all())


async def test_p16_the_schedule_is_created_once_on_mondays_at_0900_moscow_time(dev_env: WorkflowEnvironment) -> None:
    queue = f"otklik-weekly-{uuid.uuid4().hex[:6]}"
    cfg = ReportsConfig()
    with contextlib.suppress(RPCError):  # another test's worker on this shared server may have made it
        await dev_env.client.get_schedule_handle(SCHEDULE_ID).delete()
    assert await ensure_weekly_note_schedule(dev_env.client, queue, cfg) is True
    assert await ensure_weekly_note_schedule(dev_env.client, queue, cfg) is False  # a second worker start
    handle = dev_env.client.get_schedule_handle(SCHEDULE_ID)
    try:
        desc = await handle.describe()
        spec = desc.schedule.spec
        cal: ScheduleCalendarSpec = spec.calendars[0]
        assert spec.time_zone_name == "Europe/Moscow"
        assert (list(cal.day_of_week), list(cal.hour), list(cal.minute)) == ([ScheduleRange(1, 1)], [ScheduleRange(9, 9)],
                                                                        [ScheduleRange(0, 0)])
        nxt = desc.info.next_action_times[0].astimezone(cfg.zone())
        assert (nxt.isoweekday(), nxt.hour, nxt.minute) == (1, 9, 0)
    finally:
        await handle.delete()


async def test_p16_a_scheduled_run_builds_and_sends_the_previous_weeks_note(dev_env: WorkflowEnvironment,
                                                                             db: Engine, db_url: str) -> None:
    from worker import build_worker

    ensure_registry(db)
    settings = Settings(database_url=db_url, task_queue=f"otklik-weekly-{uuid.uuid4().hex[:6]}")
    await ensure_weekly_note_schedule(dev_env.client, settings.task_queue, ReportsConfig())
    handle = dev_env.client.get_schedule_handle(SCHEDULE_ID)
    week = WeekPeriod.previous(utcnow()).week
    try:
        with ThreadPoolExecutor(max_workers=32) as executor:
            async with build_worker(dev_env.client, settings, executor):
                await handle.trigger()
                for _ in range(300):
                    with Session(db) as s:
                        row = find_report(s, week)
                    keys = outbox_keys(db, f"weekly_note:{week}:")
                    if row is not None and len(keys) >= 3:
                        break
                    await asyncio.sleep(0.1)
        assert row is not None, "the scheduled run stored the note of the week before"
        assert row.report().note.incoming.total == 0
        assert {f"weekly_note:{week}:head", f"weekly_note:{week}:chairman", f"weekly_note:{week}:tsur_head"} <= set(keys)
    finally:
        await handle.delete()


async def test_p16_a_run_backfilled_weeks_late_builds_the_week_it_was_meant_for(dev_env: WorkflowEnvironment,
                                                                                 db: Engine, db_url: str) -> None:
    """The Monday 09:00 run of three weeks ago, backfilled now (as after a long outage): the note of the week
    before that Monday, not of last week — the run reads ``TemporalScheduledStartTime``."""
    from worker import build_worker

    ensure_registry(db)
    cfg = ReportsConfig()
    settings = Settings(database_url=db_url, task_queue=f"otklik-weekly-{uuid.uuid4().hex[:6]}")
    with contextlib.suppress(RPCError):
        await dev_env.client.get_schedule_handle(SCHEDULE_ID).delete()
    await ensure_weekly_note_schedule(dev_env.client, settings.task_queue, cfg)
    handle = dev_env.client.get_schedule_handle(SCHEDULE_ID)
    this_week = WeekPeriod.previous(utcnow() + timedelta(days=7))  # the week in progress
    meant = this_week.start - timedelta(days=21) + timedelta(hours=cfg.hour, minutes=cfg.minute)  # a Monday 09:00
    week = WeekPeriod.previous(meant).week
    assert week != WeekPeriod.previous(utcnow()).week
    try:
        with ThreadPoolExecutor(max_workers=32) as executor:
            async with build_worker(dev_env.client, settings, executor):
                await handle.backfill(ScheduleBackfill(start_at=meant - timedelta(minutes=1),
                                                       end_at=meant + timedelta(minutes=1),
                                                       overlap=ScheduleOverlapPolicy.ALLOW_ALL))
                for _ in range(300):
                    with Session(db) as s:
                        row = find_report(s, week)
                    if row is not None and len(outbox_keys(db, f"weekly_note:{week}:")) >= 3:
                        break
                    await asyncio.sleep(0.1)
                assert row is not None, f"the backfilled run stored the note of {week}"
                runs = [w async for w in dev_env.client.list_workflows(
                    f"WorkflowType = 'WeeklyNoteWorkflow' AND TemporalScheduledById = '{SCHEDULE_ID}'")]
                mine = [w for w in runs if w.task_queue == settings.task_queue]
                assert len(mine) == 1
                await export_workflow_history(dev_env.client, mine[0].id, "p16_weekly_note_backfilled")
        with Session(db) as s:
            assert find_report(s, WeekPeriod.previous(utcnow()).week) is None  # last week's was not built instead
    finally:
        await handle.delete()
