"""Create a Schedule, or bring an existing one to the wanted definition: what every ``ensure_*_schedule`` does
at worker start (idempotent — creating an existing Schedule raises ``ScheduleAlreadyRunningError``)."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
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
