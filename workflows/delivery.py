"""Delivery as Temporal work: one ``DeliveryWorkflow`` per notification event, one ``DigestWorkflow`` per
recipient for the non-urgent ones.

* ``DeliveryWorkflow`` (id ``notify-<event key>``): resolves the recipients (``plan_delivery``), puts the
  event in each recipient's in-app inbox at once, and then — urgent kinds (P14, P17, a breach reaching
  leadership) — sends every other channel at once, day or night; non-urgent ones go to the recipient's digest.
* ``DigestWorkflow`` (id ``digest-<recipient>``, signal-with-start ``add``): merges the events that arrive
  within ``digest_minutes`` of the first into one send per channel, and outside working hours holds them
  until the next working start of its calendar.

Every channel is its own activity with its own retry policy; a permanent failure (wrong address) is not
retried; a channel that still fails is recorded (``delivery_failed``) and never holds back another
recipient or channel (they run concurrently, each failure caught on its own).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.delivery import (
        NON_RETRYABLE,
        DeliveryInput,
        DeliveryItem,
        DeliveryJob,
        DeliveryPlan,
        DigestEntry,
        DigestInput,
        EnqueueRequest,
    )
    from domain.recipients import Channel
    from domain.worktime import WorkCalendar

CHANNEL_ACTIVITY = {Channel.inbox: "deliver_inbox", Channel.email: "deliver_email", Channel.max: "deliver_max",
                    Channel.telegram: "deliver_telegram", Channel.webhook: "deliver_webhook"}


def _policy(initial: int, maximum: int, attempts: int) -> RetryPolicy:
    return RetryPolicy(initial_interval=timedelta(seconds=initial), backoff_coefficient=2.0,
                       maximum_interval=timedelta(seconds=maximum), maximum_attempts=attempts,
                       non_retryable_error_types=NON_RETRYABLE)


#: Per channel: the inbox is our own database (retried longest); SMTP servers greylist for minutes;
#: bot APIs rate-limit for seconds; a body's webhook receiver may be down for a while.
RETRY = {
    Channel.inbox: _policy(1, 60, 30),
    Channel.email: _policy(30, 900, 10),
    Channel.max: _policy(5, 300, 10),
    Channel.telegram: _policy(5, 300, 10),
    Channel.webhook: _policy(10, 600, 12),
}
IDLE = timedelta(days=1)  # a digest with nothing to merge for a day ends; the next event starts a new run
ROUNDS_PER_RUN = 50


async def deliver(job: DeliveryJob, timeout_seconds: int) -> bool:
    """One job on its channel; a failure is recorded and swallowed (it must not stop the others)."""
    try:
        await workflow.execute_activity(
            CHANNEL_ACTIVITY[job.channel], job, result_type=str,
            start_to_close_timeout=timedelta(seconds=timeout_seconds + 10), retry_policy=RETRY[job.channel])
        return True
    except ActivityError as exc:
        cause = exc.cause or exc
        await workflow.execute_activity(
            "delivery_failed", args=[job, str(getattr(cause, "message", cause))],
            start_to_close_timeout=timedelta(seconds=30), retry_policy=RETRY[Channel.inbox])
        return False


@workflow.defn(name="DeliveryWorkflow")
class DeliveryWorkflow:
    @workflow.run
    async def run(self, inp: DeliveryInput) -> dict[str, int]:
        plan: DeliveryPlan = await workflow.execute_activity(
            "plan_delivery", inp.event_key, result_type=DeliveryPlan,
            start_to_close_timeout=timedelta(seconds=60), retry_policy=RETRY[Channel.inbox])
        now_jobs: list[DeliveryJob] = []
        later: dict[str, list[DeliveryItem]] = {}
        for item in plan.items:
            if item.status != "pending":
                continue
            if item.channel == Channel.inbox or plan.urgent:
                now_jobs.append(DeliveryJob(batch_key=plan.event_key, recipient=item.recipient,
                                            channel=item.channel, delivery_ids=[item.delivery_id]))
            else:
                later.setdefault(item.recipient, []).append(item)
        sent = await asyncio.gather(*(deliver(j, inp.timeout_seconds) for j in now_jobs))
        at = workflow.now()
        await asyncio.gather(*(workflow.execute_activity(
            "enqueue_digest", EnqueueRequest(recipient=r, entry=DigestEntry(event_key=plan.event_key, at=at, items=items),
                                             digest_minutes=inp.digest_minutes, timeout_seconds=inp.timeout_seconds),
            start_to_close_timeout=timedelta(seconds=30), retry_policy=RETRY[Channel.inbox])
            for r, items in later.items()))
        return {"sent": sum(sent), "failed": len(sent) - sum(sent), "queued": sum(len(v) for v in later.values())}


@workflow.defn(name="DigestWorkflow")
class DigestWorkflow:
    @workflow.init
    def __init__(self, inp: DigestInput) -> None:
        self._pending: list[DigestEntry] = list(inp.pending)
        self._seen: list[str] = list(inp.seen)

    @workflow.signal(name="add")
    def add(self, entry: DigestEntry) -> None:
        if entry.event_key in self._seen:
            return
        self._seen.append(entry.event_key)
        self._pending.append(entry)

    @workflow.query(name="pending")
    def pending(self) -> list[str]:
        return [e.event_key for e in self._pending]

    @workflow.run
    async def run(self, inp: DigestInput) -> int:
        cal = WorkCalendar.from_snapshot(inp.calendar)
        rounds = 0
        while True:
            try:
                await workflow.wait_condition(lambda: bool(self._pending), timeout=IDLE,
                                              timeout_summary="ожидание уведомлений для сводки")
            except TimeoutError:
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._pending:
                    return rounds
            if inp.digest_minutes:
                await workflow.sleep(timedelta(minutes=inp.digest_minutes), summary="сбор сводки")
            now = workflow.now()
            release = cal.next_working_start(now)
            if release > now:
                await workflow.sleep(release - now, summary="до начала рабочего времени")
            batch, self._pending = self._pending, []
            await self._send(inp, batch)
            rounds += 1
            if rounds >= ROUNDS_PER_RUN:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(inp.model_copy(update={"pending": self._pending,
                                                                "seen": self._seen[-500:]}))

    async def _send(self, inp: DigestInput, batch: list[DigestEntry]) -> None:
        by_channel: dict[Channel, list[int]] = {}
        for entry in batch:
            for item in entry.items:
                by_channel.setdefault(item.channel, []).append(item.delivery_id)
        key = f"digest:{batch[0].event_key}"
        await asyncio.gather(*(deliver(DeliveryJob(batch_key=key, recipient=inp.recipient, channel=ch,
                                                   delivery_ids=ids), inp.timeout_seconds)
                               for ch, ids in by_channel.items()))
