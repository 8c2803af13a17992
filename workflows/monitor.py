"""NetworkMonitorWorkflow: one monitoring pass over every monitored community (started by a Schedule).

Deterministic: it lists the communities (activity ``list_monitored_accounts``) and polls each
(``poll_community``, see ``activities.networks.monitor``) concurrently; a community whose poll fails
for good (token revoked, access denied) is reported and does not stop the others. Exactly-once recording
lives in the activities (unique external ids, cursors moved after recording), so a pass that overlaps
another, or is retried after a worker restart, records nothing twice.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.monitoring import MonitorPass, MonitorTarget, MonitorTargets, PollResult

POLL_TIMEOUT = timedelta(minutes=4)
POLL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                         maximum_interval=timedelta(seconds=30), maximum_attempts=5)


@workflow.defn(name="NetworkMonitorWorkflow")
class NetworkMonitorWorkflow:
    @workflow.run
    async def run(self) -> MonitorPass:
        targets = await workflow.execute_activity(
            "list_monitored_accounts", result_type=MonitorTargets, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=5))

        async def poll(target: MonitorTarget) -> PollResult | str:
            try:
                return await workflow.execute_activity(
                    "poll_community", target, result_type=PollResult, start_to_close_timeout=POLL_TIMEOUT,
                    retry_policy=POLL_RETRY)
            except ActivityError as exc:
                return str(exc.cause.message if exc.cause is not None and hasattr(exc.cause, "message") else exc)

        out = MonitorPass()
        results = await asyncio.gather(*(poll(t) for t in targets.targets))
        for target, result in zip(targets.targets, results, strict=True):
            if isinstance(result, PollResult):
                out.polled.append(result)
            else:
                out.failed[target.account_id] = result
        return out
