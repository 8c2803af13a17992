"""Create a Schedule, or bring an existing one to the wanted definition: what every ``ensure_*_schedule`` does
at worker start (idempotent — creating an existing Schedule raises ``ScheduleAlreadyRunningError``); and
``calendar_schedule``, the shape of Otklik's calendar Schedules (a workflow at a wall-clock time in a time zone,
a run never overlapping the previous one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)


async def upsert_schedule(client: Client, schedule_id: str, schedule: Schedule) -> bool:
    """True when the Schedule was created now, False when an existing one was updated to ``schedule``."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
        return False


def calendar_schedule(workflow: str, arg: Any, *, run_id: str, task_queue: str, time_zone: str, hour: int,
                      minute: int = 0, day_of_week: Sequence[int] = (), day_of_month: Sequence[int] = (),
                      month: Sequence[int] = (), execution_timeout: timedelta | None = None) -> Schedule:
    """``workflow(arg)`` at ``hour:minute`` in ``time_zone`` on the given weekdays (Temporal: 0 = Sunday), days of
    the month and months (empty: every); a run that would overlap the previous one is skipped."""
    cal: dict[str, Any] = {"hour": [ScheduleRange(hour)], "minute": [ScheduleRange(minute)],
                           "second": [ScheduleRange(0)]}
    for name, values in (("day_of_week", day_of_week), ("day_of_month", day_of_month), ("month", month)):
        if values:
            cal[name] = [ScheduleRange(v) for v in values]
    return Schedule(
        action=ScheduleActionStartWorkflow(workflow, arg, id=run_id, task_queue=task_queue,
                                           execution_timeout=execution_timeout),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(**cal)], time_zone_name=time_zone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
