"""The daily retention run: ``RetentionWorkflow`` calls ``remove_personal_data`` (activities/retention.py);
``ensure_retention_schedule`` creates, updates or removes the Schedule ``otklik-retention`` to match
``OTKLIK_PERSONAL_DATA_RETENTION_DAYS`` (0: no schedule)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.retention import RetentionRequest, RetentionResult

SCHEDULE_ID = "otklik-retention"
WORKFLOW_NAME = "RetentionWorkflow"


@workflow.defn(name=WORKFLOW_NAME)
class RetentionWorkflow:
    @workflow.run
    async def run(self, req: RetentionRequest) -> RetentionResult:
        return await workflow.execute_activity(
            "remove_personal_data", req, result_type=RetentionResult,
            start_to_close_timeout=timedelta(minutes=30),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=10))
