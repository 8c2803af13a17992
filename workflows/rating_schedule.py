"""``ensure_rating_schedule(client, settings)``: the Schedule ``otklik-quarterly-rating`` (idempotent, at
worker start): the 1st of January, April, July and October at 10:00 Moscow time, ``RatingWorkflow`` for the
quarter just ended (A11: «ежеквартально»; A13: results brought to the heads promptly)."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from models.settings import Settings
from workflows.rating import SCHEDULE_ID, WORKFLOW_NAME, RatingRequest
from workflows.scheduling import upsert_schedule

MONTHS = (1, 4, 7, 10)


def rating_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(WORKFLOW_NAME, RatingRequest(), id="otklik-quarterly-rating-run",
                                           task_queue=settings.task_queue),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(
            month=[ScheduleRange(m) for m in MONTHS], day_of_month=[ScheduleRange(1)], hour=[ScheduleRange(10)],
            minute=[ScheduleRange(0)], second=[ScheduleRange(0)])], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_rating_schedule(client: Client, settings: Settings) -> str:
    """``created`` / ``updated``."""
    return "created" if await upsert_schedule(client, SCHEDULE_ID, rating_schedule(settings)) else "updated"
