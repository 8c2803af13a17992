"""The publication schedule of official accounts (the Order, items 3, 4, 7; ``domain.publication_plan``).

``POST /accounts/{id}/plan`` — plan a publication: the body's staff (its executor, its responsible official or
the parent's) for their accounts, ЦУР's curators and administrators for any — a curator's item is ЦУР's
material for the account (item 7). ``GET /publication-plan`` — the schedule, by account, body, period and
status (body staff see their bodies'; curators, administrators and leadership all). ``POST
/publication-plan/{id}/published`` — confirm it came out, with the post's link (a post of that very
community); ``POST /publication-plan/{id}/cancel`` — withdraw it, with a reason. The weekly check of the
accounts (``activities/account_activity.py``) judges the week's items against the community's own posts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from api.account_access import ALL, STAFF, managed_account, may_manage_account
from api.auth import Principal, current_principal
from api.deps import get_session
from api.errors import Conflict, Forbidden, NotFound, Unprocessable, error_responses
from api.schemas import CODE_PATTERN, StrictModel, text
from domain.bounds import DATETIME_QUERY, BoundedDatetime, QueryDatetime, not_in_future
from domain.publication import thread_of
from domain.publication_plan import (
    GRACE,
    PLAN_SOURCE_TITLES,
    PLAN_STATUS_TITLES,
    PlanSource,
    PlanStatus,
    is_late,
)
from models.publication_plan import PlanItem, plan_items
from models.registry import Body, SocialAccount, utcnow

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403, 422),
                   tags=["аккаунты: график публикаций (пп. 3, 4, 7)"])
ItemId = Path(description="Номер публикации в графике", ge=1, le=2**31 - 1)
PAST = timedelta(hours=1)  # planning «now» is allowed; planning the past is not
AHEAD = timedelta(days=366)


class PlanIn(StrictModel):
    planned_at: BoundedDatetime = Field(description="Когда публикация должна выйти")
    title: text(200, 3) = Field(description="О чём публикация (тема, повод)")  # type: ignore[valid-type]
    material: text(10000) = Field(  # type: ignore[valid-type]
        default="", description="Текст или материал для публикации (ЦУР предоставляет информацию, п. 7)")


class PublishedIn(StrictModel):
    post_url: text(1000, 10) = Field(  # type: ignore[valid-type]
        description="Адрес вышедшей публикации: https://vk.com/wall-123_45, https://ok.ru/group/…/topic/…")
    published_at: BoundedDatetime | None = Field(default=None, description="Когда вышла; по умолчанию — сейчас")


class CancelIn(StrictModel):
    reason: text(2000, 3) = Field(description="Почему публикация отменена")  # type: ignore[valid-type]


class PlanOut(BaseModel):
    id: int
    account_id: int
    network: str
    account_url: str
    body_code: str
    body_name: str
    planned_at: datetime
    title: str
    material: str
    source: str
    source_title: str
    status: str = Field(description="planned — запланирована, published — вышла, missed — не вышла, "
                                    "cancelled — отменена")
    status_title: str
    post_url: str | None = None
    published_at: datetime | None = None
    late: bool = Field(description=f"Вышла позже плана более чем на {int(GRACE.total_seconds() // 3600)} ч")
    cancel_reason: str | None = None
    person_name: str
    created_at: datetime
    checked_at: datetime | None = None


def _out(row: PlanItem, account: SocialAccount | None, body: Body | None) -> PlanOut:
    return PlanOut(**row.model_dump(exclude={"person_id", "body_id", "updated_at"}),
                   network=account.network if account else "", account_url=account.url if account else "",
                   body_code=body.code if body else "", body_name=body.name if body else "",
                   source_title=PLAN_SOURCE_TITLES.get(row.source, row.source),
                   status_title=PLAN_STATUS_TITLES.get(row.status, row.status))


def _account(session: Session, principal: Principal, account_id: int) -> tuple[SocialAccount, Body | None]:
    return managed_account(
        session, principal, account_id, others="его график ведут кураторы ЦУР и сотрудники этого органа",
        who_may="Вести график публикаций могут кураторы ЦУР, администраторы и сотрудники органа — владельца аккаунта")


def _item(session: Session, principal: Principal, item_id: int) -> tuple[PlanItem, SocialAccount, Body | None]:
    """An item still open (planned or missed) on an account ``principal`` may act on."""
    row = session.get(PlanItem, item_id)
    if row is None:
        raise NotFound(f"Публикации №{item_id} в графике нет", code="plan_item_not_found")
    account, body = _account(session, principal, row.account_id)
    if row.status in (PlanStatus.published, PlanStatus.cancelled):
        raise Conflict(f"Публикация №{item_id} уже {PLAN_STATUS_TITLES[row.status]}", code="plan_item_closed")
    return row, account, body


def _save(session: Session, row: PlanItem) -> None:
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)


@router.post("/accounts/{account_id}/plan", response_model=PlanOut, status_code=status.HTTP_201_CREATED,
             summary="Запланировать публикацию в аккаунте (пп. 3, 4, 7 Порядка)", responses=error_responses(404))
def plan(data: PlanIn, account_id: int = Path(description="Номер аккаунта", ge=1, le=2**31 - 1),
         principal: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> PlanOut:
    account, body = _account(session, principal, account_id)
    now = datetime.now(UTC)
    if data.planned_at < now - PAST:
        raise Unprocessable("Время публикации уже прошло: график составляется на будущее", code="plan_in_past")
    if data.planned_at > now + AHEAD:
        raise Unprocessable("График составляется не дальше чем на год вперёд", code="plan_too_far")
    row = PlanItem(account_id=account_id, body_id=account.body_id, planned_at=data.planned_at, title=data.title,
                   material=data.material, person_id=principal.person_id, person_name=principal.name,
                   source=PlanSource.tsur if principal.has("curator") else PlanSource.body)
    _save(session, row)
    return _out(row, account, body)


@router.get("/publication-plan", response_model=list[PlanOut], summary="График публикаций официальных аккаунтов")
def schedule(
    account: int | None = Query(None, ge=1, le=2**31 - 1, description="Номер аккаунта"),
    body: str | None = Query(None, max_length=40, pattern=CODE_PATTERN, description="Код органа"),
    since: QueryDatetime | None = Query(None, description="С какого момента (ISO 8601 с часовым поясом)",
                                        json_schema_extra=DATETIME_QUERY),
    until: QueryDatetime | None = Query(None, description="До какого момента", json_schema_extra=DATETIME_QUERY),
    status_: PlanStatus | None = Query(None, alias="status", description="planned, published, missed, cancelled"),
    limit: int = Query(200, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**6),
    principal: Principal = Depends(current_principal), session: Session = Depends(get_session),
) -> list[PlanOut]:
    if not principal.has(*ALL, *STAFF, "leadership"):
        raise Forbidden("График публикаций доступен кураторам ЦУР, администраторам, руководству и сотрудникам "
                        "органов", code="role_forbidden")
    bodies = {b.id: b for b in session.exec(select(Body)).all() if b.id is not None}
    wanted = {i for i, b in bodies.items() if b.code == body} if body else None
    if body and not wanted:
        raise NotFound(f"Органа с кодом {body} нет в реестре", code="body_not_found")
    if not principal.has(*ALL, "leadership"):
        mine = {i for i, b in bodies.items() if may_manage_account(principal, b.code)}
        wanted = mine if wanted is None else wanted & mine
    rows = plan_items(session, account_id=account, body_ids=wanted, since=since, until=until,
                      status=status_.value if status_ else None, limit=limit, offset=offset)
    accounts = {a.id: a for a in session.exec(select(SocialAccount)).all()}
    return [_out(r, accounts.get(r.account_id), bodies.get(r.body_id)) for r in rows]


@router.post("/publication-plan/{item_id}/published", response_model=PlanOut, responses=error_responses(404, 409),
             summary="Отметить, что публикация вышла (ссылка на неё)")
def published(data: PublishedIn, item_id: int = ItemId, principal: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> PlanOut:
    row, account, body = _item(session, principal, item_id)
    thread = thread_of(data.post_url)
    if thread is None or thread.comment is not None or thread.network.value != account.network:
        raise Unprocessable("Адрес не похож на публикацию этого аккаунта (например, https://vk.com/wall-123_45 или "
                            "https://ok.ru/group/…/topic/…)", code="post_url_invalid")
    if not thread.in_community(account.network, account.network_id):
        raise Unprocessable(f"Публикация не в сообществе этого аккаунта ({account.url})", code="post_other_community")
    now = datetime.now(UTC)
    at = data.published_at or now
    if (future := not_in_future(at, now, "Время выхода публикации")) is not None:
        raise Unprocessable(future, code="published_in_future")
    row.status, row.post_url, row.published_at = PlanStatus.published, data.post_url, at
    row.late = is_late(row.planned_at, at)
    _save(session, row)
    return _out(row, account, body)


@router.post("/publication-plan/{item_id}/cancel", response_model=PlanOut, responses=error_responses(404, 409),
             summary="Отменить запланированную публикацию (с причиной)")
def cancel(data: CancelIn, item_id: int = ItemId, principal: Principal = Depends(current_principal),
           session: Session = Depends(get_session)) -> PlanOut:
    row, account, body = _item(session, principal, item_id)
    row.status, row.cancel_reason = PlanStatus.cancelled, data.reason
    _save(session, row)
    return _out(row, account, body)
