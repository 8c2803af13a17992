"""``ensure_account_activity_schedule(client, settings)``: the Schedule of the weekly A8 check, created at worker
start (idempotent: an existing one is brought to this definition). Mondays 08:00 Moscow time."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client, Schedule

from domain.accounts import ActivityRequest
from models.settings import Settings
from workflows.account_activity import WORKFLOW_NAME
from workflows.scheduling import calendar_schedule, upsert_schedule

ACCOUNT_ACTIVITY_SCHEDULE_ID = "otklik-account-activity"


def account_activity_schedule(settings: Settings) -> Schedule:
    return calendar_schedule(WORKFLOW_NAME, ActivityRequest(), run_id="otklik-account-activity-run",
                             task_queue=settings.task_queue, time_zone=settings.timezone, day_of_week=[1], hour=8,
                             execution_timeout=timedelta(hours=2))


async def ensure_account_activity_schedule(client: Client, settings: Settings) -> bool:
    """True when created now, False when an existing Schedule was updated."""
    return await upsert_schedule(client, ACCOUNT_ACTIVITY_SCHEDULE_ID, account_activity_schedule(settings))
