"""The queue: open messages by the nearest deadline, with filters and the working-time countdown; live by
server-sent events (``/queue/stream`` sends ``changed`` when the read model's change stamp moves).

Lists come from ``api.queries.list_messages`` with the person's scope (``api.auth.list_scope``), as the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from api.auth import list_scope
from api.errors import Forbidden
from api.pages.common import calendar, context, error_page, names, now, page_session
from api.pages.present import OPEN_STATE_CHOICES, countdown
from api.pages.session import PageSession
from api.pages.web import SECURITY_HEADERS, render
from api.queries import MessageFilters, list_messages
from api.schemas import MessagePage
from domain.vocabulary import MessageState
from models.page_queries import queue_stamp

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0  # how often the stream looks at the change stamp (one cheap aggregate query)
STREAM_SECONDS = 300  # a stream ends after this; the browser's EventSource reconnects by itself
FILTERS = ("state", "body", "topic", "location", "network", "breached", "held_by", "q")
STATES = {s.value for s in MessageState}


def _filters(request: Request) -> tuple[MessageFilters, dict[str, Any]]:
    qp = request.query_params
    states = tuple(s for s in qp.getlist("state") if s in STATES) or tuple(c for c, _ in OPEN_STATE_CHOICES)

    def one(name: str, limit: int = 60) -> str | None:
        v = (qp.get(name) or "").strip()
        return v[:limit] or None

    breached = {"yes": True, "no": False}.get(qp.get("breached") or "")
    network = one("network") if one("network") in ("vk", "ok", "other") else None
    f = MessageFilters(state=states, body=one("body", 40), topic=one("topic"), location=one("location", 40),
                       network=network, breached=breached, held_by=one("held_by", 40), q=one("q", 200),
                       per_page=100)
    chosen = {"state": list(qp.getlist("state")), **{k: qp.get(k) or "" for k in FILTERS if k != "state"}}
    return f, chosen


def _page(request: Request, f: MessageFilters, scope: frozenset[str] | None) -> MessagePage:
    with Session(request.app.state.engine) as session:
        return list_messages(session, f, scope)


async def _rows(request: Request, sess: PageSession) -> dict[str, Any]:
    scope = list_scope(sess.principal)
    f, chosen = _filters(request)
    if f.body is not None and scope is not None and f.body not in scope:
        raise Forbidden(f"Нет доступа к сообщениям органа «{f.body}»", code="body_forbidden")
    page = await asyncio.to_thread(_page, request, f, scope)
    cal, t = calendar(request), now()
    rows = [(m, countdown(cal, m.next_deadline, t, m.breached)) for m in page.items]
    query = urlencode([(k, v) for k, vs in chosen.items() for v in (vs if isinstance(vs, list) else [vs]) if v])
    return {"rows": rows, "total": page.total, "chosen": chosen, "query": query, "states": OPEN_STATE_CHOICES}


@router.get("/queue")
async def queue_page(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    try:
        data = await _rows(request, sess)
    except Forbidden as exc:
        return error_page(request, sess, reg, 403, exc.detail)
    return render(request, "queue.html", context(request, sess, reg, **data))


@router.get("/queue/rows")
async def queue_rows(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    try:
        data = await _rows(request, sess)
    except Forbidden as exc:
        return error_page(request, sess, reg, 403, exc.detail)
    return render(request, "queue_rows.html", context(request, sess, reg, **data))


def _stamp(request: Request) -> str:
    with Session(request.app.state.engine) as session:
        return queue_stamp(session)


@router.get("/queue/stream")
async def queue_stream(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    list_scope(sess.principal)  # 403 for a role that lists no messages

    async def events() -> AsyncIterator[str]:
        last = await asyncio.to_thread(_stamp, request)
        yield "retry: 3000\n\n"
        loop = asyncio.get_running_loop()
        end = loop.time() + STREAM_SECONDS
        while loop.time() < end and not await request.is_disconnected():
            await asyncio.sleep(POLL_SECONDS)
            stamp = await asyncio.to_thread(_stamp, request)
            if stamp != last:
                last = stamp
                yield f"event: changed\ndata: {len(stamp)}\n\n"
            else:
                yield ": ping\n\n"

    headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
