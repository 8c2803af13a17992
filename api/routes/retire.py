"""Retiring a body through the registry API: see what it affects (``dry_run=true``), then confirm.

``POST /api/v1/bodies/{code}/retire`` — an administrator only. The body is never deleted: it stops being
offered for routing, its routing rules move to its successors, open messages it holds stay where they are
and are listed for the ЦУР curators (``GET /api/v1/messages?held_by_retired=true``), who are notified once.
The rules are in ``models/retire.py``.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.auth import require_admin
from api.deps import get_engine
from api.errors import ApiError, error_responses
from api.schemas import CODE_PATTERN, StrictModel
from domain.messages import STATE_TITLES, MessageState
from models.registry import Body, Location, Topic, utcnow
from models.retire import RetireError, RetirePlan, apply_retirement, plan_retirement

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403, 422, 503))

MOSCOW = ZoneInfo("Europe/Moscow")  # the default date of a retirement is the Republic's today
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=60)]


class RetireIn(StrictModel):
    successors: list[Code] = Field(min_length=1, max_length=10, description="Коды органов-правопреемников")
    retired_at: date | None = Field(None, ge=date(2000, 1, 1), le=date(2100, 12, 31),
                                 json_schema_extra={"pattern": r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"},
                                 description="Дата упразднения (по умолчанию — сегодня по московскому времени)")
    routes: dict[Code, Code] = Field(default_factory=dict, max_length=200,
                                     description="Тема или группа тем → правопреемник, к которому переходят её "
                                     "правила. Без указания — к правопреемнику, у которого такое правило уже "
                                     "есть, иначе к первому в списке")


class NamedCode(BaseModel):
    code: str
    name: str


class RuleMoveOut(BaseModel):
    rule_id: int
    topic: NamedCode
    location: NamedCode | None
    to_body: NamedCode
    merged: bool = Field(description="У правопреемника такое правило уже есть: правило упразднённого органа удаляется")


class HeldMessageOut(BaseModel):
    workflow_id: str
    url: str
    state: str
    state_title: str
    topic: str | None
    location: str | None
    body_status: str


class RetireOut(BaseModel):
    body: NamedCode
    retired_at: date
    successors: list[NamedCode]
    dry_run: bool
    already_retired: bool = Field(description="Орган уже был упразднён с теми же правопреемниками: ничего не меняется")
    rules_moved: list[RuleMoveOut]
    held_messages: list[HeldMessageOut] = Field(description="Открытые сообщения органа: остаются у него, "
                                                "куратор ЦУР перенаправляет их")
    people: int = Field(description="Действующих сотрудников органа (роли не меняются)")
    subordinates: list[NamedCode] = Field(description="Подведомственные организации органа (подчинение не меняется)")
    accounts: int = Field(description="Аккаунтов органа в реестре")
    notified: bool = Field(description="Кураторы ЦУР уведомлены сейчас")


def _title(state: str) -> str:
    try:
        return STATE_TITLES[MessageState(state)]
    except ValueError:
        return state


def _out(session: Session, plan: RetirePlan, dry_run: bool, notified: bool) -> RetireOut:
    bodies = {b.code: b.short_name or b.name for b in session.exec(select(Body))}
    topics = {t.code: t.name for t in session.exec(select(Topic))}
    locations = {loc.code: loc.name for loc in session.exec(select(Location))}

    def named(code: str, names: dict[str, str]) -> NamedCode:
        return NamedCode(code=code, name=names.get(code, code))

    return RetireOut(
        body=named(plan.body, bodies), retired_at=plan.retired_at,
        successors=[named(c, bodies) for c in plan.successors], dry_run=dry_run,
        already_retired=plan.already_retired,
        rules_moved=[RuleMoveOut(rule_id=m.rule_id, topic=named(m.topic, topics),
                                 location=named(m.location, locations) if m.location else None,
                                 to_body=named(m.to_body, bodies), merged=m.merged) for m in plan.rules],
        held_messages=[HeldMessageOut(workflow_id=h.workflow_id, url=h.url, state=h.state, state_title=_title(h.state),
                                      topic=h.topic, location=h.location, body_status=h.body_status)
                       for h in plan.held],
        people=plan.people, subordinates=[named(c, bodies) for c in plan.subordinates], accounts=plan.accounts,
        notified=notified)


def _retire(engine: Engine, code: str, data: RetireIn, dry_run: bool, now: datetime) -> RetireOut:
    with Session(engine) as session:
        try:
            plan = plan_retirement(session, code, data.successors, data.retired_at or now.astimezone(MOSCOW).date(), data.routes)
        except RetireError as exc:
            raise ApiError(exc.detail, code=exc.code, status=exc.status) from None
        # Applying again is harmless: the rules have moved already and the notification key is the same.
        notified = False if dry_run else apply_retirement(session, plan, now)
        return _out(session, plan, dry_run, notified)


@router.post("/bodies/{code}/retire", response_model=RetireOut, dependencies=[Depends(require_admin)],
             tags=["реестр: органы"], summary="Упразднить орган (реорганизация): правопреемники, правила, "
             "открытые сообщения", responses=error_responses(404, 409),
             description="С dry_run=true ничего не меняет и показывает, что изменится: какие правила "
             "маршрутизации перейдут к правопреемникам и какие открытые сообщения остаются у органа (их "
             "перенаправляет куратор ЦУР). Без dry_run орган упраздняется: не удаляется, перестаёт предлагаться "
             "для маршрутизации, правила переходят к правопреемникам, кураторы ЦУР получают уведомление со "
             "списком открытых сообщений. История сообщений сохраняет наименование органа, как оно было. "
             "Повторный вызов с теми же правопреемниками ничего не меняет.")
async def retire_body(
    data: RetireIn,
    code: str = Path(description="Код органа", pattern=CODE_PATTERN, max_length=40),
    dry_run: bool = Query(False, description="Только показать, что изменится"),
    engine: Engine = Depends(get_engine),
) -> Any:
    return await asyncio.to_thread(_retire, engine, code, data, dry_run, utcnow())
