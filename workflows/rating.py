"""``RatingWorkflow``: one quarter's rating (Order, items 11–13) — computed, stored, sent to the heads.

Started by the Schedule ``otklik-quarterly-rating`` on the 1st of January, April, July and October at
10:00 Moscow time with no quarter: it rates the quarter that has just ended (by the Schedule's nominal time, ``workflows.scheduled_time``).
The work runs in a child workflow whose id is the quarter's (``otklik-rating-2026-Q3``): a second start
for the same quarter (a retried schedule, a restarted worker) finds it done and sends nothing again; only a
failed run may be run again under that id.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.rating import Quarter, RatingRun, RatingTask
    from workflows.scheduled_time import nominal_now

SCHEDULE_ID = "otklik-quarterly-rating"
WORKFLOW_NAME = "RatingWorkflow"


def quarter_workflow_id(quarter: str) -> str:
    return f"otklik-rating-{quarter}"


class RatingRequest(BaseModel):
    quarter: str | None = None  # None: the quarter that ended before the workflow's start


@workflow.defn(name=WORKFLOW_NAME)
class RatingWorkflow:
    @workflow.run
    async def run(self, req: RatingRequest) -> RatingRun | None:
        if req.quarter is None:
            quarter = str(Quarter.of(nominal_now()).previous())  # a caught-up run: the quarter it was meant for
            try:
                return await workflow.execute_child_workflow(
                    WORKFLOW_NAME, RatingRequest(quarter=quarter), id=quarter_workflow_id(quarter),
                    result_type=RatingRun, id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
            except WorkflowAlreadyStartedError:
                workflow.logger.info("rating of %s was already run", quarter)
                return None
        try:
            quarter = str(Quarter.parse(req.quarter))
        except ValueError as e:
            raise ApplicationError(str(e), type="BadQuarter", non_retryable=True) from e
        return await workflow.execute_activity(
            "rate_quarter", RatingTask(quarter=quarter, at=workflow.now()), result_type=RatingRun,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_attempts=5, non_retryable_error_types=["BadQuarter"]))
