"""What every page route shares: the signed-in person, the registry names, the calendar, the base context."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.datastructures import FormData

from api.intake import Intake
from api.pages.present import TITLES
from api.pages.session import PageSession, check_csrf, current_session
from api.pages.web import render
from domain.actions import ROLE_TITLES
from domain.worktime import WorkCalendar
from models.page_queries import Names, registry_names


def page_session(request: Request) -> PageSession:
    """Dependency: the signed-in person (``SignedOut`` → the sign-in page)."""
    return current_session(request)


def _names(request: Request) -> Names:
    with Session(request.app.state.engine) as session:
        return registry_names(session)


async def names(request: Request) -> Names:
    return await asyncio.to_thread(_names, request)


def calendar(request: Request) -> WorkCalendar:
    intake: Intake = request.app.state.intake
    return intake.calendar()[0]


def now() -> datetime:
    return datetime.now(UTC)


def context(request: Request, sess: PageSession, names: Names, **extra: Any) -> dict[str, Any]:
    p = sess.principal
    settings = request.app.state.settings
    return {
        "me": p, "csrf": sess.csrf, "names": names, "T": TITLES, "zone": settings.timezone,
        "role_titles": ", ".join(ROLE_TITLES.get(r, r) for r in sorted(p.roles)),
        "nav": [(href, title) for href, title, roles in NAV if p.has(*roles)],
        "idem": secrets.token_urlsafe(12), **extra,
    }


NAV = [
    ("/triage", "Разбор", ("curator",)),
    ("/queue", "Очередь", ("curator", "executor", "responsible", "leadership")),
    ("/inbox", "Уведомления", ("curator", "executor", "responsible", "leadership")),
    ("/dashboard", "Сводка", ("curator", "leadership")),
    ("/plan", "График", ("curator", "admin", "executor", "responsible", "leadership")),
    ("/moderation", "Модерация", ("curator", "admin", "executor", "responsible", "leadership")),
]


async def checked_form(request: Request, sess: PageSession) -> FormData:
    form = await request.form()
    check_csrf(request, sess, form.get("csrf"))
    return form


def error_page(request: Request, sess: PageSession | None, names: Names | None, status: int, text: str
               ) -> HTMLResponse:
    ctx = context(request, sess, names or Names()) if sess is not None else {"me": None, "nav": [], "T": TITLES}
    return render(request, "error.html", {**ctx, "status": status, "error": text}, status=status)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
