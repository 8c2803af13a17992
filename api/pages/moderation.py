"""The moderation page (the Order, item 9): delete a comment that breaks the law, spam, an insult or obscenity
in a body's official account and restrict its author, and the trail of decisions — the same function as
``POST /api/v1/accounts/{id}/moderation`` (the decision recorded first, VK's answer, Russian refusals)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.account_access import ALL, STAFF
from api.pages.account_forms import chosen_account, filled, form_model, managed_accounts, submitted
from api.pages.common import context, error_page, names, page_session
from api.pages.session import PageSession
from api.pages.web import render
from api.routes import moderation as api
from api.schemas_account_checks import ModerationIn
from domain.accounts import REASON_TITLES

router = APIRouter(include_in_schema=False)


def _read(request: Request, sess: PageSession) -> tuple[list[Any], list[tuple[int, str]]]:
    with Session(request.app.state.engine) as s:
        rows = api.trail(account=None, since=None, limit=100, offset=0, principal=sess.principal, session=s)
        return rows, managed_accounts(s, sess.principal)


async def _show(request: Request, sess: PageSession, status: int = 200, error: str | None = None,
                done: str | None = None) -> Response:
    reg = await names(request)
    if not sess.principal.has(*ALL, *STAFF, "leadership"):
        return error_page(request, sess, reg, 403, "Модерация доступна кураторам ЦУР, администраторам, руководству "
                                                   "и сотрудникам органов")
    rows, accounts = await asyncio.to_thread(_read, request, sess)
    return render(request, "moderation.html", context(
        request, sess, reg, rows=rows, accounts=accounts, reasons=REASON_TITLES, error=error, done=done,
        may_moderate=sess.principal.has(*ALL, *STAFF) and bool(accounts)), status=status)


@router.get("/moderation")
async def moderation_page(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    done = request.query_params.get("done")
    return await _show(request, sess, done=done if done and done.isdigit() else None)


def _body(form: Any, zone: str) -> ModerationIn:
    data = filled(form, ("comment_url", "reason", "note"), zone)
    ban, days = form.get("ban"), form.get("ban_days")
    if ban == "forever":
        data["ban"] = {"forever": True}
    elif ban == "days":
        data["ban"] = {"days": int(days) if isinstance(days, str) and days.strip().isdigit() else days}
    return form_model(ModerationIn, data)


@router.post("/moderation")
async def moderation_act(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    async def go(form: Any) -> str:
        account, data = chosen_account(form), _body(form, request.app.state.settings.timezone)
        with Session(request.app.state.engine) as s:
            out = await api.moderate(data=data, account_id=account, principal=sess.principal, session=s,
                                     settings=request.app.state.settings)
        return f"/moderation?done={out.id}"

    return await submitted(request, sess, go, _show)
