"""A8 «не менее трёх публикаций в неделю»: what the weekly check counted (``account_week``).

``GET /accounts/activity?week=2026-W48`` — every official account checked that week (body, network, address,
own publications, met or not, the network's refusal); without ``week`` — the last full week.
``GET /accounts/{id}/activity`` — one account's last weeks. The counting itself is the Schedule
``otklik-account-activity`` (``activities/account_activity.py``).

Registered before ``/accounts/{id}`` (``api/main.py``): «activity» is not an account number.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session, select

from api.auth import current_principal
from api.deps import get_session
from api.errors import NotFound, Unprocessable, error_responses
from api.schemas_account_checks import AccountWeekOut, WeekActivityOut
from domain.accounts import WeekError, previous_week, week_bounds
from models.account_checks import AccountWeek, account_weeks, weeks_of
from models.registry import Body, SocialAccount

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 422), tags=["аккаунты: публикации (п. 8)"],
                   dependencies=[Depends(current_principal)])


def _out(session: Session, rows: list[AccountWeek]) -> list[AccountWeekOut]:
    bodies = {b.id: b for b in session.exec(select(Body)).all()}
    accounts = {a.id: a for a in session.exec(select(SocialAccount)).all()}
    out = []
    for r in rows:
        a, b = accounts.get(r.account_id), bodies.get(r.body_id)
        if a is None:
            continue
        out.append(AccountWeekOut(account_id=r.account_id, body_code=b.code if b else "",
                                  body_name=b.name if b else "", network=a.network, url=a.url, week=r.week,
                                  week_start=r.week_start, posts=r.posts, threshold=r.threshold, meets=r.meets,
                                  error=r.error, checked_at=r.checked_at, has_description=r.has_description,
                                  has_photo=r.has_photo, on_site=r.on_site, profile_note=r.profile_note))
    return out


@router.get("/accounts/activity", response_model=WeekActivityOut,
            summary="Публикации официальных аккаунтов за неделю (п. 8 Порядка: не менее трёх)")
def week_activity(
    week: str | None = Query(None, description="Неделя по ISO: 2026-W48; по умолчанию — прошлая", max_length=8),
    session: Session = Depends(get_session),
) -> WeekActivityOut:
    label = week or previous_week(datetime.now(UTC))
    try:
        start, end = week_bounds(label)
    except WeekError as exc:
        raise Unprocessable(str(exc), code="week_invalid") from None
    return WeekActivityOut(week=label, week_start=start.date(), week_end=(end - timedelta(days=1)).date(),
                           accounts=_out(session, weeks_of(session, label)))


@router.get("/accounts/{account_id}/activity", response_model=list[AccountWeekOut], responses=error_responses(404),
            summary="Публикации аккаунта по неделям (последние недели)")
def account_activity(
    account_id: int = Path(description="Номер аккаунта", ge=1, le=2**31 - 1),
    weeks: int = Query(12, ge=1, le=520, description="Сколько последних недель"),
    session: Session = Depends(get_session),
) -> list[AccountWeekOut]:
    if session.get(SocialAccount, account_id) is None:
        raise NotFound(f"Аккаунт №{account_id} не найден", code="account_not_found")
    return _out(session, account_weeks(session, account_id, weeks))
