"""Notifications: delivery status of every (notification, recipient, channel), the in-app inbox, surges,
and the P14 letter for printing.

* ``GET /notifications`` — curator, leadership, admin see every delivery; anyone else their own;
* ``GET /inbox``, ``GET /inbox/unread-count``, ``POST /inbox/{id}/read``, ``POST /inbox/read-all`` — the
  current person's inbox;
* ``GET /surges`` — P17 surges, current and past;
* ``GET /messages/{id}/police-notice.pdf`` — the P14 letter (curator, leadership).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.auth import Principal, current_principal, require_roles
from api.deps import get_engine, get_session, get_settings
from api.errors import NotFound, error_responses
from api.schemas import WORKFLOW_ID_PATTERN
from domain.recipients import CHANNEL_TITLES, Channel
from models.contacts import Contact
from models.delivery import STATUS_TITLES, Delivery, InboxItem
from models.registry import Location, Topic, utcnow
from models.settings import Settings
from models.surges import Surge

router = APIRouter(prefix="/api/v1", tags=["уведомления"], responses=error_responses(401, 403, 422))
READ_ALL = ("curator", "leadership", "admin")
MessageId = Annotated[str, Path(description="id сообщения (id его workflow)", max_length=300,
                                pattern=WORKFLOW_ID_PATTERN)]


class NotificationOut(BaseModel):
    id: int
    event_key: str
    kind: str
    message_id: str | None
    recipient: str
    recipient_title: str
    person_id: int | None
    channel: str
    channel_title: str
    status: str
    status_title: str
    attempts: int
    error: str | None
    urgent: bool
    created_at: datetime
    sent_at: datetime | None


class InboxOut(BaseModel):
    id: int
    kind: str
    message_id: str | None
    urgent: bool
    subject: str
    text: str
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    marked: int


class SurgeOut(BaseModel):
    id: int
    topic: str
    topic_name: str
    location: str
    location_name: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    last_count: int
    peak_count: int
    baseline: float
    message_ids: list[str]
    candidates: int


def _recipients_of(session: Session, person_id: int) -> list[str]:
    contacts = session.exec(select(Contact.id).where(Contact.person_id == person_id)).all()
    return [f"c{c}" for c in contacts]


def _mine(session: Session, principal: Principal, column: str) -> ColumnElement[bool]:
    model: type[Delivery] | type[InboxItem] = Delivery if column == "delivery" else InboxItem
    keys = _recipients_of(session, principal.person_id)
    cond = col(model.person_id) == principal.person_id
    return cond | col(model.recipient).in_(keys) if keys else cond


@router.get("/notifications", response_model=list[NotificationOut],
            summary="Доставка уведомлений: кому, по какому каналу, с каким результатом")
def list_notifications(
    message: Annotated[str | None, Query(max_length=300, description="id сообщения")] = None,
    person: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Номер сотрудника")] = None,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed|skipped)$")] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
    principal: Principal = Depends(current_principal), session: Session = Depends(get_session),
) -> list[NotificationOut]:
    q = select(Delivery)
    if not principal.has(*READ_ALL):
        q = q.where(_mine(session, principal, "delivery"))
    if message:
        q = q.where(Delivery.workflow_id == message)
    if person is not None:
        keys = _recipients_of(session, person)
        q = q.where((col(Delivery.person_id) == person) | col(Delivery.recipient).in_(keys or ["-"]))
    if status:
        q = q.where(Delivery.status == status)
    if kind:
        q = q.where(Delivery.kind == kind)
    rows = session.exec(q.order_by(col(Delivery.id).desc()).offset(offset).limit(limit)).all()
    return [NotificationOut(
        id=d.id, event_key=d.event_key, kind=d.kind, message_id=d.workflow_id, recipient=d.recipient,
        recipient_title=d.recipient_title, person_id=d.person_id, channel=d.channel,
        channel_title=CHANNEL_TITLES.get(Channel(d.channel), d.channel), status=d.status,
        status_title=STATUS_TITLES.get(d.status, d.status), attempts=d.attempts, error=d.error, urgent=d.urgent,
        created_at=d.created_at, sent_at=d.sent_at) for d in rows]


@router.get("/inbox", response_model=list[InboxOut], summary="Мои входящие уведомления")
def inbox(
    unread: Annotated[bool, Query(description="Только непрочитанные")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
    principal: Principal = Depends(current_principal), session: Session = Depends(get_session),
) -> list[InboxOut]:
    q = select(InboxItem).where(_mine(session, principal, "inbox"))
    if unread:
        q = q.where(col(InboxItem.read_at).is_(None))
    rows = session.exec(q.order_by(col(InboxItem.id).desc()).offset(offset).limit(limit)).all()
    return [InboxOut(id=i.id, kind=i.kind, message_id=i.workflow_id, urgent=i.urgent, subject=i.subject,
                     text=i.text, created_at=i.created_at, read_at=i.read_at) for i in rows]


@router.get("/inbox/unread-count", response_model=UnreadOut, summary="Число непрочитанных уведомлений")
def unread_count(principal: Principal = Depends(current_principal),
                 session: Session = Depends(get_session)) -> UnreadOut:
    n = session.exec(select(func.count()).select_from(InboxItem).where(
        _mine(session, principal, "inbox"), col(InboxItem.read_at).is_(None))).one()
    return UnreadOut(unread=int(n))


@router.post("/inbox/{item_id}/read", response_model=InboxOut, summary="Отметить уведомление прочитанным")
def mark_read(item_id: Annotated[int, Path(ge=1, le=2**31 - 1)], principal: Principal = Depends(current_principal),
              session: Session = Depends(get_session)) -> InboxOut:
    item = session.exec(select(InboxItem).where(InboxItem.id == item_id,
                                                _mine(session, principal, "inbox"))).first()
    if item is None:
        raise NotFound("Уведомление не найдено среди ваших входящих", code="inbox_item_not_found")
    if item.read_at is None:
        item.read_at = utcnow()
        session.add(item)
        session.commit()
        session.refresh(item)
    return InboxOut(id=item.id, kind=item.kind, message_id=item.workflow_id, urgent=item.urgent,
                    subject=item.subject, text=item.text, created_at=item.created_at, read_at=item.read_at)


@router.post("/inbox/read-all", response_model=ReadAllOut, summary="Отметить все уведомления прочитанными")
def mark_all_read(principal: Principal = Depends(current_principal),
                  session: Session = Depends(get_session)) -> ReadAllOut:
    items = session.exec(select(InboxItem).where(_mine(session, principal, "inbox"),
                                                 col(InboxItem.read_at).is_(None))).all()
    now = utcnow()
    for i in items:
        i.read_at = now
        session.add(i)
    session.commit()
    return ReadAllOut(marked=len(items))


@router.get("/surges", response_model=list[SurgeOut], summary="П17: всплески социальной активности",
            dependencies=[Depends(require_roles(*READ_ALL))])
def surges(status: Annotated[str | None, Query(pattern="^(active|subsided)$")] = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 100,
           session: Session = Depends(get_session)) -> list[SurgeOut]:
    q = select(Surge)
    if status:
        q = q.where(Surge.status == status)
    topics = {t.code: t.name for t in session.exec(select(Topic)).all()}
    locations = {loc.code: loc.name for loc in session.exec(select(Location)).all()}
    return [SurgeOut(id=s.id, topic=s.topic, topic_name=topics.get(s.topic, "тема вне реестра"),
                     location=s.location, location_name=locations.get(s.location, "территория вне реестра"),
                     status=s.status, started_at=s.started_at, ended_at=s.ended_at, last_count=s.last_count,
                     peak_count=s.peak_count, baseline=s.baseline, message_ids=list(s.workflow_ids),
                     candidates=len(s.candidate_ids))
            for s in session.exec(q.order_by(col(Surge.started_at).desc()).limit(limit)).all()]


@router.get("/messages/{message_id}/police-notice.pdf", summary="П14: письменное уведомление (PDF) для печати",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}, 404: {}},
            dependencies=[Depends(require_roles("curator", "leadership"))])
async def police_notice_pdf(message_id: MessageId, engine: Engine = Depends(get_engine),
                            settings: Settings = Depends(get_settings)) -> Response:
    from activities.letters import render_letter_pdf

    letter = await asyncio.to_thread(render_letter_pdf, engine, settings, message_id)
    if letter is None:
        raise NotFound("По этому сообщению письменное уведомление (П14) не составлялось", code="notice_not_found")
    name = quote(f"uvedomlenie-{letter.number}.pdf")
    return Response(letter.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=\"police-notice.pdf\"; filename*=UTF-8''{name}"})
