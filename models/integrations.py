"""Integration inboxes. ``vk_event``: every VK Callback API event Otklik accepted, by its ``event_id``.

VK delivers an event again when it did not get ``ok`` in time, so the ``event_id`` is unique here and a
repeat is ignored. An event is stored *before* the workflow is started (``status = pending``) and marked
``started`` once Temporal accepted the start: an event whose start failed or timed out stays pending and is
started again on the next callback or at API start — nothing answered ``ok`` is lost.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.registry import utcnow


class VkEventStatus(StrEnum):
    pending = "pending"  # stored; the workflow is not known to have started yet
    started = "started"  # Temporal accepted the start (or the message already had its workflow)
    invalid = "invalid"  # the object did not match VK's schema: kept for the record, never started


class VkEvent(SQLModel, table=True):
    __tablename__ = "vk_event"
    __table_args__ = (Index("ix_vk_event_status_received", "status", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=100, unique=True, index=True)
    group_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    type: str = Field(max_length=40)
    payload: str = Field(sa_type=Text, description="The request body exactly as received (evidence, P14)")
    status: str = Field(default=VkEventStatus.pending.value, max_length=20)
    workflow_id: str | None = Field(default=None, max_length=300)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    received_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
