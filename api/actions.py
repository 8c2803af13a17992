"""A person's decision on a message = one Workflow Update, and what a person may see of a message.

``act``: who acts (403 for a wrong role or body, from ``api.auth.authorize``; the message's bodies from the
read model, or from the live view when the read model says no or a draft must be found) → the decision
with the actor → ``message_update`` (404 for an unknown message, 409 with the workflow validator's
Russian reason). ``Idempotency-Key`` becomes the update id: a repeated request returns the
first outcome, even after the state has moved on; the same key with a different body is 422.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal, authorize, ensure_read
from api.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable
from api.queries import item, message_row, routed_bodies
from api.registry_check import check_decision
from api.schemas import MessageDetail
from domain.actions import ACTIONS
from domain.messages import ActionResult, BodyStatus, DraftStatus, DraftView, MessageView
from models.guards import remember_request
from workflows.client import MessageNotFound, message_update, message_view

QUERY_TIMEOUT = 10.0  # seconds for the worker to answer the ``view`` query
INTAKE_QUERY_TIMEOUT = 3.0  # after a start the workflow already exists: a busy worker only delays its view
UPDATE_TIMEOUT = 30.0  # seconds for an update to be accepted and applied
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

DECISIONS: dict[str, type[BaseModel]] = {name: a.decision for name, a in ACTIONS.items()}

# Which draft status a /drafts/{n}/... action expects.
DRAFT_STATUS = {
    "approve": (DraftStatus.on_review, "не на согласовании"),
    "return_draft": (DraftStatus.on_review, "не на согласовании"),
    "confirm_published": (DraftStatus.approved, "не ждёт публикации"),
}

DRAFT_STATUS_TITLES = {
    DraftStatus.on_review: "на согласовании",
    DraftStatus.returned: "возвращён на доработку",
    DraftStatus.approved: "согласован",
    DraftStatus.published: "опубликован",
    DraftStatus.superseded: "заменён",
}


def current_bodies(view: MessageView) -> set[str]:
    return {b.code for b in view.bodies if b.status != BodyStatus.removed}


async def live_view(client: Client, workflow_id: str, timeout: float = QUERY_TIMEOUT) -> MessageView:
    """The workflow's ``view`` now (remaining working time counted up to this moment)."""
    try:
        return await asyncio.wait_for(message_view(client, workflow_id, as_of=datetime.now(UTC)), timeout)
    except TimeoutError:
        raise ServiceUnavailable("Обработчик сообщений (worker Temporal) не ответил вовремя; повторите запрос",
                                 code="worker_unavailable", headers={"Retry-After": "5"}) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.FAILED_PRECONDITION:  # the workflow task is failing: an operator's job
            raise ServiceUnavailable("Процесс обработки сообщения остановлен из-за ошибки и ждёт исправления; "
                                     "повторите позже", code="workflow_stuck", headers={"Retry-After": "60"}) from exc
        raise


# --- reading --------------------------------------------------------------------------------------


def _record(engine: Engine, workflow_id: str) -> tuple[Any, set[str]]:
    with Session(engine) as session:
        row = message_row(session, workflow_id)
        return (item(row) if row is not None else None), routed_bodies(session, workflow_id)


async def detail(client: Client, engine: Engine, principal: Principal, workflow_id: str,
                 query_timeout: float = QUERY_TIMEOUT, check_read: bool = True) -> MessageDetail:
    """Read model + live view. With the worker silent, the read model alone (``live: false``).

    After intake (``query_timeout`` short) the workflow is known to exist: a silent worker gives ``view:
    null`` rather than an error.
    """
    record, bodies = await asyncio.to_thread(_record, engine, workflow_id)
    view: MessageView | None = None
    try:
        view = await live_view(client, workflow_id, query_timeout)
    except MessageNotFound:
        if record is None:
            raise NotFound("Сообщение не найдено", code="message_not_found") from None
    except ServiceUnavailable:
        if record is None and query_timeout == QUERY_TIMEOUT:
            raise
    if view is not None:
        bodies |= current_bodies(view)
    if check_read:
        ensure_read(principal, bodies)
    return MessageDetail(workflow_id=workflow_id, record=record, view=view, live=view is not None)


async def readable(client: Client, engine: Engine, principal: Principal, workflow_id: str) -> None:
    """404 unless the message exists (read model or workflow); 403 unless the principal may read it."""
    record, bodies = await asyncio.to_thread(_record, engine, workflow_id)
    if record is None:
        view = await live_view(client, workflow_id)  # MessageNotFound → 404
        bodies |= current_bodies(view)
    ensure_read(principal, bodies)


