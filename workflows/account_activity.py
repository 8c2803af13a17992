"""``AccountActivityWorkflow``: the weekly A8 check of official accounts (at least 3 own publications a week).

Started by the Schedule ``otklik-account-activity`` (Mondays 08:00 Moscow time) with no week: it counts the
week before the Schedule's nominal time of the run (``workflows.scheduled_time``: a caught-up run counts the
week it was meant for). Lists the official VK and OK accounts, counts each concurrently (activity
``count_account_week``, which stores the row); an account whose every attempt failed is recorded with the
fault and does not stop the others; then the bodies below the threshold and the head of ЦУР are notified.
Idempotent per week: rows are upserts, notification keys name the week.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.accounts import (
        AccountTarget,
        AccountTargets,
        ActivityRequest,
        ActivityRun,
        WeekCount,
        previous_week,
    )
    from workflows.scheduled_time import nominal_now

WORKFLOW_NAME = "AccountActivityWorkflow"
COUNT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                          maximum_interval=timedelta(minutes=2), maximum_attempts=5)


@workflow.defn(name=WORKFLOW_NAME)
class AccountActivityWorkflow:
    @workflow.run
    async def run(self, req: ActivityRequest) -> ActivityRun:
        now = workflow.now()
        week = req.week or previous_week(nominal_now())  # a caught-up run: the week it was meant for
        targets = await workflow.execute_activity(
            "list_official_accounts", week, result_type=AccountTargets, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=5))

        async def count(target: AccountTarget) -> WeekCount:
            try:
                return await workflow.execute_activity(
                    "count_account_week", args=[target, week, now], result_type=WeekCount,
                    start_to_close_timeout=timedelta(minutes=5), retry_policy=COUNT_RETRY)
            except ActivityError as exc:
                reason = str(getattr(exc.cause, "message", "") or exc)
                return await workflow.execute_activity(
                    "record_account_fault", args=[target, week, now, reason], result_type=WeekCount,
                    start_to_close_timeout=timedelta(seconds=30), retry_policy=RetryPolicy(maximum_attempts=5))

        counts = await asyncio.gather(*(count(t) for t in targets.targets))
        notified = await workflow.execute_activity(
            "report_account_week", args=[week, now], result_type=int, start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=5))
        return ActivityRun(week=week, checked=len(counts), below=sum(1 for c in counts if not c.error and not c.meets),
                           refused=sum(1 for c in counts if c.error), notified=notified)
