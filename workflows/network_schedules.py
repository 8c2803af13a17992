"""The monitoring Schedule: ``ensure_network_schedules(client, settings)`` at worker start (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from models.settings import Settings
from workflows.monitor import NetworkMonitorWorkflow
from workflows.scheduling import upsert_schedule

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
    await upsert_schedule(client, MONITOR_SCHEDULE_ID, _schedule(settings))
