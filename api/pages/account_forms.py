"""What the official-account pages share (the schedule ``/plan``, moderation ``/moderation``): the accounts a
person may act on, for a form's choice; a form read into the JSON route's request body; and a submission —
the CSRF-checked form to the route's function, its refusal back onto the page in Russian, else a redirect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from api.account_access import may_manage_account
from api.auth import Principal
from api.errors import Unprocessable
from api.pages.common import checked_form, see_other
from api.pages.session import PageSession
from api.pages.web import refusal
from models.registry import Body, SocialAccount


def managed_accounts(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """(id, «body — network (address)») of the official VK and OK accounts ``principal`` may act on."""
    bodies = {b.id: b for b in session.exec(select(Body).where(col(Body.is_active))).all()}
    rows = session.exec(select(SocialAccount).where(col(SocialAccount.is_official),
                                                    col(SocialAccount.network).in_(["vk", "ok"]))
                        .order_by(col(SocialAccount.id))).all()
    return [(a.id or 0, f"{bodies[a.body_id].name} — {'Одноклассники' if a.network == 'ok' else 'ВКонтакте'} ({a.url})")
            for a in rows if a.body_id in bodies and may_manage_account(principal, bodies[a.body_id].code)]


def local_time(value: str, zone: str) -> str:
    """A ``datetime-local`` field (no zone) is the installation's time (Moscow)."""
    if value and "T" in value and len(value) <= 16:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(zone)).isoformat()
    return value


def form_model(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    """The route's own request body from what the form gave; its Russian field errors if it does not fit."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


def filled(form: Any, fields: tuple[str, ...], zone: str) -> dict[str, Any]:
    data = {f: v.strip() for f in fields if isinstance(v := form.get(f), str) and v.strip()}
    for f in ("planned_at", "published_at"):
        if f in data:
            data[f] = local_time(data[f], zone)
    return data


def chosen_account(form: Any) -> int:
    account = form.get("account")
    if not (isinstance(account, str) and account.isdigit()):
        raise Unprocessable("Выберите аккаунт", code="account_required")
    return int(account)


Show = Callable[..., Awaitable[Response]]


async def submitted(request: Request, sess: PageSession, act: Callable[[Any], Awaitable[str]], show: Show) -> Response:
    """``act(form)`` returns where to go next; a refusal it raises is shown by ``show(request, sess, status=,
    error=)``; anything else is a fault and propagates."""
    try:
        url = await act(await checked_form(request, sess))
    except Exception as exc:
        found = refusal(exc)
        if found is None:
            raise
        return await show(request, sess, status=found[0], error=found[1])
    return see_other(url)
