"""The notification outbox: every :class:`domain.notifications.NotificationEvent` once, by its ``key``.

Workflows (through the ``notify`` activity), schedules and registry changes record events here; delivery
(``activities/delivery``) resolves the recipients and delivers each (event, recipient, channel) once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from domain.notifications import NotificationEvent
from models.registry import utcnow


class NotificationEventRow(SQLModel, table=True):
    __tablename__ = "notification_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True, index=True)
    kind: str = Field(max_length=40, index=True)
    audience: str = Field(max_length=40)
    workflow_id: str | None = Field(default=None, max_length=300, index=True)
    body: str | None = Field(default=None, max_length=40, index=True)
    urgent: bool = False
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(index=True)
    recorded_at: datetime = Field(default_factory=utcnow)

    def to_event(self) -> NotificationEvent:
        return NotificationEvent(key=self.key, kind=self.kind, audience=self.audience,
                                 workflow_id=self.workflow_id, body=self.body, urgent=self.urgent,
                                 data=dict(self.data), created_at=self.created_at)


def record_events(session: Session, events: Iterable[NotificationEvent]) -> list[str]:
    """Insert the events not yet recorded (by ``key``); returns the keys that are new. Commits."""
    rows = [{"key": e.key, "kind": e.kind.value, "audience": e.audience, "workflow_id": e.workflow_id,
             "body": e.body, "urgent": e.is_urgent(), "data": e.data, "created_at": e.created_at,
             "recorded_at": utcnow()} for e in events]
    if not rows:
        return []
    table = NotificationEventRow.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    stmt = ins.values(rows).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)
    new = [r[0] for r in session.execute(stmt)]
    session.commit()
    return new
