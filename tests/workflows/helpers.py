"""Shared helpers for the MessageWorkflow tests: worker factory, input factory, actors, time travel.

Time on the time-skipping server starts at the real "now" and only moves forward, so every test
picks its instants with the calendar: ``clean_week(after)`` is the Monday of the next week whose
Monday–Friday, and the next week's, are ordinary full working days (no holiday, no short day) —
the same arithmetic every year. ``Harness.goto(t)`` skips the server clock to ``t``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import build_activities
from domain.messages import (
    Actor,
    Approval,
    Author,
    ClassificationFields,
    DraftKind,
    DraftSubmission,
    Importance,
    MessageInput,
    MessageView,
    Network,
    PublicationConfirmation,
    RouteDecision,
)
from domain.notifications import NotificationEvent
from domain.sla import SlaPolicy
from domain.worktime import DayKind, WorkCalendar
from models.outbox import NotificationEventRow
from workflows import ALL_WORKFLOWS
from workflows.client import message_act, message_view, start_message

MSK = ZoneInfo("Europe/Moscow")
MIN = timedelta(minutes=1)
H = timedelta(hours=1)
CAL = WorkCalendar.default(fallback=True)  # intake snapshots with the fallback: a message may outlive the data
POLICY = SlaPolicy.default()
# A message that ends soon after it closes (the P14 window of 3 s): for the dev server, which cannot skip time.
QUICK_CLOSE = POLICY.model_copy(update={"options": POLICY.options.model_copy(
    update={"p14_after_close": timedelta(seconds=3)})})
TIMEOUT = 30  # seconds of real time for any single Temporal call in a test

CURATOR = Actor(person_id=1, name="Куратор Дзагоева А. Б.", role="curator")
OTHER_CURATOR = Actor(person_id=2, name="Куратор Гасиев Т. К.", role="curator")
LEADER = Actor(person_id=9, name="Заместитель Председателя", role="leadership")


def executor(body: str, person_id: int = 100) -> Actor:
    return Actor(person_id=person_id, name=f"Исполнитель {body}", role="executor", body=body)


def responsible(body: str) -> Actor:
    return Actor(person_id=200, name=f"Ответственный {body}", role="responsible", body=body)


CLASSIFIED = ClassificationFields(topic="roads", location="vladikavkaz", importance=Importance.ordinary)


def make_input(detected_at: datetime, *, external_id: str | None = None, search_attributes: bool = False,
               **kw: Any) -> MessageInput:
    n = uuid.uuid4().int % 10**12
    ext = external_id or f"wall-1_1_reply{n}"  # a comment under post wall-1_1 (VK's canonical id)
    data: dict[str, Any] = dict(
        network=Network.vk, external_id=ext, post_id=ext, url=f"https://vk.com/wall-1_1?reply={n}" if external_id is None else f"https://vk.com/{ext}",
        author=Author(id="id777", name="Алан Цаголов", profile_url="https://vk.com/id777"),
        text="Третью неделю нет воды на улице Ленина, куда звонить?", detected_at=detected_at,
        posted_at=detected_at - timedelta(minutes=5), raw_payload='{"type":"wall_post_new","object":{"id":1}}',
        calendar=CAL.snapshot(), policy=POLICY, search_attributes=search_attributes,
    )
    data.update(kw)
    return MessageInput(**data)


def route_to(*bodies: str, **kw: Any) -> RouteDecision:
    kw.setdefault("classification", CLASSIFIED)
    return RouteDecision(actor=CURATOR, bodies=list(bodies), **kw)


def draft(body: str, kind: DraftKind = DraftKind.final, **kw: Any) -> DraftSubmission:
    return DraftSubmission(actor=executor(body), kind=kind,
                           text=kw.pop("text", "Здравствуйте! Бригада водоканала восстановит подачу воды до 18:00."),
                           **kw)


def approval(**kw: Any) -> Approval:
    ticks = dict(complete=True, informal=True, concise=True, solution=True, network_format=True)
    ticks.update(kw)
    return Approval(actor=CURATOR, **ticks)


def published(body: str, url: str = "https://vk.com/wall-1_1?reply=2", at: datetime | None = None) -> PublicationConfirmation:
    return PublicationConfirmation(actor=executor(body), url=url, published_at=at)


def outbox(engine: Any, wid: str) -> list[NotificationEvent]:
    """The notification events the workflow recorded (kind, audience, body, data)."""
    table = NotificationEventRow.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return [NotificationEventRow(**dict(r._mapping)).to_event() for r in conn.execute(
            select(table).where(table.c.workflow_id == wid).order_by(table.c.id))]


# --- calendar --------------------------------------------------------------------------------


def _regular(d: date) -> bool:
    return CAL.day_info(d).kind == DayKind.working


def clean_week(after: datetime) -> date:
    """The Monday of the first week after ``after`` whose weekdays, and the next week's, are all regular."""
    d = after.astimezone(MSK).date() + timedelta(days=1)
    while True:
        d += timedelta(days=(7 - d.weekday()) % 7)
        if all(_regular(d + timedelta(days=i)) for i in (*range(5), *range(7, 12))):
            return d
        d += timedelta(days=1)


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), tzinfo=MSK)


def near(t: datetime, expected: datetime) -> bool:
    """A moment the server stamped just after ``harness.goto(...)``: its clock runs on in real time meanwhile
    (a loaded machine adds a second or more), so a clock opened "at 11:30" may read 11:30:01."""
    return expected <= t < expected + MIN


