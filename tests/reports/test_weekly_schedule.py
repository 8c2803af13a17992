"""P16 on the Temporal dev server: the Schedule ``otklik-weekly-note`` is created once (Mondays 09:00 Moscow
time), and a run it starts builds the note of the week before the run's own time from the read model."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import ScheduleCalendarSpec, ScheduleRange
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.weekly_note import ReportsConfig, WeekPeriod
from models.outbox import NotificationEventRow
from models.registry import utcnow
from models.settings import Settings
from models.weekly_notes import find_report
from tests.reports.seed import ensure_registry
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
