"""The read model of messages: what lists, filters and reports query (never the workflows).

Written only by the idempotent projection activities (``activities/messages.py``): a message row
upserted by ``workflow_id``, one event row per transition keyed by ``(workflow_id, seq)``, drafts and
deadlines upserted by their ids inside the workflow, and the
written notices to law enforcement (P14, one per message). Enumerations are plain strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.registry import utcnow


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("network", "external_id", name="uq_message_network_external_id"),
        Index("ix_message_state_next_deadline", "state", "next_deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=300, unique=True, index=True)
    network: str = Field(max_length=20)
    external_id: str = Field(max_length=200)
    post_id: str | None = Field(default=None, max_length=100)
    comment_id: str | None = Field(default=None, max_length=100)
    url: str = Field(max_length=1000)
    author_id: str = Field(max_length=100)
    author_name: str = Field(default="", max_length=300)
    author_url: str | None = Field(default=None, max_length=500)
    text: str = Field(default="", sa_type=Text)
    source: str = Field(max_length=20)
    state: str = Field(max_length=30, index=True)
    topic: str | None = Field(default=None, max_length=60, index=True)
    location: str | None = Field(default=None, max_length=40, index=True)
    importance: str | None = Field(default=None, max_length=20)
    bodies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    route_order: str | None = Field(default=None, max_length=20)
    publisher: str | None = Field(default=None, max_length=20)
    publishing_body: str | None = Field(default=None, max_length=40)
    posted_at: datetime | None = None
    detected_at: datetime = Field(index=True)
    next_deadline: datetime | None = None
    answer_due: datetime | None = None
    breached: bool = Field(default=False, index=True)
    breaches_count: int = 0
    held_by: str | None = Field(default=None, max_length=40, index=True)  # a body code or "tsur" (P15)
    significant: bool = Field(default=False, index=True)
    repeat_of: str | None = Field(default=None, max_length=300, index=True)
    outcome: str | None = Field(default=None, max_length=30)
    outcome_reason: str | None = Field(default=None, sa_type=Text)
    dismissed_after_routing: bool = False
    answer_url: str | None = Field(default=None, max_length=1000)
    closed_at: datetime | None = None
    events_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MessageBody(SQLModel, table=True):
    """Which bodies a message is (or was) routed to, with each body's status — for "my messages" lists."""

    __tablename__ = "message_body"
    __table_args__ = (UniqueConstraint("workflow_id", "body", name="uq_message_body"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=300, index=True)
    body: str = Field(max_length=40, index=True)
    status: str = Field(max_length=20)
    received_at: datetime | None = None
    accepted_at: datetime | None = None
    contributed_at: datetime | None = None
    published_at: datetime | None = None
    published_url: str | None = Field(default=None, max_length=1000)
    return_reason: str | None = Field(default=None, sa_type=Text)


class MessageEvent(SQLModel, table=True):
    __tablename__ = "message_event"
    __table_args__ = (UniqueConstraint("workflow_id", "seq", name="uq_message_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=300, index=True)
    seq: int
    at: datetime
    kind: str = Field(max_length=40)
    state: str = Field(max_length=30)
    actor_id: int | None = None
    actor_name: str | None = Field(default=None, max_length=200)
    actor_role: str | None = Field(default=None, max_length=20)
    actor_body: str | None = Field(default=None, max_length=40)
    body: str | None = Field(default=None, max_length=40)
    text: str = Field(default="", sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Draft(SQLModel, table=True):
    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("workflow_id", "draft_id", name="uq_draft"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=300, index=True)
    draft_id: str = Field(max_length=20)
    version: int
    kind: str = Field(max_length=20)
    body: str | None = Field(default=None, max_length=40, index=True)
    text: str = Field(sa_type=Text)
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    promised_date: date | None = None
    measures_taken: str | None = Field(default=None, sa_type=Text)
    status: str = Field(max_length=20)
    submitted_at: datetime
    submitted_by_id: int
    submitted_by_name: str = Field(max_length=200)
    reviewed_at: datetime | None = None
    reviewed_by_id: int | None = None
    reviewed_by_name: str | None = Field(default=None, max_length=200)
    return_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    return_comment: str | None = Field(default=None, sa_type=Text)
    published_at: datetime | None = None
    published_url: str | None = Field(default=None, max_length=1000)


class Deadline(SQLModel, table=True):
    __tablename__ = "deadline"
    __table_args__ = (
        UniqueConstraint("workflow_id", "deadline_id", name="uq_deadline"),
        Index("ix_deadline_status_due", "status", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=300, index=True)
    deadline_id: str = Field(max_length=40)
    step: str = Field(max_length=40, index=True)
    title: str = Field(max_length=300)
    rule: str = Field(max_length=20)
    body: str | None = Field(default=None, max_length=40, index=True)
    window: bool = False
    warning: bool = False
    warned: bool = False
    opened_at: datetime
    due: datetime
    closed_at: datetime | None = None
    status: str = Field(max_length=20)
    met: bool | None = None
    breached: bool = Field(default=False, index=True)
    used_minutes: int | None = None
    overrun_minutes: int | None = None
    escalated_to: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    held_by: str | None = Field(default=None, max_length=40, index=True)  # who held it when it slipped (P15)
    cause: str | None = Field(default=None, max_length=40)
    declared_at: datetime | None = None  # an unverified publication time an executor typed


class PoliceNotice(SQLModel, table=True):
    """P14: the written notice to law enforcement, with the evidence. One per message."""

    __tablename__ = "police_notice"

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=300, unique=True, index=True)
    number: str = Field(max_length=60, unique=True)
    agency: str = Field(max_length=300)
    ground: str = Field(max_length=20)
    reason: str = Field(sa_type=Text)
    curator_id: int
    curator_name: str = Field(max_length=200)
    message_url: str = Field(max_length=1000)
    document: str = Field(sa_type=Text)
    raw_payload: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    flagged_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