def holiday_eve(after: datetime) -> tuple[date, date]:
    """A regular working day followed by at least one public or regional holiday on a weekday,
    and the next working day after the break: (eve, first working day after)."""
    d = after.astimezone(MSK).date() + timedelta(days=1)
    while True:
        nxt = d + timedelta(days=1)
        if (_regular(d) and CAL.day_info(nxt).kind in (DayKind.holiday, DayKind.regional, DayKind.transfer_off)
                and nxt.weekday() < 5):
            back = nxt
            while not CAL.day_info(back).is_working_day:
                back += timedelta(days=1)
            if _regular(back):
                return d, back
        d = nxt


# --- the harness ----------------------------------------------------------------------------

T = TypeVar("T")


def make_worker(client: Client, engine: Any, task_queue: str) -> Worker:
    return Worker(client, task_queue=task_queue, workflows=ALL_WORKFLOWS, activities=build_activities(engine),
                  workflow_failure_exception_types=[Exception])


_WAKES = (EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_TIMER_FIRED,
          EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
_CLOSED = (EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
           EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)


class Harness:
    """One time-skipping environment, one worker, one database, many messages."""

    def __init__(self, env: WorkflowEnvironment, engine: Any, task_queue: str) -> None:
        self.env = env
        self.client = env.client
        self.engine = engine
        self.task_queue = task_queue

    async def now(self) -> datetime:
        return (await self.env.get_current_time()).astimezone(MSK)

    async def goto(self, t: datetime) -> None:
        """Skip the server clock to ``t`` (never backwards)."""
        delta = t - await self.env.get_current_time()
        assert delta > -timedelta(seconds=5), f"time only moves forward: {t} is {-delta} in the past"
        if delta > timedelta(0):
            await asyncio.wait_for(self.env.sleep(delta), TIMEOUT)

    async def start(self, inp: MessageInput) -> WorkflowHandle[Any, Any]:
        handle, created = await asyncio.wait_for(start_message(self.client, inp, self.task_queue), TIMEOUT)
        assert created
        return handle

    async def update(self, wid: str, name: str, arg: Any, **kw: Any) -> MessageView:
        """The update, then the view as of the server's time."""
        await self.settled(wid)
        as_of = await self.env.get_current_time()
        return await asyncio.wait_for(message_act(self.client, wid, name, arg, as_of=as_of, **kw), TIMEOUT)

    async def view(self, wid: str) -> MessageView:
        """The view as of the server's current (skipped) time."""
        as_of = await self.env.get_current_time()
        return await asyncio.wait_for(message_view(self.client, wid, as_of=as_of), TIMEOUT)

    async def eventually(self, wid: str, pred: Callable[[MessageView], bool], what: str = "") -> MessageView:
        """Query until ``pred`` holds (a fired timer is processed by the worker a moment after the skip)."""
        view = await self.view(wid)
        for _ in range(100):
            if pred(view):
                return view
            await asyncio.sleep(0.05)
            view = await self.view(wid)
        raise AssertionError(f"condition not reached: {what}; state {view.state}")

    async def history_len(self, wid: str) -> int:
        history = await asyncio.wait_for(self.client.get_workflow_handle(wid).fetch_history(), TIMEOUT)
        return len(history.events)

    async def result(self, handle: WorkflowHandle[Any, Any]) -> Any:
        """The result of a closed message's workflow: past the P14 window after closing (the policy's
        ``p14_after_close``) it ends. Awaiting ``result()`` of a running workflow would let the time-skipping
        server race its clock (years in seconds), so skip the window, then wait until it is closed."""
        await self.settled(handle.id)
        if self.env.supports_time_skipping:
            await self.goto(await self.env.get_current_time() + POLICY.options.p14_after_close + MIN)
        for _ in range(200):
            desc = await asyncio.wait_for(handle.describe(), TIMEOUT)
            if desc.status != WorkflowExecutionStatus.RUNNING:
                return await asyncio.wait_for(handle.result(), TIMEOUT)
            await asyncio.sleep(0.05)
        raise AssertionError(f"{handle.id} did not close")

    async def settled(self, wid: str) -> None:
        """Wait until the workflow has no workflow task to run (its last transition is fully recorded).

        The time-skipping server can lose an update that arrives while a workflow task is in flight (a
        timer just fired by a skip), and it does not report pending tasks in ``describe``: read the history.
        """
        handle = self.client.get_workflow_handle(wid)
        quiet = 0
        for _ in range(400):
            history = await asyncio.wait_for(handle.fetch_history(), TIMEOUT)
            pending = False
            for e in history.events:
                if e.event_type in _WAKES:
                    pending = True
                elif e.event_type in (EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, *_CLOSED):
                    pending = False
            quiet = 0 if pending else quiet + 1
            if quiet == 2:  # twice in a row: a timer that fired as a skip ended has shown up by now
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{wid}: a workflow task stays pending")

    async def update_events(self, wid: str) -> int:
        """Accepted updates in the history (a rejected update never gets one)."""
        history = await asyncio.wait_for(self.client.get_workflow_handle(wid).fetch_history(), TIMEOUT)
        return sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)


HISTORIES = Path(__file__).resolve().parent / "histories"


async def export_history(harness: Harness, wid: str, name: str) -> None:
    """With ``OTKLIK_EXPORT_HISTORIES=1``, save the workflow's history for the replay test."""
    await export_workflow_history(harness.client, wid, name)


async def export_workflow_history(client: Client, wid: str, name: str) -> None:
    """The same for any workflow on any test server (the reports' and schedules' workflows too)."""
    if os.environ.get("OTKLIK_EXPORT_HISTORIES") != "1":
        return
    history = await asyncio.wait_for(client.get_workflow_handle(wid).fetch_history(), TIMEOUT)
    (HISTORIES / f"{name}.json").write_text(history.to_json(), encoding="utf-8")


async def in_time(aw: Awaitable[T]) -> T:
    return await asyncio.wait_for(aw, TIMEOUT)
