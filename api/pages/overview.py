"""The inbox (a person's notifications, unread first) and the leadership dashboard."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.pages.common import context, error_page, names, now, page_session
from api.pages.session import PageSession
from api.pages.web import render
from models.page_queries import dashboard, inbox_for

router = APIRouter(include_in_schema=False)
SEEN_COOKIE = "otklik_inbox_seen"  # when this browser last opened the inbox: newer items are unread


def _inbox(request: Request, sess: PageSession) -> list:  # type: ignore[type-arg]
    p = sess.principal
    bodies = set(p.tree) if p.has("responsible") else ({p.body_code} if p.body_code else set())
    with Session(request.app.state.engine) as session:
        rows = inbox_for(session, p.roles, bodies)
        for r in rows:
            session.expunge(r)
        return rows


@router.get("/inbox")
async def inbox(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    rows = await asyncio.to_thread(_inbox, request, sess)
    try:
        seen = datetime.fromtimestamp(float(request.cookies.get(SEEN_COOKIE, "0")), UTC)
    except (ValueError, OverflowError):
        seen = datetime.fromtimestamp(0, UTC)

    def aware(t: datetime) -> datetime:
        return t if t.tzinfo else t.replace(tzinfo=UTC)

    unread = [r for r in rows if aware(r.created_at) > seen]
    read = [r for r in rows if aware(r.created_at) <= seen]
    response = render(request, "inbox.html", context(request, sess, reg, unread=unread, read=read))
    response.set_cookie(SEEN_COOKIE, str(now().timestamp()), max_age=90 * 86400, httponly=True, samesite="lax",
                        path="/")
    return response


@router.get("/dashboard")
async def leadership(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    if not sess.principal.has("leadership", "curator"):
        return error_page(request, sess, reg, 403, "Сводка доступна руководству и кураторам ЦУР")
    zone = ZoneInfo(request.app.state.settings.timezone)
    local = now().astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())

    def read():  # type: ignore[no-untyped-def]
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
