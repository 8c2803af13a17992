"""Delivery records: one ``delivery`` row per (event, recipient, channel), the in-app inbox, P14 letters.

A delivery row is written when the recipients are resolved (``pending``), and moves to ``sent``, ``failed``
(the channel kept failing or the address is wrong — the inbox still has it) or ``skipped`` (the channel is
not configured on this installation). Its ``idem_key`` is the idempotency key the channel carries
(Message-ID, ``X-Otklik-Idempotency-Key``), so a retried or replayed delivery is never shown twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlalchemy.types import JSON
from sqlmodel import Field, SQLModel

from models.registry import utcnow


class DeliveryStatus:
    pending = "pending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"


STATUS_TITLES = {"pending": "ожидает отправки", "sent": "доставлено", "failed": "не доставлено",
                 "skipped": "канал не настроен"}


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("event_key", "recipient", "channel", name="uq_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=300, index=True)
    kind: str = Field(max_length=40)
    workflow_id: str | None = Field(default=None, max_length=300, index=True)
    recipient: str = Field(max_length=60, index=True)
    recipient_title: str = Field(default="", max_length=400)
    contact_id: int | None = Field(default=None, index=True)
    person_id: int | None = Field(default=None, index=True)
    channel: str = Field(max_length=20)
    address: str = Field(default="", max_length=500)
    urgent: bool = False
    status: str = Field(default=DeliveryStatus.pending, max_length=20, index=True)
    batch_key: str | None = Field(default=None, max_length=400)  # the job it went out in (a digest: many rows)
    idem_key: str | None = Field(default=None, max_length=100)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class InboxItem(SQLModel, table=True):
    __tablename__ = "inbox_item"
    __table_args__ = (UniqueConstraint("recipient", "event_key", name="uq_inbox_item"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=60, index=True)
    person_id: int | None = Field(default=None, index=True)
    event_key: str = Field(max_length=300)
    kind: str = Field(max_length=40)
    workflow_id: str | None = Field(default=None, max_length=300)
    urgent: bool = False
    subject: str = Field(max_length=500)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None


class PoliceLetter(SQLModel, table=True):
    """P14: the written notice as a letter (PDF) sent to a law-enforcement contact; delivery recorded."""

    __tablename__ = "police_letter"
    __table_args__ = (UniqueConstraint("notice_id", "recipient", name="uq_police_letter"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="police_notice.id", index=True)
    number: str = Field(max_length=60)
    recipient: str = Field(max_length=60)
    agency: str = Field(max_length=400)
    email: str = Field(max_length=200)
    message_id: str = Field(max_length=200)
    pdf_sha256: str = Field(max_length=64)
    attachments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sent_at: datetime = Field(default_factory=utcnow)
