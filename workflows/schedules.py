"""Schedules created when the worker starts (idempotently: an existing schedule is left as it is)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from workflows.surge import SurgeWorkflow

if TYPE_CHECKING:
    from models.settings import Settings

SURGE_SCHEDULE_ID = "otklik-surge"


async def ensure_schedules(client: Client, settings: Settings) -> list[str]:
    """Create the P17 surge schedule (every ``every_minutes`` of ``config/surge.yaml``) unless it exists;
    returns the ids created now."""
    from activities.surge import load_config

    cfg = load_config(settings)
    created = []
    try:
        await client.create_schedule(
            SURGE_SCHEDULE_ID,
            Schedule(action=ScheduleActionStartWorkflow(SurgeWorkflow.run, id="otklik-surge-run",
                                                        task_queue=settings.task_queue),
                     spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=cfg.every_minutes))]),
                     policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP)))
        created.append(SURGE_SCHEDULE_ID)
    except ScheduleAlreadyRunningError:
        pass  # created once: an existing surge schedule is left as the operator may have tuned it
    return created
