"""Calls into MessageWorkflow from outside the sandbox (the API, the CLI, tests).

* ``start_message`` — idempotent intake: the workflow id is the message key; a second start of a
  running message attaches to it (``USE_EXISTING``), a closed one is never started again
  (``REJECT_DUPLICATE``) — both return the existing handle with ``created=False``.
* ``message_update`` — one human decision (a Workflow Update, named in ``domain.actions.ACTIONS``); it
  returns a small ``ActionResult``; a validator's refusal becomes ``Rejected`` with the Russian reason (the
  API answers 409 with it). ``update_id`` is the idempotency key: the same id twice returns the first
  outcome. ``message_act`` is the update followed by the ``view`` query.
* ``message_view`` — the ``view`` query (pass ``as_of=datetime.now(UTC)`` for remaining time up to now).
* ``ensure_triage_schedule`` — the Schedule that runs ``TriageReminderWorkflow`` (worker start-up;
  idempotent: an existing schedule takes the current interval from ``config/triage.yaml``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.actions import ACTIONS
from domain.messages import ActionResult, MessageInput, MessageSummary, MessageView
from domain.triage import TriagePolicy
from domain.worktime import WorkCalendar
from workflows.message.texts import static_summary
from workflows.scheduling import upsert_schedule
from workflows.triage import TRIAGE_WORKFLOW

if TYPE_CHECKING:
    from models.settings import Settings

WORKFLOW_NAME = "MessageWorkflow"
REJECTED = "Rejected"  # ApplicationError type raised by the update validators

UPDATE_NAMES = frozenset(ACTIONS)
# A message lives days, rarely weeks (P10 promises up to a year ahead): two calendar years cover it.
CALENDAR_YEARS = 2


class Rejected(Exception):
    """The workflow refused the action; ``message_ru`` says why, in Russian."""

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


class MessageNotFound(LookupError):
    """No workflow with this id."""


async def start_message(
    client: Client, inp: MessageInput, task_queue: str
) -> tuple[WorkflowHandle[Any, MessageSummary], bool]:
    """Start the message's workflow, or find the one already there. Returns (handle, created now)."""
    wid = inp.workflow_id
    year = inp.detected_at.year
    calendar = WorkCalendar.from_snapshot(inp.calendar).for_years(year, year + CALENDAR_YEARS - 1).snapshot()
    inp = inp.model_copy(update={"calendar": calendar})
    try:
        handle = await client.start_workflow(
            WORKFLOW_NAME,
            inp,
            id=wid,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            result_type=MessageSummary,
            static_summary=static_summary(inp),
        )
    except WorkflowAlreadyStartedError:  # closed, and its id may not be reused
        return client.get_workflow_handle(wid, result_type=MessageSummary), False
    response = handle._start_workflow_response  # the only place the server says "started: true/false"
    created = bool(response is not None and response.started)
    return handle, created


async def message_act(
    client: Client, workflow_id: str, name: str, arg: Any, *, update_id: str | None = None,
    as_of: datetime | None = None,
) -> MessageView:
    """Run update ``name``, then read the view; ``Rejected`` when a validator refuses."""
    await message_update(client, workflow_id, name, arg, update_id=update_id)
    return await message_view(client, workflow_id, as_of=as_of)


async def message_update(
    client: Client, workflow_id: str, name: str, arg: Any, *, update_id: str | None = None
) -> ActionResult:
    """Run update ``name``; its small result (state, version, what changed). ``Rejected`` when refused."""
    if name not in UPDATE_NAMES:
        raise ValueError(f"unknown update {name!r}")
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(name, arg, id=update_id, result_type=ActionResult)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == REJECTED:
            raise Rejected(cause.message) from exc
        raise
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            await _raise_missing_or_closed(client, workflow_id)
        raise


async def message_view(client: Client, workflow_id: str, *, as_of: datetime | None = None) -> MessageView:
    """The ``view`` query. ``as_of`` (e.g. the API's clock) counts remaining working time up to that moment;
    without it the view stands at the workflow's last transition."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        if as_of is None:
            return await handle.query("view", result_type=MessageView)
        return await handle.query("view", as_of, result_type=MessageView)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise MessageNotFound(workflow_id) from exc
        raise


async def _raise_missing_or_closed(client: Client, workflow_id: str) -> None:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise MessageNotFound(workflow_id) from exc
        raise
    raise Rejected("Работа с сообщением уже завершена: действие невозможно.")



def triage_schedule_id(task_queue: str) -> str:
    return f"otklik-triage-{task_queue}"


async def ensure_triage_schedule(client: Client, settings: Settings, policy: TriagePolicy | None = None) -> str:
    """Create (or bring up to date) the triage Schedule: every ``check_every`` one ``TriageReminderWorkflow``
    on the settings' task queue, never two at once. Returns the schedule id."""
    policy = policy or TriagePolicy.default()
    sid = triage_schedule_id(settings.task_queue)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(TRIAGE_WORKFLOW, id=f"triage-{settings.task_queue}",
                                           task_queue=settings.task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=policy.check_every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    await upsert_schedule(client, sid, schedule)
    return sid
