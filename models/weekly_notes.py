"""P16: the stored weekly analytic notes — one row per ISO week (the whole note and each deputy's part, as JSON).

Regenerating a week **replaces** its row (same ``week``, new ``generated_at`` and data): the note always shows
the read model as of its last generation; who was notified is the outbox's business (keys per week).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from domain.weekly_note import WeeklyReport
from models.registry import utcnow


class WeeklyNoteRow(SQLModel, table=True):
    __tablename__ = "weekly_note"

    id: int | None = Field(default=None, primary_key=True)
    week: str = Field(max_length=10, unique=True)  # ISO week, "2026-W48"
    period_start: datetime = Field(index=True)
    period_end: datetime
    generated_at: datetime
    summary: str = Field(default="", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)

    def report(self) -> WeeklyReport:
        return WeeklyReport.model_validate(self.data)


def store_report(session: Session, report: WeeklyReport) -> WeeklyNoteRow:
    """Insert the week's note, or replace the stored one (idempotent: one row per week)."""
    n = report.note
    row = session.exec(select(WeeklyNoteRow).where(WeeklyNoteRow.week == n.week)).first()
    if row is None:
        row = WeeklyNoteRow(week=n.week, period_start=n.period_start, period_end=n.period_end,
                            generated_at=n.generated_at)
    row.period_start, row.period_end, row.generated_at = n.period_start, n.period_end, n.generated_at
    row.summary = n.summary[:2000]
    row.data = report.model_dump(mode="json")
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def find_report(session: Session, week: str) -> WeeklyNoteRow | None:
    return session.exec(select(WeeklyNoteRow).where(WeeklyNoteRow.week == week)).first()


def list_reports(session: Session, limit: int = 100) -> list[WeeklyNoteRow]:
    return list(session.exec(select(WeeklyNoteRow).order_by(col(WeeklyNoteRow.period_start).desc()).limit(limit)).all())
