"""What a message's transitions produce, buffered and written once per wake (all local activities).

Handlers only append here; ``flush`` (called by ``run``) writes, in order: the P14 notice, automatic
publications, publication checks, the read-model projection (only what changed), the notification events,
the search attributes and the operator's details in the Temporal UI.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        EventRecord,
        MessageProjection,
        PoliceNoticeRequest,
        PoliceNoticeResult,
        PublishRequest,
        PublishResult,
        TransitionOutputs,
    )
    from domain.notifications import NotificationEvent
    from domain.publication import VerifyRequest, VerifyResult
    from workflows import search_attributes as sa

LOCAL_ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Database writes: keep retrying (a database outage delays the read model, it never loses a transition).
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                       maximum_interval=timedelta(minutes=5))
# Network calls: a few attempts, then the executor confirms by hand.
NETWORK_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=1), maximum_attempts=5)


def _sig(obj: Any) -> int:
    return zlib.crc32(obj.model_dump_json().encode("utf-8"))


class Outputs:
    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.notifications: list[NotificationEvent] = []
        self.police: PoliceNoticeRequest | None = None
        self.publish: list[PublishRequest] = []
        self._projected: dict[str, int] = {}  # id -> signature of what the read model last got
        self._sa_last: dict[str, Any] = {}
        self._details_last = ""
        self.read_model_behind = False  # a projection was refused for good (see activities.messages)

    def pending(self) -> bool:
        return bool(self.events or self.notifications or self.publish or self.police)

    def changed(self, items: list[Any]) -> list[Any]:
        """The drafts / deadlines / breaches whose content differs from what was last projected."""
        out = []
        for it in items:
            key = f"{type(it).__name__}:{getattr(it, 'id', None) or getattr(it, 'deadline_id', '')}"
            s = _sig(it)
            if self._projected.get(key) != s:
                self._projected[key] = s
                out.append(it)
        return out

    async def run_police(self) -> tuple[PoliceNoticeRequest, PoliceNoticeResult] | None:
        if self.police is None:
            return None
        req, self.police = self.police, None
        notice = await workflow.execute_local_activity(
            "write_police_notice", req, result_type=PoliceNoticeResult,
            start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT, retry_policy=DB_RETRY)
        return req, notice

    async def run_publish(self) -> list[tuple[PublishRequest, PublishResult]]:
        done = []
        while self.publish:
            req = self.publish.pop(0)
            result = await workflow.execute_local_activity(
                "publish_answer", req, result_type=PublishResult,
                start_to_close_timeout=timedelta(minutes=1), retry_policy=NETWORK_RETRY,
                summary=f"публикация ответа ({req.body})")
            done.append((req, result))
        return done

    async def verify(self, req: VerifyRequest) -> VerifyResult:
        """Ask the network whether the link an executor gave exists and when it went out."""
        return await workflow.execute_local_activity(
            "verify_publication", req, result_type=VerifyResult, start_to_close_timeout=timedelta(seconds=30),
            retry_policy=NETWORK_RETRY, summary="проверка ссылки на публикацию")

    async def write(self, projection: Callable[[], MessageProjection]) -> None:
        """The read model and the notification events of this wake, in one local activity."""
        if not (self.events or self.notifications):
            return
        batch = TransitionOutputs(projection=projection() if self.events else None, notifications=self.notifications)
        self.events = []
        self.notifications = []
        try:
            await workflow.execute_local_activity(
                "write_outputs", batch, start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT, retry_policy=DB_RETRY,
                summary="модель чтения и уведомления")
        except (ActivityError, ApplicationError) as exc:  # a local activity's failure arrives unwrapped
            # The database refused the row for good (the activity recorded it for /readyz): the clocks go on.
            self.read_model_behind = True
            workflow.logger.error("read model behind: %s", getattr(exc, "cause", None) or exc)

    def upsert_search_attributes(self, values: dict[str, Any]) -> None:
        keys = {k.name: k for k in sa.ALL}
        updates: list[SearchAttributeUpdate[Any]] = []
        for name, value in values.items():
            if self._sa_last.get(name, ...) == value:
                continue
            key: Any = keys[name]
            updates.append(key.value_unset() if value is None or value == [] else key.value_set(value))
            self._sa_last[name] = value
        if updates:
            workflow.upsert_search_attributes(updates)

    def set_details(self, text: str) -> None:
        if text != self._details_last:
            self._details_last = text
            workflow.set_current_details(text)
