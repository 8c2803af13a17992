"""The monitoring Schedule: ``ensure_network_schedules(client, settings)`` at worker start (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from models.settings import Settings
from workflows.monitor import NetworkMonitorWorkflow

MONITOR_SCHEDULE_ID = "otklik-network-monitor"


def _schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(NetworkMonitorWorkflow.run, id="otklik-network-monitor-pass",
                                           task_queue=settings.task_queue,
                                           execution_timeout=timedelta(minutes=30)),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.monitor_interval_minutes))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_network_schedules(client: Client, settings: Settings) -> None:
    """Create the monitoring schedule, or bring an existing one to the configured interval and queue."""
    wanted = _schedule(settings)
    try:
        await client.create_schedule(MONITOR_SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:
        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(MONITOR_SCHEDULE_ID).update(update)
