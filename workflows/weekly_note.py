"""P16: ``WeeklyNoteWorkflow`` builds the ЦУР's weekly analytic note and sends it; the Schedule
``otklik-weekly-note`` (``ensure_weekly_note_schedule``, at worker start) runs it every Monday 09:00 Moscow time
(``config/reports.yaml``) for the week that has just ended.

Deterministic: the week comes in the input or from the Schedule's nominal time of the run
(``workflows.scheduled_time``; a caught-up or backfilled run reports the week it was meant for); the open messages are judged as of
``workflow.now()``. Running the same week twice replaces the stored note and sends nothing again: the
notification keys are per week (``weekly_note:<week>:<recipient>``) and delivery starts one workflow per key.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client, Schedule
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.weekly_note import NoteRequest, ReportsConfig, WeeklyNoteInput, WeeklyNoteResult, WeekPeriod
    from workflows.scheduled_time import nominal_now

SCHEDULE_ID = "otklik-weekly-note"
WORKFLOW_NAME = "WeeklyNoteWorkflow"


@workflow.defn(name=WORKFLOW_NAME)
class WeeklyNoteWorkflow:
    @workflow.run
    async def run(self, inp: WeeklyNoteInput) -> WeeklyNoteResult:
        now = workflow.now()
        week = inp.week or WeekPeriod.previous(nominal_now()).week  # a caught-up run: the week it was meant for
        result: WeeklyNoteResult = await workflow.execute_activity(
            "generate_weekly_note", NoteRequest(week=week, as_of=now), result_type=WeeklyNoteResult,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2), maximum_attempts=5))
        if inp.notify:
            result.events = await workflow.execute_activity(
                "send_weekly_note", week, result_type=int, start_to_close_timeout=timedelta(minutes=5),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2), maximum_attempts=10))
        return result


def weekly_note_schedule(task_queue: str, cfg: ReportsConfig) -> Schedule:
    from workflows.scheduling import calendar_schedule

    return calendar_schedule(WORKFLOW_NAME, WeeklyNoteInput(), run_id="otklik-weekly-note-run", task_queue=task_queue,
                             time_zone=cfg.timezone, day_of_week=[cfg.weekday % 7],  # Temporal: 0 = Sunday
                             hour=cfg.hour, minute=cfg.minute)


async def ensure_weekly_note_schedule(client: Client, task_queue: str, cfg: ReportsConfig) -> bool:
    """Create the Schedule or bring it to ``cfg``; True when created now."""
    from workflows.scheduling import upsert_schedule

    return await upsert_schedule(client, SCHEDULE_ID, weekly_note_schedule(task_queue, cfg))
