"""Integration inboxes. ``vk_event``: every VK Callback API event Otklik accepted, by its ``event_id``.

VK delivers an event again when it did not get ``ok`` in time, so the ``event_id`` is unique here and a
repeat is ignored. The event is the raw record (the body exactly as received, P14 evidence, and events
that did not match VK's schema, ``invalid``); what it brings is a **candidate** (``models.candidates``),
recorded in the same transaction (``status = recorded``, ``candidate_id``). No workflow starts from an
event: a Curator takes the candidate (P7). ``pending`` / ``started`` are the statuses of events received
before candidates existed (migration ``0009_candidates_from_vk`` turned them into candidates).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from domain.candidates import CandidateIn
from models.candidates import Candidate, record_candidate
from models.registry import utcnow


class VkEventStatus(StrEnum):
    recorded = "recorded"  # its candidate is recorded (``candidate_id``)
    invalid = "invalid"  # the object did not match VK's schema: kept for the record, no candidate
    pending = "pending"  # before candidates: stored, the workflow not known to have started
    started = "started"  # before candidates: Temporal accepted the start (``workflow_id``)


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
    candidate_id: int | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    received_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None


def record_vk_event(session: Session, event_id: str, group_id: int, type_: str, payload: str,
                    cand: CandidateIn | None, error: str | None = None) -> tuple[VkEvent, Candidate | None, bool]:
    """Store the event (once per ``event_id``) and record its candidate; (event, candidate, candidate new).

    ``cand`` None: the object did not match VK's schema — the event is kept as ``invalid``. A repeated
    event whose candidate was not recorded yet (the process stopped in between) records it now.
    """
    existing = session.exec(select(VkEvent).where(VkEvent.event_id == event_id)).first()
    if existing is None:
        status = VkEventStatus.invalid if cand is None else VkEventStatus.pending
        event = VkEvent(event_id=event_id, group_id=group_id, type=type_, payload=payload, status=status.value,
                        last_error=error)
        session.add(event)
        try:
            session.commit()
        except IntegrityError:  # the same event arrived twice at once
            session.rollback()
            return session.exec(select(VkEvent).where(VkEvent.event_id == event_id)).one(), None, False
        session.refresh(event)
    else:
        event = existing
    if cand is None or event.status != VkEventStatus.pending.value:
        return event, None, False
    row, created = record_candidate(session, cand)
    event.status = VkEventStatus.recorded.value
    event.candidate_id = row.id
    event.attempts += 1
    session.add(event)
    session.commit()
    session.refresh(row)
    return event, row, created