# --- acting ---------------------------------------------------------------------------------------


def _draft(view: MessageView, action: str, ref: str) -> DraftView:
    draft_id = ref if ref.startswith("d") else f"d{ref}"
    found = next((d for d in view.drafts if d.id == draft_id), None)
    if found is None:
        raise NotFound(f"Проект {draft_id} не найден", code="draft_not_found")
    expected, words = DRAFT_STATUS[action]
    if found.status != expected:
        raise Conflict(f"Проект {draft_id} {words}: он {DRAFT_STATUS_TITLES[found.status]}", code="rejected")
    return found


async def _earlier_outcome(client: Client, workflow_id: str, update_id: str) -> ActionResult | None:
    """The result of an update already run with this id (a retried request), or None."""
    handle = client.get_workflow_handle(workflow_id).get_update_handle(update_id, result_type=ActionResult)
    try:
        return await asyncio.wait_for(handle.result(), QUERY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    except WorkflowUpdateFailedError:
        return None  # it was refused then: run the checks again, they say why
    except TimeoutError:
        return None


def _decision(action: str, data: dict[str, Any]) -> BaseModel:
    try:
        return DECISIONS[action].model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *[p for p in e["loc"] if p != "actor"])} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


async def _same_request(engine: Engine, workflow_id: str, update_id: str, payload: BaseModel) -> None:
    """422 when this person's key for this action was first used with a different request body."""
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    sha = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    first = await asyncio.to_thread(remember_request, engine, workflow_id, update_id, sha)
    if first != sha:
        raise Unprocessable("Этот Idempotency-Key уже использован для этого действия с другим телом запроса: "
                            "для нового запроса возьмите новый ключ", code="idempotency_key_reused")


def _routed(engine: Engine, workflow_id: str) -> set[str]:
    with Session(engine) as session:
        return routed_bodies(session, workflow_id)


async def act(client: Client, engine: Engine, principal: Principal, workflow_id: str, action: str,
              payload: BaseModel, idempotency_key: str | None = None, draft: str | None = None) -> MessageView:
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise Unprocessable("Заголовок Idempotency-Key: 1–200 печатных символов ASCII без пробелов",
                            code="validation_error")
    data = payload.model_dump(exclude_unset=False)
    targets = data.get("bodies") or () if action == "reroute" else ()
    view: MessageView | None = None
    actor = None
    if draft is None:
        # The read model usually answers "who may act" without asking the workflow; when it says no (it may
        # lag a route by a moment, or the message may not exist), the live view decides.
        bodies = await asyncio.to_thread(_routed, engine, workflow_id)
        with contextlib.suppress(Forbidden):
            actor = authorize(principal, action, bodies, targets)
    if actor is None:
        view = await live_view(client, workflow_id)
        actor = authorize(principal, action, current_bodies(view), targets)
    data["actor"] = actor.model_dump()
    # The key is the person's: authorised first, and scoped to who acts, so nobody replays another's action.
    update_id = (f"{action}:{draft or ''}:{actor.person_id}:{actor.body or '-'}:{idempotency_key}"
                 if idempotency_key else None)
    if update_id is not None:
        await _same_request(engine, workflow_id, update_id, payload)
    if update_id is not None and await _earlier_outcome(client, workflow_id, update_id) is not None:
        return await live_view(client, workflow_id)
    if draft is not None:
        if view is None:
            view = await live_view(client, workflow_id)
        found = _draft(view, action, draft)
        if action == "return_draft":
            if data.get("body") is None:
                data["body"] = found.body
            elif data["body"] != found.body:
                raise Conflict(f"Проект {found.id} подготовлен органом {found.body}, а не {data['body']}",
                               code="rejected")
        if action == "confirm_published" and found.body != principal.body_code:
            raise Conflict(f"Проект {found.id} публикует орган {found.body}", code="rejected")
    names = await check_decision(engine, action, data)
    if action in ("route", "reroute", "change_publisher"):
        data["body_names"] = names
    decision = _decision(action, data)
    try:
        await asyncio.wait_for(
            message_update(client, workflow_id, action, decision, update_id=update_id), UPDATE_TIMEOUT)
    except TimeoutError:
        raise ServiceUnavailable("Temporal не подтвердил действие вовремя; повторите запрос с тем же "
                                 "Idempotency-Key — действие не выполнится дважды",
                                 code="update_timeout", headers={"Retry-After": "5"}) from None
    return await live_view(client, workflow_id)
