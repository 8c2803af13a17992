"""The registry of recipients: who gets notifications, on which channels, for which kinds.

A *contact* is a position with its addresses: the head of ЦУР, a duty officer, the Head, the Chairman,
a deputy chairman with the portfolio of bodies they oversee (P16, P17), the Administration's contact, a
law-enforcement agency with the P14 grounds it takes, or a body's official. A contact may be linked to a
``person`` (who then reads the in-app inbox); people with the roles curator / executor / responsible and
no contact of their own are recipients too (their e-mail from the person row).

``load_registry`` turns the tables into the pure :class:`domain.recipients.RegistrySnapshot`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, String
from sqlmodel import Field, Session, SQLModel, select

from domain.recipients import (
    BodyInfo,
    Channel,
    Position,
    Recipient,
    RegistrySnapshot,
)
from models.registry import CODE_PATTERN, Body, Person, utcnow

ROLE_POSITIONS = {"curator": Position.tsur_curator, "executor": Position.body_executor,
                  "responsible": Position.body_responsible}


class ContactBase(SQLModel):
    code: str = Field(max_length=60, index=True, unique=True, schema_extra={"pattern": CODE_PATTERN})
    position: Position = Field(sa_type=String(30))
    title: str = Field(max_length=400, min_length=3, description="Должность или наименование органа")
    body_code: str | None = Field(default=None, max_length=40, description="Орган (для должностей органа)")
    portfolio_title: str = Field(default="", max_length=200,
                                 description="Курируемый блок: органы с тем же полем portfolio")
    portfolio_bodies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    grounds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                               description="Основания П14, по которым уведомляется орган (пусто — любые)")
    email: str = Field(default="", max_length=200)
    max_user_id: str = Field(default="", max_length=40)
    telegram_chat_id: str = Field(default="", max_length=40)
    webhook_url: str = Field(default="", max_length=500)
    preferences: dict[str, list[str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                              description="Вид уведомления (или *) → каналы")
    is_active: bool = True


class Contact(ContactBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    webhook_secret: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


def to_recipient(c: Contact) -> Recipient:
    addresses = {Channel.email: c.email, Channel.max: c.max_user_id, Channel.telegram: c.telegram_chat_id,
                 Channel.webhook: c.webhook_url}
    return Recipient(
        key=f"c{c.id}", contact_id=c.id, person_id=c.person_id, title=c.title, position=c.position,
        body=c.body_code, portfolio_title=c.portfolio_title, portfolio_bodies=list(c.portfolio_bodies),
        grounds=list(c.grounds), addresses={k: v for k, v in addresses.items() if v},
        preferences={k: [Channel(ch) for ch in v if ch in Channel.__members__] for k, v in c.preferences.items()},
    )


def load_registry(session: Session) -> RegistrySnapshot:
    """Every active contact, and every active curator / executor / responsible without a contact."""
    bodies = session.exec(select(Body)).all()
    by_id = {b.id: b for b in bodies}
    infos = {b.code: BodyInfo(code=b.code, name=b.name, short_name=b.short_name,
                              parent=by_id[b.parent_id].code if b.parent_id in by_id else None,
                              portfolio_title=b.portfolio) for b in bodies}
    contacts = session.exec(select(Contact).where(Contact.is_active)).all()
    recipients = [to_recipient(c) for c in contacts]
    linked = {c.person_id for c in contacts if c.person_id is not None}
    for p in session.exec(select(Person).where(Person.is_active)).all():
        if p.id in linked:
            continue
        body = by_id.get(p.body_id)
        for role in p.roles:
            pos = ROLE_POSITIONS.get(role)
            if pos is None:
                continue
            recipients.append(Recipient(
                key=f"p{p.id}:{pos.value}", person_id=p.id, title=p.position or p.full_name, position=pos,
                body=body.code if body else None,
                addresses={Channel.email: p.email} if p.email else {}))
    return RegistrySnapshot(recipients=recipients, bodies=infos)


# --- API schemas --------------------------------------------------------------------------------

def check_channels(v: dict[str, list[str]]) -> dict[str, list[str]]:
    known = {c.value for c in Channel}
    for kind, chans in v.items():
        bad = [c for c in chans if c not in known]
        if bad:
            raise ValueError(f"неизвестные каналы для «{kind}»: {', '.join(bad)}; допустимы: "
                             + ", ".join(sorted(known)))
    return v


class ContactIn(ContactBase):
    person_id: int | None = None
    webhook_secret: str = Field(default="", max_length=200)

    @field_validator("preferences")
    @classmethod
    def _channels(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        return check_channels(v)


class ContactPatch(SQLModel):
    title: str | None = Field(default=None, max_length=400, min_length=3)
    position: Position | None = None
    body_code: str | None = None
    portfolio_title: str | None = None
    portfolio_bodies: list[str] | None = None
    grounds: list[str] | None = None
    email: str | None = Field(default=None, max_length=200)
    max_user_id: str | None = Field(default=None, max_length=40)
    telegram_chat_id: str | None = Field(default=None, max_length=40)
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=200)
    preferences: dict[str, list[str]] | None = None
    person_id: int | None = None
    is_active: bool | None = None

    @field_validator("preferences")
    @classmethod
    def _channels(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        return None if v is None else check_channels(v)


class ContactOut(ContactBase):
    id: int
    person_id: int | None = None
    has_webhook_secret: bool = False

    @classmethod
    def of(cls, c: Contact) -> ContactOut:
        data: dict[str, Any] = c.model_dump(exclude={"webhook_secret", "created_at", "updated_at"}, warnings=False)
        return cls(**data, has_webhook_secret=bool(c.webhook_secret))
