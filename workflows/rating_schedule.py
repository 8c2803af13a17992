"""``ensure_rating_schedule(client, settings)``: the Schedule ``otklik-quarterly-rating`` (idempotent, at
worker start): the 1st of January, April, July and October at 10:00 Moscow time, ``RatingWorkflow`` for the
quarter just ended (A11: «ежеквартально»; A13: results brought to the heads promptly)."""

from __future__ import annotations

from temporalio.client import Client, Schedule

from models.settings import Settings
from workflows.rating import SCHEDULE_ID, WORKFLOW_NAME, RatingRequest
from workflows.scheduling import calendar_schedule, upsert_schedule

MONTHS = (1, 4, 7, 10)


def rating_schedule(settings: Settings) -> Schedule:
    return calendar_schedule(WORKFLOW_NAME, RatingRequest(), run_id="otklik-quarterly-rating-run",
                             task_queue=settings.task_queue, time_zone=settings.timezone, month=MONTHS,
                             day_of_month=[1], hour=10)


async def ensure_rating_schedule(client: Client, settings: Settings) -> str:
    """``created`` / ``updated``."""
    return "created" if await upsert_schedule(client, SCHEDULE_ID, rating_schedule(settings)) else "updated"
