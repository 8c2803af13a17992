"""TriageReminderWorkflow: one run per tick of the triage Schedule (``workflows.client.ensure_triage_schedule``).

It hands its own time to ``remind_triage`` and returns what was recorded. Candidates never start a
MessageWorkflow here and no Regulation clock runs for them: the reminder goes to the ЦУР duty officer only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.triage import TriageResult

TRIAGE_WORKFLOW = "TriageReminderWorkflow"


@workflow.defn(name=TRIAGE_WORKFLOW)
class TriageReminderWorkflow:
    @workflow.run
    async def run(self) -> TriageResult:
        return await workflow.execute_activity(
            "remind_triage", workflow.now(), result_type=TriageResult,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(maximum_attempts=5, maximum_interval=timedelta(seconds=30)),
        )
