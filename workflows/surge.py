"""``SurgeWorkflow``: one detection run of P17 surges, started by the schedule ``otklik-surge``."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy


@workflow.defn(name="SurgeWorkflow")
class SurgeWorkflow:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity(
            "detect_surges", workflow.now(), result_type=int, start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=3))
