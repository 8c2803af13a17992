"""What delivery workflows pass around: plans, jobs, digest entries. Pure data (workflow-safe).

A *job* is one send on one channel to one recipient: a single urgent event, or a digest of several
non-urgent ones. Its ``batch_key`` (the event key, or ``digest:<first event key>``) with the recipient and
channel gives the idempotency key every channel carries (Message-ID, webhook header, inbox row).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, Field

from domain.recipients import Channel
from domain.worktime import CalendarSnapshot

#: ``ApplicationError`` types a channel raises when retrying cannot help (activities/delivery/errors.py).
NON_RETRYABLE = ["InvalidAddress", "ChannelMisconfigured", "EventMissing"]


def idempotency_key(batch_key: str, recipient: str, channel: str) -> str:
    return hashlib.sha256(f"{batch_key}|{recipient}|{channel}".encode()).hexdigest()[:40]


class DeliveryItem(BaseModel):
    delivery_id: int
    recipient: str
    channel: Channel
    status: str = "pending"


class DeliveryPlan(BaseModel):
    event_key: str
    kind: str
    urgent: bool
    items: list[DeliveryItem] = Field(default_factory=list)


class DeliveryJob(BaseModel):
    batch_key: str
    recipient: str
    channel: Channel
    delivery_ids: list[int]


class DeliveryInput(BaseModel):
    """``DeliveryWorkflow`` (id ``notify-<event key>``): one recorded event to its recipients."""

    event_key: str
    timeout_seconds: int = 30
    digest_minutes: int = 15


class DigestEntry(BaseModel):
    event_key: str
    at: datetime
    items: list[DeliveryItem]


class DigestInput(BaseModel):
    """``DigestWorkflow`` (id ``digest-<recipient>``): non-urgent events for one person, merged within
    ``digest_minutes`` and released at the next working start of ``calendar``."""

    recipient: str
    calendar: CalendarSnapshot
    digest_minutes: int = 15
    timeout_seconds: int = 30
    pending: list[DigestEntry] = Field(default_factory=list)  # carried over continue-as-new
    seen: list[str] = Field(default_factory=list)


class EnqueueRequest(BaseModel):
    recipient: str
    entry: DigestEntry
    digest_minutes: int = 15
    timeout_seconds: int = 30
