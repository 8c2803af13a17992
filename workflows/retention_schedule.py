"""``ensure_retention_schedule(client, settings)``: the Schedule of ``RetentionWorkflow``, idempotent (the
worker calls it at start): created when missing, its period argument updated when the setting changed,
deleted when retention is off (``OTKLIK_PERSONAL_DATA_RETENTION_DAYS=0``). Daily at 03:00 Moscow time."""

from __future__ import annotations

from temporalio.client import Client, Schedule
from temporalio.service import RPCError, RPCStatusCode

from domain.retention import RetentionRequest
from models.settings import Settings
from workflows.retention import SCHEDULE_ID, WORKFLOW_NAME
from workflows.scheduling import calendar_schedule, upsert_schedule


def retention_schedule(settings: Settings) -> Schedule:
    return calendar_schedule(WORKFLOW_NAME, RetentionRequest(days=settings.personal_data_retention_days),
                             run_id="otklik-retention-run", task_queue=settings.task_queue,
                             time_zone=settings.timezone, hour=3)


async def ensure_retention_schedule(client: Client, settings: Settings) -> str:
    """``created`` / ``updated`` / ``deleted`` / ``off``."""
    handle = client.get_schedule_handle(SCHEDULE_ID)
    if settings.personal_data_retention_days == 0:
        try:
            await handle.delete()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return "off"
            raise
        return "deleted"
    return "created" if await upsert_schedule(client, SCHEDULE_ID, retention_schedule(settings)) else "updated"
