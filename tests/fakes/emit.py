"""``EmitWorkflow`` stands in for MessageWorkflow: it emits a batch through the ``notify_events`` local
activity, exactly as the message workflow does."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.notifications import NotificationEventBatch


@workflow.defn(name="EmitWorkflow")
class EmitWorkflow:
    @workflow.run
    async def run(self, batch: NotificationEventBatch) -> int:
        return await workflow.execute_local_activity(  # type: ignore[no-any-return]
            "notify_events", batch, result_type=int, start_to_close_timeout=timedelta(seconds=30))
