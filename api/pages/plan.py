"""The publication schedule page (the Order, items 3, 4, 7): the accounts' planned publications from last week
on, what became of each, a form to plan one, and «вышла» / «отменить» on each open item — the same functions
as the JSON routes (``api/routes/publication_plan.py``), the same checks and Russian refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from api.account_access import ALL, STAFF
from api.pages.account_forms import chosen_account, filled, form_model, managed_accounts, submitted
from api.pages.common import context, error_page, names, now, page_session
from api.pages.session import PageSession
from api.pages.web import render
from api.routes import publication_plan as api

router = APIRouter(include_in_schema=False)
ROLES = (*ALL, *STAFF, "leadership")


def _model(schema: type[BaseModel], form: Any, fields: tuple[str, ...], zone: str) -> Any:
    return form_model(schema, filled(form, fields, zone))


def _read(request: Request, sess: PageSession) -> tuple[list[api.PlanOut], list[tuple[int, str]]]:
    p = sess.principal
    zone = ZoneInfo(request.app.state.settings.timezone)
    day = now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    since = day - timedelta(days=day.weekday() + 7)  # Monday of last week
    with Session(request.app.state.engine) as s:
        rows = api.schedule(account=None, body=None, since=since, until=None, status_=None, limit=500, offset=0,
                            principal=p, session=s)
        accounts = managed_accounts(s, p)
    return rows, accounts


async def _show(request: Request, sess: PageSession, status: int = 200, error: str | None = None,
                done: str | None = None) -> Response:
    reg = await names(request)
    if not sess.principal.has(*ROLES):
        return error_page(request, sess, reg, 403, "График публикаций доступен кураторам ЦУР, администраторам, "
                                                   "руководству и сотрудникам органов")
    rows, accounts = await asyncio.to_thread(_read, request, sess)
    may_plan = sess.principal.has(*ALL, *STAFF) and bool(accounts)
    return render(request, "plan.html", context(request, sess, reg, rows=rows, accounts=accounts, may_plan=may_plan,
                                                error=error, done=done), status=status)


@router.get("/plan")
async def plan_page(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    done = request.query_params.get("done")
    return await _show(request, sess, done=done if done in ("plan", "published", "cancel") else None)


async def _run(request: Request, sess: PageSession, act: Callable[[Any, str, Session], None],
               done: str) -> Response:
    async def go(form: Any) -> str:
        def work() -> None:
            with Session(request.app.state.engine) as s:
                act(form, request.app.state.settings.timezone, s)

        await asyncio.to_thread(work)
        return f"/plan?done={done}"

    return await submitted(request, sess, go, _show)


@router.post("/plan")
async def plan_new(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    def act(form: Any, zone: str, s: Session) -> None:
        data = _model(api.PlanIn, form, ("planned_at", "title", "material"), zone)
        api.plan(data=data, account_id=chosen_account(form), principal=sess.principal, session=s)

    return await _run(request, sess, act, "plan")


@router.post("/plan/{item_id}/published")
async def plan_published(request: Request, item_id: int = Path(ge=1, le=2**31 - 1),
                         sess: PageSession = Depends(page_session)) -> Response:
    def act(form: Any, zone: str, s: Session) -> None:
        data = _model(api.PublishedIn, form, ("post_url", "published_at"), zone)
        api.published(data=data, item_id=item_id, principal=sess.principal, session=s)

    return await _run(request, sess, act, "published")


@router.post("/plan/{item_id}/cancel")
async def plan_cancel(request: Request, item_id: int = Path(ge=1, le=2**31 - 1),
                      sess: PageSession = Depends(page_session)) -> Response:
    def act(form: Any, zone: str, s: Session) -> None:
        api.cancel(data=_model(api.CancelIn, form, ("reason",), zone), item_id=item_id, principal=sess.principal,
                   session=s)

    return await _run(request, sess, act, "cancel")
