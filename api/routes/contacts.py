"""The registry of recipients (``/contacts``): positions with their channels and per-kind preferences.

Curators, leadership and administrators read; only an administrator writes. The webhook secret is
write-only (responses say only whether one is set).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from sqlmodel import Session, col, select

from api.auth import require_admin, require_roles
from api.deps import get_session
from api.errors import Conflict, NotFound, Unprocessable, error_responses
from domain.messages import IllegalGround
from domain.notifications import NotificationKind
from domain.recipients import Position
from models.contacts import Contact, ContactIn, ContactOut, ContactPatch
from models.registry import CODE_PATTERN, Body, Person, utcnow

router = APIRouter(prefix="/api/v1/contacts", tags=["реестр: получатели уведомлений"],
                   responses=error_responses(401, 403, 422))
READ = [Depends(require_roles("curator", "leadership", "admin"))]
WRITE = [Depends(require_admin)]
Code = Annotated[str, Path(description="Код получателя", max_length=60, pattern=CODE_PATTERN)]
BODY_POSITIONS = {Position.body_head, Position.body_responsible, Position.body_executor}


def _check(session: Session, c: Contact) -> None:
    if c.position in BODY_POSITIONS and not c.body_code:
        raise Unprocessable("Для должности органа укажите орган (body_code)", code="contact_body_required")
    codes = [c.body_code] if c.body_code else []
    codes += list(c.portfolio_bodies)
    if codes:
        known = set(session.exec(select(Body.code).where(col(Body.code).in_(codes))).all())
        missing = [x for x in codes if x not in known]
        if missing:
            raise Unprocessable(f"Органы не найдены в реестре: {', '.join(missing)}", code="body_not_found")
    bad = [g for g in c.grounds if g not in IllegalGround.__members__]
    if bad:
        raise Unprocessable(f"Неизвестные основания П14: {', '.join(bad)}; допустимы: "
                            + ", ".join(g.value for g in IllegalGround), code="contact_ground_unknown")
    kinds = [k for k in c.preferences if k != "*" and k not in NotificationKind.__members__]
    if kinds:
        raise Unprocessable(f"Неизвестные виды уведомлений: {', '.join(kinds)}", code="contact_kind_unknown")
    if c.person_id is not None and session.get(Person, c.person_id) is None:
        raise Unprocessable(f"Сотрудник № {c.person_id} не найден", code="person_not_found")
    if c.webhook_url and not c.webhook_url.startswith(("http://", "https://")):
        raise Unprocessable("Адрес webhook должен начинаться с http:// или https://", code="contact_webhook_url")


def _get(session: Session, code: str) -> Contact:
    c = session.exec(select(Contact).where(Contact.code == code)).first()
    if c is None:
        raise NotFound(f"Получатель «{code}» не найден", code="contact_not_found")
    return c


@router.get("", response_model=list[ContactOut], dependencies=READ, summary="Получатели уведомлений")
def list_contacts(position: Position | None = None, active: bool | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200, offset: Annotated[int, Query(ge=0)] = 0,
                  session: Session = Depends(get_session)) -> list[ContactOut]:
    q = select(Contact)
    if position is not None:
        q = q.where(Contact.position == position)
    if active is not None:
        q = q.where(Contact.is_active == active)
    return [ContactOut.of(c) for c in session.exec(q.order_by(col(Contact.id)).offset(offset).limit(limit)).all()]


@router.get("/{code}", response_model=ContactOut, dependencies=READ, summary="Получатель уведомлений")
def get_contact(code: Code, session: Session = Depends(get_session)) -> ContactOut:
    return ContactOut.of(_get(session, code))


@router.post("", response_model=ContactOut, status_code=status.HTTP_201_CREATED, dependencies=WRITE,
             summary="Добавить получателя", responses=error_responses(409))
def create_contact(data: ContactIn, session: Session = Depends(get_session)) -> ContactOut:
    if session.exec(select(Contact.id).where(Contact.code == data.code)).first() is not None:
        raise Conflict(f"Получатель с кодом «{data.code}» уже есть", code="contact_exists")
    c = Contact.model_validate(data.model_dump())
    _check(session, c)
    session.add(c)
    session.commit()
    session.refresh(c)
    return ContactOut.of(c)


@router.patch("/{code}", response_model=ContactOut, dependencies=WRITE, summary="Изменить получателя")
def update_contact(data: ContactPatch, code: Code, session: Session = Depends(get_session)) -> ContactOut:
    c = _get(session, code)
    for k, v in data.model_dump(exclude_unset=True).items():
        if v is None and k not in ("body_code", "person_id"):
            continue
        setattr(c, k, v)
    c.updated_at = utcnow()
    _check(session, c)
    session.add(c)
    session.commit()
    session.refresh(c)
    return ContactOut.of(c)
