"""The publication schedule of official accounts (the Order, items 3, 4, 7): ``publication_plan``, one row per
planned publication of an account — when, what (a title; ЦУР's material when ЦУР supplied it), who planned it,
and what became of it (``domain.publication_plan``): planned → published (the post's link and time, late or
not) / missed (the weekly check found no such post) / cancelled (with a reason)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlmodel import Field, Session, SQLModel, col, select

from domain.publication_plan import PlanSlot, PlanStatus
from models.registry import utcnow


class PlanItem(SQLModel, table=True):
    __tablename__ = "publication_plan"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="social_account.id", index=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    planned_at: datetime = Field(index=True)
    title: str = Field(max_length=200)
    material: str = Field(default="", sa_type=Text)
    source: str = Field(default="body", max_length=10)
    status: str = Field(default=PlanStatus.planned, max_length=20, index=True)
    post_url: str | None = Field(default=None, max_length=1000)
    published_at: datetime | None = None
    late: bool = False
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    person_id: int = Field(foreign_key="person.id", index=True)
    person_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    checked_at: datetime | None = None  # when the weekly check last judged it

    def slot(self) -> PlanSlot:
        return PlanSlot(id=self.id or 0, planned_at=self.planned_at, title=self.title, material=self.material)


def plan_items(session: Session, *, account_id: int | None = None, body_ids: set[int] | None = None,
               since: datetime | None = None, until: datetime | None = None, status: str | None = None,
               limit: int = 200, offset: int = 0) -> list[PlanItem]:
    q: Any = select(PlanItem)
    if account_id is not None:
        q = q.where(PlanItem.account_id == account_id)
    if body_ids is not None:
        q = q.where(col(PlanItem.body_id).in_(body_ids or {-1}))
    if since is not None:
        q = q.where(col(PlanItem.planned_at) >= since)
    if until is not None:
        q = q.where(col(PlanItem.planned_at) < until)
    if status is not None:
        q = q.where(PlanItem.status == status)
    return list(session.exec(q.order_by(col(PlanItem.planned_at), col(PlanItem.id)).offset(offset).limit(limit)).all())


def due_for_check(session: Session, account_id: int, start: datetime, end: datetime) -> list[PlanItem]:
    """The account's planned publications of [start, end) not yet published or cancelled (a missed one is
    judged again: its post may have come out since)."""
    return list(session.exec(select(PlanItem).where(
        PlanItem.account_id == account_id, col(PlanItem.planned_at) >= start, col(PlanItem.planned_at) < end,
        col(PlanItem.status).in_([PlanStatus.planned, PlanStatus.missed])).order_by(col(PlanItem.planned_at))).all())


def week_plan(session: Session, start: datetime, end: datetime) -> dict[int, list[PlanItem]]:
    """Each account's items planned in [start, end), cancelled ones left out, in planned order."""
    out: dict[int, list[PlanItem]] = {}
    for item in session.exec(select(PlanItem).where(
            col(PlanItem.planned_at) >= start, col(PlanItem.planned_at) < end,
            PlanItem.status != PlanStatus.cancelled).order_by(col(PlanItem.planned_at), col(PlanItem.id))).all():
        out.setdefault(item.account_id, []).append(item)
    return out
