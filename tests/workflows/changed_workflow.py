"""MessageWorkflow with an unguarded change (a timer first, no ``workflow.patched``): the negative replay test
uses it to show that a change in what the workflow schedules is caught."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import MessageInput, MessageSummary
    from workflows.message import MessageWorkflow


@workflow.defn(name="MessageWorkflow")
class ChangedMessageWorkflow(MessageWorkflow):
    @workflow.run
    async def run(self, inp: MessageInput) -> MessageSummary:
        await workflow.sleep(1)
        return await super().run(inp)
