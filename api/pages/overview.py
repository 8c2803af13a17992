"""The inbox (a person's notifications, unread first) and the leadership dashboard."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.pages.common import context, error_page, names, now, page_session
from api.pages.session import PageSession
from api.pages.web import render
from models.page_queries import dashboard, inbox_for, mark_inbox_read

router = APIRouter(include_in_schema=False)


def _inbox(request: Request, sess: PageSession) -> list:
    """The person's inbox; what is shown now is marked read (it stays listed, under «Просмотренные» next time)."""
    with Session(request.app.state.engine) as session:
        rows = inbox_for(session, sess.principal.person_id)
        for r in rows:
            session.expunge(r)
        mark_inbox_read(session, sess.principal.person_id, [r.id for r in rows if r.read_at is None and r.id], now())
        return rows


@router.get("/inbox")
async def inbox(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    rows = await asyncio.to_thread(_inbox, request, sess)
    unread = [r for r in rows if r.read_at is None]
    read = [r for r in rows if r.read_at is not None]
    return render(request, "inbox.html", context(request, sess, reg, unread=unread, read=read))


@router.get("/dashboard")
async def leadership(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    if not sess.principal.has("leadership", "curator"):
        return error_page(request, sess, reg, 403, "Сводка доступна руководству и кураторам ЦУР")
    zone = ZoneInfo(request.app.state.settings.timezone)
    local = now().astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())

    def read():
        with Session(request.app.state.engine) as session:
            data = dashboard(session, day.astimezone(UTC), week.astimezone(UTC))
            for m in data.significant:
                session.expunge(m)
            for e in data.surges:
                session.expunge(e)
            return data

    data = await asyncio.to_thread(read)
    peak = max([n for _, n in data.per_day] + [1])
    body_peak = max([n for _, n in data.overdue_by_body + data.breaches_by_holder + data.breaches_by_body] + [1])
    def named(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
        return [("ЦУР" if code == "tsur" else reg.body(code), n) for code, n in items]

    return render(request, "dashboard.html", context(
        request, sess, reg, dash=data, peak=peak, body_peak=body_peak, by_body=named(data.overdue_by_body),
        by_holder=named(data.breaches_by_holder), by_step_body=named(data.breaches_by_body)))
