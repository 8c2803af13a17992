"""Delivery activities: record events, resolve recipients, send on each channel, record the outcome.

``notify_events`` is what a workflow calls (as a local activity): it records the events in the outbox and
starts one ``DeliveryWorkflow`` per event (id ``notify-<key>``, REJECT_DUPLICATE: a retry never delivers
twice). Channel activities take a :class:`domain.delivery.DeliveryJob`; each checks the job's delivery rows
first (a job already sent is not sent again), sends with the job's idempotency key, and records the result.
A permanent failure (wrong address, bad token) is a non-retryable ``ApplicationError``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.delivery import store
from activities.delivery.errors import ChannelError, InvalidAddress
from activities.delivery.mail import Attachment, send_email
from activities.delivery.max import send_max
from activities.delivery.telegram import send_telegram
from activities.delivery.webhook import send_webhook
from domain.delivery import (
    DeliveryInput,
    DeliveryJob,
    DeliveryPlan,
    DigestInput,
    EnqueueRequest,
    idempotency_key,
)
from domain.notifications import NotificationEventBatch
from domain.recipients import Position
from domain.worktime import CalendarSnapshot, WorkCalendar
from models.outbox import record_events
from models.settings import Settings

log = logging.getLogger("otklik.delivery")


@lru_cache(maxsize=1)
def _calendar() -> CalendarSnapshot:
    return WorkCalendar.default(fallback=True).snapshot()


class DeliveryActivities:
    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        self._engine = engine
        self._client = client
        self._settings = settings

    # ------------------------------------------------------------------ entry point

    @activity.defn(name="notify_events")
    async def notify_events(self, batch: NotificationEventBatch) -> int:
        """Record the events (by key) and start their delivery; returns how many were new."""
        def record() -> list[str]:
            with Session(self._engine) as session:
                return record_events(session, batch.events)

        new = await asyncio.to_thread(record)
        # Started for every key, not only the new ones: a retry after a crash between recording and starting
        # still starts it, and the workflow id makes a second start a no-op.
        for e in batch.events:
            await self.start_delivery(e.key)
        return len(new)

    async def start_delivery(self, key: str) -> None:
        from workflows.delivery import DeliveryWorkflow

        s = self._settings
        try:
            await self._client.start_workflow(
                DeliveryWorkflow.run, DeliveryInput(event_key=key, timeout_seconds=s.delivery_timeout_seconds,
                                                    digest_minutes=s.notify_digest_minutes),
                id=f"notify-{key}", task_queue=s.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
        except WorkflowAlreadyStartedError:
            pass  # delivered (or being delivered) already

    # ------------------------------------------------------------------ planning

    @activity.defn(name="plan_delivery")
    async def plan_delivery(self, event_key: str) -> DeliveryPlan:
        try:
            return await asyncio.to_thread(store.plan_delivery, self._engine, self._settings, event_key)
        except LookupError as exc:
            raise ApplicationError(str(exc), type="EventMissing", non_retryable=True) from exc

    @activity.defn(name="enqueue_digest")
    async def enqueue_digest(self, req: EnqueueRequest) -> None:
        """Hand a non-urgent event to the recipient's digest (signal-with-start ``digest-<recipient>``)."""
        from workflows.delivery import DigestWorkflow

        await self._client.start_workflow(
            DigestWorkflow.run, DigestInput(recipient=req.recipient, calendar=_calendar(),
                                            digest_minutes=req.digest_minutes, timeout_seconds=req.timeout_seconds),
            id=f"digest-{req.recipient}", task_queue=self._settings.task_queue,
            start_signal="add", start_signal_args=[req.entry])

    @activity.defn(name="delivery_failed")
    async def delivery_failed(self, job: DeliveryJob, error: str) -> None:
        await asyncio.to_thread(store.mark_failed, self._engine, job.delivery_ids, error)

    # ------------------------------------------------------------------ channels

    async def _run(self, job: DeliveryJob, send: Callable[[store.JobContent, str], Awaitable[str]]) -> str:
        idem = idempotency_key(job.batch_key, job.recipient, job.channel.value)
        content = await asyncio.to_thread(store.load_job, self._engine, self._settings, job.delivery_ids)
        if content.already_sent:
            return idem
        try:
            await send(content, idem)
        except ChannelError as exc:
            await asyncio.to_thread(store.mark_attempt, self._engine, job.delivery_ids, str(exc),
                                    final=exc.permanent)
            raise ApplicationError(str(exc), type=exc.type_name, non_retryable=exc.permanent) from exc
        await asyncio.to_thread(store.mark_sent, self._engine, job.delivery_ids, job.batch_key, idem)
        return idem

    def _link(self, content: store.JobContent) -> str:
        wid = next((e.workflow_id for e in content.events if e.workflow_id), None)
        return store.links(self._settings, wid).get("message", "")

    @activity.defn(name="deliver_inbox")
    async def deliver_inbox(self, job: DeliveryJob) -> str:
        idem = idempotency_key(job.batch_key, job.recipient, job.channel.value)
        content = await asyncio.to_thread(store.load_job, self._engine, self._settings, job.delivery_ids)
        await asyncio.to_thread(store.write_inbox, self._engine, content, job.batch_key, idem, job.delivery_ids)
        return idem

    @activity.defn(name="deliver_email")
    async def deliver_email(self, job: DeliveryJob) -> str:
        from activities.letters import letter_attachments, record_letter  # letters import the mail module

        async def send(c: store.JobContent, idem: str) -> str:
            attachments: list[Attachment] = []
            letter = None
            r = c.recipient
            if r is not None and r.position == Position.police:
                for e in c.events:
                    if e.kind.value == "illegal":
                        letter = await asyncio.to_thread(letter_attachments, self._engine, self._settings, e.data,
                                                         e.workflow_id, r.title, c.address)
                        if letter is not None:
                            attachments += letter[1]
            if any(e.kind.value == "weekly_note" for e in c.events):  # P16: the note (or the deputy's part)
                from activities.weekly_note import weekly_note_attachments

                for e in c.events:
                    if e.kind.value == "weekly_note":
                        attachments += await asyncio.to_thread(weekly_note_attachments, self._engine, e.data)
            mid = await send_email(self._settings, c.address, c.rendered, idem, attachments)
            if letter is not None and r is not None:
                await asyncio.to_thread(record_letter, self._engine, letter[0], r.key, r.title, c.address, mid,
                                        attachments)
            return mid

        return await self._run(job, send)

    @activity.defn(name="deliver_max")
    async def deliver_max(self, job: DeliveryJob) -> str:
        return await self._run(job, lambda c, idem: send_max(self._settings, c.address, c.rendered, idem,
                                                             self._link(c)))

    @activity.defn(name="deliver_telegram")
    async def deliver_telegram(self, job: DeliveryJob) -> str:
        return await self._run(job, lambda c, idem: send_telegram(self._settings, c.address, c.rendered, idem,
                                                                  self._link(c)))

    @activity.defn(name="deliver_webhook")
    async def deliver_webhook(self, job: DeliveryJob) -> str:
        async def send(c: store.JobContent, idem: str) -> str:
            if not c.address:
                raise InvalidAddress("webhook: адрес не задан")
            return await send_webhook(self._settings, c.address, c.webhook_secret, webhook_payload(c, idem),
                                      idem, time.time())

        return await self._run(job, send)


def webhook_payload(c: store.JobContent, idem: str) -> dict[str, Any]:
    kinds = {e.kind.value for e in c.events}
    return {
        "id": idem, "kind": kinds.pop() if len(kinds) == 1 else "digest",
        "recipient": c.recipient.title if c.recipient else "", "subject": c.rendered.subject,
        "text": c.rendered.text,
        "events": [{"key": e.key, "kind": e.kind.value, "workflow_id": e.workflow_id, "body": e.body,
                    "urgent": e.is_urgent(), "created_at": e.created_at.isoformat(), "data": e.data,
                    "subject": p.subject, "text": p.text} for e, p in zip(c.events, c.parts, strict=False)],
    }


def delivery_activities(engine: Engine, client: Client, settings: Settings) -> list[Any]:
    a = DeliveryActivities(engine, client, settings)
    return [a.notify_events, a.plan_delivery, a.enqueue_digest, a.delivery_failed, a.deliver_inbox,
            a.deliver_email, a.deliver_max, a.deliver_telegram, a.deliver_webhook]
